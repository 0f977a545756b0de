/**
 * "Check memory": proof that what is stored agrees with itself. SQLite is the
 * source of truth; every stored value and every FAISS row must follow from
 * it, and searching each sample's own embedding must find its own person
 * first. Read-only: it reports, it repairs nothing (a rebuild does that).
 */
import type { MemoryCore } from '../store/core';
import { isEmbRecord } from '../store/emb-records';
import { cropKey, negativeEmbKey, unlabeledCropKey, unlabeledEmbKey } from '../store/keys';
import { rows } from '../../sqlite/sql';

/** Above this many searchable samples, an evenly spread subset is searched. */
export const DEFAULT_MAX_SEARCHES = 2000;
/** Problems listed one by one; the rest are counted. */
const MAX_LISTED = 50;
const SEARCH_K = 8;
const SEARCH_CHUNK = 256;
/** Cosine of a unit vector with itself, allowing float32 rounding. */
const SELF_SIMILARITY = 0.999;
const TIE = 1e-5;

export interface VerifyOptions {
  maxSearches?: number;
}

export interface ConsistencyReport {
  ok: boolean;
  persons: number;
  samples: number;
  /** Samples of the open model with a stored embedding: what the index must hold. */
  indexed: number;
  ntotal: number;
  /** Samples whose own embedding was searched for. */
  searched: number;
  /** True when only some of `indexed` were searched (large memories), evenly spread. */
  sampled: boolean;
  /** Rows other models keep for samples that left them or are gone (switch-back cache; allowed). */
  leftoverRows: number;
  problems: string[];
  ms: number;
}

interface SampleRow {
  id: number;
  person_id: number;
  model_id: string;
  has_crop: number;
}

interface UnlabeledRow {
  id: number;
  reviewed: number;
  has_crop: number;
  sample_id: number | null;
}

class Problems {
  readonly list: string[] = [];
  #more = 0;
  add(problem: string): void {
    if (this.list.length < MAX_LISTED) this.list.push(problem);
    else this.#more++;
  }
  done(): string[] {
    return this.#more ? [...this.list, `… and ${this.#more} more`] : this.list;
  }
}

/** `emb/<model>/<personId>` → its parts (model ids are URI-encoded in keys). */
function parseEmbKey(key: string): { modelId: string; personId: number } | null {
  const m = /^emb\/([^/]+)\/(\d+)$/.exec(key);
  if (!m) return null;
  try {
    return { modelId: decodeURIComponent(m[1]!), personId: Number(m[2]) };
  } catch {
    return null;
  }
}

