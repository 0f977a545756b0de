/**
 * Everything vision.worker does, as a plain class: load the bundled models,
 * process camera frames (detect every frame, embed only what the tracker
 * asks for), embed still images, switch embedders. The worker is a Comlink
 * shell around one instance; tests and tools use it directly.
 */
import { cropQuality, type CropQuality } from './quality';
import { area, type Detection } from './box';
import { Embedder, type FaceGeometry } from './embedder';
import type { DetectOptions } from './detector';
import { ModelError } from './errors';
import type { Rect, RgbaImage } from './image';
import { FaceLocator } from './locator';
import { filesFromPicked, type DownloadOptions } from './model-store';
import type { ModelFiles, Provider, SessionEnv } from './ort-session';
import {
  BUNDLED_EMBEDDER_ID,
  getEmbedderSpec,
  type BundledFile,
  type EmbedderSpec,
} from './registry';
import { faceThumbnail } from './thumbnail';
import { FaceTracker, type TrackerOptions } from './tracker';

/** Where model bytes come from: the app (fetch) or Node (files). */
export interface ModelSource {
  bundled(file: BundledFile): Promise<ModelFiles>;
  remote(url: string, opts: DownloadOptions): Promise<ModelFiles>;
}

export interface EmbedderInfo {
  id: string;
  displayName: string;
  dim: number;
  thresholdCosine: number;
  lowerCosine: number;
  provider: Provider;
  origin: 'bundled' | 'download' | 'file';
  licence: EmbedderSpec['licence'];
}

export interface FrameFace {
  trackId: number;
  box: Rect;
  score: number;
  isNew: boolean;
  /** Present when this frame embedded the face (new, moved, or due for a refresh). */
  embedding?: Float32Array;
  /** The face image to store with the embedding (see thumbnail.ts). */
  crop?: RgbaImage;
  /** The quality gate's verdict on the embedded crop (quality.ts); present with `embedding`. */
  quality?: CropQuality;
}

export interface FrameResult {
  /** Size of the processed image: boxes are in its pixels. */
  width: number;
  height: number;
  faces: FrameFace[];
  embedderId: string;
  detectMs: number;
  embedMs: number;
}

export interface StillFace {
  box: Rect;
  score: number;
  embedding: Float32Array;
  crop: RgbaImage;
  /** The quality gate's verdict (quality.ts); a photo's rejected faces are not enrolled. */
  quality?: CropQuality;
}

/** The second embedder's embedding of one face (a second opinion for look-alikes). */
export interface SecondEmbedding {
  modelId: string;
  embedding: Float32Array;
  /** Time of its alignment + preprocessing + model run. */
  ms: number;
}

