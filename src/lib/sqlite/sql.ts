import initSqlJs from 'sql.js';
import type { BindParams, Database, SqlJsStatic, SqlValue } from 'sql.js';

type SqlParams = SqlValue[];
/** One statement an action ran, as it goes into the journal. */
export type SqlStep = [sql: string, params: SqlParams];

let loading: Promise<SqlJsStatic> | undefined;

/** sql.js, loaded once. In a bundle, pass the URL of `sql-wasm-browser.wasm`. */
export function loadSqlJs(wasmUrl?: string): Promise<SqlJsStatic> {
  loading ??= initSqlJs(wasmUrl ? { locateFile: () => wasmUrl } : undefined);
  return loading;
}

export function rows<T>(db: Database, sql: string, params: BindParams = []): T[] {
  const stmt = db.prepare(sql, params);
  try {
    const out: T[] = [];
    while (stmt.step()) out.push(stmt.getAsObject() as T);
    return out;
  } finally {
    stmt.free();
  }
}

export function row<T>(db: Database, sql: string, params: BindParams = []): T | undefined {
  return rows<T>(db, sql, params)[0];
}

export function scalar(db: Database, sql: string, params: BindParams = []): SqlValue {
  const stmt = db.prepare(sql, params);
  try {
    return stmt.step() ? (stmt.get()[0] ?? null) : null;
  } finally {
    stmt.free();
  }
}

/** `?, ?, ?` for an IN list. */
export const marks = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

/**
 * The statements of one action, inside BEGIN … COMMIT/ROLLBACK. Each write is
 * logged with its parameters: the log is the action's journal entry, and
 * replaying it on the same snapshot gives the same rows (ids are explicit).
 */
export class SqlTx {
  readonly log: SqlStep[] = [];
  #open = true;

  constructor(readonly db: Database) {
    db.exec('BEGIN');
  }

  run(sql: string, params: SqlParams = []): void {
    this.db.run(sql, params);
    this.log.push([sql, params]);
  }

  /** Inserts and returns the new row id (logged with it, so a replay cannot drift). */
  insert(table: string, values: Record<string, SqlValue>): number {
    const cols = Object.keys(values);
    const next = Number(
      scalar(this.db, `SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?), 0) + 1`, [
        table,
      ]),
    );
    const maxId = Number(scalar(this.db, `SELECT COALESCE(MAX(id), 0) + 1 FROM ${table}`));
    const id = Math.max(next, maxId);
    this.run(`INSERT INTO ${table} (id, ${cols.join(', ')}) VALUES (?, ${marks(cols.length)})`, [
      id,
      ...cols.map((c) => values[c]!),
    ]);
    return id;
  }

  all<T>(sql: string, params: SqlParams = []): T[] {
    return rows<T>(this.db, sql, params);
  }

  one<T>(sql: string, params: SqlParams = []): T | undefined {
    return row<T>(this.db, sql, params);
  }

  commit(): void {
    if (!this.#open) return;
    this.#open = false;
    this.db.exec('COMMIT');
  }

  rollback(): void {
    if (!this.#open) return;
    this.#open = false;
    this.db.exec('ROLLBACK');
  }
}

/** Re-runs a journal entry's statements in one transaction. */
export function replaySteps(db: Database, steps: readonly SqlStep[]): void {
  db.exec('BEGIN');
  try {
    for (const [sql, params] of steps) db.run(sql, params);
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
