/**
 * Arrival alerts as the memory keeps them: rules in the `alerts` table (schema 4)
 * and quiet hours in `meta`, so that they survive a reload and travel in a backup.
 * A rule that names a person or a visitor lives and dies with it: deletePerson,
 * discardVisitors and retention delete it in their own transaction (deleteAlertsOf),
 * a merge or a named visitor moves it. Which rule fires is lib/alerts/rules.ts.
 */
import type { MemoryCore } from '../store/core';
import { MemoryError } from '../base/errors';
import { readMeta, writeMeta } from '../store/meta';
import { rows, type SqlTx } from '../../sqlite/sql';
import { checkId } from '../base/validate';
import {
  checkNewRule,
  checkQuietHours,
  type AlertRule,
  type NewAlertRule,
  type QuietHours,
} from '../../alerts/rules';

export const QUIET_HOURS_META = 'alert_quiet_hours';

interface AlertRow {
  id: number;
  kind: string;
  person_id: number | null;
  visitor_id: number | null;
  n: number | null;
}

/** A stored row as a rule (null: a kind this version does not know, kept but unused). */
export function ruleOf(r: AlertRow): AlertRule | null {
  try {
    const rule = checkNewRule({
      kind: r.kind,
      personId: r.person_id,
      visitorId: r.visitor_id,
      n: r.n,
      minutes: r.n,
    });
    return { ...rule, id: r.id };
  } catch {
    return null;
  }
}

/** The row of a new rule (without id and time). */
export function alertColumns(rule: NewAlertRule) {
  return {
    kind: rule.kind,
    person_id: rule.kind === 'person' ? rule.personId : null,
    visitor_id: rule.kind === 'visitor' ? rule.visitorId : null,
    n: rule.kind === 'visitor-nth' ? rule.n : rule.kind === 'stranger-stays' ? rule.minutes : null,
  };
}

/** Every rule, oldest first. */
export function listAlerts(core: MemoryCore): AlertRule[] {
  return rows<AlertRow>(
    core.db,
    'SELECT id, kind, person_id, visitor_id, n FROM alerts ORDER BY id',
  )
    .map(ruleOf)
    .filter((r): r is AlertRule => r !== null);
}

function checked(raw: unknown): NewAlertRule {
  try {
    return checkNewRule(raw);
  } catch (error) {
    throw new MemoryError('invalid-input', (error as Error).message);
  }
}

/** The same rule already stored (a rule is added once), else undefined. */
function existing(tx: SqlTx, rule: NewAlertRule): number | undefined {
  const c = alertColumns(rule);
  return tx.one<{ id: number }>(
    `SELECT id FROM alerts WHERE kind = ? AND person_id IS ? AND visitor_id IS ? AND n IS ?`,
    [c.kind, c.person_id, c.visitor_id, c.n],
  )?.id;
}

/** Adds a rule (the same one again returns the stored one's id); its person or visitor must exist. */
export function addAlert(core: MemoryCore, raw: unknown, nowMs = Date.now()): Promise<number> {
  const rule = checked(raw);
  return core.action('add-alert', (tx) => {
    if (rule.kind === 'person' && !tx.one('SELECT id FROM persons WHERE id = ?', [rule.personId])) {
      throw new MemoryError('not-found', `No person ${rule.personId}.`);
    }
    if (
      rule.kind === 'visitor' &&
      !tx.one('SELECT id FROM visitors WHERE id = ?', [rule.visitorId])
    ) {
      throw new MemoryError('not-found', `No visitor ${rule.visitorId}.`);
    }
    const again = existing(tx, rule);
    if (again !== undefined) return { result: again, noop: true };
    return { result: tx.insert('alerts', { ...alertColumns(rule), created: nowMs }) };
  });
}

/** Inside an import's action: stores `rule` unless the same one is there. */
export function addImportedAlert(tx: SqlTx, rule: NewAlertRule, createdMs: number): void {
  if (existing(tx, rule) === undefined) {
    tx.insert('alerts', { ...alertColumns(rule), created: createdMs });
  }
}

/** Removes a rule (one that is gone already is no error). */
export function removeAlert(core: MemoryCore, alertId: unknown): Promise<void> {
  const id = checkId(alertId, 'An alert id');
  return core.action('remove-alert', (tx) => {
    if (!tx.one('SELECT id FROM alerts WHERE id = ?', [id]))
      return { result: undefined, noop: true };
    tx.run('DELETE FROM alerts WHERE id = ?', [id]);
    return { result: undefined };
  });
}

/** The quiet hours (no sound, no system notification), or null when there are none. */
export function getQuietHours(core: MemoryCore): QuietHours | null {
  const raw = readMeta(core.db, QUIET_HOURS_META);
  if (raw === null) return null;
  try {
    return checkQuietHours(JSON.parse(raw));
  } catch {
    return null;
  }
}

export function setQuietHours(core: MemoryCore, raw: unknown): Promise<void> {
  let quiet: QuietHours | null;
  try {
    quiet = checkQuietHours(raw);
  } catch (error) {
    throw new MemoryError('invalid-input', (error as Error).message);
  }
  return core.action('set-quiet-hours', (tx) => {
    if (quiet) writeMeta(tx, QUIET_HOURS_META, JSON.stringify(quiet));
    else tx.run('DELETE FROM meta WHERE key = ?', [QUIET_HOURS_META]);
    return { result: undefined };
  });
}

/** Inside another action: a deleted person's or visitors' rules go with them. */
export function deleteAlertsOf(tx: SqlTx, of: { personId?: number; visitorIds?: number[] }) {
  if (of.personId !== undefined) tx.run('DELETE FROM alerts WHERE person_id = ?', [of.personId]);
  for (const v of of.visitorIds ?? []) tx.run('DELETE FROM alerts WHERE visitor_id = ?', [v]);
}

/** Inside a merge or a naming: `from`'s rules become `into`'s (one rule each, no duplicate). */
export function moveAlerts(
  tx: SqlTx,
  from: { personId: number } | { visitorId: number },
  intoPersonId: number,
) {
  const [col, id] =
    'personId' in from ? ['person_id', from.personId] : ['visitor_id', from.visitorId];
  const has = tx.one('SELECT id FROM alerts WHERE kind = ? AND person_id = ?', [
    'person',
    intoPersonId,
  ]);
  if (has) tx.run(`DELETE FROM alerts WHERE ${col} = ?`, [id]);
  else {
    tx.run(`UPDATE alerts SET kind = 'person', person_id = ?, visitor_id = NULL WHERE ${col} = ?`, [
      intoPersonId,
      id,
    ]);
  }
}
