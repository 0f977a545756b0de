/**
 * Reads what an import needs to know about a `faiss.write_index` file without loading
 * FAISS: the header (fourcc, d, ntotal, metric) and, for IndexFlat and IndexIVFFlat, where
 * each stored vector lies, so the caller can check the index against the embeddings.
 * The real FAISS module (src/lib/faiss) loads the file for searching.
 *
 * Layout (little-endian, 64-bit FAISS): fourcc, d i32, ntotal i64, two i64 dummies,
 * is_trained u8, metric_type i32 (+ metric_arg f32 when metric_type > 1).
 *   IxFI / IxF2: header, u64 count (= ntotal·d), count f32.
 *   IwFl: header, u64 nlist, u64 nprobe, nested quantizer index, direct map
 *     (u8 type, u64 n, i64[n]; hashtable type adds u64 m, (i64,i64)[m]),
 *     'ilar', u64 nlist, u64 code_size, 'full' u64 n + u64[n] sizes | 'sprs' u64 n + pairs,
 *     then per non-empty list its codes then its i64 ids.
 */
import { TransferError } from './errors';

export interface FaissFileInfo {
  fourcc: string;
  kind: 'flat' | 'ivf-flat' | 'other';
  dim: number;
  ntotal: number;
  metric: 'inner-product' | 'l2' | 'other';
  metricType: number;
  nlist?: number;
  nprobe?: number;
}

/** A stored vector: its row id and the byte offset of its `dim` float32 values. */
interface FaissStoredVector {
  id: number;
  at: number;
}

function bad(message: string): TransferError {
  return new TransferError('faiss-bad-header', `The FAISS index file ${message}.`);
}

