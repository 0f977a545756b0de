import type { SqlStep } from '../../sqlite/sql';

/** What an action did to one model's vectors (FAISS labels are sample ids). */
export interface IndexEffect {
  modelId: string;
  add?: { ids: number[]; vectors: Float32Array };
  remove?: number[];
}

/**
 * `sqljournal/<seq>`: one per action, written in the action's transaction.
 * On open, entries after the `sqlite` snapshot are replayed into SQLite, and
 * entries after the FAISS checkpoint bring the index up to date.
 */
export interface JournalEntry {
  seq: number;
  action: string;
  atMs: number;
  sql: SqlStep[];
  index: IndexEffect[];
}

export const effectSize = (e: IndexEffect): number =>
  (e.add?.ids.length ?? 0) + (e.remove?.length ?? 0);

export function isJournalEntry(x: unknown): x is JournalEntry {
  const e = x as JournalEntry;
  return (
    typeof e === 'object' &&
    e !== null &&
    Number.isSafeInteger(e.seq) &&
    Array.isArray(e.sql) &&
    Array.isArray(e.index)
  );
}
