import type { MemoryCore } from '../store/core';
import { MemoryError } from '../base/errors';
import { marks, rows } from '../../sqlite/sql';
import type { Candidate, Identification, Match } from '../base/types';
import { unitMatrix } from '../base/validate';
import { negativesByPerson } from './negatives';

const LOOKUP_CHUNK = 500;

/** sample id → its person, for FAISS hits (SQLite is the map; no per-row state in memory). */
function personsOf(core: MemoryCore, sampleIds: Iterable<number>) {
  const ids = [...new Set(sampleIds)].filter((id) => id >= 0);
  const out = new Map<number, { personId: number; name: string }>();
  for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
    const chunk = ids.slice(i, i + LOOKUP_CHUNK);
    const got = rows<{ sid: number; pid: number; name: string }>(
      core.db,
      `SELECT s.id AS sid, p.id AS pid, p.name AS name FROM samples s
       JOIN persons p ON p.id = s.person_id WHERE s.id IN (${marks(chunk.length)})`,
      chunk,
    );
    for (const r of got) out.set(r.sid, { personId: r.pid, name: r.name });
  }
  return out;
}

/**
 * The k best people for each query (nq×dim unit vectors), best first, each
 * person once (the best of their samples). Searches deeper while a query has
 * fewer than k distinct people and the index has more vectors.
 */
export function topPeople(core: MemoryCore, queries: Float32Array, k: number): Candidate[][] {
  if (core.indexBroken) {
    throw new MemoryError('index-failed', `${core.indexBroken} Rebuild the index to search again.`);
  }
  const { dim } = core.config;
  const nq = queries.length / dim;
  const ntotal = core.index.ntotal;
  const out: Candidate[][] = Array.from({ length: nq }, () => []);
  let pending = Array.from({ length: nq }, (_, i) => i);
  let depth = Math.min(ntotal, Math.max(4 * k, k + 8));
  while (pending.length && depth > 0) {
    const q = new Float32Array(pending.length * dim);
    pending.forEach((qi, j) => q.set(queries.subarray(qi * dim, (qi + 1) * dim), j * dim));
    const { similarities, sampleIds } = core.index.search(q, depth);
    const kk = sampleIds.length / pending.length;
    const owners = personsOf(core, sampleIds);
    const again: number[] = [];
    pending.forEach((qi, j) => {
      const seen = new Set<number>();
      const list: Candidate[] = [];
      for (let r = j * kk; r < (j + 1) * kk && list.length < k; r++) {
        const owner = owners.get(sampleIds[r]!);
        if (!owner || seen.has(owner.personId)) continue;
        seen.add(owner.personId);
        list.push({ ...owner, similarity: similarities[r]! });
      }
      out[qi] = list;
      // A -1 label means FAISS had no more to give (IVF probes only some lists).
      const exhausted = sampleIds[(j + 1) * kk - 1]! < 0;
      if (list.length < k && kk < ntotal && !exhausted) again.push(qi);
    });
    pending = again;
    depth = Math.min(ntotal, depth * 4);
  }
  return out;
}

function dotAt(a: Float32Array, b: Float32Array, offset: number): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[offset + i]!;
  return s;
}

/**
 * How much closer to P's samples than to P's negative a face must be to stay
 * P (cosine). Real faces of P are typically 0.2+ closer to P's photos than to
 * a lookalike the user rejected; a face the user rejected right after it was
 * labelled as P (the same picture as P's sample) is as close to both, and the
 * user's latest word wins: it is not P.
 */
export const NEGATIVE_MARGIN = 0.05;

/**
 * topPeople with "not this person" respected (actions/negatives.ts): person P
 * is dropped from a query's candidates when the query's cosine to one of P's
 * negatives is at least the match threshold AND at least its similarity to P
 * (P's best sample) minus NEGATIVE_MARGIN: the face is (about) as like the
 * one the user said is not P as any photo of P. The second condition keeps
 * P's own faces: the corrected face matched P, so P's photos are often above
 * the threshold to it too, but they are clearly closer to P's samples.
 * Searches k + (people with negatives) deep so that k remain when some are
 * dropped.
 */
export async function searchPeople(
  core: MemoryCore,
  queries: Float32Array,
  k: number,
): Promise<Candidate[][]> {
  const negatives = await negativesByPerson(core);
  if (!negatives.size) return topPeople(core, queries, k);
  const { dim, threshold } = core.config;
  return topPeople(core, queries, k + negatives.size).map((list, qi) =>
    list
      .filter(
        (c) =>
          !negatives.get(c.personId)?.some((n) => {
            const s = dotAt(n, queries, qi * dim);
            return s >= threshold && s + NEGATIVE_MARGIN >= c.similarity;
          }),
      )
      .slice(0, k),
  );
}

function checkK(k: unknown): number {
  if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 1) {
    throw new MemoryError('invalid-input', 'k must be a whole number of at least 1.');
  }
  return k;
}

function toMatch(core: MemoryCore, best: Candidate | undefined): Match {
  if (!best) return { personId: null, name: null, similarity: 0 };
  if (best.similarity < core.config.threshold) {
    return { personId: null, name: null, similarity: best.similarity };
  }
  return { ...best };
}

export async function findMatch(core: MemoryCore, embedding: unknown): Promise<Match> {
  const q = unitMatrix([embedding], core.config.dim);
  return toMatch(core, (await searchPeople(core, q, 1))[0]?.[0]);
}

export async function findTopK(
  core: MemoryCore,
  embedding: unknown,
  k: unknown = 5,
): Promise<Candidate[]> {
  const q = unitMatrix([embedding], core.config.dim);
  return (await searchPeople(core, q, checkK(k)))[0] ?? [];
}

/** Match and top-k for every face of a frame, in one search. */
export async function identify(
  core: MemoryCore,
  embeddings: unknown,
  k: unknown = 3,
): Promise<Identification[]> {
  if (!Array.isArray(embeddings)) {
    throw new MemoryError('invalid-input', 'identify takes an array of embeddings.');
  }
  if (!embeddings.length) return [];
  const q = unitMatrix(embeddings, core.config.dim);
  const found = await searchPeople(core, q, checkK(k));
  return found.map((topK) => ({ ...toMatch(core, topK[0]), topK }));
}

/** The match threshold (a setting, not stored here), changed at once for the next search. */
export function setThreshold(
  core: MemoryCore,
  thresholdCosine: unknown,
  lowerCosine?: unknown,
): Promise<void> {
  if (typeof thresholdCosine !== 'number' || !(thresholdCosine >= -1 && thresholdCosine <= 1)) {
    throw new MemoryError('invalid-input', 'The threshold is a cosine, −1 … 1.');
  }
  if (
    lowerCosine !== undefined &&
    (typeof lowerCosine !== 'number' || !(lowerCosine >= -1 && lowerCosine <= thresholdCosine))
  ) {
    throw new MemoryError(
      'invalid-input',
      'The lower threshold is a cosine, −1 … 1, and not above the upper one.',
    );
  }
  return core.serial(() => {
    core.config.threshold = thresholdCosine;
    // The live vote's "not sure" band (recognise); absent: no band.
    core.config.lowerThreshold = lowerCosine as number | undefined;
  });
}