class Cursor {
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    public pos = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number): number {
    if (!Number.isSafeInteger(n) || n < 0 || this.pos + n > this.bytes.length) {
      throw bad('is truncated');
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }
  fourcc(): string {
    const at = this.need(4);
    return String.fromCharCode(...this.bytes.subarray(at, at + 4));
  }
  u8(): number {
    return this.bytes[this.need(1)]!;
  }
  i32(): number {
    return this.view.getInt32(this.need(4), true);
  }
  u64(): number {
    const v = this.view.getBigUint64(this.need(8), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw bad('has an impossible count');
    return Number(v);
  }
  i64(): number {
    const v = this.view.getBigInt64(this.need(8), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw bad('has an impossible number');
    }
    return Number(v);
  }
}

function readHeader(c: Cursor): FaissFileInfo {
  const fourcc = c.fourcc();
  const dim = c.i32();
  const ntotal = c.i64();
  c.i64();
  c.i64();
  c.u8();
  const metricType = c.i32();
  if (metricType > 1) c.need(4); // metric_arg
  if (dim <= 0 || ntotal < 0) throw bad(`has an invalid header (d=${dim}, ntotal=${ntotal})`);
  const kind =
    fourcc === 'IxFI' || fourcc === 'IxF2' ? 'flat' : fourcc === 'IwFl' ? 'ivf-flat' : 'other';
  const metric = metricType === 0 ? 'inner-product' : metricType === 1 ? 'l2' : 'other';
  return { fourcc, kind, dim, ntotal, metric, metricType };
}

function skipFlat(c: Cursor, info: FaissFileInfo): number {
  const count = c.u64();
  if (count !== info.ntotal * info.dim)
    throw bad('holds a vector count that disagrees with ntotal');
  return c.need(count * 4);
}

/** The header of any FAISS index file (and nlist/nprobe for IVF). */
export function readFaissHeader(bytes: Uint8Array): FaissFileInfo {
  if (bytes.length < 4) throw bad('is empty or truncated');
  const c = new Cursor(bytes);
  const info = readHeader(c);
  if (info.kind === 'ivf-flat') {
    info.nlist = c.u64();
    info.nprobe = c.u64();
  }
  return info;
}

/**
 * Every stored vector of an IndexFlat or IndexIVFFlat file, after checking that the file's
 * structure is complete and self-consistent (sizes add up to ntotal and to the file length).
 */
export function faissStoredVectors(bytes: Uint8Array): FaissStoredVector[] {
  const c = new Cursor(bytes);
  const info = readHeader(c);
  const rowBytes = info.dim * 4;
  const out: FaissStoredVector[] = [];
  if (info.kind === 'flat') {
    const at = skipFlat(c, info);
    for (let i = 0; i < info.ntotal; i++) out.push({ id: i, at: at + i * rowBytes });
  } else if (info.kind === 'ivf-flat') {
    const nlist = c.u64();
    c.u64(); // nprobe
    const quantizer = readHeader(c);
    if (quantizer.kind !== 'flat' || quantizer.dim !== info.dim || quantizer.ntotal !== nlist) {
      throw bad('has a coarse quantizer that does not match its lists');
    }
    skipFlat(c, quantizer);
    const mapType = c.u8();
    c.need(c.u64() * 8);
    if (mapType === 2) c.need(c.u64() * 16);
    if (c.fourcc() !== 'ilar') throw bad('uses inverted lists this reader does not know');
    if (c.u64() !== nlist) throw bad('has inverted lists of another nlist');
    const codeSize = c.u64();
    if (codeSize !== rowBytes) throw bad('stores codes that are not float vectors');
    const sizes = new Array<number>(nlist).fill(0);
    const listKind = c.fourcc();
    const n = c.u64();
    if (listKind === 'full') {
      if (n !== nlist) throw bad('has a list size table of the wrong length');
      for (let i = 0; i < nlist; i++) sizes[i] = c.u64();
    } else if (listKind === 'sprs') {
      for (let j = 0; j < n; j += 2) {
        const list = c.u64();
        if (list >= nlist) throw bad('names a list that does not exist');
        sizes[list] = c.u64();
      }
    } else {
      throw bad(`uses a list layout (${listKind}) this reader does not know`);
    }
    for (const size of sizes) {
      if (size === 0) continue;
      const codes = c.need(size * codeSize);
      for (let k = 0; k < size; k++) {
        const id = c.i64();
        if (id < 0 || id >= info.ntotal) throw bad('holds a vector id outside 0…ntotal');
        out.push({ id, at: codes + k * rowBytes });
      }
    }
    if (out.length !== info.ntotal) throw bad('holds fewer or more vectors than ntotal');
  } else {
    throw bad(`is a ${info.fourcc} index, which an import cannot use as is`);
  }
  if (c.pos !== bytes.length) throw bad('has trailing bytes');
  return out;
}

const ID_MAP_HEADER_BYTES = 37; // fourcc d ntotal dummy dummy is_trained metric

/**
 * An `IndexIDMap2` file around an existing index file, as FAISS's write_index writes one:
 * 'IxM2', the map's header (copied from the inner index), the inner index's bytes unchanged,
 * then the id map (u64 n, i64 × n). `ids[r]` is the label of the inner index's row r. This is
 * how the Python original's own index becomes the memory's (labels = sample ids) without
 * re-adding or retraining anything.
 */
export function wrapInIdMap2(inner: Uint8Array, ids: readonly number[]): Uint8Array {
  const info = readFaissHeader(inner);
  if (info.kind === 'other') throw bad(`is a ${info.fourcc} index, which cannot be wrapped`);
  if (info.metricType > 1) throw bad('uses a metric with an argument, which cannot be wrapped');
  if (ids.length !== info.ntotal) throw bad(`has ${info.ntotal} rows, not ${ids.length} ids`);
  const out = new Uint8Array(ID_MAP_HEADER_BYTES + inner.length + 8 + 8 * ids.length);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x78, 0x4d, 0x32]); // 'IxM2'
  view.setInt32(4, info.dim, true);
  view.setBigInt64(8, BigInt(info.ntotal), true);
  view.setBigInt64(16, 1n << 20n, true);
  view.setBigInt64(24, 1n << 20n, true);
  out[32] = inner[32]!; // is_trained, as the inner index says
  view.setInt32(33, info.metricType, true);
  out.set(inner, ID_MAP_HEADER_BYTES);
  let at = ID_MAP_HEADER_BYTES + inner.length;
  view.setBigUint64(at, BigInt(ids.length), true);
  at += 8;
  for (const id of ids) {
    if (!Number.isSafeInteger(id)) throw bad('would get a label that is not an integer');
    view.setBigInt64(at, BigInt(id), true);
    at += 8;
  }
  return out;
}

/** The labels of an `IndexIDMap2` file's rows, in row order (its trailing id map). */
export function idMap2Ids(bytes: Uint8Array): number[] {
  const c = new Cursor(bytes);
  const info = readHeader(c);
  if (info.fourcc !== 'IxM2' && info.fourcc !== 'IxMp') throw bad('is not an IndexIDMap');
  const start = bytes.length - 8 - 8 * info.ntotal;
  if (start < ID_MAP_HEADER_BYTES) throw bad('is truncated');
  const tail = new Cursor(bytes, start);
  if (tail.u64() !== info.ntotal) throw bad('has an id map of another length');
  return Array.from({ length: info.ntotal }, () => tail.i64());
}
