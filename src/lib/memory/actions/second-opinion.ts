/**
 * The memory's part of a second opinion (decision/second-opinion.ts): a
 * person's vectors of ANOTHER model than the open one, and a face's best
 * similarity to them. They exist only where the person's samples were
 * embedded with that model (a model switch's re-embedding, or the settings'
 * second opinion preparing them, stores them in `emb/<model>/<personId>` and
 * keeps them: actions/reembed.ts); rows of
 * samples no longer the person's (moved, merged, deleted) are not used.
 * Read only for the faces that need it: two people at a time.
 */
import type { MemoryCore } from '../store/core';
import { isEmbRecord, type EmbRecord } from '../store/emb-records';
import { embKey } from '../store/keys';
import { marks, rows } from '../../sqlite/sql';

/** What the live view's second opinion is configured with (RecogniseOptions.secondOpinion). */
export interface SecondModel {
  modelId: string;
  dim: number;
  /** Its own upper threshold (cosine). */
  upper: number;
  /** Its best must beat the other candidate by this much (cosine). */
  minMargin: number;
}

/** Each person's current samples' vectors of `modelId` (a person without any is absent). */
export async function secondVectors(
  core: MemoryCore,
  modelId: string,
  dim: number,
  personIds: readonly number[],
): Promise<Map<number, Float32Array[]>> {
  const ids = [...new Set(personIds)];
  const out = new Map<number, Float32Array[]>();
  if (!ids.length) return out;
  const owner = new Map(
    rows<{ id: number; person_id: number }>(
      core.db,
      `SELECT id, person_id FROM samples WHERE person_id IN (${marks(ids.length)})`,
      ids,
    ).map((r) => [r.id, r.person_id]),
  );
  const records = await core.kv.getMany<EmbRecord>(ids.map((p) => embKey(modelId, p)));
  records.forEach((rec, i) => {
    const personId = ids[i]!;
    if (!isEmbRecord(rec, dim)) return;
    const vs = rec.sampleIds.flatMap((sampleId, row) =>
      owner.get(sampleId) === personId ? [rec.vectors.subarray(row * dim, (row + 1) * dim)] : [],
    );
    if (vs.length) out.set(personId, vs);
  });
  return out;
}

/** The face's best cosine to each person's vectors (unit vectors: a dot product). */
export function bestSimilarities(
  vectors: ReadonlyMap<number, readonly Float32Array[]>,
  face: Float32Array,
): Map<number, number> {
  const out = new Map<number, number>();
  for (const [personId, vs] of vectors) {
    let best = -Infinity;
    for (const v of vs) {
      let dot = 0;
      for (let i = 0; i < v.length; i++) dot += v[i]! * face[i]!;
      best = Math.max(best, dot);
    }
    out.set(personId, best);
  }
  return out;
}
