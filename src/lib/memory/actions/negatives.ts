/**
 * "Not this person": a face the user says is not person P is stored as a
 * negative pair (a `negatives` row, its embedding under neg/<id>), and every
 * later search (identify, findMatch, findTopK, suggestForUnlabeled) drops P
 * from a face's candidates when that face's cosine to one of P's negatives is
 * at least the match threshold and at least its cosine to P's best sample
 * minus 0.05 (the bound: search.ts searchPeople, NEGATIVE_MARGIN): it is the
 * face the user corrected, or one about as like it as like P, so it is not P. If P was the best match,
 * the next candidate becomes the match when it reaches the threshold, else
 * the face is unknown.
 *
 * Negatives belong to the model that embedded them. After a model switch the
 * old model's negatives are kept (an export carries them, switching back uses
 * them again) but are not used: a negative keeps no crop of its own, so it
 * cannot be embedded again.
 */
import type { MemoryCore } from '../store/core';
import { visitorFor } from './visitor-rows';
import { isEmbRecord, takeRows, type EmbRecord } from '../store/emb-records';
import { MemoryError } from '../base/errors';
import { cropKey, embKey, negativeEmbKey, unlabeledCropKey, unlabeledEmbKey } from '../store/keys';
import { rows, scalar } from '../../sqlite/sql';
import { checkId, unitVector } from '../base/validate';

export type NegativeSource = 'live' | 'queue' | 'sample';

/** Which face is not the person: a live box's track, a waiting face, or a person's sample. */
export type NotThisPersonTarget =
  { trackId: number } | { unlabeledId: number } | { sampleId: number };

export interface NotThisPersonResult {
  negativeId: number;
  /** For a sample: the waiting face it became (it went back to the queue to be named again). */
  unlabeledId: number | null;
}

// ── live tracks: the last embedding of each box, so a box can be corrected ──

/** At most this many tracks are remembered (a frame holds a handful of faces). */
export const TRACKS_KEPT = 64;
/** A track's embedding older than this is forgotten: the face has left. */
export const TRACK_KEPT_MS = 60_000;

interface TrackFace {
  vector: Float32Array;
  atMs: number;
}

const trackFaces = new WeakMap<MemoryCore, Map<number, TrackFace>>();

/** Remembers the embedding a live track had at `atMs` (recognise calls it each frame). */
export function rememberTrack(
  core: MemoryCore,
  trackId: number,
  vector: Float32Array,
  atMs: number,
) {
  const map = trackFaces.get(core) ?? new Map<number, TrackFace>();
  trackFaces.set(core, map);
  map.delete(trackId); // re-insert: Map order is least recently seen first
  map.set(trackId, { vector, atMs });
  while (map.size > TRACKS_KEPT) map.delete(map.keys().next().value!);
}

/** Forgets every live track (on close). */
export function forgetTracks(core: MemoryCore): void {
  trackFaces.delete(core);
}

function trackFace(core: MemoryCore, trackId: number): Float32Array {
  const map = trackFaces.get(core);
  const face = map?.get(trackId);
  const newest = map ? Math.max(0, ...[...map.values()].map((f) => f.atMs)) : 0;
  if (!face || newest - face.atMs > TRACK_KEPT_MS) {
    throw new MemoryError(
      'not-found',
      'That face is no longer in view, so it cannot be corrected.',
    );
  }
  return face.vector;
}

// ── the negatives of the open model, held in memory ──

interface NegativeCache {
  /** The (id, person, created) of every row it holds: the cache is current while SQL agrees. */
  fingerprint: string;
  byPerson: Map<number, Float32Array[]>;
}

const caches = new WeakMap<MemoryCore, NegativeCache>();

/**
 * The open model's negatives by person. Negatives are few, so the check that
 * the cache is current is one SQL query; the embeddings are read again only
 * after an action or import changed the rows.
 */
export async function negativesByPerson(core: MemoryCore): Promise<Map<number, Float32Array[]>> {
  const modelId = core.config.modelId;
  const fingerprint = String(
    scalar(
      core.db,
      `SELECT group_concat(id || ':' || person_id || ':' || created, ',') FROM negatives WHERE model_id = ?`,
      [modelId],
    ) ?? '',
  );
  const cached = caches.get(core);
  if (cached?.fingerprint === fingerprint) return cached.byPerson;
  const list = rows<{ id: number; person_id: number }>(
    core.db,
    'SELECT id, person_id FROM negatives WHERE model_id = ? ORDER BY id',
    [modelId],
  );
  const vectors = await core.kv.getMany<Float32Array>(list.map((r) => negativeEmbKey(r.id)));
  const byPerson = new Map<number, Float32Array[]>();
  list.forEach((r, i) => {
    const v = vectors[i];
    // A missing or wrong-sized vector is verify()'s to report; it cannot rule anyone out.
    if (!(v instanceof Float32Array) || v.length !== core.config.dim) return;
    const got = byPerson.get(r.person_id) ?? [];
    got.push(v);
    byPerson.set(r.person_id, got);
  });
  caches.set(core, { fingerprint, byPerson });
  return byPerson;
}

// ── the action ──

