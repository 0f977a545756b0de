/**
 * `emb/<model>/<personId>`: a person's embeddings for one model, n×dim, with
 * the sample id of each row so that a row can be removed or moved exactly.
 */
export interface EmbRecord {
  sampleIds: number[];
  vectors: Float32Array;
}

export function isEmbRecord(x: unknown, dim?: number): x is EmbRecord {
  const r = x as EmbRecord;
  if (typeof r !== 'object' || r === null) return false;
  if (!Array.isArray(r.sampleIds) || !(r.vectors instanceof Float32Array)) return false;
  const n = r.sampleIds.length;
  if (n === 0) return r.vectors.length === 0;
  return dim === undefined ? r.vectors.length % n === 0 : r.vectors.length === n * dim;
}

export function appendRows(
  rec: EmbRecord | undefined,
  ids: readonly number[],
  vectors: Float32Array,
): EmbRecord {
  const old = rec ?? { sampleIds: [], vectors: new Float32Array(0) };
  const out = new Float32Array(old.vectors.length + vectors.length);
  out.set(old.vectors);
  out.set(vectors, old.vectors.length);
  return { sampleIds: [...old.sampleIds, ...ids], vectors: out };
}

/** The record without the given samples' rows, and those rows. */
export function takeRows(
  rec: EmbRecord,
  ids: ReadonlySet<number>,
): { kept: EmbRecord; taken: EmbRecord } {
  const n = rec.sampleIds.length;
  const dim = n ? rec.vectors.length / n : 0;
  const keep: number[] = [];
  const take: number[] = [];
  rec.sampleIds.forEach((id, row) => (ids.has(id) ? take : keep).push(row));
  const pick = (rowsIdx: number[]): EmbRecord => {
    const v = new Float32Array(rowsIdx.length * dim);
    rowsIdx.forEach((row, i) => v.set(rec.vectors.subarray(row * dim, (row + 1) * dim), i * dim));
    return { sampleIds: rowsIdx.map((row) => rec.sampleIds[row]!), vectors: v };
  };
  return { kept: pick(keep), taken: pick(take) };
}
