import type { FaissWasmModule } from './dist/faiss.js';
import { FaissError, NATIVE_ERROR_CODES, type FaissErrorCode } from './errors';

/** FAISS's int64 ids, as the API accepts them. */
export type Ids = BigInt64Array | readonly (number | bigint)[];

/**
 * The loaded WebAssembly module and the copying between JavaScript and its
 * heap. Pointers are unsigned 32-bit (the heap may grow past 2 GiB), hence
 * the `>>> 0` on every pointer that comes back from C.
 */
export class Runtime {
  readonly #decoder = new TextDecoder();
  constructor(readonly m: FaissWasmModule) {}

  malloc(bytes: number): number {
    const p = this.m._malloc(Math.max(bytes, 1)) >>> 0;
    if (p === 0) {
      throw new FaissError(
        'out-of-memory',
        `cannot allocate ${bytes} bytes in the WebAssembly heap`,
      );
    }
    return p;
  }

  free(p: number): void {
    this.m._free(p);
  }

  /** The error the last failing C call left behind. */
  lastError(fallback: FaissErrorCode = 'unknown'): FaissError {
    const code = NATIVE_ERROR_CODES[this.m._fw_last_error_code()] ?? fallback;
    return new FaissError(code, this.cString(this.m._fw_last_error() >>> 0) || 'FAISS call failed');
  }

  /** Throws unless a C call returned 0 (success). */
  check(rc: number): void {
    if (rc !== 0) throw this.lastError();
  }

  /** Throws unless a C call returned a pointer (null means it failed). */
  pointer(p: number): number {
    p >>>= 0;
    if (p === 0) throw this.lastError();
    return p;
  }

  cString(p: number): string {
    const heap = this.m.HEAPU8;
    let end = p;
    while (heap[end] !== 0) end++;
    return this.#decoder.decode(heap.subarray(p, end));
  }

  putF32(p: number, x: Float32Array): void {
    this.m.HEAPF32.set(x, p >>> 2);
  }

  putIds(p: number, ids: BigInt64Array): void {
    new BigInt64Array(this.m.HEAPU8.buffer, p, ids.length).set(ids);
  }

  getF32(p: number, n: number): Float32Array {
    return new Float32Array(this.m.HEAPU8.buffer, p, n).slice();
  }

  getIds(p: number, n: number): BigInt64Array {
    return new BigInt64Array(this.m.HEAPU8.buffer, p, n).slice();
  }

  getBytes(p: number, n: number): Uint8Array {
    return this.m.HEAPU8.slice(p, p + n);
  }

  putBytes(p: number, bytes: Uint8Array): void {
    this.m.HEAPU8.set(bytes, p);
  }
}

let current: Runtime | undefined;

export function setRuntime(rt: Runtime): void {
  current = rt;
}

/** The loaded module; throws if loadFaiss() has not finished. */
export function runtime(): Runtime {
  if (!current)
    throw new FaissError('not-loaded', 'FAISS is not loaded yet: await loadFaiss() first');
  return current;
}
