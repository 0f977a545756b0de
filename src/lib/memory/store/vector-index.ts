import type { IndexKind } from '../base/types';
import { describeError } from '../../errors';
import type { FaissIndex, FaissModule, IndexIDMap2, IndexIVFFlat } from '../../faiss';
import { MemoryError } from '../base/errors';

/** The original's policy: exact search below this many vectors, IVF from it on. */
export const IVF_MIN_VECTORS = 5000;
export const IVF_MAX_NLIST = 100;
export const IVF_NPROBE = 10;

export type { IndexKind } from '../base/types';

interface SearchResult {
  /** nq×k similarities, best first per query. */
  similarities: Float32Array;
  /** nq×k sample ids; -1 where FAISS found fewer than k. */
  sampleIds: Float64Array;
}

export const kindFor = (n: number): IndexKind =>
  n >= IVF_MIN_VECTORS ? 'IndexIVFFlat' : 'IndexFlatIP';

/**
 * One model's vectors in FAISS: an IndexIDMap2 whose labels are sample ids
 * (so deletes are exact, and the person of a hit comes from SQL, which is
 * what makes merges and moves free of index work), over IndexFlatIP or
 * IndexIVFFlat by the size policy. The map owns the inner index (and the IVF
 * its quantizer): disposing the map frees them all.
 */
export class VectorIndex {
  private constructor(
    private readonly faiss: FaissModule,
    private readonly map: IndexIDMap2,
    readonly kind: IndexKind,
    readonly dim: number,
  ) {}

  get ntotal(): number {
    return this.map.ntotal;
  }

  /** IVF lists (0 for flat). */
  get nlist(): number {
    const inner = this.map.index;
    return inner instanceof this.faiss.IndexIVFFlat ? inner.nlist : 0;
  }

  /** IVF lists probed per search (0 for flat). */
  get nprobe(): number {
    const inner = this.map.index;
    return inner instanceof this.faiss.IndexIVFFlat ? inner.nprobe : 0;
  }

  /** True when the vector count has crossed the policy line since it was built. */
  get outOfPolicy(): boolean {
    return kindFor(this.ntotal) !== this.kind;
  }

  /** A fresh index of the kind the policy gives for n = ids.length, holding these vectors. */
  static build(
    faiss: FaissModule,
    dim: number,
    ids: readonly number[],
    vectors: Float32Array,
  ): VectorIndex {
    const kind = kindFor(ids.length);
    let map: IndexIDMap2 | undefined;
    try {
      if (kind === 'IndexFlatIP') {
        map = new faiss.IndexIDMap2(new faiss.IndexFlatIP(dim));
      } else {
        const nlist = Math.min(IVF_MAX_NLIST, Math.floor(ids.length / 10));
        const ivf = new faiss.IndexIVFFlat(
          new faiss.IndexFlatIP(dim),
          dim,
          nlist,
          faiss.METRIC_INNER_PRODUCT,
        );
        ivf.nprobe = IVF_NPROBE;
        map = new faiss.IndexIDMap2(ivf);
        // Through the map: IndexIDMap copies is_trained from its index only when built or trained itself.
        map.train(vectors);
      }
      const index = new VectorIndex(faiss, map, kind, dim);
      index.add(ids, vectors);
      return index;
    } catch (error) {
      map?.delete();
      throw indexError(error);
    }
  }

  /** Reads checkpoint bytes; throws unless they hold an IndexIDMap2 of the expected kind and dim. */
  static fromBytes(faiss: FaissModule, bytes: Uint8Array, dim: number, kind: IndexKind) {
    return VectorIndex.#checked(faiss, faiss.readIndex(bytes), dim, kind);
  }

  /** fromBytes for bytes that arrive in parts (checkpoint.ts), `size` in all. */
  static async fromParts(
    faiss: FaissModule,
    size: number,
    parts: AsyncIterable<Uint8Array>,
    dim: number,
    kind: IndexKind,
  ): Promise<VectorIndex> {
    return VectorIndex.#checked(faiss, await faiss.readIndexParts(size, parts), dim, kind);
  }

  static #checked(faiss: FaissModule, read: FaissIndex, dim: number, kind: IndexKind) {
    const fail = (why: string): never => {
      read.delete();
      throw new Error(why);
    };
    if (!(read instanceof faiss.IndexIDMap2)) return fail('not an IndexIDMap2');
    const inner = read.index;
    const got =
      inner instanceof faiss.IndexIVFFlat
        ? 'IndexIVFFlat'
        : inner instanceof faiss.IndexFlatIP
          ? 'IndexFlatIP'
          : null;
    if (got !== kind) return fail(`holds ${got ?? 'another index'}, tagged ${kind}`);
    if (read.d !== dim) return fail(`dimension ${read.d}, expected ${dim}`);
    if (inner instanceof faiss.IndexIVFFlat) (inner as IndexIVFFlat).nprobe = IVF_NPROBE;
    return new VectorIndex(faiss, read, kind, dim);
  }

  /** The sample id of every stored vector, in storage order. */
  sampleIds(): number[] {
    return Array.from(this.map.idMap, Number);
  }

  add(ids: readonly number[], vectors: Float32Array): void {
    if (ids.length) this.map.addWithIds(vectors, ids);
  }

  remove(ids: readonly number[]): number {
    return ids.length ? this.map.removeIds(ids) : 0;
  }

  /** `queries` is nq×dim; k is clamped to the number of vectors. */
  search(queries: Float32Array, k: number): SearchResult {
    const kk = Math.min(k, this.ntotal);
    if (kk <= 0) return { similarities: new Float32Array(0), sampleIds: new Float64Array(0) };
    const { distances, labels } = this.map.search(queries, kk);
    const sampleIds = new Float64Array(labels.length);
    for (let i = 0; i < labels.length; i++) sampleIds[i] = Number(labels[i]);
    return { similarities: distances, sampleIds };
  }

  toBytes(): Uint8Array {
    return this.faiss.writeIndex(this.map);
  }

  /** toBytes in parts of at most `partBytes`, each its own buffer. */
  toParts(partBytes: number): Uint8Array[] {
    return this.faiss.writeIndexParts(this.map, partBytes);
  }

  dispose(): void {
    this.map.delete();
  }
}

export function indexError(error: unknown): MemoryError {
  if (error instanceof MemoryError) return error;
  const detail = describeError(error);
  return new MemoryError('index-failed', `The face index failed: ${detail}`, { cause: error });
}