function checkTarget(raw: unknown): { kind: 'trackId' | 'unlabeledId' | 'sampleId'; id: number } {
  if (typeof raw === 'object' && raw !== null) {
    const keys = Object.keys(raw).filter((k) => (raw as Record<string, unknown>)[k] !== undefined);
    if (keys.length === 1 && ['trackId', 'unlabeledId', 'sampleId'].includes(keys[0]!)) {
      const kind = keys[0] as 'trackId' | 'unlabeledId' | 'sampleId';
      const id = (raw as Record<string, unknown>)[kind];
      if (kind === 'trackId') {
        if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
          throw new MemoryError('invalid-input', 'A track id must be a whole number.');
        }
        return { kind, id };
      }
      return { kind, id: checkId(id, kind === 'sampleId' ? 'A sample id' : 'A queued face id') };
    }
  }
  throw new MemoryError(
    'invalid-input',
    'Say which face is not the person: { trackId }, { unlabeledId } or { sampleId }.',
  );
}

/**
 * Stores that a face is not `personId` (one action). For a live box or a
 * waiting face the face stays where it is (the box becomes unknown on the
 * next frame, the waiting face keeps waiting). For a sample, `personId` may be
 * omitted (it is the sample's owner); the sample leaves the person and goes
 * back to the queue as a waiting face with its crop, so it can be given its
 * right name: deleting it would lose a real photo of someone. Its index row
 * goes at once, so the next frame no longer matches it.
 */
export function notThisPerson(
  core: MemoryCore,
  rawTarget: unknown,
  rawPersonId?: unknown,
): Promise<NotThisPersonResult> {
  const target = checkTarget(rawTarget);
  const given = target.kind === 'sampleId' && rawPersonId === undefined;
  const personId = given ? null : checkId(rawPersonId, 'A person id');
  const liveVector = target.kind === 'trackId' ? trackFace(core, target.id) : null;
  return core.action('not-this-person', async (tx) => {
    const puts: Array<[string, unknown]> = [];
    const deletes: string[] = [];
    let vector: Float32Array;
    let modelId = core.config.modelId;
    let source: NegativeSource;
    let owner = personId;
    let unlabeledId: number | null = null;
    let removed: number | null = null;
    if (target.kind === 'trackId') {
      vector = liveVector!;
      source = 'live';
    } else if (target.kind === 'unlabeledId') {
      const r = tx.one<{ model_id: string }>('SELECT model_id FROM unlabeled WHERE id = ?', [
        target.id,
      ]);
      if (!r) throw new MemoryError('not-found', `No queued face ${target.id}.`);
      const v = await core.kv.get<Float32Array>(unlabeledEmbKey(target.id));
      if (!(v instanceof Float32Array)) {
        throw new MemoryError('not-found', `Queued face ${target.id} has no stored embedding.`);
      }
      vector = v;
      modelId = r.model_id;
      source = 'queue';
    } else {
      const s = tx.one<{ person_id: number; model_id: string; has_crop: number; created: number }>(
        'SELECT person_id, model_id, has_crop, created FROM samples WHERE id = ?',
        [target.id],
      );
      if (!s) throw new MemoryError('not-found', `No sample ${target.id}.`);
      if (owner !== null && owner !== s.person_id) {
        throw new MemoryError('invalid-input', `Sample ${target.id} is not person ${owner}'s.`);
      }
      owner = s.person_id;
      const key = embKey(s.model_id, s.person_id);
      const rec = await core.kv.get<EmbRecord>(key);
      const { kept, taken } = isEmbRecord(rec)
        ? takeRows(rec, new Set([target.id]))
        : { kept: null, taken: null };
      if (!taken?.sampleIds.length) {
        throw new MemoryError('not-found', `Sample ${target.id} has no stored embedding.`);
      }
      vector = taken.vectors;
      modelId = s.model_id;
      source = 'sample';
      const crop = s.has_crop ? await core.kv.get<Blob>(cropKey(target.id)) : undefined;
      unlabeledId = tx.insert('unlabeled', {
        timestamp: s.created,
        reviewed: 0,
        model_id: s.model_id,
        has_crop: crop ? 1 : 0,
        group_key: null,
        quality: null,
        // Back in the queue, a face of nobody known: a visitor of its own.
        visitor_id: visitorFor(tx, s.created, null, null),
      });
      tx.run('UPDATE unlabeled SET sample_id = NULL WHERE sample_id = ?', [target.id]);
      tx.run('DELETE FROM samples WHERE id = ?', [target.id]);
      puts.push([unlabeledEmbKey(unlabeledId), vector]);
      if (crop) puts.push([unlabeledCropKey(unlabeledId), crop]);
      if (s.has_crop) deletes.push(cropKey(target.id));
      if (kept.sampleIds.length) puts.push([key, kept]);
      else deletes.push(key);
      removed = target.id;
    }
    if (!tx.one('SELECT id FROM persons WHERE id = ?', [owner])) {
      throw new MemoryError('not-found', `No person ${owner}.`);
    }
    const unit = unitVector(vector, vector.length);
    const negativeId = tx.insert('negatives', {
      person_id: owner!,
      model_id: modelId,
      source,
      created: Date.now(),
    });
    puts.push([negativeEmbKey(negativeId), unit]);
    return {
      result: { negativeId, unlabeledId },
      puts,
      deletes,
      index: removed === null ? [] : [{ modelId, remove: [removed] }],
    };
  });
}

/** The negatives of one person (newest first), for display and tests. */
export interface NegativeInfo {
  id: number;
  modelId: string;
  source: NegativeSource;
  createdMs: number;
}

export function negativesOf(core: MemoryCore, personId: unknown): NegativeInfo[] {
  const id = checkId(personId, 'A person id');
  return rows<{ id: number; model_id: string; source: NegativeSource; created: number }>(
    core.db,
    'SELECT id, model_id, source, created FROM negatives WHERE person_id = ? ORDER BY id DESC',
    [id],
  ).map((r) => ({ id: r.id, modelId: r.model_id, source: r.source, createdMs: r.created }));
}