export async function verifyConsistency(
  core: MemoryCore,
  opts: VerifyOptions = {},
): Promise<ConsistencyReport> {
  const t0 = performance.now();
  const max = Math.max(1, Math.floor(opts.maxSearches ?? DEFAULT_MAX_SEARCHES));
  const { db, kv, index } = core;
  const { modelId, dim } = core.config;
  const problems = new Problems();

  // SQLite's own check of its pages and indexes.
  const integrity = rows<Record<string, string>>(db, 'PRAGMA integrity_check').map(
    (r) => Object.values(r)[0],
  );
  if (integrity.length !== 1 || integrity[0] !== 'ok') {
    problems.add(`SQLite integrity check: ${integrity.slice(0, 5).join('; ')}`);
  }

  // References between tables.
  const persons = new Map(
    rows<{ id: number; name: string }>(db, 'SELECT id, name FROM persons').map((p) => [
      p.id,
      p.name,
    ]),
  );
  const who = (id: number) => (persons.has(id) ? `${persons.get(id)} (#${id})` : `person #${id}`);
  const samples = rows<SampleRow>(db, 'SELECT id, person_id, model_id, has_crop FROM samples');
  const sampleById = new Map(samples.map((s) => [s.id, s]));
  for (const s of samples) {
    if (!persons.has(s.person_id)) problems.add(`sample ${s.id} belongs to a missing person`);
  }
  for (const r of rows<{ person_id: number; n: number }>(
    db,
    // A visitor's sightings have no person (and NULL NOT IN an empty set is true).
    `SELECT person_id, COUNT(*) AS n FROM sightings WHERE person_id IS NOT NULL
     AND person_id NOT IN (SELECT id FROM persons) GROUP BY person_id`,
  )) {
    problems.add(`${r.n} sightings of person #${r.person_id}, who does not exist`);
  }
  for (const r of rows<{ visitor_id: number; n: number }>(
    db,
    `SELECT visitor_id, COUNT(*) AS n FROM sightings WHERE visitor_id IS NOT NULL
     AND visitor_id NOT IN (SELECT id FROM visitors) GROUP BY visitor_id`,
  )) {
    problems.add(`${r.n} sightings of visitor #${r.visitor_id}, who does not exist`);
  }
  for (const r of rows<{ id: number }>(
    db,
    `SELECT id FROM unlabeled WHERE reviewed = 0
     AND (visitor_id IS NULL OR visitor_id NOT IN (SELECT id FROM visitors))`,
  )) {
    problems.add(`queued face ${r.id} belongs to no visitor`);
  }
  const unlabeled = rows<UnlabeledRow>(
    db,
    'SELECT id, reviewed, has_crop, sample_id FROM unlabeled',
  );
  for (const u of unlabeled) {
    if (u.sample_id !== null && !sampleById.has(u.sample_id)) {
      problems.add(`queued face ${u.id} points at sample ${u.sample_id}, which does not exist`);
    }
    if (!u.reviewed && u.sample_id !== null) {
      problems.add(`queued face ${u.id} is still waiting but was labelled`);
    }
  }

  // Stored embeddings: each live sample has exactly one row, in its person's record of its model.
  const filed = new Set<number>();
  const openVectors = new Map<number, Float32Array>();
  let leftoverRows = 0;
  for (const [key, rec] of await kv.getPrefix<unknown>('emb/')) {
    const at = parseEmbKey(key);
    if (!at) {
      problems.add(`unexpected stored key ${key}`);
      continue;
    }
    if (!isEmbRecord(rec, at.modelId === modelId ? dim : undefined)) {
      problems.add(`the ${at.modelId} embeddings of ${who(at.personId)} are malformed`);
      continue;
    }
    const d = rec.sampleIds.length ? rec.vectors.length / rec.sampleIds.length : 0;
    rec.sampleIds.forEach((sid, row) => {
      const s = sampleById.get(sid);
      if (!s || s.model_id !== at.modelId) {
        leftoverRows++;
        return;
      }
      if (s.person_id !== at.personId) {
        problems.add(`sample ${sid} of ${who(s.person_id)} is filed under ${who(at.personId)}`);
      } else if (filed.has(sid)) {
        problems.add(`sample ${sid} has two stored embeddings`);
      } else {
        filed.add(sid);
        if (s.model_id === modelId)
          openVectors.set(sid, rec.vectors.subarray(row * d, row * d + d));
      }
    });
  }
  for (const s of samples) {
    if (!filed.has(s.id)) {
      problems.add(`sample ${s.id} of ${who(s.person_id)} has no stored ${s.model_id} embedding`);
    }
  }

  // Pictures and queued faces: present where SQLite says so, and nothing else.
  const cropKeys = new Set(await kv.keys('crop/'));
  const unlKeys = new Set(await kv.keys('unl/'));
  const wanted = new Set<string>();
  for (const s of samples) {
    if (!s.has_crop) continue;
    wanted.add(cropKey(s.id));
    if (!cropKeys.has(cropKey(s.id))) problems.add(`the picture of sample ${s.id} is missing`);
  }
  for (const u of unlabeled) {
    if (u.reviewed) continue;
    wanted.add(unlabeledEmbKey(u.id));
    if (!unlKeys.has(unlabeledEmbKey(u.id))) problems.add(`queued face ${u.id} has no embedding`);
    if (!u.has_crop) continue;
    wanted.add(unlabeledCropKey(u.id));
    if (!cropKeys.has(unlabeledCropKey(u.id))) problems.add(`queued face ${u.id} has no picture`);
  }
  for (const k of [...cropKeys, ...unlKeys]) {
    if (!wanted.has(k)) problems.add(`${k} is stored but belongs to nothing`);
  }

  // "Not this person" negatives: each of a living person, with one stored unit
  // embedding (of the open model's dimension when it is the open model's).
  const negatives = rows<{ id: number; person_id: number; model_id: string }>(
    db,
    'SELECT id, person_id, model_id FROM negatives',
  );
  const negKeys = new Set(await kv.keys('neg/'));
  const negWanted = new Set(negatives.map((n) => negativeEmbKey(n.id)));
  const negVectors = await kv.getMany<unknown>(negatives.map((n) => negativeEmbKey(n.id)));
  negatives.forEach((n, i) => {
    if (!persons.has(n.person_id)) {
      problems.add(`negative ${n.id} is of person #${n.person_id}, who does not exist`);
    }
    const v = negVectors[i];
    if (!(v instanceof Float32Array) || !v.length) {
      problems.add(`negative ${n.id} of ${who(n.person_id)} has no stored embedding`);
    } else if (n.model_id === modelId && v.length !== dim) {
      problems.add(`negative ${n.id} of ${who(n.person_id)} has ${v.length} numbers, not ${dim}`);
    }
  });
  for (const k of negKeys) {
    if (!negWanted.has(k)) problems.add(`${k} is stored but belongs to nothing`);
  }

  // The index: exactly the open model's stored samples, each once.
  if (core.indexBroken) problems.add(`the index needs a rebuild: ${core.indexBroken}`);
  const indexed = new Set<number>();
  for (const id of index.sampleIds()) {
    const s = sampleById.get(id);
    if (indexed.has(id)) problems.add(`sample ${id} is in the index twice`);
    else if (!s) problems.add(`the index has a row for sample ${id}, which does not exist`);
    else if (s.model_id !== modelId) problems.add(`the index has sample ${id} of ${s.model_id}`);
    else if (!openVectors.has(id)) {
      problems.add(`the index has sample ${id}, which has no stored embedding`);
    }
    indexed.add(id);
  }
  for (const id of openVectors.keys()) {
    if (!indexed.has(id)) {
      problems.add(`sample ${id} of ${who(sampleById.get(id)!.person_id)} is not in the index`);
    }
  }
  if (index.ntotal !== openVectors.size) {
    problems.add(`the index holds ${index.ntotal} vectors; ${openVectors.size} are stored`);
  }

  // Each stored embedding, searched for, finds its own person first.
  const all = [...openVectors.keys()].sort((a, b) => a - b);
  const pick =
    all.length <= max
      ? all
      : Array.from({ length: max }, (_, i) => all[Math.floor((i * all.length) / max)]!);
  if (!core.indexBroken && index.ntotal > 0) {
    searchOwn(core, pick, openVectors, sampleById, who, problems);
  }

  const list = problems.done();
  return {
    ok: list.length === 0,
    persons: persons.size,
    samples: samples.length,
    indexed: openVectors.size,
    ntotal: index.ntotal,
    searched: core.indexBroken ? 0 : pick.length,
    sampled: pick.length < all.length,
    leftoverRows,
    problems: list,
    ms: performance.now() - t0,
  };
}

