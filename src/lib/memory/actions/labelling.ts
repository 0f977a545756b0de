import type { MemoryCore } from '../store/core';
import { appendRows, type EmbRecord } from '../store/emb-records';
import { MemoryError } from '../base/errors';
import type { IndexEffect } from '../store/journal';
import { cropKey, embKey, unlabeledCropKey, unlabeledEmbKey } from '../store/keys';
import { cropSize, isCropInput, toStoredCrop, type StoredCrop } from '../store/crop';
import { marks, rows, type SqlTx } from '../../sqlite/sql';
import type { QueueOptions, UnlabeledFace } from '../base/types';
import { checkId, checkIds, cleanName, unitVector, type CleanName } from '../base/validate';
import { absorbVisitors, emptiedVisitors, forgetVisitors, visitorFor } from './visitor-rows';
import { subjectKey } from '../store/visit-tracker';
import { flushSightings } from './sightings';

/** A row of the `unlabeled` table as SQL gives it. */
export interface UnlabeledRow {
  id: number;
  timestamp: number;
  reviewed: number;
  model_id: string;
  has_crop: number;
  group_key: string | null;
  quality: number | null;
  visitor_id: number | null;
}

/** Checks a crop and converts it to bytes (never a Blob in IndexedDB: see store/crop.ts). */
async function checkCrop(core: MemoryCore, crop: unknown): Promise<StoredCrop | null> {
  if (crop === null || crop === undefined) return null;
  if (!isCropInput(crop))
    throw new MemoryError('invalid-input', 'A crop must be an image (a Blob or its bytes).');
  const size = cropSize(crop);
  if (size > core.config.maxCropBytes) {
    throw new MemoryError(
      'crop-too-large',
      `The face image is ${Math.ceil(size / 1024)} KB; at most ${Math.floor(core.config.maxCropBytes / 1024)} KB is kept.`,
    );
  }
  return toStoredCrop(crop);
}

/** An unknown face (crop + embedding of the open model) waiting for a name. */
export async function queueUnlabeled(
  core: MemoryCore,
  crop: unknown,
  embedding: unknown,
  opts: QueueOptions = {},
): Promise<number> {
  return (await queueFace(core, crop, embedding, opts)).id;
}

/**
 * queueUnlabeled, saying which visitor the face joined (`opts.visitorId`, or
 * the visitor of its group, or a new one), in the same action. `after` runs
 * once it has committed (the queue cache's bookkeeping).
 */
export async function queueFace(
  core: MemoryCore,
  crop: unknown,
  embedding: unknown,
  opts: QueueOptions & { visitorId?: number | null } = {},
  after?: (id: number, visitorId: number, vector: Float32Array) => void,
): Promise<{ id: number; visitorId: number }> {
  const vector = unitVector(embedding, core.config.dim);
  const image = await checkCrop(core, crop);
  const timestampMs = opts.timestampMs ?? Date.now();
  if (!Number.isFinite(timestampMs)) throw new MemoryError('invalid-input', 'Bad timestamp.');
  const groupKey = opts.groupKey ?? null;
  if (groupKey !== null && (typeof groupKey !== 'string' || groupKey.length > 200)) {
    throw new MemoryError('invalid-input', 'A group key is a short text.');
  }
  const quality = opts.quality ?? null;
  if (quality !== null && !Number.isFinite(quality)) {
    throw new MemoryError('invalid-input', 'Quality must be a number.');
  }
  const wanted = opts.visitorId ?? null;
  if (wanted !== null) checkId(wanted, 'A visitor id');
  return core.action('queue-unlabeled', (tx) => {
    const atMs = Math.round(timestampMs);
    const visitorId = visitorFor(tx, atMs, wanted, groupKey);
    const id = tx.insert('unlabeled', {
      timestamp: atMs,
      reviewed: 0,
      model_id: core.config.modelId,
      has_crop: image ? 1 : 0,
      group_key: groupKey,
      quality,
      visitor_id: visitorId,
    });
    const puts: Array<[string, unknown]> = [[unlabeledEmbKey(id), vector]];
    if (image) puts.push([unlabeledCropKey(id), image]);
    return { result: { id, visitorId }, puts, after: () => after?.(id, visitorId, vector) };
  });
}

/** Unreviewed faces, oldest first. */
export function getUnlabeled(core: MemoryCore): UnlabeledFace[] {
  return rows<UnlabeledRow>(
    core.db,
    'SELECT * FROM unlabeled WHERE reviewed = 0 ORDER BY timestamp, id',
  ).map((r) => ({
    id: r.id,
    timestampMs: r.timestamp,
    modelId: r.model_id,
    hasCrop: !!r.has_crop,
    groupKey: r.group_key,
    quality: r.quality,
    visitorId: r.visitor_id,
  }));
}

function pendingRows(tx: SqlTx, ids: number[]): UnlabeledRow[] {
  const got = tx.all<UnlabeledRow>(
    `SELECT * FROM unlabeled WHERE id IN (${marks(ids.length)})`,
    ids,
  );
  const missing = ids.filter((id) => !got.some((r) => r.id === id));
  if (missing.length) throw new MemoryError('not-found', `No queued face ${missing.join(', ')}.`);
  if (got.some((r) => r.reviewed)) {
    throw new MemoryError('already-labeled', 'That face has already been labelled or discarded.');
  }
  return ids.map((id) => got.find((r) => r.id === id)!);
}

