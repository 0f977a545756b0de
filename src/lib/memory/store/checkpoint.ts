import type { IndexKind } from './vector-index';

/**
 * `faiss/<model>`: derived data. FAISS `write_index` bytes of the IndexIDMap2
 * (its id map is the row → sample mapping; sample → person is in SQLite),
 * tagged with the database it came from, the action it reflects (`seq`) and
 * that model's index generation. Anything that does not match is rebuilt.
 */
export interface Checkpoint {
  format: 1;
  dbId: string;
  modelId: string;
  dim: number;
  seq: number;
  indexGen: number;
  ntotal: number;
  kind: IndexKind;
  bytes: Uint8Array;
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
  const c = ck as Partial<Checkpoint>;
  if (typeof c !== 'object' || c === null || c.format !== 1 || !(c.bytes instanceof Uint8Array)) {
    return 'unrecognised checkpoint';
  }
  if (c.dbId !== want.dbId) return 'checkpoint of another memory';
  if (c.modelId !== want.modelId) return `checkpoint of model ${String(c.modelId)}`;
  if (c.dim !== want.dim) return `checkpoint of dimension ${String(c.dim)}`;
  if (!Number.isSafeInteger(c.seq) || !Number.isSafeInteger(c.indexGen)) {
    return 'unrecognised checkpoint';
  }
  if (c.seq! > want.seq || c.indexGen! > want.indexGen) return 'checkpoint newer than the database';
  const kind = innerKind(c.bytes);
  if (kind !== c.kind) return `checkpoint bytes hold ${kind ?? 'no known index'}, not ${c.kind}`;
  return null;
}

/**
 * The kind of index inside IndexIDMap2 bytes, from the nested fourcc: the
 * map's header is fourcc(4) d(4) ntotal(8) two dummies(16) is_trained(1)
 * metric(4), so the inner index's fourcc sits at byte 37. Metric must be
 * inner product (0).
 */
function innerKind(bytes: Uint8Array): IndexKind | null {
  if (bytes.length < 41) return null;
  const text = (a: number) => String.fromCharCode(...bytes.subarray(a, a + 4));
  if (text(0) !== 'IxM2') return null;
  const metric = new DataView(bytes.buffer, bytes.byteOffset + 33, 4).getInt32(0, true);
  if (metric !== 0) return null;
  const inner = text(37);
  return inner === 'IxFI' ? 'IndexFlatIP' : inner === 'IwFl' ? 'IndexIVFFlat' : null;
}
