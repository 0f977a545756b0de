/**
 * The live view: pumps camera frames to vision.worker (latest-frame-wins),
 * makes one recognise call per frame into memory.worker (which names the
 * embedded faces, records visits of known people and queues unknown faces),
 * and keeps what the overlay draws and announces what that call says.
 */
import { proxy, transfer, type Remote } from 'comlink';
import { FramePump } from '../camera/frame-pump';
import { forcedProvider } from '../diagnostics/provider-preference';
import { startWithDeadline } from '../workers/start-deadline';
import { describeError, handleError } from '../errors';
import { frameSeen, recogniseFrame, rememberRecognised } from '../live/frame-glue';
import { TrackIdentities } from '../live/track-identities';
import type { TrackState } from '../decision/decide';
import type { Candidate } from '../memory/base/types';
import type { RecognisedFace, RecogniseFace } from '../memory/actions/recognise';
import type { SecondModel } from '../memory/actions/second-opinion';
import type { EmbedderInfo } from '../vision/service';
import type { EncodedFace, EncodedFrame, VisionApi } from '../workers/vision.worker';
import type { MemoryState } from './memory.svelte';
import type { Toasts } from './toasts.svelte';

export interface LiveFace {
  trackId: number;
  /** Box as fractions of the frame (0…1), so the overlay scales with the video. */
  x: number;
  y: number;
  w: number;
  h: number;
  personId: number | null;
  name: string | null;
  similarity: number | null;
  topK: Candidate[];
  /** Not embedded yet: the name is not known either way. */
  pending: boolean;
  /** The track's vote: "…" while identifying, "Not sure" in the band, the name once named. */
  state: TrackState;
  /**
   * Why the track's last crop could not vote (the quality gate: "the face is
   * blurred"), shown on a box that has no answer yet; null when it could.
   */
  hint: string | null;
}

type VisionStatus = 'idle' | 'loading' | 'ready' | 'error';

/**
 * How long the models may take to start before the vision worker is taken for
 * hung and started again (workers/start-deadline.ts). Measured starts: about
 * 2 s in Chromium and Firefox on these 2-core machines, up to 12 s under load;
 * WebKitGTK on one thread is the slowest engine here.
 */
const VISION_START_DEADLINE_MS = 30_000;

export class LiveState {
  faces = $state.raw<LiveFace[]>([]);
  lastFaces = $state.raw<LiveFace[]>([]);
  paused = $state(false);
  fps = $state(0);
  /** Faces embedded (and so looked up in the memory) since the page opened. */
  embedded = $state(0);
  visionStatus = $state<VisionStatus>('idle');
  visionError = $state<string | null>(null);
  model = $state.raw<EmbedderInfo | null>(null);
  detectorProvider = $state<string | null>(null);
  /** A WebGPU → WASM fallback happened; the message says why. */
  fallbackMessage = $state<string | null>(null);
  /** Milliseconds of detection and embedding for the last frame. */
  detectMs = $state(0);
  embedMs = $state(0);

  #identities = new TrackIdentities();
  #pump: FramePump<ImageBitmap> | null = null;
  #video: HTMLVideoElement | null = null;
  #fpsTimer: ReturnType<typeof setInterval> | null = null;
  /** Each frame's decisions, as recognise gave them (the arrival alerts read them). */
  onRecognised: ((faces: RecognisedFace[]) => void) | null = null;
  /** trackId → why its last embedded crop failed the quality gate. */
  readonly #gateWhy = new Map<number, string>();
  /** The second opinion for look-alikes (decision/second-opinion.ts); null: off (the default). */
  #second: SecondModel | null = null;

  constructor(
    private readonly vision: Remote<VisionApi>,
    private readonly memory: MemoryState,
    private readonly toasts: Toasts,
    /** Ends a hung vision worker and starts a fresh one (see workers/start-deadline.ts). */
    private readonly restartVision: () => void = () => undefined,
  ) {}

