/**
 * Retention: forget unnamed visitors not seen for N days (default 30) and
 * sightings older than N months (default never). A policy is stored once the
 * user turns it on (after seeing previewRetention's counts) and is applied
 * then, at every start and daily; each application is one action.
 */
import type { MemoryCore } from '../store/core';
import { MemoryError } from '../base/errors';
import { readMeta, writeMeta } from '../store/meta';
import { scalar, type SqlTx } from '../../sqlite/sql';
import type { Database } from 'sql.js';
import { forgetVisitors } from './visitor-rows';
import { subjectKey } from '../store/visit-tracker';
import type { RetentionCounts, RetentionPolicy } from '../base/types';

export const RETENTION_META = 'retention';
export const DEFAULT_RETENTION: RetentionPolicy = { visitorDays: 30, sightingMonths: null };
const DAY_MS = 86_400_000;

function checkPolicy(raw: unknown): RetentionPolicy {
  const p = raw as Partial<RetentionPolicy> | null;
  const ok = (x: unknown, max: number) =>
    x === null || (Number.isSafeInteger(x) && (x as number) >= 1 && (x as number) <= max);
  if (
    typeof p !== 'object' ||
    p === null ||
    !ok(p.visitorDays, 36_500) ||
    !ok(p.sightingMonths, 1200)
  ) {
    throw new MemoryError(
      'invalid-input',
      'Retention is {visitorDays, sightingMonths}: whole numbers from 1, or null for never.',
    );
  }
  return { visitorDays: p.visitorDays!, sightingMonths: p.sightingMonths! };
}

/** The stored policy, or null when retention is off (the default policy is DEFAULT_RETENTION). */
export function getRetention(core: MemoryCore): RetentionPolicy | null {
  const raw = readMeta(core.db, RETENTION_META);
  if (raw === null) return null;
  try {
    return checkPolicy(JSON.parse(raw));
  } catch {
    return null;
  }
}

/** The cut-off times: visitors last seen before, sightings started before (null: none). */
function cutoffs(p: RetentionPolicy, nowMs: number) {
  let sightingsBefore: number | null = null;
  if (p.sightingMonths !== null) {
    const d = new Date(nowMs);
    d.setMonth(d.getMonth() - p.sightingMonths);
    sightingsBefore = d.getTime();
  }
  return {
    visitorsBefore: p.visitorDays === null ? null : nowMs - p.visitorDays * DAY_MS,
    sightingsBefore,
  };
}

function count(db: Database, p: RetentionPolicy, nowMs: number): RetentionCounts {
  const c = cutoffs(p, nowMs);
  const n = (sql: string, params: number[]) => Number(scalar(db, sql, params));
  const v = c.visitorsBefore ?? -Infinity;
  const s = c.sightingsBefore ?? -Infinity;
  return {
    visitors: n('SELECT COUNT(*) FROM visitors WHERE last_seen < ?', [v]),
    faces: n(
      `SELECT COUNT(*) FROM unlabeled WHERE reviewed = 0 AND visitor_id IN
       (SELECT id FROM visitors WHERE last_seen < ?)`,
      [v],
    ),
    sightings: n(
      `SELECT COUNT(*) FROM sightings WHERE timestamp < ?
       OR visitor_id IN (SELECT id FROM visitors WHERE last_seen < ?)`,
      [s, v],
    ),
  };
}

/** What applying `policy` (default: the stored one, else DEFAULT_RETENTION) would delete now. */
export function previewRetention(
  core: MemoryCore,
  policy?: RetentionPolicy,
  nowMs = Date.now(),
): RetentionCounts {
  const p = policy === undefined ? (getRetention(core) ?? DEFAULT_RETENTION) : checkPolicy(policy);
  return count(core.db, p, nowMs);
}

/** Old sightings go; each subject's visit count drops by the visits forgotten. */
function forgetSightings(tx: SqlTx, before: number): void {
  for (const [table, col] of [
    ['persons', 'person_id'],
    ['visitors', 'visitor_id'],
  ] as const) {
    tx.run(
      `UPDATE ${table} SET visit_count = MAX(0, visit_count -
         (SELECT COUNT(*) FROM sightings s WHERE s.${col} = ${table}.id AND s.timestamp < ?1))
       WHERE id IN (SELECT ${col} FROM sightings WHERE timestamp < ?1)`,
      [before],
    );
  }
  tx.run('DELETE FROM sightings WHERE timestamp < ?', [before]);
}

/** Deletes what `p` says is due at `nowMs`, inside an action; null when nothing is. */
function forgetDue(core: MemoryCore, tx: SqlTx, p: RetentionPolicy, nowMs: number) {
  const counts = count(core.db, p, nowMs);
  if (!counts.visitors && !counts.sightings) return null;
  const c = cutoffs(p, nowMs);
  let gone: number[] = [];
  let deletes: string[] = [];
  if (c.visitorsBefore !== null) {
    gone = tx
      .all<{ id: number }>('SELECT id FROM visitors WHERE last_seen < ?', [c.visitorsBefore])
      .map((r) => r.id);
    deletes = forgetVisitors(tx, gone);
  }
  if (c.sightingsBefore !== null) forgetSightings(tx, c.sightingsBefore);
  const after = () =>
    gone.forEach((id) => core.tracker.forget(subjectKey({ kind: 'visitor', id })));
  return { counts, deletes, after };
}

const NONE: RetentionCounts = { visitors: 0, faces: 0, sightings: 0 };

/** Applies the stored policy now (nothing when off or nothing is due), in one action. */
export function applyRetention(core: MemoryCore, nowMs = Date.now()): Promise<RetentionCounts> {
  return core.action('retention', (tx) => {
    const p = getRetention(core);
    const due = p && forgetDue(core, tx, p, nowMs);
    if (!due) return { result: NONE, noop: true };
    return { result: due.counts, deletes: due.deletes, after: due.after };
  });
}

const timers = new WeakMap<MemoryCore, ReturnType<typeof setInterval>>();

/** Runs the stored policy now (unless `now` is false) and then daily, while the memory is open and writable. */
export function startRetention(core: MemoryCore, now = true): void {
  stopRetention(core);
  if (core.readOnly || !getRetention(core)) return;
  const run = () => {
    applyRetention(core).catch((error: unknown) => {
      if (!core.closed) core.emit({ type: 'error', where: 'retention', error });
    });
  };
  if (now) run();
  timers.set(core, setInterval(run, DAY_MS));
}

export function stopRetention(core: MemoryCore): void {
  clearInterval(timers.get(core));
  timers.delete(core);
}

/**
 * Turns retention on with `policy`, applying it at once in the same action
 * (then at every start and daily), and says what it deleted; null turns it off.
 */
export async function setRetention(
  core: MemoryCore,
  policy: RetentionPolicy | null,
  nowMs = Date.now(),
): Promise<RetentionCounts> {
  const p = policy === null ? null : checkPolicy(policy);
  const done = await core.action('set-retention', (tx) => {
    if (!p) {
      tx.run('DELETE FROM meta WHERE key = ?', [RETENTION_META]);
      return { result: NONE };
    }
    writeMeta(tx, RETENTION_META, JSON.stringify(p));
    const due = forgetDue(core, tx, p, nowMs);
    return { result: due?.counts ?? NONE, deletes: due?.deletes, after: due?.after };
  });
  if (p) startRetention(core, false);
  else stopRetention(core);
  return done;
}
