/**
 * Getting a model's bytes: downloaded once (with progress, cancellable),
 * kept in a store for offline use and never downloaded again; or taken from
 * files the user picked (a single .onnx, or a .onnx with its external data).
 */
import { ModelError } from './errors';
import { inspectOnnx } from './onnx-inspect';
import type { ModelFiles } from './ort-session';
import { preflight } from './ort-session';

/** Where downloaded model files are kept, by URL. */
export interface ModelStore {
  get(url: string): Promise<Uint8Array | undefined>;
  put(url: string, bytes: Uint8Array): Promise<void>;
  delete(url: string): Promise<void>;
}

/** Cache Storage (browser main thread and workers). */
export class CacheStorageStore implements ModelStore {
  constructor(private readonly cacheName = 'visio-models-v1') {}
  async get(url: string): Promise<Uint8Array | undefined> {
    const res = await (await caches.open(this.cacheName)).match(url);
    return res ? new Uint8Array(await res.arrayBuffer()) : undefined;
  }
  async put(url: string, bytes: Uint8Array): Promise<void> {
    const body = new Blob([bytes as Uint8Array<ArrayBuffer>]);
    await (await caches.open(this.cacheName)).put(url, new Response(body));
  }
  async delete(url: string): Promise<void> {
    await (await caches.open(this.cacheName)).delete(url);
  }
}

export interface DownloadProgress {
  /** The file being fetched (its name, not the URL). */
  file: string;
  loadedBytes: number;
  /** From Content-Length; undefined when the server does not say. */
  totalBytes: number | undefined;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  fetch?: typeof fetch;
}

function fileName(url: string): string {
  return new URL(url).pathname.split('/').pop() ?? url;
}

async function download(url: string, opts: DownloadOptions): Promise<Uint8Array> {
  const name = fileName(url);
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(url, { signal: opts.signal });
  } catch (e) {
    if (opts.signal?.aborted) throw e;
    throw new ModelError('model-download-failed', `Could not download ${name}: ${String(e)}`, {
      cause: e,
    });
  }
  if (!res.ok || !res.body) {
    throw new ModelError(
      'model-download-failed',
      `Could not download ${name}: HTTP ${res.status}.`,
    );
  }
  const header = res.headers.get('content-length');
  const total = header ? Number(header) : undefined;
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = res.body.getReader();
  opts.onProgress?.({ file: name, loadedBytes: 0, totalBytes: total });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    opts.onProgress?.({ file: name, loadedBytes: loaded, totalBytes: total });
  }
  if (total !== undefined && loaded !== total) {
    throw new ModelError(
      'model-truncated',
      `The download of ${name} stopped at ${loaded} of ${total} bytes.`,
    );
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** One file: from the store, else downloaded, checked by `check`, then stored. */
async function cached(
  url: string,
  store: ModelStore,
  opts: DownloadOptions,
  check: (bytes: Uint8Array) => void,
): Promise<Uint8Array> {
  const have = await store.get(url);
  if (have) return have;
  const bytes = await download(url, opts);
  check(bytes);
  opts.signal?.throwIfAborted();
  await store.put(url, bytes);
  return bytes;
}

const inFlight = new Map<string, Promise<ModelFiles>>();

/**
 * The model at `url` and the external-data files it names (fetched from the
 * same folder), from `store` or downloaded into it. A second call while a
 * download runs joins it rather than starting another.
 */
export function fetchModel(
  url: string,
  store: ModelStore,
  opts: DownloadOptions = {},
): Promise<ModelFiles> {
  const running = inFlight.get(url);
  if (running) return running;
  const job = (async () => {
    const name = fileName(url);
    const model = await cached(url, store, opts, (b) => inspectOnnx(b, name));
    const externalData = new Map<string, Uint8Array>();
    for (const ref of inspectOnnx(model, name).external) {
      const dataUrl = new URL(ref.location, url).href;
      const data = await cached(dataUrl, store, opts, (b) => {
        if (b.byteLength < ref.endByte) {
          throw new ModelError('model-external-data-truncated', `${ref.location} is incomplete.`);
        }
      });
      externalData.set(ref.location, data);
    }
    const files: ModelFiles = { name, model, externalData };
    preflight(files);
    return files;
  })().finally(() => inFlight.delete(url));
  inFlight.set(url, job);
  return job;
}

/** Whether `url` and all its external data are in the store (no download needed). */
export async function isStored(url: string, store: ModelStore): Promise<boolean> {
  const model = await store.get(url);
  if (!model) return false;
  for (const ref of inspectOnnx(model).external) {
    if (!(await store.get(new URL(ref.location, url).href))) return false;
  }
  return true;
}

/**
 * Files the user picked: exactly one .onnx, plus any external-data files it
 * names (matched by file name). Throws a ModelError that says what is wrong.
 */
export function filesFromPicked(
  picked: readonly { name: string; bytes: Uint8Array }[],
): ModelFiles {
  const onnx = picked.filter((f) => f.name.toLowerCase().endsWith('.onnx'));
  if (onnx.length !== 1) {
    throw new ModelError(
      'model-not-onnx',
      onnx.length
        ? 'Choose one .onnx file at a time (with its .onnx_data file if it has one).'
        : 'No .onnx file was chosen.',
    );
  }
  const main = onnx[0]!;
  const externalData = new Map<string, Uint8Array>();
  for (const ref of inspectOnnx(main.bytes, main.name).external) {
    const base = ref.location.split('/').pop()!;
    const f = picked.find((p) => p.name === base || p.name === ref.location);
    if (f) externalData.set(ref.location, f.bytes);
  }
  const files: ModelFiles = { name: main.name, model: main.bytes, externalData };
  preflight(files);
  return files;
}
