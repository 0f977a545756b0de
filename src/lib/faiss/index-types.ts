import { FaissError } from './errors';
import {
  adoptIndex,
  claimIndex,
  Index,
  isHandle,
  METRIC_INNER_PRODUCT,
  METRIC_L2,
  type Handle,
  type MetricType,
} from './index-base';
import { runtime } from './runtime';

/** fw_kind() values (native/faiss-wasm.cpp). */
const enum Kind {
  Other = 0,
  Flat = 1,
  IvfFlat = 2,
  IdMap = 3,
  IdMap2 = 4,
}

function newFlat(d: number, metric: MetricType): Handle {
  if (!Number.isInteger(d)) throw new FaissError('bad-argument', `d must be an integer, got ${d}`);
  const rt = runtime();
  return { handle: rt.pointer(rt.m._fw_flat_new(d, metric)) };
}

/** Exhaustive search over the stored vectors (FAISS IndexFlat). */
export class IndexFlat extends Index {
  constructor(d: number, metric?: MetricType);
  constructor(d: number | Handle, metric: MetricType = METRIC_L2) {
    super(isHandle(d) ? d : newFlat(d, metric));
  }

  /** Bench only: sums the stored floats with the same SIMD loop shape (memory-speed baseline). */
  benchStreamSum(): number {
    const m = this.rt.m;
    return m._fw_bench_stream_sum(m._fw_flat_data(this.ptr) >>> 0, this.ntotal * this.d);
  }
}

/** Flat index, inner product (cosine on normalised vectors). */
export class IndexFlatIP extends IndexFlat {
  constructor(d: number);
  constructor(d: number | Handle) {
    super(d as number, METRIC_INNER_PRODUCT);
  }
}

/** Flat index, squared Euclidean distance. */
export class IndexFlatL2 extends IndexFlat {
  constructor(d: number);
  constructor(d: number | Handle) {
    super(d as number, METRIC_L2);
  }
}

/** Inverted-file index over full vectors; it owns its quantizer from now on. */
export class IndexIVFFlat extends Index {
  #quantizer: Index | undefined;

  constructor(quantizer: Index, d: number, nlist: number, metric?: MetricType);
  constructor(q: Index | Handle, d?: number, nlist?: number, metric: MetricType = METRIC_L2) {
    if (isHandle(q)) {
      super(q);
      return;
    }
    if (!Number.isInteger(d) || !Number.isInteger(nlist)) {
      throw new FaissError('bad-argument', `d and nlist must be integers, got ${d}, ${nlist}`);
    }
    const qptr = claimIndex(q);
    const rt = runtime();
    super({ handle: rt.pointer(rt.m._fw_ivf_flat_new(qptr, d!, nlist!, metric)) });
    adoptIndex(q, this);
    this.#quantizer = q;
  }

  get nlist(): number {
    return this.rt.m._fw_nlist(this.ptr);
  }

  /** How many inverted lists a search visits (FAISS's default: 1). */
  get nprobe(): number {
    return this.rt.m._fw_nprobe(this.ptr);
  }

  set nprobe(n: number) {
    if (!Number.isInteger(n) || n <= 0) {
      throw new FaissError('bad-argument', `nprobe must be a positive integer, got ${n}`);
    }
    this.rt.check(this.rt.m._fw_set_nprobe(this.ptr, n));
  }

  /** The coarse quantizer (owned by this index). */
  get quantizer(): Index {
    this.#quantizer ??= wrapIndex(this.rt.pointer(this.rt.m._fw_sub_index(this.ptr)), this);
    return this.#quantizer;
  }
}

/**
 * Stores caller-chosen int64 ids next to the vectors of the index it wraps
 * (and owns from now on); search returns those ids.
 */
export class IndexIDMap extends Index {
  protected sub: Index | undefined;

  constructor(index: Index);
  constructor(index: Index | Handle) {
    super(isHandle(index) ? index : newIdMap(index, false));
    if (!isHandle(index)) this.adoptSub(index);
  }

  /** The wrapped index (owned by this one), e.g. to set an IVF's nprobe. */
  get index(): Index {
    this.sub ??= wrapIndex(this.rt.pointer(this.rt.m._fw_sub_index(this.ptr)), this);
    return this.sub;
  }

  /** The stored ids, in storage order. */
  get idMap(): BigInt64Array {
    const rt = this.rt;
    const n = this.ntotal;
    const p = rt.malloc(n * 8);
    try {
      rt.check(rt.m._fw_idmap_ids(this.ptr, p));
      return rt.getIds(p, n);
    } finally {
      rt.free(p);
    }
  }

  protected adoptSub(index: Index): void {
    adoptIndex(index, this);
    this.sub = index;
  }
}

/** IndexIDMap that also keeps the reverse map (FAISS's IndexIDMap2). */
export class IndexIDMap2 extends IndexIDMap {
  constructor(index: Index);
  constructor(index: Index | Handle) {
    super((isHandle(index) ? index : newIdMap(index, true)) as never);
    if (!isHandle(index)) this.adoptSub(index);
  }
}

function newIdMap(index: Index, version2: boolean): Handle {
  const ptr = claimIndex(index);
  const rt = runtime();
  return { handle: rt.pointer(rt.m._fw_idmap_new(ptr, version2 ? 1 : 0)) };
}

/** Any other FAISS index type that readIndex can load: the generic API only. */
class OtherIndex extends Index {
  constructor(h: Handle) {
    super(h);
  }
}

/** Wraps a C++ index in the class that matches its type. */
export function wrapIndex(handle: number, owner?: Index): Index {
  const h: Handle = owner ? { handle, owner } : { handle };
  const m = runtime().m;
  switch (m._fw_kind(handle) as Kind) {
    case Kind.Flat:
      if (m._fw_metric(handle) === METRIC_INNER_PRODUCT) return new IndexFlatIP(h as never);
      if (m._fw_metric(handle) === METRIC_L2) return new IndexFlatL2(h as never);
      return new IndexFlat(h as never);
    case Kind.IvfFlat:
      return new IndexIVFFlat(h as never, 0, 0);
    case Kind.IdMap:
      return new IndexIDMap(h as never);
    case Kind.IdMap2:
      return new IndexIDMap2(h as never);
    default:
      return new OtherIndex(h);
  }
}
