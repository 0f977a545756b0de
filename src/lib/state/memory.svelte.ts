/**
 * The page's handle on memory.worker: whether it is open (and writable),
 * its stats, and a version number views watch to know when to re-read.
 */
import type { Calibration } from '../decision/calibrate';
import { connectMemory, type MemoryClient } from '../workers/clients';
import type { ConsistencyReport } from '../memory/actions/verify';
import type { Candidate, EncryptionState, MemoryStats, UnlockWith } from '../memory/base/types';
import { describeError } from '../errors';

type ChangeKind = 'queue' | 'people' | 'all';

export const MEMORY_NAME = 'visio-memoria';

export class MemoryState {
  ready = $state(false);
  readOnly = $state(false);
  readOnlyReason = $state<string | null>(null);
  openError = $state<string | null>(null);
  stats = $state.raw<MemoryStats | null>(null);
  /** Bumped on every change; views re-read when it moves. */
  version = $state(0);
  peopleVersion = $state(0);
  #client: MemoryClient | null = null;
  #listeners = new Set<(kind: ChangeKind) => void>();

  get api(): MemoryClient['api'] {
    this.#client ??= connectMemory();
    return this.#client.api;
  }

  async open(opts: {
    modelId: string;
    dim: number;
    threshold: number;
    visitGapMs: number;
    unlock?: UnlockWith;
  }): Promise<EncryptionState> {
    this.ready = false;
    this.openError = null;
    try {
      const opened = await this.api.open({ name: MEMORY_NAME, ...opts });
      this.readOnly = opened.readOnly;
      this.readOnlyReason = opened.readOnlyReason;
      this.ready = true;
      await this.refreshStats();
      return opened.report.encryption;
    } catch (error) {
      this.openError = describeError(error, 'The memory could not be opened');
      throw error;
    }
  }

  async refreshStats(): Promise<void> {
    this.stats = await this.api.stats();
  }

  /** Builds the index again from the stored vectors (and retrains IVF); the new stats. */
  async rebuildIndex(): Promise<MemoryStats> {
    const stats = await this.api.rebuildIndex();
    this.stats = stats;
    this.changed('people');
    return stats;
  }

  /** Checks that storage, SQLite and the index agree; reads only. */
  verify(): Promise<ConsistencyReport> {
    return this.api.verify();
  }

  /** Each queued face's best match (null where nobody is near), and how many are queued. */
  async queuedBestMatches(): Promise<Array<Candidate | null>> {
    const queued = await this.api.getUnlabeled();
    if (!queued.length) return [];
    const best = await this.api.suggestForUnlabeled(
      queued.map((f) => f.id),
      1,
    );
    return best.map((b) => b[0] ?? null);
  }

  /** The live vote's two thresholds suggested from the labelled people (leave-one-out). */
  calibrate(): Promise<Calibration> {
    return this.api.calibrate();
  }

  /** Sets the recognition threshold of the open memory. */
  async setThreshold(threshold: number, lower?: number): Promise<void> {
    await this.api.setThreshold(threshold, lower);
  }

  /** Something changed the memory: tell the views (and the live view) to re-read. */
  changed(kind: ChangeKind): void {
    this.version++;
    if (kind !== 'queue') this.peopleVersion++;
    void this.refreshStats().catch(() => undefined);
    for (const l of this.#listeners) l(kind);
  }

  onChange(listener: (kind: ChangeKind) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