function searchOwn(
  core: MemoryCore,
  ids: readonly number[],
  vectors: ReadonlyMap<number, Float32Array>,
  sampleById: ReadonlyMap<number, SampleRow>,
  who: (personId: number) => string,
  problems: Problems,
): void {
  const { dim } = core.config;
  const k = Math.min(core.index.ntotal, SEARCH_K);
  const personOf = (sid: number) => sampleById.get(sid)?.person_id;
  for (let at = 0; at < ids.length; at += SEARCH_CHUNK) {
    const chunk = ids.slice(at, at + SEARCH_CHUNK);
    const q = new Float32Array(chunk.length * dim);
    chunk.forEach((id, j) => q.set(vectors.get(id)!, j * dim));
    const { similarities, sampleIds } = core.index.search(q, k);
    chunk.forEach((id, j) => {
      const own = personOf(id)!;
      const bestSim = similarities[j * k]!;
      const bestId = sampleIds[j * k]!;
      const best = personOf(bestId);
      const first = `${best === undefined ? `sample ${bestId}` : who(best)} at ${fmt(bestSim)}`;
      let ownSim = -Infinity;
      for (let r = j * k; r < (j + 1) * k; r++) {
        if (sampleIds[r]! >= 0 && personOf(sampleIds[r]!) === own) {
          ownSim = Math.max(ownSim, similarities[r]!);
        }
      }
      const mine = `searching sample ${id} of ${who(own)}`;
      if (ownSim === -Infinity) {
        problems.add(`${mine} does not find them (first: ${first})`);
      } else if (bestSim - ownSim > TIE) {
        problems.add(`${mine} finds ${first} first (own: ${fmt(ownSim)})`);
      } else if (ownSim < SELF_SIMILARITY) {
        problems.add(`${mine}: its own vector is not indexed as stored (${fmt(ownSim)})`);
      }
    });
  }
}

const fmt = (x: number) => x.toFixed(4);
