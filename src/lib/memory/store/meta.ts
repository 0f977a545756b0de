import type { Database } from 'sql.js';
import { scalar, type SqlTx } from '../../sqlite/sql';

/**
 * Keys of the `meta` table. `seq` is the number of the last action applied
 * (its journal entry); `index_gen:<model>` counts the actions that changed
 * that model's vectors, so a checkpoint can say which state it holds.
 */
export const META = {
  dbId: 'db_id',
  seq: 'seq',
  indexGen: (modelId: string) => `index_gen:${modelId}`,
} as const;

export function readMeta(db: Database, key: string): string | null {
  const v = scalar(db, 'SELECT value FROM meta WHERE key = ?', [key]);
  return v === null ? null : String(v);
}

export function readMetaNumber(db: Database, key: string): number {
  return Number(readMeta(db, key) ?? 0);
}

export function writeMeta(tx: SqlTx, key: string, value: string | number): void {
  tx.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = ?', [
    key,
    String(value),
    String(value),
  ]);
}