/** The person with this name, created if new; seen-times widened to cover `times`. */
export function personFor(tx: SqlTx, name: CleanName, times: number[], visits = 1): number {
  const first = Math.min(...times);
  const last = Math.max(...times);
  const found = tx.one<{ id: number }>('SELECT id FROM persons WHERE name_key = ?', [name.key]);
  if (!found) {
    return tx.insert('persons', {
      name: name.name,
      name_key: name.key,
      first_seen: first,
      last_seen: last,
      visit_count: visits,
    });
  }
  tx.run(
    'UPDATE persons SET first_seen = MIN(first_seen, ?), last_seen = MAX(last_seen, ?) WHERE id = ?',
    [first, last, found.id],
  );
  return found.id;
}

/**
 * Names queued faces (one transaction for all): an existing name (trimmed,
 * any case) gains samples, a new name becomes a person; the rows are marked
 * reviewed; each embedding is searchable as soon as this resolves.
 */
export async function labelFaces(core: MemoryCore, unlabeledIds: unknown, rawName: unknown) {
  const ids = checkIds(unlabeledIds, 'queued face id');
  const name = cleanName(rawName);
  // Batched visits of the faces' visitors are written first, so that they move (counted once).
  await flushSightings(core);
  return core.action('label', (tx) => labelRows(core, tx, ids, name));
}

/** labelFaces' body, inside an action (labelVisitor shares it). */
export async function labelRows(core: MemoryCore, tx: SqlTx, ids: number[], name: CleanName) {
  const pending = pendingRows(tx, ids);
  // Visitors left with no waiting face become this person: their visits move to them.
  const absorbed = emptiedVisitors(
    tx,
    pending.map((r) => r.visitor_id),
    ids,
  );
  const personId = personFor(
    tx,
    name,
    pending.map((r) => r.timestamp),
    // A new person has been seen once (as the original), or as often as the visitors were.
    absorbed.some((v) => v.visit_count > 0) ? 0 : 1,
  );
  absorbVisitors(tx, absorbed, personId);
  // Every read at once: with encryption on, each is a decryption round trip.
  const models = [...new Set(pending.map((r) => r.model_id))];
  const [vectors, crops, records] = await Promise.all([
    core.kv.getMany<Float32Array>(ids.map(unlabeledEmbKey)),
    core.kv.getMany<unknown>(ids.map(unlabeledCropKey)),
    core.kv.getMany<EmbRecord>(models.map((m) => embKey(m, personId))),
  ]);
  const now = Date.now();
  const byModel = new Map<string, { ids: number[]; vectors: Float32Array[] }>();
  const puts: Array<[string, unknown]> = [];
  const deletes: string[] = [];
  pending.forEach((r, i) => {
    const v = vectors[i];
    if (!(v instanceof Float32Array) || !v.length) {
      throw new MemoryError('storage-corrupt', `The embedding of queued face ${r.id} is missing.`);
    }
    if (r.model_id === core.config.modelId) unitVector(v, core.config.dim);
    const crop = crops[i];
    const sampleId = tx.insert('samples', {
      person_id: personId,
      model_id: r.model_id,
      created: now,
      has_crop: crop ? 1 : 0,
      source: 'label',
    });
    tx.run('UPDATE unlabeled SET reviewed = 1, sample_id = ? WHERE id = ?', [sampleId, r.id]);
    const group = byModel.get(r.model_id) ?? { ids: [], vectors: [] };
    group.ids.push(sampleId);
    group.vectors.push(v);
    byModel.set(r.model_id, group);
    if (crop) puts.push([cropKey(sampleId), crop]);
    deletes.push(unlabeledEmbKey(r.id), unlabeledCropKey(r.id));
  });
  const index: IndexEffect[] = [];
  for (const [modelId, group] of byModel) {
    const flat = concat(group.vectors);
    const key = embKey(modelId, personId);
    puts.push([key, appendRows(records[models.indexOf(modelId)], group.ids, flat)]);
    index.push({ modelId, add: { ids: group.ids, vectors: flat } });
  }
  const after = () => {
    for (const v of absorbed)
      core.tracker.rename(subjectKey({ kind: 'visitor', id: v.id }), personId);
  };
  return { result: personId, puts, deletes, index, after };
}

export function labelFace(core: MemoryCore, unlabeledId: unknown, name: unknown) {
  return labelFaces(core, [checkId(unlabeledId, 'A queued face id')], name);
}

/** Drops queued faces for good (row, crop and embedding); a visitor left with none is forgotten. */
export function discardUnlabeled(core: MemoryCore, unlabeledIds: unknown): Promise<void> {
  const ids = checkIds(
    Array.isArray(unlabeledIds) ? unlabeledIds : [unlabeledIds],
    'queued face id',
  );
  return core.action('discard-unlabeled', (tx) => {
    const pending = pendingRows(tx, ids);
    const emptied = emptiedVisitors(
      tx,
      pending.map((r) => r.visitor_id),
      ids,
    ).map((v) => v.id);
    tx.run(`DELETE FROM unlabeled WHERE id IN (${marks(ids.length)})`, ids);
    const gone = forgetVisitors(tx, emptied);
    return {
      result: undefined,
      deletes: [...ids.flatMap((id) => [unlabeledEmbKey(id), unlabeledCropKey(id)]), ...gone],
      after: () =>
        emptied.forEach((v) => core.tracker.forget(subjectKey({ kind: 'visitor', id: v }))),
    };
  });
}

export function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
