import type { MemoryCore } from '../store/core';
import { MemoryError } from '../base/errors';
import { row, scalar } from '../../sqlite/sql';
import type { VisitInfo } from '../../alerts/rules';
import { checkId } from '../base/validate';
import type { SqlTx } from '../../sqlite/sql';
import { subjectKey, subjectOf, type Subject } from '../store/visit-tracker';

/** The table and column of a subject's row and of its sightings. */
const TABLE = { person: 'persons', visitor: 'visitors' } as const;
const COLUMN = { person: 'person_id', visitor: 'visitor_id' } as const;
const WHO = { person: 'person', visitor: 'visitor' } as const;

function checkSimilarity(similarity: unknown, what = 'A similarity'): number {
  if (typeof similarity !== 'number' || !Number.isFinite(similarity)) {
    throw new MemoryError('invalid-input', `${what} must be a number.`);
  }
  return similarity;
}

/**
 * The original's record_sighting: one row, one more visit, last seen now.
 * Written at once. The row's confidence is the similarity (no decision made it).
 */
export function recordSighting(core: MemoryCore, personId: unknown, similarity: unknown) {
  const id = checkId(personId, 'A person id');
  const sim = checkSimilarity(similarity);
  return core.action('sighting', (tx) => {
    const now = Date.now();
    if (!tx.one('SELECT id FROM persons WHERE id = ?', [id])) {
      throw new MemoryError('not-found', `No person ${id}.`);
    }
    tx.insert('sightings', {
      person_id: id,
      timestamp: now,
      similarity: sim,
      confidence: sim,
      ended: now,
      frames: 1,
    });
    tx.run(
      'UPDATE persons SET visit_count = visit_count + 1, last_seen = MAX(last_seen, ?) WHERE id = ?',
      [now, id],
    );
    return { result: undefined, after: () => core.tracker.markSeen(id, now) };
  });
}

/**
 * A recognition in a frame. Counts one visit per presence (a new one after an
 * absence longer than visitGapMs) and batches the writes: they reach storage
 * within sightingFlushMs, or on flush(). `confidence` is how sure the
 * decision behind it was (stored with the sighting); it defaults to the similarity.
 */
export function observe(
  core: MemoryCore,
  personId: unknown,
  similarity: unknown,
  atMs = Date.now(),
  confidence?: unknown,
): Promise<Observed> {
  const id = checkId(personId, 'A person id');
  return observeSubject(core, { kind: 'person', id }, similarity, atMs, confidence);
}

/** observe() for an anonymous visitor: the same visit rule, on the visitor's own rows. */
export function observeVisitor(
  core: MemoryCore,
  visitorId: unknown,
  similarity: unknown,
  atMs = Date.now(),
): Promise<Observed> {
  const id = checkId(visitorId, 'A visitor id');
  return observeSubject(core, { kind: 'visitor', id }, similarity, atMs);
}

/** What observing a subject says: whether it started a visit, and that visit (its start and number). */
export interface Observed {
  newVisit: boolean;
  visit: VisitInfo;
}

function observeSubject(
  core: MemoryCore,
  subject: Subject,
  similarity: unknown,
  atMs: number,
  confidence?: unknown,
): Promise<Observed> {
  const sim = checkSimilarity(similarity);
  const conf = confidence === undefined ? sim : checkSimilarity(confidence, 'A confidence');
  if (!Number.isFinite(atMs)) throw new MemoryError('invalid-input', 'Bad time.');
  const { id, kind } = subject;
  return core.serial(() => {
    core.assertWritable();
    const stored = row<{ last_seen: number; visit_count: number }>(
      core.db,
      `SELECT last_seen, visit_count FROM ${TABLE[kind]} WHERE id = ?`,
      [id],
    );
    if (!stored) throw new MemoryError('not-found', `No ${WHO[kind]} ${id}.`);
    const key = subjectKey(subject);
    const newVisit = core.tracker.observe(
      key,
      sim,
      atMs,
      () => {
        const lastStart = scalar(
          core.db,
          `SELECT MAX(timestamp) FROM sightings WHERE ${COLUMN[kind]} = ?`,
          [id],
        );
        const hasSightings = lastStart !== null;
        // A person starts with the visit they were labelled in (counted, no row yet);
        // a visitor's visits are its rows only, so its first observation starts one.
        const counted = kind === 'person' || hasSightings;
        return {
          lastSeenMs: counted ? Number(stored.last_seen) : null,
          hasSightings,
          lastVisitStartMs: hasSightings ? Number(lastStart) : null,
        };
      },
      conf,
    );
    scheduleSightings(core);
    const visit = {
      startMs: core.tracker.visitStart(key) ?? atMs,
      number: Math.max(1, Number(stored.visit_count) + core.tracker.pendingVisits(key)),
    };
    return { newVisit, visit };
  });
}

/** The pending flush of each open memory's batched sightings. */
const timers = new WeakMap<MemoryCore, ReturnType<typeof setTimeout>>();

/** Flushes the batch within sightingFlushMs (once; a failed flush tries again). */
function scheduleSightings(core: MemoryCore): void {
  if (timers.has(core)) return;
  const timer = setTimeout(() => {
    timers.delete(core);
    flushSightings(core).catch((error: unknown) => {
      core.emit({ type: 'error', where: 'sightings', error });
      if (!core.closed) scheduleSightings(core);
    });
  }, core.config.sightingFlushMs);
  timers.set(core, timer);
}

/** Cancels the scheduled flush (flush() writes the batch itself; close() drops it). */
export function cancelScheduledSightings(core: MemoryCore): void {
  clearTimeout(timers.get(core));
  timers.delete(core);
}

/** Writes what observe() batched, in one transaction. */
export async function flushSightings(core: MemoryCore): Promise<void> {
  if (core.readOnly || !core.tracker.hasPending) return;
  let taken: ReturnType<typeof core.tracker.take> = [];
  try {
    await core.action('sightings', (tx) => {
      taken = core.tracker.take();
      if (!taken.length) return { result: undefined, noop: true };
      for (const p of taken) writePresence(tx, p);
      return { result: undefined };
    });
  } catch (error) {
    core.tracker.restore(taken);
    throw error;
  }
}

/** One subject's batched visits: new rows, the open row's end and count, the subject's totals. */
function writePresence(tx: SqlTx, p: ReturnType<MemoryCore['tracker']['take']>[number]): void {
  const { kind, id } = subjectOf(p.key);
  const col = COLUMN[kind];
  // The subject may have been deleted (or named) since: that presence goes with it.
  if (!tx.one(`SELECT id FROM ${TABLE[kind]} WHERE id = ?`, [id])) return;
  if (p.extend) {
    tx.run(
      `UPDATE sightings SET ended = MAX(ended, ?), frames = frames + ? WHERE id =
         (SELECT id FROM sightings WHERE ${col} = ? ORDER BY timestamp DESC, id DESC LIMIT 1)`,
      [p.extend.endMs, p.extend.frames, id],
    );
  }
  for (const v of p.visits) {
    tx.insert('sightings', {
      [col]: id,
      timestamp: v.atMs,
      similarity: v.similarity,
      confidence: v.confidence,
      ended: v.endMs,
      frames: v.frames,
    });
  }
  tx.run(
    `UPDATE ${TABLE[kind]} SET visit_count = visit_count + ?, last_seen = MAX(last_seen, ?) WHERE id = ?`,
    [p.visits.filter((v) => v.counted).length, p.lastSeenMs, id],
  );
}
