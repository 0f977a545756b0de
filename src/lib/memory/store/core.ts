import type { Database } from 'sql.js';
import type { FaissModule } from '../../faiss';
import { MemoryError, READ_ONLY_MESSAGE } from '../base/errors';
import { effectSize, type IndexEffect, type JournalEntry } from './journal';
import { journalKey, UNLABELED_EMB_PREFIX } from './keys';
import type { KvStore, WriteStepHook } from './kv';
import type { WriterLock } from './locks';
import { META, readMetaNumber, writeMeta } from './meta';
import { SqlTx } from '../../sqlite/sql';
import type { MemoryEvent } from '../base/types';
import { indexError, type VectorIndex } from './vector-index';
import { VisitTracker } from './visit-tracker';

export interface CoreConfig {
  name: string;
  modelId: string;
  dim: number;
  threshold: number;
  /** The live vote's lower threshold (below: a stranger vote); absent: the same as threshold. */
  lowerThreshold?: number;
  visitGapMs: number;
  sightingFlushMs: number;
  maintenanceDelayMs: number;
  maxCropBytes: number;
  /** Where sql.js's wasm is, for reading other SQLite files (the original's). */
  sqlWasmUrl?: string;
  /** Test hook inside every write transaction (see kv.ts). */
  onWriteStep?: WriteStepHook;
  onEvent?: (event: MemoryEvent) => void;
}

/** Whether an action's SQL or keys touched the unlabeled queue (see queueVersion). */
function touchesQueue(tx: SqlTx, puts: Array<[string, unknown]> = [], deletes: string[] = []) {
  const key = (k: string) => k.startsWith(UNLABELED_EMB_PREFIX);
  return (
    tx.log.some(([sql]) => /\bunlabeled\b/.test(sql)) ||
    puts.some(([k]) => key(k)) ||
    deletes.some(key)
  );
}

/** Upkeep waits for maintenanceDelayMs of quiet, but at most this many delays. */
export const MAINTENANCE_MAX_POSTPONE = 6;

/** What an action's body hands back: its result, its writes, its effect on the index. */
interface ActionOutcome<T> {
  result: T;
  puts?: Array<[string, unknown]>;
  deletes?: string[];
  index?: IndexEffect[];
  /** In-memory bookkeeping, run only after the transaction committed. */
  after?: () => void;
  /** Nothing to do after all: no transaction, no journal entry. */
  noop?: boolean;
}

interface RetainedEntry {
  models: string[];
  /** Vectors of the open model it adds or removes. */
  vectors: number;
}

/** The stored checkpoint this session knows of. */
export interface CheckpointState {
  seq: number;
  /** `indexVersion` of the in-memory index the bytes were taken from. */
  indexVersion: number;
}

/**
 * The open memory's state and the two disciplines around it: every call runs
 * in one queue (so no call sees another half done), and every write is an
 * action: SQL in BEGIN … COMMIT, its journal entry and every key it touches in
 * one IndexedDB transaction, in-memory effects only after `oncomplete`.
 */
export class MemoryCore {
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** Last action applied (== meta seq). */
  seq: number;
  /** Seq the stored `sqlite` snapshot reflects. */
  snapSeq: number;
  /** A snapshot must be written before anything else (new or migrated database). */
  snapshotNeeded = false;
  checkpoint: CheckpointState | null = null;
  /** Bumped on every change to the in-memory index (adds, removes, rebuilds). */
  indexVersion = 0;
  /** Journal entries still stored: seq → which models' vectors they change, and how many of this model's. */
  readonly retained = new Map<number, RetainedEntry>();
  /** Why the in-memory index cannot be trusted (a failed update and rebuild), or null. */
  indexBroken: string | null = null;
  /** Set when the index was rebuilt (retrained): the stored checkpoint is outdated even if its tags match. */
  rebuiltSinceCheckpoint = false;
  readonly tracker: VisitTracker;
  /** Bumped by every action that touched the queue (its rows or its vectors): caches of it compare. */
  queueVersion = 0;
  #maintenanceTimer: ReturnType<typeof setTimeout> | undefined;
  /** When upkeep was first asked for since it last ran. */
  #maintenanceAskedAt: number | null = null;
  /** Maintenance runs one after another (maintenance.ts). */
  maintenanceTail: Promise<unknown> = Promise.resolve();
  /** Rebuilds the index from stored embeddings (set by the opener). */
  rebuild: (reason: string) => Promise<void> = () => Promise.resolve();
  onMaintenanceDue: () => void = () => undefined;

  constructor(
    readonly config: CoreConfig,
    readonly db: Database,
    readonly kv: KvStore,
    readonly faiss: FaissModule,
    public index: VectorIndex,
    readonly lock: WriterLock,
    readonly dbId: string,
  ) {
    this.seq = readMetaNumber(db, META.seq);
    this.snapSeq = this.seq;
    this.tracker = new VisitTracker(config.visitGapMs);
  }

