import { FaissError } from './errors';
import { runtime, type Ids, type Runtime } from './runtime';

export const METRIC_INNER_PRODUCT = 0;
export const METRIC_L2 = 1;
export type MetricType = typeof METRIC_INNER_PRODUCT | typeof METRIC_L2;

/** Row-major n×k results: labels are FAISS's int64 ids (-1 where none). */
export interface SearchResult {
  distances: Float32Array;
  labels: BigInt64Array;
}

/** How an Index wraps a C++ index that already exists (internal). */
export interface Handle {
  readonly handle: number;
  /** The index that owns (and frees) this one, if any. */
  readonly owner?: Index;
}

export function isHandle(x: unknown): x is Handle {
  return typeof x === 'object' && x !== null && 'handle' in x;
}

/**
 * The pointer of an index about to be handed to a new owner: it must be
 * alive and not owned yet (checked before the owner is created).
 */
export let claimIndex: (child: Index) => number;
/** Hands `child` to `owner`, which frees it from now on (a quantizer, a wrapped index). */
export let adoptIndex: (child: Index, owner: Index) => void;

// Frees indexes that were dropped without delete(). Indexes owned by another
// are not registered: their owner frees them.
const collector = new FinalizationRegistry<number>((ptr) => runtime().m._fw_free(ptr));

/**
 * A FAISS index living in the WebAssembly heap. Methods mirror FAISS's
 * Python API; vectors are flat row-major Float32Arrays of n×d floats.
 * Call delete() when done: the memory is not the JavaScript heap's.
 */
export class Index {
  #ptr: number;
  #owner: Index | undefined;
  #deleted = false;

  protected constructor(h: Handle) {
    this.#ptr = h.handle;
    this.#owner = h.owner;
    if (!h.owner) collector.register(this, h.handle, this);
  }

  /** The C++ pointer; throws if this index (or its owner) was deleted. */
  protected get ptr(): number {
    if (!this.alive) throw new FaissError('deleted', 'this FAISS index has been deleted');
    return this.#ptr;
  }

  protected get rt(): Runtime {
    return runtime();
  }

  get alive(): boolean {
    return !this.#deleted && (this.#owner?.alive ?? true);
  }

  static {
    claimIndex = (child) => {
      if (!(child instanceof Index)) throw new FaissError('bad-argument', 'expected a FAISS index');
      if (child.#owner) {
        throw new FaissError('bad-argument', 'this index already belongs to another index');
      }
      return child.ptr;
    };
    adoptIndex = (child, owner) => {
      collector.unregister(child);
      child.#owner = owner;
    };
  }

  get d(): number {
    return this.rt.m._fw_d(this.ptr);
  }

  get ntotal(): number {
    return this.rt.m._fw_ntotal(this.ptr);
  }

  get isTrained(): boolean {
    return this.rt.m._fw_is_trained(this.ptr) !== 0;
  }

  get metricType(): MetricType {
    return this.rt.m._fw_metric(this.ptr) as MetricType;
  }

  train(x: Float32Array): void {
    const n = this.rows(x);
    this.withFloats(x, (px) => this.rt.check(this.rt.m._fw_train(this.ptr, n, px)));
  }

  add(x: Float32Array): void {
    const n = this.rows(x);
    this.withFloats(x, (px) => this.rt.check(this.rt.m._fw_add(this.ptr, n, px)));
  }

  /** FAISS's add_with_ids: IVF and the IndexIDMap wrappers support it, flat indexes do not. */
  addWithIds(x: Float32Array, ids: Ids): void {
    const n = this.rows(x);
    const idv = toIds(ids);
    if (idv.length !== n) {
      throw new FaissError('bad-argument', `${n} vectors but ${idv.length} ids`);
    }
    const rt = this.rt;
    const p = rt.malloc(n * 8 + x.byteLength);
    try {
      rt.putIds(p, idv);
      rt.putF32(p + n * 8, x);
      rt.check(rt.m._fw_add_with_ids(this.ptr, n, p + n * 8, p));
    } finally {
      rt.free(p);
    }
  }

