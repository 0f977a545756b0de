/**
 * The SQL of visitors inside an action (no action of its own): which visitor a
 * queued face joins, a visitor becoming a person, a visitor forgotten with all
 * of its rows and keys. Labelling, discarding, retention and the visitor
 * actions share them, so every path keeps the same rule: a waiting face always
 * belongs to a visitor, and a visitor with no waiting face left is gone.
 */
import { deleteAlertsOf, moveAlerts } from './alerts';
import { MemoryError } from '../base/errors';
import { unlabeledCropKey, unlabeledEmbKey } from '../store/keys';
import { marks, type SqlTx } from '../../sqlite/sql';

export interface VisitorRow {
  id: number;
  first_seen: number;
  last_seen: number;
  visit_count: number;
}

export function needVisitor(tx: SqlTx, id: number): VisitorRow {
  const v = tx.one<VisitorRow>('SELECT * FROM visitors WHERE id = ?', [id]);
  if (!v) throw new MemoryError('not-found', `No visitor ${id}.`);
  return v;
}

/**
 * The visitor a face queued at `atMs` joins: `visitorId` if given, else the
 * visitor of a waiting face of the same group, else a new one. A visitor's
 * visits are its sightings rows only (a new one has none: its first
 * observation starts its first visit). Its first and last seen are widened to `atMs`.
 */
export function visitorFor(
  tx: SqlTx,
  atMs: number,
  visitorId: number | null,
  groupKey: string | null,
): number {
  let id = visitorId;
  if (id !== null) needVisitor(tx, id);
  if (id === null && groupKey !== null) {
    id =
      tx.one<{ v: number }>(
        'SELECT visitor_id AS v FROM unlabeled WHERE reviewed = 0 AND group_key = ? AND visitor_id IS NOT NULL LIMIT 1',
        [groupKey],
      )?.v ?? null;
  }
  if (id === null) {
    return tx.insert('visitors', { first_seen: atMs, last_seen: atMs, visit_count: 0 });
  }
  tx.run(
    'UPDATE visitors SET first_seen = MIN(first_seen, ?), last_seen = MAX(last_seen, ?) WHERE id = ?',
    [atMs, atMs, id],
  );
  return id;
}

/** Visitors among `ids` with no waiting face left once the faces `leaving` are gone. */
export function emptiedVisitors(
  tx: SqlTx,
  ids: Iterable<number | null>,
  leaving: number[] = [],
): VisitorRow[] {
  const list = [...new Set([...ids].filter((v): v is number => v !== null))];
  if (!list.length) return [];
  return tx.all<VisitorRow>(
    `SELECT * FROM visitors WHERE id IN (${marks(list.length)})
     AND NOT EXISTS (SELECT 1 FROM unlabeled u WHERE u.visitor_id = visitors.id AND u.reviewed = 0
       AND u.id NOT IN (${marks(leaving.length)}))`,
    [...list, ...leaving],
  );
}

/**
 * Visitors become (part of) person `personId`: their visits (sightings rows
 * and count) and first/last seen move to the person; the visitor rows go.
 */
export function absorbVisitors(tx: SqlTx, visitors: VisitorRow[], personId: number): void {
  for (const v of visitors) {
    tx.run('UPDATE sightings SET person_id = ?, visitor_id = NULL WHERE visitor_id = ?', [
      personId,
      v.id,
    ]);
    tx.run(
      `UPDATE persons SET first_seen = MIN(first_seen, ?), last_seen = MAX(last_seen, ?),
       visit_count = visit_count + ? WHERE id = ?`,
      [v.first_seen, v.last_seen, v.visit_count, personId],
    );
    tx.run('UPDATE unlabeled SET visitor_id = NULL WHERE visitor_id = ?', [v.id]);
    moveAlerts(tx, { visitorId: v.id }, personId);
    tx.run('DELETE FROM visitors WHERE id = ?', [v.id]);
  }
}

/** Forgets visitors: their rows, waiting faces (crops and embeddings) and sightings. Returns the keys to delete. */
export function forgetVisitors(tx: SqlTx, ids: number[]): string[] {
  if (!ids.length) return [];
  const faces = tx
    .all<{ id: number }>(`SELECT id FROM unlabeled WHERE visitor_id IN (${marks(ids.length)})`, ids)
    .map((r) => r.id);
  tx.run(`DELETE FROM unlabeled WHERE visitor_id IN (${marks(ids.length)})`, ids);
  tx.run(`DELETE FROM sightings WHERE visitor_id IN (${marks(ids.length)})`, ids);
  tx.run(`DELETE FROM visitors WHERE id IN (${marks(ids.length)})`, ids);
  deleteAlertsOf(tx, { visitorIds: ids });
  return faces.flatMap((id) => [unlabeledEmbKey(id), unlabeledCropKey(id)]);
}
