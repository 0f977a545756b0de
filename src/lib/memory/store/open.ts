import { describeError } from '../../errors';
import type { FaissModule } from '../../faiss';
import { loadFaiss } from '../../faiss';
import { MemoryCore, type CoreConfig } from './core';
import { MemoryError, READ_ONLY_MESSAGE } from '../base/errors';
import { restoreIndex, buildFromStorage } from './index-restore';
import { isJournalEntry, type JournalEntry } from './journal';
import { JOURNAL_PREFIX, SQLITE_KEY, faissKey, journalSeqOf } from './keys';
import type { StoredCheckpoint } from './checkpoint';
import { KvStore } from './kv';
import { migrateCrops } from './crop';
import {
  acquireWriterLock,
  defaultLockManager,
  type LockManagerLike,
  type WriterLock,
} from './locks';
import { maintain } from './maintenance';
import { META, readMeta, readMetaNumber } from './meta';
import { schemaVersion, migrate, SCHEMA_VERSION } from './schema';
import { loadSqlJs, replaySteps } from '../../sqlite/sql';
import { sqliteFileProblem } from './sqlite-file';
import type { Database, SqlJsStatic } from 'sql.js';
import type { OpenReport } from '../base/types';
import { LOCK_KEY, LOCKED_MESSAGE, RecordSealer } from '../lock/sealer';
import {
  checkedLock,
  reusedDataKey,
  sealModeOf,
  unwrapDataKey,
  type DataKey,
  type LockState,
  type UnlockWith,
} from '../lock/lock-record';

export interface OpenOptions {
  /** The IndexedDB database (and Web Lock) name: one per memory. */
  name: string;
  /** The embedding model whose vectors are searched (samples keep theirs). */
  modelId: string;
  /** That model's embedding dimension. */
  dim: number;
  /** Cosine similarity a match needs (the original's 0.65). */
  threshold?: number;
  /** Absence that ends a visit (default 5 minutes). */
  visitGapMs?: number;
  /** Batched sightings are written within this time (default 2 s). */
  sightingFlushMs?: number;
  /** Idle time before snapshot/checkpoint upkeep (default 5 s; Infinity: only on flush). */
  maintenanceDelayMs?: number;
  /** Largest crop kept (default 1 MiB). */
  maxCropBytes?: number;
  /** Web Locks; defaults to `navigator.locks`. null: no locking (single-tab environments). */
  locks?: LockManagerLike | null;
  /** When another tab holds the memory: open read-only (default) or throw. */
  onLocked?: 'read-only' | 'throw';
  /** URL of sql.js's wasm in a bundle. */
  sqlWasmUrl?: string;
  /** A loaded FAISS module (else `loadFaiss()`). */
  faiss?: FaissModule;
  onEvent?: CoreConfig['onEvent'];
  /** Test hook inside write transactions (see kv.ts). */
  onWriteStep?: CoreConfig['onWriteStep'];
  /** The passphrase or passkey PRF output of an encrypted memory (ignored when it is not). */
  unlock?: UnlockWith;
  /**
   * Instead of `unlock`: the data key this worker unwrapped when it last
   * opened the memory (FaceDatabase.dataKey), so that a reopen (a model
   * switch, a restarted open) needs neither the passphrase kept in memory nor
   * a second Argon2id run. Checked against the lock. Never crosses a worker
   * boundary: the memory service keeps it.
   */
  dataKey?: DataKey;
}

export const DEFAULTS = {
  threshold: 0.65,
  visitGapMs: 5 * 60_000,
  sightingFlushMs: 2_000,
  maintenanceDelayMs: 5_000,
  maxCropBytes: 1 << 20,
} as const;

function configOf(o: OpenOptions): CoreConfig {
  const bad = (what: string) =>
    new MemoryError('invalid-input', `Cannot open the memory: ${what}.`);
  if (typeof o.name !== 'string' || !o.name) throw bad('it needs a name');
  if (typeof o.modelId !== 'string' || !o.modelId) throw bad('it needs a model id');
  if (!Number.isSafeInteger(o.dim) || o.dim < 1 || o.dim > 65_536) throw bad('bad dimension');
  const threshold = o.threshold ?? DEFAULTS.threshold;
  if (!(threshold >= -1 && threshold <= 1)) throw bad('the threshold is a cosine, −1 … 1');
  const ms = (v: number | undefined, what: string) => {
    if (v !== undefined && !(v >= 0)) throw bad(`${what} must be a duration in ms`);
    return v;
  };
  ms(o.visitGapMs, 'visitGapMs');
  ms(o.sightingFlushMs, 'sightingFlushMs');
  ms(o.maintenanceDelayMs, 'maintenanceDelayMs');
  ms(o.maxCropBytes, 'maxCropBytes');
  return {
    name: o.name,
    modelId: o.modelId,
    dim: o.dim,
    threshold,
    visitGapMs: o.visitGapMs ?? DEFAULTS.visitGapMs,
    sightingFlushMs: o.sightingFlushMs ?? DEFAULTS.sightingFlushMs,
    maintenanceDelayMs: o.maintenanceDelayMs ?? DEFAULTS.maintenanceDelayMs,
    maxCropBytes: o.maxCropBytes ?? DEFAULTS.maxCropBytes,
    sqlWasmUrl: o.sqlWasmUrl,
    onEvent: o.onEvent,
    onWriteStep: o.onWriteStep,
  };
}

