/**
 * The settings' "second opinion for look-alikes": the live view loads the dlib
 * model beside the one in use (LiveState.setSecondOpinion), and the memory
 * gets dlib vectors of the known people's stored crops, so the tie-break has
 * something to compare with. Those are made as a model switch makes them
 * (vision/reembed-all.ts with the model staged, stored beside the open
 * model's vectors: memory/actions/reembed.ts steps 1 and 2), but never
 * adopted: the model in use does not change.
 *
 * Preparing plans first and loads nothing when every sample has its dlib
 * vector, so applying at every start is cheap; samples labelled later are
 * prepared the next time it is applied (start, turned on, "Prepare").
 */
import { transfer } from 'comlink';
import { describeError, isAbort } from '../errors';
import { secondOpinionConfig } from '../live/second-opinion-setting';
import { reembedAll, type ReembedProgress } from '../vision/reembed-all';
import type { AppState } from './app.svelte';

/** off: not in use (the setting, or dlib is the model in use); loading: the model; preparing: vectors. */
type SecondPhase = 'off' | 'loading' | 'preparing' | 'on' | 'failed';

export class SecondOpinionState {
  phase = $state<SecondPhase>('off');
  progress = $state.raw<ReembedProgress | null>(null);
  /** Samples the last preparation could not give a dlib vector (no face found in the crop). */
  notFound = $state(0);
  error = $state<string | null>(null);
  #abort: AbortController | null = null;
  #run: Promise<void> = Promise.resolve();

  constructor(private readonly app: AppState) {}

  get enabled(): boolean {
    return this.app.settings.data.secondOpinion;
  }

  /** Loading or preparing: the staged model slot is in use (a model switch waits). */
  get busy(): boolean {
    return this.phase === 'loading' || this.phase === 'preparing';
  }

  /** Turns it on or off (stored), then applies it. Never throws. */
  async setEnabled(on: boolean): Promise<void> {
    this.app.settings.update({ secondOpinion: on });
    await this.apply();
  }

  /**
   * Applies the setting to the live view and prepares the missing vectors: at
   * start, on a change, after a model switch. One at a time; a newer call
   * stops the one running. Never throws: the outcome is in the state.
   */
  apply(): Promise<void> {
    if (this.#abort) {
      this.#abort.abort();
      void this.app.vision.cancelStaged();
    }
    const abort = (this.#abort = new AbortController());
    const run = this.#run.then(() => this.#apply(abort.signal));
    this.#run = run;
    return run;
  }

  async #apply(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const { live, memory } = this.app;
    const cfg = secondOpinionConfig(this.enabled, live.model?.id);
    this.error = null;
    this.progress = null;
    try {
      if (!cfg) {
        this.phase = 'off';
        await live.setSecondOpinion(null);
        return;
      }
      this.phase = 'loading';
      const second = await live.setSecondOpinion(cfg);
      signal.throwIfAborted();
      if (second && memory.ready && !this.app.modelSwitch.busy) {
        await this.#prepare(second, signal);
      }
      this.phase = 'on';
    } catch (error) {
      if (signal.aborted || isAbort(error)) return; // a newer call follows
      this.phase = 'failed';
      this.error = describeError(error);
    } finally {
      if (this.#abort?.signal === signal) this.#abort = null;
    }
  }

  /** The known people's crops embedded with the second model and stored, without adopting it. */
  async #prepare(second: { id: string; dim: number }, signal: AbortSignal): Promise<void> {
    const { vision } = this.app;
    const api = this.app.memory.api;
    const { id, dim } = second;
    // Queued faces are not embedded: only known people's vectors break ties.
    const plan = async () => ({ ...(await api.planReembed(id, dim)), queued: [] });
    if (!(await plan()).todo.length) return;
    this.phase = 'preparing';
    try {
      await vision.stageEmbedder(id);
      signal.throwIfAborted();
      const run = await reembedAll(
        {
          plan,
          sampleCrop: (sampleId) => api.getSampleCrop(sampleId),
          queuedCrop: async () => undefined,
          decode: (crop) => createImageBitmap(crop),
          embed: (bitmap) => vision.embedStaged(transfer(bitmap, [bitmap])),
          store: (entries) =>
            api.storeReembedded(
              id,
              dim,
              transfer(
                entries,
                entries.map((e) => e.embedding.buffer as ArrayBuffer),
              ),
            ),
        },
        { signal, onProgress: (p) => (this.progress = p) },
      );
      this.notFound = run.notFound.length;
    } finally {
      await vision.discardStaged().catch(() => undefined);
    }
    // The live view looks at every face again, now with the vectors.
    await this.app.live.memoryChanged();
  }
}
