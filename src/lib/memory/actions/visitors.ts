/**
 * Anonymous visitors as the queue shows them (one card each), and what the
 * user does with one: name it (a new person, or an existing one: a merge; its
 * faces become samples and its visit history moves), or discard it (it is
 * forgotten at once with its faces and sightings). Each is one action.
 */
import type { MemoryCore } from '../store/core';
import { MemoryError } from '../base/errors';
import { labelRows } from './labelling';
import { flushSightings } from './sightings';
import { forgetVisitors, needVisitor } from './visitor-rows';
import { rows, row, type SqlTx } from '../../sqlite/sql';
import { subjectKey } from '../store/visit-tracker';
import type { Visitor } from '../base/types';
import { checkId, checkIds, cleanName } from '../base/validate';

interface VisitorListRow {
  id: number;
  first_seen: number;
  last_seen: number;
  visit_count: number;
  faces: string | null;
}

/** Its waiting faces, best quality (then newest) first, with whether each has a crop. */
const visitorSql = (from: string) => `SELECT v.id, v.first_seen, v.last_seen, v.visit_count,
  (SELECT GROUP_CONCAT(u.id || ':' || u.has_crop) FROM
    (SELECT id, has_crop FROM unlabeled WHERE visitor_id = v.id AND reviewed = 0
     ORDER BY COALESCE(quality, -1) DESC, id DESC) u) AS faces
  FROM ${from} v`;

function toVisitor(r: VisitorListRow): Visitor {
  const faces = (r.faces ?? '')
    .split(',')
    .filter(Boolean)
    .map((f) => f.split(':').map(Number) as [number, number]);
  return {
    id: r.id,
    number: r.id,
    firstSeenMs: r.first_seen,
    lastSeenMs: r.last_seen,
    visitCount: r.visit_count,
    faceIds: faces.map(([id]) => id),
    coverFaceId: faces.find(([, crop]) => crop === 1)?.[0] ?? null,
  };
}

export interface VisitorListOptions {
  /** Default 200; 0: all. */
  limit?: number;
  offset?: number;
}

function paging(opts: VisitorListOptions): [number, number] {
  const limit = opts.limit ?? 200;
  const offset = opts.offset ?? 0;
  if (![limit, offset].every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new MemoryError('invalid-input', 'limit and offset are whole numbers, 0 or more.');
  }
  return [limit || -1, offset];
}

/** The queue's cards: visitors, the most recently seen first. */
export function listVisitors(core: MemoryCore, opts: VisitorListOptions = {}): Visitor[] {
  const [limit, offset] = paging(opts);
  return rows<VisitorListRow>(
    core.db,
    // The page is chosen first, so faces are gathered for its cards only.
    `${visitorSql(`(SELECT * FROM visitors ORDER BY last_seen DESC, id DESC LIMIT ? OFFSET ?)`)}
     ORDER BY v.last_seen DESC, v.id DESC`,
    [limit, offset],
  ).map(toVisitor);
}

export function getVisitor(core: MemoryCore, visitorId: unknown): Visitor {
  const id = checkId(visitorId, 'A visitor id');
  const r = row<VisitorListRow>(core.db, `${visitorSql('visitors')} WHERE v.id = ?`, [id]);
  if (!r) throw new MemoryError('not-found', `No visitor ${id}.`);
  return toVisitor(r);
}

function pendingOf(tx: SqlTx, visitorId: number): number[] {
  return tx
    .all<{ id: number }>(
      'SELECT id FROM unlabeled WHERE visitor_id = ? AND reviewed = 0 ORDER BY id',
      [visitorId],
    )
    .map((r) => r.id);
}

/**
 * Names a visitor: a new name makes it a person, an existing one (any case)
 * merges it into that person. Its faces become samples (searchable at once),
 * its visits and first/last seen move to the person. Returns the person id.
 */
export async function labelVisitor(core: MemoryCore, visitorId: unknown, rawName: unknown) {
  const id = checkId(visitorId, 'A visitor id');
  const name = cleanName(rawName);
  // Its batched visits are written first, so that they move with it (counted once).
  await flushSightings(core);
  return core.action('label-visitor', async (tx) => {
    needVisitor(tx, id);
    const faces = pendingOf(tx, id);
    if (!faces.length) {
      throw new MemoryError('storage-corrupt', `Visitor ${id} has no face to name.`);
    }
    return labelRows(core, tx, faces, name);
  });
}

/** Forgets visitors at once: rows, faces (crops, embeddings) and sightings, in one action. */
export function discardVisitors(core: MemoryCore, visitorIds: unknown) {
  const ids = checkIds(Array.isArray(visitorIds) ? visitorIds : [visitorIds], 'visitor id');
  return core.action('discard-visitors', (tx) => {
    for (const id of ids) needVisitor(tx, id);
    const deletes = forgetVisitors(tx, ids);
    const after = () =>
      ids.forEach((v) => core.tracker.forget(subjectKey({ kind: 'visitor', id: v })));
    return { result: undefined, deletes, after };
  });
}
