/**
 * What vision.worker serves, as a plain factory: the worker passes the browser's
 * parts (ONNX Runtime's session env, Cache Storage, OffscreenCanvas) and Node
 * tests pass their own. Owns the VisionService in use, a second one staged for a
 * model switch, and which downloadable models are kept offline.
 */
import { transfer } from 'comlink';
import type { RgbaImage } from './image';
import { filesFromPicked, isStored, type DownloadProgress, type ModelStore } from './model-store';
import { inspectOnnx } from './onnx-inspect';
import type { Provider, SessionEnv } from './ort-session';
import { embedders, getEmbedderSpec } from './registry';
import {
  VisionService,
  type FrameFace,
  type FrameResult,
  type ModelSource,
  type StillFace,
} from './service';

export type EncodedFace = Omit<FrameFace, 'crop'> & { crop?: Blob };
export type EncodedFrame = Omit<FrameResult, 'faces'> & { faces: EncodedFace[] };
type EncodedStill = Omit<StillFace, 'crop'> & { crop: Blob };
export type PickedFile = { name: string; bytes: Uint8Array };

/** The parts of VisionService used here (tests may pass a stand-in). */
export type VisionServiceLike = Pick<
  VisionService,
  | 'init'
  | 'info'
  | 'locatorProvider'
  | 'processFrame'
  | 'embedStill'
  | 'embedAll'
  | 'useEmbedder'
  | 'useEmbedderFiles'
  | 'cancelLoad'
  | 'resetTracker'
  | 'release'
  | 'useSecondEmbedder'
  | 'secondEmbedding'
>;

/** What the host provides: the worker passes the browser's, tests pass Node's. */
interface VisionPlatform<Image> {
  sessionEnv(
    onFallback: (message: string) => void,
    force?: Provider,
    threads?: number,
  ): Promise<SessionEnv>;
  modelSource(base: string, store: ModelStore): ModelSource;
  /** Where downloaded (and picked) models are kept offline. */
  store: ModelStore;
  /** An image's pixels, its longer side at most `maxSide` (the image may be closed). */
  pixels(image: Image, maxSide?: number): RgbaImage;
  /** A crop encoded as the app stores it. */
  encode(crop: RgbaImage): Promise<Blob>;
  /** Default: a real VisionService. */
  newService?(env: SessionEnv, source: ModelSource): VisionServiceLike;
}

/** Photos are looked at with at most this many pixels on the longer side. */
const PHOTO_MAX_SIDE = 1600;
/** Stills (a photo's largest face, a stored crop to re-embed). */
const STILL_MAX_SIDE = 1280;