  /** Loads the models (once). */
  async loadVision(): Promise<void> {
    if (this.visionStatus === 'loading' || this.visionStatus === 'ready') return;
    this.visionStatus = 'loading';
    try {
      this.model = await startWithDeadline(
        ({ attempt }) =>
          this.vision.init(
            new URL(import.meta.env.BASE_URL, location.href).href,
            proxy((message: string) => {
              this.fallbackMessage = message;
              this.toasts.show(message, 'info');
            }),
            forcedProvider(),
            attempt === 0 ? undefined : 1,
          ),
        () => {
          this.restartVision();
          this.toasts.show(
            `The face models had not started after ${VISION_START_DEADLINE_MS / 1000} s; starting them again, on one thread.`,
            'info',
          );
        },
        VISION_START_DEADLINE_MS,
      );
      this.detectorProvider = (await this.vision.locatorProvider()) ?? null;
      this.visionStatus = 'ready';
    } catch (error) {
      this.visionStatus = 'error';
      this.visionError = describeError(error);
      handleError(error, 'Loading the face models');
    }
  }

  /** Starts processing the frames of this video element. */
  attach(video: HTMLVideoElement): void {
    this.detach();
    this.#video = video;
    this.#pump = new FramePump<ImageBitmap>({
      grab: () => this.#grab(),
      process: (bitmap) => this.#process(bitmap),
      schedule: (tick) => scheduleFrame(video, tick),
      onError: (error) => handleError(error, 'Recognising faces'),
    });
    if (!this.paused) this.#pump.start();
    this.#fpsTimer = setInterval(() => (this.fps = this.#pump?.fps() ?? 0), 500);
  }

  detach(): void {
    this.#pump?.stop();
    this.#pump = null;
    this.#video = null;
    if (this.#fpsTimer) clearInterval(this.#fpsTimer);
    this.#fpsTimer = null;
    // What was in view when the live view closed (the settings' threshold preview uses it).
    if (this.faces.some((f) => !f.pending)) this.lastFaces = this.faces.filter((f) => !f.pending);
    this.faces = [];
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    if (paused) this.#pump?.stop();
    else this.#pump?.start();
  }

  /**
   * The memory changed (label, merge, rename, delete, model switch): forget
   * what each track was and embed every face again on the next frame.
   */
  async memoryChanged(): Promise<void> {
    this.#identities.clear();
    this.faces = this.faces.map((f) => ({ ...f, pending: true }));
    if (this.visionStatus === 'ready') await this.vision.resetTracker();
  }

  /**
   * Turns the second opinion for look-alikes on with a bundled embedder
   * (`modelId`, e.g. dlib's), or off (null). It names a face only where the
   * memory holds that model's vectors of both people the primary is not sure
   * between (a model switch's re-embedding stores them and keeps them), and
   * the vision worker runs it only on those faces. Off by default: the
   * settings' second opinion turns it on (state/second-opinion.svelte.ts).
   * Returns the second model loaded (its dimension is known only then), or null.
   */
  async setSecondOpinion(
    cfg: { modelId: string; upper: number; minMargin: number } | null,
  ): Promise<{ id: string; dim: number } | null> {
    const loaded = await this.vision.useSecondEmbedder(cfg?.modelId ?? null);
    this.#second = cfg && loaded ? { ...cfg, modelId: loaded.id, dim: loaded.dim } : null;
    await this.memoryChanged();
    return this.#second && loaded;
  }

  /**
   * "Not this person" on a named live box: the memory stores the track's last
   * face as not that person (a negative), and every track is forgotten so the
   * next frame embeds and decides again; that face is then no longer the person.
   */
  async notThisPerson(face: LiveFace): Promise<void> {
    if (face.personId === null) return;
    const name = face.name ?? 'this person';
    try {
      await this.memory.api.notThisPerson({ trackId: face.trackId }, face.personId);
    } catch (error) {
      handleError(error, `Marking the face as not ${name}`);
      return;
    }
    this.faces = this.faces.map((f) =>
      f.trackId === face.trackId ? { ...f, personId: null, name: null, pending: true } : f,
    );
    await this.memoryChanged();
    this.toasts.announce(`Noted: that face is not ${name}.`);
  }

  async #grab(): Promise<ImageBitmap | null> {
    const v = this.#video;
    if (this.visionStatus !== 'ready' || !this.memory.ready) return null;
    if (!v || v.readyState < 2 || v.videoWidth === 0) return null;
    return createImageBitmap(v);
  }

  async #process(bitmap: ImageBitmap): Promise<void> {
    const nowMs = performance.now();
    const frame = await this.vision.processFrame(transfer(bitmap, [bitmap]), Date.now());
    this.detectMs = frame.detectMs;
    this.embedMs = frame.embedMs;
    const embedded = frame.faces.filter((f) => f.embedding);
    if (embedded.length) {
      await this.#recognise(embedded, nowMs);
      this.embedded += embedded.length;
    }
    frameSeen(this.#identities, frame.faces, nowMs);
    for (const f of embedded) {
      if (f.quality && !f.quality.ok) this.#gateWhy.set(f.trackId, f.quality.why);
      else this.#gateWhy.delete(f.trackId);
    }
    const inFrame = new Set(frame.faces.map((f) => f.trackId));
    for (const id of this.#gateWhy.keys()) if (!inFrame.has(id)) this.#gateWhy.delete(id);
    if (this.paused) return;
    this.faces = frame.faces.map((f) => this.#view(frame, f));
  }

  /**
   * One memory call for the frame's embedded faces (and, with the second opinion
   * on, a second one for those not sure between two people): it decides, this
   * only keeps and says the result.
   */
  async #recognise(faces: EncodedFace[], nowMs: number): Promise<void> {
    const embedded = faces.map((f) => ({ ...f, embedding: f.embedding! }));
    const second = this.#second;
    const recognise = (input: RecogniseFace[], taken?: number[]) =>
      this.memory.api.recognise(
        transfer(input, [
          ...new Set(
            input.flatMap((f) =>
              [f.embedding, f.second?.embedding].flatMap((e) =>
                e instanceof Float32Array ? [e.buffer as ArrayBuffer] : [],
              ),
            ),
          ),
        ]),
        Date.now(),
        { ...(second ? { secondOpinion: second } : {}), ...(taken ? { taken } : {}) },
      );
    const recognised = await recogniseFrame(embedded, this.#identities, {
      recognise,
      second: second ? (trackId) => this.vision.secondEmbedding(trackId) : undefined,
    });
    rememberRecognised(this.#identities, faces, recognised, nowMs);
    for (const r of recognised) if (r.announce) this.toasts.announce(r.announce);
    this.onRecognised?.(recognised);
    if (recognised.some((r) => r.queued)) this.memory.changed('queue');
  }

  #view(frame: EncodedFrame, f: EncodedFace): LiveFace {
    const id = this.#identities.get(f.trackId);
    return {
      trackId: f.trackId,
      x: f.box.x1 / frame.width,
      y: f.box.y1 / frame.height,
      w: (f.box.x2 - f.box.x1) / frame.width,
      h: (f.box.y2 - f.box.y1) / frame.height,
      personId: id?.personId ?? null,
      name: id?.name ?? null,
      similarity: id ? id.similarity : null,
      topK: id?.topK ?? [],
      pending: !id,
      state: id?.state ?? 'identifying',
      hint: !id || id.state === 'identifying' ? (this.#gateWhy.get(f.trackId) ?? null) : null,
    };
  }
}

/** One tick per new video frame where the browser says so, else per display frame. */
function scheduleFrame(video: HTMLVideoElement, tick: () => void): () => void {
  if ('requestVideoFrameCallback' in video) {
    const handle = video.requestVideoFrameCallback(() => tick());
    return () => video.cancelVideoFrameCallback(handle);
  }
  const handle = requestAnimationFrame(() => tick());
  return () => cancelAnimationFrame(handle);
}
