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
 * vector, so applying at every start is cheap; samples labelled while it is
 * on are prepared a moment later (`labelled`, after the memory's change).
 */
import { transfer } from 'comlink';
import { describeError, isAbort } from '../errors';
import { secondOpinionConfig } from '../live/second-opinion-setting';
import { reembedAll, type ReembedProgress } from '../vision/reembed-all';
import type { AppState } from './app.svelte';

/** off: not in use (the setting, or dlib is the model in use); loading: the model; preparing: vectors. */
type SecondPhase = 'off' | 'loading' | 'preparing' | 'on' | 'failed';

/** Labels often come in a row (a queue worked through): prepared together, this long after the last. */
const LABEL_DELAY_MS = 2_000;

export class SecondOpinionState {
  phase = $state<SecondPhase>('off');
  progress = $state.raw<ReembedProgress | null>(null);
  /** Samples the last preparation could not give a dlib vector (no face found in the crop). */
  notFound = $state(0);
  error = $state<string | null>(null);
  #abort: AbortController | null = null;
  #run: Promise<void> = Promise.resolve();
  /** The second model the live view loaded (null: off). */
  #loaded: { id: string; dim: number } | null = null;
  #later: ReturnType<typeof setTimeout> | undefined;
  /** Samples whose crop the second model found no face in, this session. */
  readonly #noFace = new Set<number>();

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
    clearTimeout(this.#later);
    const abort = (this.#abort = new AbortController());
    return this.#queue(() => this.#apply(abort.signal));
  }

  /**
   * The memory's people changed (labels, an import): while it is on, samples
   * without a dlib vector get one, a moment after the last change. Never throws.
   */
  labelled(): void {
    if (this.phase !== 'on') return;
    clearTimeout(this.#later);
    this.#later = setTimeout(() => {
      const abort = (this.#abort ??= new AbortController());
      void this.#queue(() => this.#prepareMore(abort.signal));
    }, LABEL_DELAY_MS);
  }

  #queue(step: () => Promise<void>): Promise<void> {
    const run = this.#run.then(step);
    this.#run = run;
    return run;
  }

  async #prepareMore(signal: AbortSignal): Promise<void> {
    const second = this.#loaded;
    if (signal.aborted || this.phase !== 'on' || !second || !this.#canPrepare) return;
    try {
      await this.#prepare(second, signal);
      this.phase = 'on';
    } catch (error) {
      if (signal.aborted || isAbort(error)) return;
      this.phase = 'failed';
      this.error = describeError(error);
    } finally {
      if (this.#abort?.signal === signal) this.#abort = null;
    }
  }

  /** The memory can take vectors and the staged slot is free. */
  get #canPrepare(): boolean {
    const { memory, modelSwitch } = this.app;
    return memory.ready && !memory.readOnly && !modelSwitch.busy;
  }

  async #apply(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const { live } = this.app;
    const cfg = secondOpinionConfig(this.enabled, live.model?.id);
    this.error = null;
    this.progress = null;
    try {
      if (!cfg) {
        this.phase = 'off';
        this.#loaded = null;
        await live.setSecondOpinion(null);
        return;
      }
      this.phase = 'loading';
      const second = (this.#loaded = await live.setSecondOpinion(cfg));
      signal.throwIfAborted();
      if (second && this.#canPrepare) await this.#prepare(second, signal);
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
    // Queued faces are not embedded: only known people's vectors break ties. Crops dlib
    // found no face in are tried once a session, not again after every label.
    const plan = async () => {
      const p = await api.planReembed(id, dim);
      return { ...p, todo: p.todo.filter((t) => !this.#noFace.has(t.sampleId)), queued: [] };
    };
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
      for (const t of run.notFound) this.#noFace.add(t.sampleId);
      this.notFound = this.#noFace.size;
    } finally {
      await vision.discardStaged().catch(() => undefined);
    }
    // The live view looks at every face again, now with the vectors.
    await this.app.live.memoryChanged();
  }
}
