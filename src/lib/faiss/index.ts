/**
 * FAISS 1.7.3 compiled to WebAssembly, with an API that mirrors FAISS's
 * Python one. The same code runs in a page, a Web Worker and Node:
 *
 *   const faiss = await loadFaiss();
 *   const index = new faiss.IndexFlatIP(768);
 *   index.add(vectors);                       // Float32Array, n×768
 *   const { distances, labels } = index.search(query, 5);
 *   const bytes = faiss.writeIndex(index);    // FAISS's own file format
 *   index.delete();                           // frees WebAssembly memory
 */
import { Index, METRIC_INNER_PRODUCT, METRIC_L2 } from './index-base';
import {
  IndexFlat,
  IndexFlatIP,
  IndexFlatL2,
  IndexIDMap,
  IndexIDMap2,
  IndexIVFFlat,
} from './index-types';
import { readIndex, readIndexParts, writeIndex, writeIndexParts } from './io';
import { loadRuntime, type LoadOptions } from './load';
import type { Runtime } from './runtime';

export { FaissError, type FaissErrorCode } from './errors';
/** Any index (the base class). */
export type FaissIndex = Index;
export type { Ids } from './runtime';
export type { MetricType, SearchResult } from './index-base';
export type { LoadOptions } from './load';
export {
  Index,
  IndexFlat,
  IndexFlatIP,
  IndexFlatL2,
  IndexIDMap,
  IndexIDMap2,
  IndexIVFFlat,
  METRIC_INNER_PRODUCT,
  METRIC_L2,
  readIndex,
  readIndexParts,
  writeIndex,
  writeIndexParts,
};

/** The FAISS namespace, as `import faiss` gives it in Python. */
export interface FaissModule {
  readonly Index: typeof Index;
  readonly IndexFlat: typeof IndexFlat;
  readonly IndexFlatIP: typeof IndexFlatIP;
  readonly IndexFlatL2: typeof IndexFlatL2;
  readonly IndexIVFFlat: typeof IndexIVFFlat;
  readonly IndexIDMap: typeof IndexIDMap;
  readonly IndexIDMap2: typeof IndexIDMap2;
  readonly METRIC_INNER_PRODUCT: typeof METRIC_INNER_PRODUCT;
  readonly METRIC_L2: typeof METRIC_L2;
  readonly writeIndex: typeof writeIndex;
  readonly readIndex: typeof readIndex;
  readonly writeIndexParts: typeof writeIndexParts;
  readonly readIndexParts: typeof readIndexParts;
  /** Bytes of the WebAssembly heap in use (allocated and not freed). */
  heapBytes(): number;
  /** Size of the WebAssembly memory (it grows, never shrinks). */
  memoryBytes(): number;
}

function api(rt: Runtime): FaissModule {
  return Object.freeze({
    Index,
    IndexFlat,
    IndexFlatIP,
    IndexFlatL2,
    IndexIVFFlat,
    IndexIDMap,
    IndexIDMap2,
    METRIC_INNER_PRODUCT,
    METRIC_L2,
    writeIndex,
    readIndex,
    writeIndexParts,
    readIndexParts,
    heapBytes: () => rt.m._fw_heap_used() >>> 0,
    memoryBytes: () => rt.m.HEAPU8.buffer.byteLength,
  });
}

/** Loads FAISS once, lazily; later calls return the same instance. */
export async function loadFaiss(options?: LoadOptions): Promise<FaissModule> {
  return api(await loadRuntime(options));
}