  /**
   * The k nearest stored vectors of each query. Unlike FAISS, an untrained
   * or empty index and k > ntotal are errors (FAISS would return label -1);
   * IVF may still return -1 labels when the probed lists hold fewer than k.
   */
  search(queries: Float32Array, k: number): SearchResult {
    const n = this.rows(queries);
    if (!Number.isInteger(k))
      throw new FaissError('bad-argument', `k must be an integer, got ${k}`);
    // k <= 0: FAISS's own check and message.
    if (k > 0) {
      // FAISS 1.7.3 would return only -1 labels here.
      if (!this.isTrained)
        throw new FaissError('not-trained', 'search on an untrained index: train() it first');
      const ntotal = this.ntotal;
      if (ntotal === 0)
        throw new FaissError('empty-index', 'search on an empty index (ntotal = 0)');
      if (k > ntotal) {
        throw new FaissError('k-exceeds-ntotal', `k = ${k} exceeds the ${ntotal} vectors stored`);
      }
    }
    const rt = this.rt;
    const nk = n * Math.max(k, 0);
    // One allocation: labels first, for their 8-byte alignment.
    const p = rt.malloc(nk * 12 + queries.byteLength);
    try {
      const pd = p + nk * 8;
      const pq = pd + nk * 4;
      rt.putF32(pq, queries);
      rt.check(rt.m._fw_search(this.ptr, n, pq, k, pd, p));
      return { distances: rt.getF32(pd, nk), labels: rt.getIds(p, nk) };
    } finally {
      rt.free(p);
    }
  }

  /** Removes the vectors with these ids; returns how many were removed. */
  removeIds(ids: Ids): number {
    const idv = toIds(ids);
    const rt = this.rt;
    const p = rt.malloc(idv.length * 8 + 8);
    try {
      rt.putIds(p + 8, idv);
      rt.check(rt.m._fw_remove_ids(this.ptr, idv.length, p + 8, p));
      return rt.m.HEAP32[p >>> 2]!;
    } finally {
      rt.free(p);
    }
  }

  /** Removes every vector (training is kept). */
  reset(): void {
    this.rt.check(this.rt.m._fw_reset(this.ptr));
  }

  /**
   * Frees the WebAssembly memory. An index owned by another (a quantizer,
   * the index inside an IndexIDMap) is freed with its owner: delete() on
   * it does nothing. Safe to call twice.
   */
  delete(): void {
    if (this.#deleted || this.#owner) return;
    this.#deleted = true;
    collector.unregister(this);
    this.rt.m._fw_free(this.#ptr);
  }

  /** Number of rows in x; checks that x holds whole d-dimensional vectors. */
  protected rows(x: Float32Array): number {
    const d = this.d;
    if (!(x instanceof Float32Array)) {
      throw new FaissError('bad-argument', 'vectors must be a Float32Array (n×d, row-major)');
    }
    if (x.length === 0 || x.length % d !== 0) {
      throw new FaissError(
        'wrong-dimension',
        `wrong dimension: ${x.length} floats is not a whole number of ${d}-dimensional vectors`,
      );
    }
    const n = x.length / d;
    if (n > 0x7fffffff) throw new FaissError('bad-argument', `too many vectors at once (${n})`);
    return n;
  }

  protected withFloats<T>(x: Float32Array, fn: (p: number) => T): T {
    const rt = this.rt;
    const p = rt.malloc(x.byteLength);
    try {
      rt.putF32(p, x);
      return fn(p);
    } finally {
      rt.free(p);
    }
  }
}

function toIds(ids: Ids): BigInt64Array {
  if (ids instanceof BigInt64Array) return ids;
  const out = new BigInt64Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]!;
    if (typeof v === 'number' && !Number.isSafeInteger(v)) {
      throw new FaissError('bad-argument', `id ${v} is not an integer`);
    }
    out[i] = BigInt(v);
  }
  return out;
}