export class VisionService {
  #locator?: FaceLocator;
  #embedder?: Embedder;
  /**
   * A second embedder, for a second opinion on look-alikes (decision/second-opinion.ts),
   * and the last frame with the geometry of the faces it embedded, kept only while
   * one is loaded: the second model embeds the same face of the same frame, with
   * its own alignment, only when the memory asks for it.
   */
  #second?: Embedder;
  #lastFrame?: { img: RgbaImage; faces: Map<number, FaceGeometry> };
  #origin: EmbedderInfo['origin'] = 'bundled';
  #tracker: FaceTracker;
  #load?: AbortController;
  /** Settles when the frame being processed is done (a replaced model is released only then). */
  #busy: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly env: SessionEnv,
    private readonly source: ModelSource,
    private readonly opts: {
      tracker?: Partial<TrackerOptions>;
      detect?: Partial<DetectOptions>;
      /**
       * Providers for the detector and landmarks. Default: the env's without
       * WebGPU. In Chromium 156 (SwiftShader) UltraFace's WebGPU Mul kernel
       * failed at run time, and 1 MB models gain little from a GPU round trip;
       * the embedder still gets WebGPU first.
       */
      locatorProviders?: readonly Provider[];
    } = {},
  ) {
    this.#tracker = new FaceTracker(opts.tracker);
  }

  /**
   * Loads the bundled detector, landmarks and embedder. The three files are
   * fetched at once (the embedder's 4.9 MB used to wait for the locator's
   * sessions: ~150 ms of a warm start); the sessions still open one by one,
   * since ORT initialises a backend on its first session and two first
   * sessions at once (WASM and WebGPU) race that.
   */
  async init(): Promise<EmbedderInfo> {
    const embedderFile = getEmbedderSpec(BUNDLED_EMBEDDER_ID)?.source;
    if (!this.#embedder && embedderFile?.kind === 'bundled') this.#prefetch(embedderFile.file);
    if (!this.#locator) {
      const [detect, landmark] = await Promise.all([
        this.#bundled('fr_detect.onnx'),
        this.#bundled('fr_landmark.onnx'),
      ]);
      this.#locator = await FaceLocator.load(detect, landmark, this.#locatorEnv());
    }
    if (!this.#embedder) await this.useEmbedder(BUNDLED_EMBEDDER_ID);
    return this.info()!;
  }

  /** Bundled files being fetched ahead of their use (init), taken by #bundled. */
  readonly #prefetched = new Map<BundledFile, Promise<ModelFiles>>();

  #prefetch(file: BundledFile): void {
    if (this.#prefetched.has(file)) return;
    const p = this.source.bundled(file);
    p.catch(() => undefined); // reported when taken
    this.#prefetched.set(file, p);
  }

  #bundled(file: BundledFile): Promise<ModelFiles> {
    const p = this.#prefetched.get(file);
    this.#prefetched.delete(file);
    // A prefetch that failed is tried once more (init again after an error): the error then is current.
    return p ? p.catch(() => this.source.bundled(file)) : this.source.bundled(file);
  }

  #locatorEnv(): SessionEnv {
    const wanted = this.opts.locatorProviders ?? this.env.providers.filter((p) => p !== 'webgpu');
    return wanted.length ? { ...this.env, providers: wanted } : this.env;
  }

  /** Which provider runs the detector (the embedder's is in info()). */
  locatorProvider(): Provider | undefined {
    return this.#locator?.detector.provider;
  }

  info(): EmbedderInfo | undefined {
    const e = this.#embedder;
    if (!e) return undefined;
    const { id, displayName, thresholdCosine, lowerCosine, licence } = e.spec;
    return {
      id,
      displayName,
      dim: e.dim,
      thresholdCosine,
      lowerCosine,
      licence,
      provider: e.session.provider,
      origin: this.#origin,
    };
  }

  #ready(): { locator: FaceLocator; embedder: Embedder } {
    if (!this.#locator || !this.#embedder) throw new Error('VisionService.init() first');
    return { locator: this.#locator, embedder: this.#embedder };
  }

  /** Detects every face; embeds (with its crop) only those the tracker says need it. */
  processFrame(img: RgbaImage, nowMs: number): Promise<FrameResult> {
    const job = this.#processFrame(img, nowMs);
    this.#busy = job.catch(() => undefined);
    return job;
  }

  async #processFrame(img: RgbaImage, nowMs: number): Promise<FrameResult> {
    const { locator, embedder } = this.#ready();
    const t0 = performance.now();
    const boxes = await locator.detect(img, this.opts.detect);
    const t1 = performance.now();
    const faces: FrameFace[] = [];
    const geometry = new Map<number, FaceGeometry>();
    for (const t of this.#tracker.update(boxes, nowMs)) {
      const f: FrameFace = {
        trackId: t.trackId,
        box: rect(t.face),
        score: t.face.score,
        isNew: t.isNew,
      };
      if (t.needsEmbedding) {
        const { five, dlibFive } = await locator.points(img, t.face);
        f.embedding = await embedder.embed(img, { box: t.face, five, dlibFive });
        if (this.#second) geometry.set(t.trackId, { box: t.face, five, dlibFive });
        f.quality = cropQuality(img, { box: f.box, score: f.score, five });
        f.crop = faceThumbnail(img, t.face);
        this.#tracker.markEmbedded(t.trackId, nowMs);
      }
      faces.push(f);
    }
    this.#lastFrame = this.#second ? { img, faces: geometry } : undefined;
    return {
      width: img.width,
      height: img.height,
      faces,
      embedderId: embedder.spec.id,
      detectMs: t1 - t0,
      embedMs: performance.now() - t1,
    };
  }

  /**
   * The largest face of a still image (a photo to enrol, or a stored crop to
   * re-embed with another model); undefined when there is none.
   */
  async embedStill(img: RgbaImage): Promise<StillFace | undefined> {
    const { locator, embedder } = this.#ready();
    const faces = await locator.locate(img, this.opts.detect);
    const face = faces.sort((a, b) => area(b) - area(a))[0];
    if (!face) return undefined;
    return {
      box: rect(face),
      score: face.score,
      embedding: await embedder.embed(img, face),
      crop: faceThumbnail(img, face),
    };
  }

  /**
   * Every face of a photo (largest first, at most `maxFaces`), each embedded
   * with its crop: a group photo to enrol several people from.
   */
  async embedAll(img: RgbaImage, maxFaces = 20): Promise<StillFace[]> {
    const { locator, embedder } = this.#ready();
    const faces = (await locator.locate(img, this.opts.detect))
      .sort((a, b) => area(b) - area(a))
      .slice(0, maxFaces);
    const out: StillFace[] = [];
    for (const face of faces) {
      out.push({
        box: rect(face),
        score: face.score,
        embedding: await embedder.embed(img, face),
        crop: faceThumbnail(img, face),
        quality: cropQuality(img, { box: rect(face), score: face.score, five: face.five }),
      });
    }
    return out;
  }

  /**
   * Switches to the registry's embedder `id` (downloading it once if it is
   * remote). On any failure the previous embedder stays in use.
   */
  async useEmbedder(
    id: string,
    opts: Omit<DownloadOptions, 'signal'> & { signal?: AbortSignal } = {},
  ): Promise<EmbedderInfo> {
    const spec = getEmbedderSpec(id);
    if (!spec) throw new ModelError('model-unknown', `No model "${id}".`);
    this.#load?.abort();
    const load = (this.#load = new AbortController());
    const signal = opts.signal ? AbortSignal.any([opts.signal, load.signal]) : load.signal;
    const files =
      spec.source.kind === 'bundled'
        ? await this.#bundled(spec.source.file)
        : await this.source.remote(spec.source.url, { ...opts, signal });
    signal.throwIfAborted();
    const next = await Embedder.load(spec, files, this.env);
    if (signal.aborted) {
      await next.release();
      signal.throwIfAborted();
    }
    return this.#swap(next, spec.source.kind === 'bundled' ? 'bundled' : 'download');
  }

  /** Uses files the user picked as the registry's model `id` (e.g. a local DINOv3 export). */
  async useEmbedderFiles(
    id: string,
    picked: readonly { name: string; bytes: Uint8Array }[],
  ): Promise<EmbedderInfo> {
    const spec = getEmbedderSpec(id);
    if (!spec) throw new ModelError('model-unknown', `No model "${id}".`);
    return this.#swap(await Embedder.load(spec, filesFromPicked(picked), this.env), 'file');
  }

  /** Cancels a download or load in progress (the caller sees an AbortError, not a failure). */
  cancelLoad(): void {
    this.#load?.abort();
  }

  async #swap(next: Embedder, origin: EmbedderInfo['origin']): Promise<EmbedderInfo> {
    const old = this.#embedder;
    await this.#busy;
    this.#embedder = next;
    this.#origin = origin;
    // Embeddings of different models are not comparable: every face is embedded again.
    this.#tracker.reset();
    // Releasing can only fail for a session already gone; the new model is in use either way.
    await old?.release().catch(() => undefined);
    return this.info()!;
  }

  /**
   * Loads the registry's bundled embedder `id` as the second one (null: none,
   * and the last frame is no longer kept). The primary stays as it is.
   */
  async useSecondEmbedder(id: string | null): Promise<{ id: string; dim: number } | null> {
    const old = this.#second;
    if (id === null || id !== old?.spec.id) {
      await this.#busy;
      this.#second = undefined;
      this.#lastFrame = undefined;
      await old?.release().catch(() => undefined);
    }
    if (id === null) return null;
    if (!this.#second) {
      const spec = getEmbedderSpec(id);
      if (!spec) throw new ModelError('model-unknown', `No model "${id}".`);
      if (spec.source.kind !== 'bundled') {
        throw new ModelError('model-unknown', `${spec.displayName} cannot give a second opinion.`);
      }
      this.#second = await Embedder.load(spec, await this.#bundled(spec.source.file), this.env);
    }
    return { id: this.#second.spec.id, dim: this.#second.dim };
  }

  /**
   * The second embedder's embedding of a face the last frame embedded (by its
   * track), from the same frame; undefined when none is loaded or the face was
   * not embedded on that frame.
   */
  async secondEmbedding(trackId: number): Promise<SecondEmbedding | undefined> {
    const second = this.#second;
    const face = this.#lastFrame?.faces.get(trackId);
    if (!second || !face) return undefined;
    const t0 = performance.now();
    const embedding = await second.embed(this.#lastFrame!.img, face);
    return { modelId: second.spec.id, embedding, ms: performance.now() - t0 };
  }

  resetTracker(): void {
    this.#tracker.reset();
  }

  async release(): Promise<void> {
    await this.#busy;
    await Promise.all([
      this.#locator?.release(),
      this.#embedder?.release(),
      this.#second?.release(),
    ]);
    this.#locator = undefined;
    this.#embedder = undefined;
    this.#second = undefined;
    this.#lastFrame = undefined;
  }
}

function rect(d: Detection): Rect {
  return { x1: d.x1, y1: d.y1, x2: d.x2, y2: d.y2 };
}