export function createVisionApi<Image>(platform: VisionPlatform<Image>) {
  const { store, pixels, encode } = platform;
  const newService = platform.newService ?? ((env, source) => new VisionService(env, source));
  let service: VisionServiceLike | undefined;
  let setup: { env: SessionEnv; source: ModelSource } | undefined;
  /**
   * A second model being prepared for a switch (settings): loaded, used to
   * re-embed the stored crops, then committed or discarded. The live view keeps
   * running on `service` meanwhile, so a cancelled switch changes nothing.
   */
  let staged: VisionServiceLike | undefined;
  /**
   * Whether a downloadable model is kept offline, found once per session
   * (a DINOv3 export is hundreds of MB: reading it at every visit of the
   * settings would be wasteful); stage and forget keep the answer current.
   */
  const kept = new Map<string, boolean>();

  function ready(): VisionServiceLike {
    if (!service) throw new Error('vision.worker: init() first');
    return service;
  }

  async function isKept(id: string): Promise<boolean> {
    const spec = getEmbedderSpec(id);
    if (spec?.source.kind !== 'remote') return false;
    const known = kept.get(id) ?? (await isStored(spec.source.url, store).catch(() => false));
    kept.set(id, known);
    return known;
  }

  async function stage(load: (s: VisionServiceLike) => Promise<unknown>) {
    if (!setup) throw new Error('vision.worker: init() first');
    await api.discardStaged();
    const s = (staged = newService(setup.env, setup.source));
    try {
      await load(s); // the embedder first: a bad file fails before the detector loads
      return await s.init();
    } catch (error) {
      if (staged === s) staged = undefined;
      await s.release().catch(() => undefined);
      throw error;
    }
  }

  /** Picked files stored where a download would put them, so the model works offline next time. */
  async function keepOffline(id: string, picked: PickedFile[]) {
    const spec = getEmbedderSpec(id);
    if (spec?.source.kind !== 'remote') return;
    const files = filesFromPicked(picked);
    for (const [location, bytes] of files.externalData ?? []) {
      await store.put(new URL(location, spec.source.url).href, bytes);
    }
    await store.put(spec.source.url, files.model); // last: present model = complete set
  }

  const api = {
    /** Loads the models; `threads` caps ONNX Runtime's WASM threads (1: no thread workers). */
    async init(
      base: string,
      onFallback: (message: string) => void,
      force?: Provider,
      threads?: number,
    ) {
      setup ??= {
        env: await platform.sessionEnv((m) => onFallback(m), force, threads),
        source: platform.modelSource(base, store),
      };
      service ??= newService(setup.env, setup.source);
      return service.init();
    },

    async processFrame(frame: Image, nowMs: number): Promise<EncodedFrame> {
      const r = await ready().processFrame(pixels(frame), nowMs);
      const faces = await Promise.all(
        r.faces.map(async (f) => ({ ...f, crop: f.crop && (await encode(f.crop)) })),
      );
      const buffers = faces.flatMap((f) =>
        f.embedding ? [f.embedding.buffer as ArrayBuffer] : [],
      );
      return transfer({ ...r, faces }, buffers);
    },

    /** The largest face of a still image (a photo, or a stored crop to re-embed). */
    async embedStill(image: Image): Promise<EncodedStill | undefined> {
      const f = await ready().embedStill(pixels(image, STILL_MAX_SIDE));
      return f && { ...f, crop: await encode(f.crop) };
    },

    /** Every face of a photo (already scaled by the page), with encoded crops. */
    async embedPhoto(image: Image): Promise<EncodedStill[]> {
      const faces = await ready().embedAll(pixels(image, PHOTO_MAX_SIDE));
      return Promise.all(faces.map(async (f) => ({ ...f, crop: await encode(f.crop) })));
    },

    useEmbedder: (id: string, onProgress?: (p: DownloadProgress) => void) =>
      ready().useEmbedder(id, { onProgress }),
    useEmbedderFiles: (id: string, files: PickedFile[]) => ready().useEmbedderFiles(id, files),
    cancelLoad: () => ready().cancelLoad(),
    /** Loads `id` (downloading it once) beside the model in use, for a switch. */
    async stageEmbedder(id: string, onProgress?: (p: DownloadProgress) => void) {
      const info = await stage((s) => s.useEmbedder(id, { onProgress }));
      kept.delete(id); // a download was stored: find out again
      return info;
    },
    /** As stageEmbedder, from files the user picked; kept offline under the model's address. */
    async stageEmbedderFiles(id: string, files: PickedFile[]) {
      const info = await stage((s) => s.useEmbedderFiles(id, files));
      await keepOffline(id, files).catch(() => undefined); // only a cache: the switch goes on
      kept.delete(id);
      return info;
    },
    /** The staged model's embedding of the largest face in `image` (a stored crop). */
    async embedStaged(image: Image): Promise<Float32Array | undefined> {
      if (!staged) throw new Error('vision.worker: nothing staged');
      const f = await staged.embedStill(pixels(image, STILL_MAX_SIDE));
      return f && transfer(f.embedding, [f.embedding.buffer as ArrayBuffer]);
    },
    cancelStaged: () => staged?.cancelLoad(),
    async discardStaged() {
      const s = staged;
      staged = undefined;
      await s?.release();
    },
    /** The staged model replaces the one in use (whose sessions are released). */
    async commitStaged() {
      if (!staged?.info()) throw new Error('vision.worker: nothing staged');
      const old = ready();
      service = staged;
      staged = undefined;
      await old.release();
      return service.info()!;
    },
    /** Ids of the downloadable models whose files are all kept offline. */
    async storedModels(): Promise<string[]> {
      const out: string[] = [];
      for (const e of embedders) if (await isKept(e.id)) out.push(e.id);
      return out;
    },
    /** Deletes the offline copy of a downloadable model. */
    async forgetModel(id: string) {
      const spec = getEmbedderSpec(id);
      if (spec?.source.kind !== 'remote') return;
      const url = spec.source.url;
      const model = await store.get(url);
      await store.delete(url); // first: without it the rest no longer counts as stored
      for (const ref of model ? inspectOnnx(model).external : []) {
        await store.delete(new URL(ref.location, url).href);
      }
      kept.set(id, false);
    },
    /** Loads a bundled embedder for second opinions on look-alikes (null: none). */
    useSecondEmbedder: (id: string | null) => ready().useSecondEmbedder(id),
    /** The second embedder's embedding of a face of the frame just processed (by track). */
    async secondEmbedding(trackId: number) {
      const s = await ready().secondEmbedding(trackId);
      return s && transfer(s, [s.embedding.buffer as ArrayBuffer]);
    },
    info: () => ready().info(),
    locatorProvider: () => ready().locatorProvider(),
    resetTracker: () => ready().resetTracker(),
  };
  return api;
}