const lockName = (name: string): string => `visio-memoria:${name}`;

/** Opens (or creates) a memory; see FaceDatabase.open. */
export async function openCore(o: OpenOptions): Promise<{ core: MemoryCore; report: OpenReport }> {
  const t0 = performance.now();
  const config = configOf(o);
  const locks = o.locks === undefined ? defaultLockManager() : o.locks;
  const lock: WriterLock = locks
    ? await acquireWriterLock(locks, lockName(config.name))
    : { held: true, release: () => undefined };
  if (!lock.held && o.onLocked === 'throw') throw new MemoryError('read-only', READ_ONLY_MESSAGE);
  const kv = new KvStore(config.name);
  let db: Database | undefined;
  let core: MemoryCore | undefined;
  try {
    // The checkpoint's header is asked for first, so that in a browser
    // IndexedDB fetches it while SQLite and FAISS load and the lock is opened;
    // it is decrypted (when sealed) once the data key is in hand. Its parts
    // (the big read) are read and opened part by part by restoreIndex.
    const stored = kv.getRaw(faissKey(config.modelId));
    stored.catch(() => undefined);
    const [SQL, faiss, encryption] = await Promise.all([
      loadSqlJs(o.sqlWasmUrl),
      o.faiss ?? loadFaiss(),
      unlockStore(kv, o.unlock, o.dataKey),
    ]);
    const checkpoint = stored.then((raw) =>
      kv.openValue<StoredCheckpoint>(faissKey(config.modelId), raw),
    );
    checkpoint.catch(() => undefined);
    const [snapshot, entries] = await Promise.all([
      kv.get<unknown>(SQLITE_KEY),
      kv.getPrefix<JournalEntry>(JOURNAL_PREFIX),
    ]);
    const journal = entries.map(([key, entry]) => checkedEntry(key, entry));
    const fresh = snapshot === undefined;
    // A new memory has nothing stored at all; faces without a database are not one.
    if (fresh && !journal.length && (await kv.keys('')).length) {
      throw new MemoryError('storage-corrupt', `This memory's database is missing. ${KEPT}`);
    }
    const opened = loadSql(SQL, snapshot, journal);
    db = opened.db;
    const from = migrate(db);
    const migratedFrom = !fresh && from < SCHEMA_VERSION ? from : null;
    const dbId = readMeta(db, META.dbId);
    if (!dbId)
      throw new MemoryError('storage-corrupt', `This memory's database is damaged. ${KEPT}`);
    const ctx = { db, kv, faiss, dbId, modelId: config.modelId, dim: config.dim };
    const restored = await restoreIndex(ctx, journal, await checkpoint);
    core = new MemoryCore(config, db, kv, faiss, restored.index, lock, dbId);
    core.snapSeq = opened.snapSeq;
    for (const e of journal) {
      const own = e.index.filter((x) => x.modelId === config.modelId);
      core.retained.set(e.seq, {
        models: [...new Set(e.index.map((x) => x.modelId))],
        vectors: own.reduce((n, x) => n + (x.add?.ids.length ?? 0) + (x.remove?.length ?? 0), 0),
      });
    }
    if (restored.checkpointSeq !== null) {
      core.checkpoint = { seq: restored.checkpointSeq, indexVersion: core.indexVersion };
    }
    const c = core;
    c.rebuild = (reason) => rebuildCore(c, reason);
    c.onMaintenanceDue = () => {
      maintain(c, { snapshot: 'due', checkpoint: 'due' }).catch((error: unknown) =>
        c.emit({ type: 'error', where: 'maintenance', error }),
      );
    };
    if (!core.readOnly) {
      // A new or migrated database gets its snapshot before any journal entry
      // is written on top of it (entries must replay on the schema they ran on).
      if (fresh || migratedFrom !== null) {
        core.snapshotNeeded = true;
        await maintain(core, { snapshot: 'force', checkpoint: 'never' });
      }
      // A rebuilt index, or one from a format-1 checkpoint, gets a checkpoint in parts.
      if (restored.source !== 'empty' && restored.checkpointSeq === null) {
        core.scheduleMaintenance();
      }
      await migrateCrops(kv);
    }
    const report: OpenReport = {
      readOnly: core.readOnly,
      indexSource: restored.source,
      rebuildReason: restored.reason,
      journalEntriesReplayed: opened.replayed,
      indexEffectsReplayed: restored.effectsReplayed,
      missingEmbeddings: restored.missing,
      migratedFrom,
      encryption: encryption.state,
      unlockMs: encryption.ms,
      ms: performance.now() - t0,
    };
    core.emit({ type: 'opened', report });
    return { core, report };
  } catch (error) {
    core?.index.dispose();
    db?.close();
    lock.release();
    await kv.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Opens the lock of an encrypted memory (a record under LOCK_KEY) with the
 * caller's passphrase or passkey and gives the store its sealer; says which
 * state encryption is in ('off' without a lock). Writes nothing.
 */
async function unlockStore(
  kv: KvStore,
  unlock: UnlockWith | undefined,
  known: DataKey | undefined,
): Promise<{ state: LockState | 'off'; ms: number }> {
  const raw = await kv.getRaw(LOCK_KEY);
  if (raw === undefined) return { state: 'off', ms: 0 };
  const lock = checkedLock(raw);
  if (!unlock && !known) throw new MemoryError('locked', LOCKED_MESSAGE);
  const t0 = performance.now();
  const key = unlock ? await unwrapDataKey(lock, unlock) : await reusedDataKey(lock, known!);
  kv.setSealer(await RecordSealer.create(key, sealModeOf(lock.state)));
  return { state: lock.state, ms: performance.now() - t0 };
}

/** Said by every refusal to open damaged storage: the open writes nothing before it checks. */
const KEPT = 'Nothing was changed: the stored data is kept as it was.';

function checkedEntry(key: string, entry: unknown): JournalEntry {
  if (!isJournalEntry(entry) || entry.seq !== journalSeqOf(key)) {
    throw new MemoryError('storage-corrupt', `This memory's journal is damaged (${key}). ${KEPT}`);
  }
  return entry;
}

/** The snapshot (or a new database) with every later journal entry replayed, in order. */
function loadSql(SQL: SqlJsStatic, snapshot: unknown, journal: JournalEntry[]) {
  if (snapshot === undefined) {
    if (journal.length) {
      throw new MemoryError('storage-corrupt', `This memory's database is missing. ${KEPT}`);
    }
    const db = new SQL.Database();
    migrate(db);
    db.run('INSERT INTO meta (key, value) VALUES (?, ?), (?, ?)', [
      META.dbId,
      crypto.randomUUID(),
      META.seq,
      '0',
    ]);
    return { db, snapSeq: 0, replayed: 0 };
  }
  const problem = sqliteFileProblem(snapshot);
  if (problem) {
    throw new MemoryError(
      'storage-corrupt',
      `This memory's database could not be read (${problem}). ${KEPT}`,
    );
  }
  const db = new SQL.Database(snapshot as Uint8Array);
  try {
    if (schemaVersion(db) > SCHEMA_VERSION) migrate(db); // throws schema-too-new
    const snapSeq = readMetaNumber(db, META.seq);
    let expected = snapSeq + 1;
    for (const entry of journal) {
      if (entry.seq <= snapSeq) continue; // kept only for the index
      if (entry.seq !== expected) {
        throw new MemoryError(
          'storage-corrupt',
          `This memory's journal has a gap before ${entry.seq}. ${KEPT}`,
        );
      }
      replaySteps(db, entry.sql);
      expected++;
    }
    return { db, snapSeq, replayed: expected - snapSeq - 1 };
  } catch (error) {
    db.close();
    if (error instanceof MemoryError) throw error;
    const detail = describeError(error);
    throw new MemoryError(
      'storage-corrupt',
      `This memory's database could not be read (${detail}). ${KEPT}`,
      { cause: error },
    );
  }
}

/** Rebuilds the open model's index from storage (retraining IVF), replacing the current one. */
export async function rebuildCore(core: MemoryCore, reason: string): Promise<void> {
  const { db, kv, faiss, dbId } = core;
  const { modelId, dim } = core.config;
  const { index } = await buildFromStorage({ db, kv, faiss, dbId, modelId, dim });
  core.index.dispose();
  core.index = index;
  core.indexBroken = null;
  core.indexVersion++;
  core.rebuiltSinceCheckpoint = true;
  core.emit({ type: 'index-rebuilt', reason, ntotal: index.ntotal, kind: index.kind });
  core.scheduleMaintenance();
}