  get readOnly(): boolean {
    return !this.lock.held;
  }

  get closed(): boolean {
    return this.#closed;
  }

  emit(event: MemoryEvent): void {
    try {
      this.config.onEvent?.(event);
    } catch {
      // a listener's failure is not the memory's
    }
  }

  /** Runs `fn` after every call queued before it. */
  serial<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = this.#tail.then(() => {
      if (this.#closed) throw new MemoryError('closed', 'This memory has been closed.');
      return fn();
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }

  assertWritable(): void {
    if (this.readOnly) throw new MemoryError('read-only', READ_ONLY_MESSAGE);
  }

  indexGen(modelId: string): number {
    return readMetaNumber(this.db, META.indexGen(modelId));
  }

  action<T>(name: string, body: (tx: SqlTx) => ActionOutcome<T> | Promise<ActionOutcome<T>>) {
    return this.serial(() => this.#act(name, body));
  }

  async #act<T>(name: string, body: (tx: SqlTx) => ActionOutcome<T> | Promise<ActionOutcome<T>>) {
    this.assertWritable();
    const tx = new SqlTx(this.db);
    const seq = this.seq + 1;
    let out: ActionOutcome<T>;
    let effects: IndexEffect[];
    let models: string[];
    try {
      out = await body(tx);
      if (out.noop) {
        tx.rollback();
        return out.result;
      }
      effects = (out.index ?? []).filter((e) => effectSize(e) > 0);
      // One generation step per action and model: the opener counts entries, not effects.
      models = [...new Set(effects.map((e) => e.modelId))];
      for (const m of models) writeMeta(tx, META.indexGen(m), this.indexGen(m) + 1);
      writeMeta(tx, META.seq, seq);
      const entry: JournalEntry = {
        seq,
        action: name,
        atMs: Date.now(),
        sql: tx.log,
        index: effects,
      };
      const puts: Array<[string, unknown]> = [...(out.puts ?? []), [journalKey(seq), entry]];
      const hook = this.config.onWriteStep;
      await this.kv.commit(
        { puts, deletes: out.deletes ?? [] },
        hook && ((step, t) => hook(step, t, name)),
      );
    } catch (error) {
      tx.rollback();
      throw error;
    }
    // Durable from here on. What follows only brings memory up to date with storage.
    tx.commit();
    this.seq = seq;
    if (touchesQueue(tx, out.puts, out.deletes)) this.queueVersion++;
    const own = effects.filter((e) => e.modelId === this.config.modelId);
    this.retained.set(seq, { models, vectors: own.reduce((n, e) => n + effectSize(e), 0) });
    try {
      await this.applyToIndex(effects);
    } catch (error) {
      // The action is stored: the caller hears success. The index could not be
      // brought up to date, so searches refuse until rebuildIndex() succeeds.
      this.indexBroken = indexError(error).message;
      this.emit({ type: 'error', where: 'index-rebuild', error });
    }
    out.after?.();
    this.scheduleMaintenance();
    return out.result;
  }

  /** Applies committed effects to the in-memory index; on failure rebuilds it from storage. */
  async applyToIndex(effects: readonly IndexEffect[]): Promise<number> {
    let n = 0;
    try {
      for (const e of effects) {
        if (e.modelId !== this.config.modelId) continue;
        if (e.remove?.length) this.index.remove(e.remove);
        if (e.add?.ids.length) this.index.add(e.add.ids, e.add.vectors);
        n += effectSize(e);
      }
    } catch (error) {
      this.emit({ type: 'error', where: 'index-update', error });
      await this.rebuild(`index update failed: ${indexError(error).message}`);
      return n;
    }
    if (n) this.indexVersion++;
    if (this.index.outOfPolicy) await this.rebuild(`${this.index.ntotal} vectors`);
    return n;
  }

  scheduleMaintenance(): void {
    if (this.readOnly || this.#closed) return;
    const delay = this.config.maintenanceDelayMs;
    if (!Number.isFinite(delay)) return;
    // Each action puts upkeep off until the memory is idle, but not for ever: sightings
    // flushed every few seconds while someone stays in view would keep the journal growing.
    const now = Date.now();
    this.#maintenanceAskedAt ??= now;
    const latest = this.#maintenanceAskedAt + MAINTENANCE_MAX_POSTPONE * delay;
    clearTimeout(this.#maintenanceTimer);
    this.#maintenanceTimer = setTimeout(
      () => {
        this.#maintenanceAskedAt = null;
        this.onMaintenanceDue();
      },
      Math.max(0, Math.min(delay, latest - now)),
    );
  }

  /** Stops accepting calls; resolves once the queue has drained. */
  async shut(): Promise<void> {
    clearTimeout(this.#maintenanceTimer);
    const drained = this.#tail;
    this.#closed = true;
    await drained;
  }
}
