/**
 * The memory worker's crash seams, e2e build only (vite.config.ts resolves
 * `virtual:test-hooks` here under `--mode e2e`, to an empty object otherwise):
 *
 * - `crashSeam.arm(['label'])`: the next action of that name stops inside its
 *   IndexedDB transaction, every put and delete issued, before it may commit,
 *   and stays there (`crashSeam.held` says so) until the test kills the browser.
 *   A kill then lands before the commit by construction, not by luck.
 * - `memoryDump()`: everything the memory stores, read as a restart would read
 *   it: every SQLite table (the snapshot with the journal replayed) and a
 *   digest of every other key's value.
 */
import sqlWasmUrl from 'sql.js/dist/sql-wasm-browser.wasm?url';
import { createStore, promisifyRequest } from 'idb-keyval';
import type { WriteStepHook } from '../../src/lib/memory/store/kv';
import { JOURNAL_PREFIX, SQLITE_KEY } from '../../src/lib/memory/store/keys';
import { isJournalEntry } from '../../src/lib/memory/store/journal';
import { loadSqlJs, replaySteps, rows } from '../../src/lib/sqlite/sql';

/** The app's memory (src/lib/state/memory.svelte.ts: MEMORY_NAME). */
const MEMORY_NAME = 'visio-memoria';

/** Table → row key (its `id`, or `key`/`name` where it has none) → row. */
export type TableDump = Record<string, Record<string, Record<string, unknown>>>;

export interface MemoryDump {
  tables: TableDump;
  /** Every key but the SQLite snapshot, the journal and FAISS checkpoints → a digest of its value. */
  keys: Record<string, string>;
  /** The snapshot, journal and checkpoint keys: how the state above is stored, not what it is. */
  physical: string[];
}

const crashSeam = {
  armed: new Set<string>(),
  /** The action held open, or null. */
  held: null as string | null,
  arm(actions: string[]): void {
    this.armed = new Set(actions);
    this.held = null;
  },
};

const onWriteStep: WriteStepHook = (step, tx, action) => {
  if (step !== 'commit' || !action || !crashSeam.armed.has(action)) return;
  crashSeam.armed.clear();
  crashSeam.held = action;
  // A transaction commits once no request is pending: keep one pending, for ever.
  const store = tx.objectStore('memory');
  const spin = () => {
    store.get('').onsuccess = spin;
  };
  spin();
};

const isPhysical = (key: string) =>
  key === SQLITE_KEY || key.startsWith(JOURNAL_PREFIX) || key.startsWith('faiss/');

async function memoryDump(): Promise<MemoryDump> {
  const [keys, values] = await createStore(MEMORY_NAME, 'memory')('readonly', (s) =>
    Promise.all([promisifyRequest(s.getAllKeys()), promisifyRequest(s.getAll())]),
  );
  const byKey = new Map(keys.map((k, i) => [String(k), values[i]]));
  const SQL = await loadSqlJs(sqlWasmUrl);
  const db = new SQL.Database(byKey.get(SQLITE_KEY) as Uint8Array);
  const tables: TableDump = {};
  try {
    const snapSeq = Number(db.exec("SELECT value FROM meta WHERE key = 'seq'")[0]?.values[0]?.[0]);
    for (const [key, entry] of byKey) {
      if (key.startsWith(JOURNAL_PREFIX) && isJournalEntry(entry) && entry.seq > snapSeq) {
        replaySteps(db, entry.sql);
      }
    }
    const names = rows<{ name: string }>(db, "SELECT name FROM sqlite_master WHERE type = 'table'");
    for (const { name } of names) {
      const all = rows<Record<string, unknown>>(db, `SELECT * FROM "${name}"`);
      tables[name] = Object.fromEntries(all.map((r) => [String(r.id ?? r.key ?? r.name), r]));
    }
  } finally {
    db.close();
  }
  const logical: Record<string, string> = {};
  for (const [key, value] of byKey) if (!isPhysical(key)) logical[key] = digest(value);
  return { tables, keys: logical, physical: [...byKey.keys()].filter(isPhysical) };
}

/** A short, order-sensitive digest of a stored value (typed arrays by their bytes). */
function digest(value: unknown): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  const mix = (b: number) => {
    h1 = Math.imul(h1 ^ b, 2654435761);
    h2 = Math.imul(h2 ^ b, 1597334677);
  };
  const walk = (v: unknown): void => {
    if (ArrayBuffer.isView(v)) {
      for (const c of v.constructor.name) mix(c.charCodeAt(0));
      for (const b of new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) mix(b);
    } else if (v instanceof ArrayBuffer) walk(new Uint8Array(v));
    else if (Array.isArray(v)) {
      mix(91);
      v.forEach(walk);
      mix(93);
    } else if (v && typeof v === 'object') {
      for (const k of Object.keys(v).sort()) {
        for (const c of k) mix(c.charCodeAt(0));
        walk((v as Record<string, unknown>)[k]);
      }
    } else for (const c of JSON.stringify(v) ?? 'undefined') mix(c.charCodeAt(0));
  };
  walk(value);
  return `${(h1 >>> 0).toString(16)}${(h2 >>> 0).toString(16)}`;
}

export const memorySeams = { onWriteStep, globals: { crashSeam, memoryDump } };
