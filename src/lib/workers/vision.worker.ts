/**
 * vision.worker: a thin Comlink shell over VisionService (src/lib/vision).
 * Owns the ONNX Runtime sessions; frames come in as transferred ImageBitmaps,
 * results go out with their embeddings transferred and crops encoded.
 */
import { expose, transfer } from 'comlink';
import { bitmapToRgba, browserModelSource, browserSessionEnv } from '../vision/ort-browser';
import { VisionService, type FrameFace, type FrameResult, type StillFace } from '../vision/service';
import { encodeImage } from '../vision/thumbnail';
import {
  CacheStorageStore,
  filesFromPicked,
  isStored,
  type DownloadProgress,
} from '../vision/model-store';
import { inspectOnnx } from '../vision/onnx-inspect';
import type { Provider, SessionEnv } from '../vision/ort-session';
import { embedders, getEmbedderSpec } from '../vision/registry';
import type { ModelSource } from '../vision/service';

export type EncodedFace = Omit<FrameFace, 'crop'> & { crop?: Blob };
export type EncodedFrame = Omit<FrameResult, 'faces'> & { faces: EncodedFace[] };
export type EncodedStill = Omit<StillFace, 'crop'> & { crop: Blob };

let service: VisionService | undefined;
/** Photos are looked at with at most this many pixels on the longer side. */
const PHOTO_MAX_SIDE = 1600;
let setup: { env: SessionEnv; source: ModelSource } | undefined;
/**
 * A second model being prepared for a switch (settings): loaded, used to
 * re-embed the stored crops, then committed or discarded. The live view keeps
 * running on `service` meanwhile, so a cancelled switch changes nothing.
 */
let staged: VisionService | undefined;
const store = new CacheStorageStore();

function ready(): VisionService {
  if (!service) throw new Error('vision.worker: init() first');
  return service;
}

const api = {
  async init(base: string, onFallback: (message: string) => void, force?: Provider) {
    setup ??= {
      env: await browserSessionEnv((m) => onFallback(m), force),
      source: browserModelSource(base, store),
    };
    service ??= new VisionService(setup.env, setup.source);
    return service.init();
  },

  async processFrame(frame: ImageBitmap, nowMs: number): Promise<EncodedFrame> {
    const r = await ready().processFrame(bitmapToRgba(frame), nowMs);
    const faces = await Promise.all(
      r.faces.map(async (f) => ({ ...f, crop: f.crop && (await encodeImage(f.crop)) })),
    );
    const buffers = faces.flatMap((f) => (f.embedding ? [f.embedding.buffer as ArrayBuffer] : []));
    return transfer({ ...r, faces }, buffers);
  },

  /** The largest face of a still image (a photo, or a stored crop to re-embed). */
  async embedStill(image: ImageBitmap): Promise<EncodedStill | undefined> {
    const f = await ready().embedStill(bitmapToRgba(image, 1280));
    return f && { ...f, crop: await encodeImage(f.crop) };
  },

  /** Every face of a photo (already scaled by the page), with encoded crops. */
  async embedPhoto(image: ImageBitmap): Promise<EncodedStill[]> {
    const faces = await ready().embedAll(bitmapToRgba(image, PHOTO_MAX_SIDE));
    return Promise.all(faces.map(async (f) => ({ ...f, crop: await encodeImage(f.crop) })));
  },

  useEmbedder: (id: string, onProgress?: (p: DownloadProgress) => void) =>
    ready().useEmbedder(id, { onProgress }),
  useEmbedderFiles: (id: string, files: { name: string; bytes: Uint8Array }[]) =>
    ready().useEmbedderFiles(id, files),
  cancelLoad: () => ready().cancelLoad(),
  /** Loads `id` (downloading it once) beside the model in use, for a switch. */
  async stageEmbedder(id: string, onProgress?: (p: DownloadProgress) => void) {
    const info = await stage((s) => s.useEmbedder(id, { onProgress }));
    kept.delete(id); // a download was stored: find out again
    return info;
  },
  /** As stageEmbedder, from files the user picked; kept offline under the model's address. */
  async stageEmbedderFiles(id: string, files: { name: string; bytes: Uint8Array }[]) {
    const info = await stage((s) => s.useEmbedderFiles(id, files));
    await keepOffline(id, files).catch(() => undefined); // only a cache: the switch goes on
    kept.delete(id);
    return info;
  },
  /** The staged model's embedding of the largest face in `image` (a stored crop). */
  async embedStaged(image: ImageBitmap): Promise<Float32Array | undefined> {
    if (!staged) throw new Error('vision.worker: nothing staged');
    const f = await staged.embedStill(bitmapToRgba(image, 1280));
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
  info: () => ready().info(),
  locatorProvider: () => ready().locatorProvider(),
  resetTracker: () => ready().resetTracker(),
};

/**
 * Whether a downloadable model is kept offline, found once per session
 * (a DINOv3 export is hundreds of MB: reading it at every visit of the
 * settings would be wasteful); stage and forget keep the answer current.
 */
const kept = new Map<string, boolean>();

async function isKept(id: string): Promise<boolean> {
  const spec = getEmbedderSpec(id);
  if (spec?.source.kind !== 'remote') return false;
  const known = kept.get(id) ?? (await isStored(spec.source.url, store).catch(() => false));
  kept.set(id, known);
  return known;
}

async function stage(load: (s: VisionService) => Promise<unknown>) {
  if (!setup) throw new Error('vision.worker: init() first');
  await api.discardStaged();
  const s = (staged = new VisionService(setup.env, setup.source));
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
async function keepOffline(id: string, picked: { name: string; bytes: Uint8Array }[]) {
  const spec = getEmbedderSpec(id);
  if (spec?.source.kind !== 'remote') return;
  const files = filesFromPicked(picked);
  for (const [location, bytes] of files.externalData ?? []) {
    await store.put(new URL(location, spec.source.url).href, bytes);
  }
  await store.put(spec.source.url, files.model); // last: present model = complete set
}

expose(api);
export type VisionApi = typeof api;
