/**
 * Unknown faces from the camera, deduplicated: a face similar (at the
 * model's threshold) to one already waiting joins its group, so one stranger
 * seen for a minute, or on three visits, is one group to label, not hundreds
 * of rows; a full group takes no more crops. Also the top-k suggestions for
 * waiting faces.
 */
import type { MemoryCore } from '../store/core';
import { queueUnlabeled } from './labelling';
import type { CropInput } from '../store/crop';
import { unlabeledEmbKey } from '../store/keys';
import { rows } from '../../sqlite/sql';
import { searchPeople } from './search';
import type { Candidate } from '../base/types';
import { checkIds, unitVector } from '../base/validate';

export interface QueueUnknownOptions {
  timestampMs?: number;
  quality?: number | null;
  /** A group holds at most this many faces (the best crops of one stranger). */
  maxPerGroup?: number;
}

export interface QueueUnknownResult {
  queued: boolean;
  /** The new row, when queued. */
  id: number | null;
  groupKey: string;
  /** The waiting face it resembled most, and how much. */
  similarTo: { id: number; similarity: number } | null;
}

interface Pending {
  vector: Float32Array;
  groupKey: string | null;
}

/** Waiting faces' vectors of the open model, kept in step with SQL (the queue is small). */
const caches = new WeakMap<MemoryCore, Map<number, Pending>>();

async function pendingVectors(core: MemoryCore): Promise<Map<number, Pending>> {
  const cache = caches.get(core) ?? new Map<number, Pending>();
  caches.set(core, cache);
  const live = rows<{ id: number; group_key: string | null }>(
    core.db,
    'SELECT id, group_key FROM unlabeled WHERE reviewed = 0 AND model_id = ?',
    [core.config.modelId],
  );
  const liveIds = new Set(live.map((r) => r.id));
  for (const id of cache.keys()) if (!liveIds.has(id)) cache.delete(id);
  const missing = live.filter((r) => !cache.has(r.id));
  const vectors = await core.kv.getMany<Float32Array>(missing.map((r) => unlabeledEmbKey(r.id)));
  missing.forEach((r, i) => {
    const v = vectors[i];
    if (v instanceof Float32Array && v.length === core.config.dim) {
      cache.set(r.id, { vector: v, groupKey: r.group_key });
    }
  });
  for (const r of live) {
    const c = cache.get(r.id);
    if (c) c.groupKey = r.group_key;
  }
  return cache;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
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
    const pending = await pendingVectors(core);
    let best: { id: number; similarity: number; groupKey: string | null } | null = null;
    for (const [id, p] of pending) {
      const s = dot(vector, p.vector);
      if (!best || s > best.similarity) best = { id, similarity: s, groupKey: p.groupKey };
    }
    const similar = best && best.similarity >= core.config.threshold ? best : null;
    const groupKey = similar?.groupKey ?? newGroupKey();
    const size = similar ? [...pending.values()].filter((p) => p.groupKey === groupKey).length : 0;
    return {
      groupKey,
      full: size >= maxPerGroup,
      similarTo: best ? { id: best.id, similarity: best.similarity } : null,
    };
  });
  if (decision.full) return { queued: false, id: null, ...decision };
  const id = await queueUnlabeled(core, crop, vector, {
    timestampMs: opts.timestampMs,
    quality: opts.quality ?? null,
    groupKey: decision.groupKey,
  });
  caches.get(core)?.set(id, { vector, groupKey: decision.groupKey });
  return { queued: true, id, ...decision };
}

/** Top-k known people for each waiting face (of the open model; others get []). */
export async function suggestForUnlabeled(
  core: MemoryCore,
  unlabeledIds: unknown,
  k = 3,
): Promise<Candidate[][]> {
  const ids = checkIds(unlabeledIds, 'queued face id');
  const pending = await pendingVectors(core);
  const have = ids.filter((id) => pending.has(id));
  if (!have.length || core.index.ntotal === 0) return ids.map(() => []);
  const q = new Float32Array(have.length * core.config.dim);
  have.forEach((id, i) => q.set(pending.get(id)!.vector, i * core.config.dim));
  const found = await searchPeople(core, q, k);
  return ids.map((id) => {
    const at = have.indexOf(id);
    return at < 0 ? [] : (found[at] ?? []);
  });
}
