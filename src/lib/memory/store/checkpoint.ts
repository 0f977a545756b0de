import type { IndexKind } from './vector-index';

/**
 * `faiss/<model>`: derived data. FAISS `write_index` bytes of the IndexIDMap2
 * (its id map is the row → sample mapping; sample → person is in SQLite),
 * tagged with the database it came from, the action it reflects (`seq`) and
 * that model's index generation. Anything that does not match is rebuilt.
 *
 * Format 2 keeps the tags here and the bytes in parts of
 * CHECKPOINT_PART_BYTES under `faiss/<model>/<part>`, written in the same
 * transaction. At 100k vectors the bytes are ~300 MB: in parts, the open
 * reads, decrypts (encryption at rest) and hands them to FAISS a few parts at
 * a time, many in flight, so it never holds the whole file twice and the
 * decryption runs in parallel. 512 KiB, not more: browsers' allocators keep
 * and reuse freed blocks up to about 1 MiB, while each larger buffer is
 * mapped afresh (WebCrypto makes three per call), and touching fresh pages
 * cost more than the AES itself (measured in Chromium: 64 MB decrypted in
 * 512 KiB calls 261 ms, in 8 MiB calls 1058 ms, same run). Each
 * part names its checkpoint (`checkpoint`, a random id) and its place, so
 * parts of another checkpoint are refused, not mixed in. Format 1 (the bytes
 * in the one record) is still read; the next checkpoint replaces it.
 */
export const CHECKPOINT_PART_BYTES = 512 * 2 ** 10;

interface CheckpointTags {
  dbId: string;
  modelId: string;
  dim: number;
  seq: number;
  indexGen: number;
  ntotal: number;
  kind: IndexKind;
}

export interface Checkpoint extends CheckpointTags {
  format: 2;
  /** Random; every part carries it. */
  id: string;
  /** The FAISS file's length in bytes. */
  size: number;
  partBytes: number;
  parts: number;
}

/** Format 1: the FAISS bytes inside the record. */
export interface CheckpointV1 extends CheckpointTags {
  format: 1;
  bytes: Uint8Array;
}

export type StoredCheckpoint = Checkpoint | CheckpointV1;

export interface CheckpointPart {
  checkpoint: string;
  part: number;
  bytes: Uint8Array;
}

/** The stored records of a checkpoint of `bytes` (already in parts of CHECKPOINT_PART_BYTES). */
export function checkpointRecords(
  tags: CheckpointTags,
  parts: readonly Uint8Array[],
  id: string = crypto.randomUUID(),
): { header: Checkpoint; parts: CheckpointPart[] } {
  const size = parts.reduce((n, p) => n + p.length, 0);
  const header: Checkpoint = {
    format: 2,
    ...tags,
    id,
    size,
    partBytes: CHECKPOINT_PART_BYTES,
    parts: parts.length,
  };
  return { header, parts: parts.map((bytes, part) => ({ checkpoint: id, part, bytes })) };
}

/** The length part `i` of `header` must have. */
function partLength(header: Checkpoint, i: number): number {
  return Math.min(header.partBytes, header.size - i * header.partBytes);
}

/** Part `i`'s bytes, or why the stored value is not part `i` of `header`. */
export function partBytes(header: Checkpoint, i: number, stored: unknown): Uint8Array | string {
  const p = stored as Partial<CheckpointPart> | undefined;
  if (typeof p !== 'object' || p === null || !(p.bytes instanceof Uint8Array)) {
    return `checkpoint part ${i} is missing`;
  }
  if (p.checkpoint !== header.id || p.part !== i) return `checkpoint part ${i} is of another one`;
  if (p.bytes.length !== partLength(header, i)) return `checkpoint part ${i} has a wrong length`;
  return p.bytes;
}

interface CheckpointExpectation {
  dbId: string;
  modelId: string;
  dim: number;
  seq: number;
  indexGen: number;
}

/** Why a stored checkpoint cannot be used as it is, or null when its tags match. */
export function checkpointProblem(ck: unknown, want: CheckpointExpectation): string | null {
  if (ck === undefined) return 'no checkpoint';
  const c = ck as Partial<Checkpoint> & Partial<CheckpointV1>;
  if (typeof c !== 'object' || c === null) return 'unrecognised checkpoint';
  if (c.format === 1) {
    if (!(c.bytes instanceof Uint8Array)) return 'unrecognised checkpoint';
  } else if (c.format === 2) {
    const ok =
      typeof c.id === 'string' &&
      isCount(c.size) &&
      isCount(c.partBytes) &&
      c.partBytes > 0 &&
      isCount(c.parts) &&
      c.parts === Math.ceil(c.size / c.partBytes);
    if (!ok) return 'unrecognised checkpoint';
  } else return 'unrecognised checkpoint';
  if (c.dbId !== want.dbId) return 'checkpoint of another memory';
  if (c.modelId !== want.modelId) return `checkpoint of model ${String(c.modelId)}`;
  if (c.dim !== want.dim) return `checkpoint of dimension ${String(c.dim)}`;
  if (!Number.isSafeInteger(c.seq) || !Number.isSafeInteger(c.indexGen)) {
    return 'unrecognised checkpoint';
  }
  if (c.seq! > want.seq || c.indexGen! > want.indexGen) return 'checkpoint newer than the database';
  if (c.format === 1) {
    const kind = innerKind(c.bytes!);
    if (kind !== c.kind) return `checkpoint bytes hold ${kind ?? 'no known index'}, not ${c.kind}`;
  }
  return null;
}

const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

/**
 * The kind of index inside IndexIDMap2 bytes, from the nested fourcc: the
 * map's header is fourcc(4) d(4) ntotal(8) two dummies(16) is_trained(1)
 * metric(4), so the inner index's fourcc sits at byte 37. Metric must be
 * inner product (0).
 */
export function innerKind(bytes: Uint8Array): IndexKind | null {
  if (bytes.length < 41) return null;
  const text = (a: number) => String.fromCharCode(...bytes.subarray(a, a + 4));
  if (text(0) !== 'IxM2') return null;
  const metric = new DataView(bytes.buffer, bytes.byteOffset + 33, 4).getInt32(0, true);
  if (metric !== 0) return null;
  const inner = text(37);
  return inner === 'IxFI' ? 'IndexFlatIP' : inner === 'IwFl' ? 'IndexIVFFlat' : null;
}
