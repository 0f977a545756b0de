import type { MemoryCore } from '../store/core';
import { MemoryError } from '../errors';
import { marks, rows } from '../../sqlite/sql';
import type { Candidate, Identification, Match } from '../types';
import { unitMatrix } from '../validate';

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

export function findMatch(core: MemoryCore, embedding: unknown): Match {
  const q = unitMatrix([embedding], core.config.dim);
  return toMatch(core, topPeople(core, q, 1)[0]?.[0]);
}

export function findTopK(core: MemoryCore, embedding: unknown, k: unknown = 5): Candidate[] {
  const q = unitMatrix([embedding], core.config.dim);
  return topPeople(core, q, checkK(k))[0] ?? [];
}

/** Match and top-k for every face of a frame, in one search. */
export function identify(core: MemoryCore, embeddings: unknown, k: unknown = 3): Identification[] {
  if (!Array.isArray(embeddings)) {
    throw new MemoryError('invalid-input', 'identify takes an array of embeddings.');
  }
  if (!embeddings.length) return [];
  const q = unitMatrix(embeddings, core.config.dim);
  return topPeople(core, q, checkK(k)).map((topK) => ({ ...toMatch(core, topK[0]), topK }));
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
