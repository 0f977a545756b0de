import type { readFile } from 'node:fs/promises';
import createFaissModule, { type FaissWasmModule } from './dist/faiss.js';
import { FaissError } from './errors';
import { Runtime, setRuntime } from './runtime';

export interface LoadOptions {
  /** The .wasm bytes or where to fetch them (default: dist/faiss.wasm next to this module). */
  wasm?: BufferSource | URL | string;
  /** FAISS's warnings (stderr), e.g. too few training points. Default: console.warn. */
  onWarning?: (text: string) => void;
}

// Vite recognises this pattern and ships the file with the page or worker bundle.
const defaultWasmUrl = new URL('./dist/faiss.wasm', import.meta.url);

let loading: Promise<Runtime> | undefined;

/** Loads the module once (the first call's options win). */
export function loadRuntime(options: LoadOptions = {}): Promise<Runtime> {
  loading ??= instantiate(options).then(
    (m) => {
      const rt = new Runtime(m);
      setRuntime(rt);
      return rt;
    },
    (e: unknown) => {
      loading = undefined;
      throw new FaissError('load-failed', `cannot load FAISS WebAssembly: ${String(e)}`);
    },
  );
  return loading;
}

async function instantiate(options: LoadOptions): Promise<FaissWasmModule> {
  const source = options.wasm ?? defaultWasmUrl;
  let fail: (e: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => (fail = reject));
  const ready = createFaissModule({
    // Our own instantiation: emscripten's would call fetch() under Node.
    instantiateWasm(imports, done) {
      compile(source, imports).then((instance) => done(instance), fail);
      return {};
    },
    printErr: options.onWarning ?? ((text) => console.warn(`FAISS: ${text}`)),
  });
  return Promise.race([ready, failed]);
}

async function compile(
  source: BufferSource | URL | string,
  imports: WebAssembly.Imports,
): Promise<WebAssembly.Instance> {
  if (typeof source !== 'string' && !(source instanceof URL)) {
    return (await WebAssembly.instantiate(source, imports)).instance;
  }
  const url = new URL(source, import.meta.url);
  if (url.protocol === 'file:') {
    // Node (vitest, benchmarks): read from disk. The specifier is hidden
    // from bundlers so that browser builds do not try to include node:fs.
    const fsModule = 'node:fs/promises';
    const fs = (await import(/* @vite-ignore */ fsModule)) as { readFile: typeof readFile };
    return (await WebAssembly.instantiate(await fs.readFile(url), imports)).instance;
  }
  const response = fetch(url);
  try {
    return (await WebAssembly.instantiateStreaming(response, imports)).instance;
  } catch {
    // A server that does not send application/wasm: compile from the bytes.
    const bytes = await (await fetch(url)).arrayBuffer();
    return (await WebAssembly.instantiate(bytes, imports)).instance;
  }
}
