/**
 * Unknown faces from the camera, as anonymous visitors: a face is matched
 * against every waiting face (each belongs to a visitor) with the live vote's
 * two thresholds, as a known face is against people. At or above the upper
 * one it is that visitor (its group); below the lower one it is a new visitor;
 * in between it is not sure and nothing is queued or recorded. So one stranger
 * seen for a minute, or on three visits, is one visitor to label, not hundreds
 * of rows; a visitor holds at most a few faces. Also the top-k suggestions for
 * waiting faces.
 */
import type { MemoryCore } from '../store/core';
import { queueFace } from './labelling';
import type { CropInput } from '../store/crop';
import { unlabeledEmbKey } from '../store/keys';
import { QueuedVectors } from '../store/queued-vectors';
import { rows } from '../../sqlite/sql';
import { searchPeople } from './search';
import { thresholdsOf } from './thresholds';
import type { Candidate } from '../base/types';
import { checkIds, unitVector } from '../base/validate';

export interface QueueUnknownOptions {
  timestampMs?: number;
  quality?: number | null;
  /** A visitor holds at most this many faces (the best crops of one stranger). */
  maxPerGroup?: number;
  /** The visitor this face is already known to be (its track's): no matching. */
  visitorId?: number | null;
  /**
   * A face between a visitor's two thresholds: 'skip' (the live view: nothing
   * queued, nothing recorded, as for a not-sure person) or 'apart' (a photo the
   * user chose: queued as a new visitor of its own, never added to the look-alike).
   */
  notSure?: 'skip' | 'apart';
}

export interface QueueUnknownResult {
  queued: boolean;
  /** The new row, when queued. */
  id: number | null;
  groupKey: string;
  /** The visitor it is (null: not sure, nothing recorded). */
  visitorId: number | null;
  /** Between the two thresholds of a visitor: neither that visitor nor a new one. */
  notSure: boolean;
  /** The waiting face it resembled most, and how much. */
  similarTo: { id: number; similarity: number } | null;
}

/** How a stranger's face matched the visitors. */
export interface VisitorMatch {
  decision: 'same' | 'new' | 'not-sure';
  /** The visitor it is ('same') or most resembles ('not-sure'); null for 'new'. */
  visitorId: number | null;
  similarity: number;
  /** The waiting face it resembled most. */
  similarTo: { id: number; similarity: number } | null;
}

const caches = new WeakMap<MemoryCore, QueuedVectors>();

/** The waiting faces' vectors of the open model, re-read only when the queue changed. */
export async function queuedVectors(core: MemoryCore): Promise<QueuedVectors> {
  let cache = caches.get(core);
  if (!cache || cache.dim !== core.config.dim) {
    cache = new QueuedVectors(core.config.dim);
    caches.set(core, cache);
  }
  if (cache.version === core.queueVersion) return cache;
  const live = rows<{ id: number; group_key: string | null; visitor_id: number | null }>(
    core.db,
    'SELECT id, group_key, visitor_id FROM unlabeled WHERE reviewed = 0 AND model_id = ?',
    [core.config.modelId],
  );
  const liveIds = new Set(live.map((r) => r.id));
  for (const id of cache.ids()) if (!liveIds.has(id)) cache.delete(id);
  const missing = live.filter((r) => !cache.has(r.id));
  const vectors = await core.kv.getMany<Float32Array>(missing.map((r) => unlabeledEmbKey(r.id)));
  const got = new Map<number, Float32Array>();
  missing.forEach((r, i) => {
    const v = vectors[i];
    if (v instanceof Float32Array && v.length === core.config.dim) got.set(r.id, v);
  });
  for (const r of live) {
    const v = got.get(r.id) ?? cache.vector(r.id);
    if (v) cache.set(r.id, v, r.visitor_id, r.group_key);
  }
  cache.version = core.queueVersion;
  return cache;
}

/** Matches a unit vector against the visitors (call on the memory's queue). */
export async function matchVisitorVector(
  core: MemoryCore,
  vector: Float32Array,
): Promise<VisitorMatch> {
  const hit = (await queuedVectors(core)).best(vector);
  const { upper, lower } = thresholdsOf(core);
  const similarTo = hit ? { id: hit.id, similarity: hit.similarity } : null;
  if (!hit || hit.visitorId === null || hit.similarity < lower) {
    return { decision: 'new', visitorId: null, similarity: hit?.similarity ?? 0, similarTo };
  }
  const decision = hit.similarity >= upper ? 'same' : 'not-sure';
  return { decision, visitorId: hit.visitorId, similarity: hit.similarity, similarTo };
}

/** Which visitor an embedding is (read: nothing is written). */
export function matchVisitor(core: MemoryCore, embedding: unknown): Promise<VisitorMatch> {
  const vector = unitVector(embedding, core.config.dim);
  return core.serial(() => matchVisitorVector(core, vector));
}

function newGroupKey(): string {
  return `g-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export async function queueUnknown(
  core: MemoryCore,
  crop: CropInput | null,
  embedding: unknown,
  opts: QueueUnknownOptions = {},
): Promise<QueueUnknownResult> {
  const vector = unitVector(embedding, core.config.dim);
  const maxPerGroup = opts.maxPerGroup ?? 5;
  // Decide in the memory's queue, so two faces of one frame see each other.
  const decision = await core.serial(async () => {
    core.assertWritable();
    const cache = await queuedVectors(core);
    const match = opts.visitorId
      ? { decision: 'same' as const, visitorId: opts.visitorId, similarTo: null }
      : await matchVisitorVector(core, vector);
    const visitorId = match.decision === 'same' ? match.visitorId : null;
    let groupKey: string | null = null;
    if (visitorId !== null) {
      const face = cache.ids().find((id) => cache.visitorOf(id) === visitorId);
      groupKey = face === undefined ? null : cache.groupOf(face);
    }
    return {
      groupKey: groupKey ?? newGroupKey(),
      visitorId,
      notSure: match.decision === 'not-sure',
      full: visitorId !== null && cache.countOf(visitorId) >= maxPerGroup,
      similarTo: match.similarTo,
    };
  });
  const { full, ...told } = decision;
  if (full || (told.notSure && opts.notSure !== 'apart'))
    return { queued: false, id: null, ...told };
  const queued = await queueFace(
    core,
    crop,
    vector,
    {
      timestampMs: opts.timestampMs,
      quality: opts.quality ?? null,
      groupKey: told.groupKey,
      visitorId: told.visitorId,
    },
    (id, visitorId, v) => {
      // Only a cache that was current before this action may take the row as it stands.
      const cache = caches.get(core);
      if (cache && cache.version === core.queueVersion - 1) {
        cache.set(id, v, visitorId, told.groupKey);
        cache.version = core.queueVersion;
      }
    },
  );
  return { queued: true, ...told, id: queued.id, visitorId: queued.visitorId };
}

/** Top-k known people for each waiting face (of the open model; others get []). */
export async function suggestForUnlabeled(
  core: MemoryCore,
  unlabeledIds: unknown,
  k = 3,
): Promise<Candidate[][]> {
  const ids = checkIds(unlabeledIds, 'queued face id');
  const pending = await queuedVectors(core);
  const have = ids.filter((id) => pending.has(id));
  if (!have.length || core.index.ntotal === 0) return ids.map(() => []);
  const q = new Float32Array(have.length * core.config.dim);
  have.forEach((id, i) => q.set(pending.vector(id)!, i * core.config.dim));
  const found = await searchPeople(core, q, k);
  return ids.map((id) => {
    const at = have.indexOf(id);
    return at < 0 ? [] : (found[at] ?? []);
  });
}
