import type { MemoryCore } from './store/core';
import { MemoryError, READ_ONLY_MESSAGE } from './errors';
import { importPersons } from './transfer/import-persons';
import { cropKey, unlabeledCropKey } from './store/keys';
import {
  exportMemory,
  previewBackup,
  type ExportOptions,
  type ExportResult,
  type PreviewBackupOptions,
} from './transfer/export-import';
import {
  previewOriginal,
  type OriginalInput,
  type PreviewOriginalOptions,
} from './transfer/import-original';
import {
  applyImport,
  cancelImport,
  type ImportPreview,
  type ImportResult,
} from './transfer/import-run';
import {
  discardUnlabeled,
  getUnlabeled,
  labelFace,
  labelFaces,
  queueUnlabeled,
} from './actions/labelling';
import { maintain } from './store/maintenance';
import { openCore, rebuildCore, type OpenOptions } from './store/open';
import {
  deletePerson,
  deleteSample,
  mergePersons,
  moveSample,
  renamePerson,
} from './actions/person-edits';
import { getPerson, listPersons, stats, visitsPerDay, type DayCount } from './actions/queries';
import { findMatch, findTopK, identify } from './actions/search';
import {
  recognise,
  type RecogniseFace,
  type RecognisedFace,
  type RecogniseOptions,
} from './actions/recognise';
import {
  adoptModel,
  planReembed,
  storeReembedded,
  type AdoptResult,
  type ReembeddedQueued,
  type ReembeddedSample,
  type ReembedPlan,
} from './actions/reembed';
import { flushSightings, observe, recordSighting } from './actions/sightings';
import type {
  Candidate,
  Identification,
  ImportPerson,
  Match,
  MemoryStats,
  OpenReport,
  Person,
  PersonDetail,
  QueueOptions,
  UnlabeledFace,
} from './types';
import {
  queueUnknown,
  suggestForUnlabeled,
  type QueueUnknownOptions,
  type QueueUnknownResult,
} from './actions/unknowns';
import { checkId, type EmbeddingInput } from './validate';
import { verifyConsistency, type ConsistencyReport, type VerifyOptions } from './actions/verify';

export type { OpenOptions };

/**
 * The face memory: the Python original's FaceDatabaseFAISS (SQLite metadata,
 * per-person embeddings, a FAISS index) kept in IndexedDB. Every call is
 * queued; every write is one IndexedDB transaction and resolves only once it
 * has committed. See ARCHITECTURE.md for the storage layout and invariants.
 */
export class FaceDatabase {
  readonly #core: MemoryCore;
  #sightingTimer: ReturnType<typeof setTimeout> | undefined;
  /** How the open went (index from checkpoint or rebuilt, and why). */
  readonly openReport: OpenReport;

  private constructor(core: MemoryCore, report: OpenReport) {
    this.#core = core;
    this.openReport = report;
  }

  /**
   * Opens (creating if new) the memory called `name`. When another tab holds
   * it, the result is read-only (`readOnly`, `readOnlyReason`) and every
   * write throws a MemoryError 'read-only' saying so.
   */
  static async open(options: OpenOptions): Promise<FaceDatabase> {
    const { core, report } = await openCore(options);
    return new FaceDatabase(core, report);
  }

  get readOnly(): boolean {
    return this.#core.readOnly;
  }

  get readOnlyReason(): string | null {
    return this.readOnly ? READ_ONLY_MESSAGE : null;
  }

  get modelId(): string {
    return this.#core.config.modelId;
  }

  get dim(): number {
    return this.#core.config.dim;
  }

  get threshold(): number {
    return this.#core.config.threshold;
  }

  // ── recognition ──────────────────────────────────────────────

  async findMatch(embedding: EmbeddingInput): Promise<Match> {
    return this.#core.serial(() => findMatch(this.#core, embedding));
  }

  async findTopK(embedding: EmbeddingInput, k = 5): Promise<Candidate[]> {
    return this.#core.serial(() => findTopK(this.#core, embedding, k));
  }

  async identify(embeddings: EmbeddingInput[], k = 3): Promise<Identification[]> {
    return this.#core.serial(() => identify(this.#core, embeddings, k));
  }

  async recordSighting(personId: number, similarity: number): Promise<void> {
    return recordSighting(this.#core, personId, similarity);
  }

  async observe(
    personId: number,
    similarity: number,
    atMs = Date.now(),
  ): Promise<{ newVisit: boolean }> {
    return observe(this.#core, personId, similarity, atMs, () => this.#scheduleSightings());
  }

  /**
   * The live view's one call per frame: identifies the frame's embedded
   * faces, records sightings of the known ones and queues the unknown crops
   * (recognise.ts), and says what to show and announce for each.
   */
  async recognise(
    faces: RecogniseFace[],
    nowMs = Date.now(),
    opts?: RecogniseOptions,
  ): Promise<RecognisedFace[]> {
    return recognise(this.#core, faces, nowMs, () => this.#scheduleSightings(), opts);
  }

  // ── the unlabeled queue ──────────────────────────────────────

  async queueUnlabeled(
    crop: Blob | null,
    embedding: EmbeddingInput,
    opts?: QueueOptions,
  ): Promise<number> {
    return queueUnlabeled(this.#core, crop, embedding, opts);
  }

  /**
   * An unknown face from the camera: joins the group of a similar waiting
   * face (or starts one); a full group takes no more (`queued: false`).
   */
  async queueUnknown(
    crop: Blob | null,
    embedding: EmbeddingInput,
    opts?: QueueUnknownOptions,
  ): Promise<QueueUnknownResult> {
    return queueUnknown(this.#core, crop, embedding, opts);
  }

  /** Top-k known people for each waiting face, best first. */
  async suggestForUnlabeled(unlabeledIds: number[], k = 3): Promise<Candidate[][]> {
    return suggestForUnlabeled(this.#core, unlabeledIds, k);
  }

  async getUnlabeled(): Promise<UnlabeledFace[]> {
    return this.#core.serial(() => getUnlabeled(this.#core));
  }

  async getUnlabeledCrop(unlabeledId: number): Promise<Blob | undefined> {
    const id = checkId(unlabeledId, 'A queued face id');
    return this.#core.serial(() => this.#core.kv.get<Blob>(unlabeledCropKey(id)));
  }

  async labelFace(unlabeledId: number, name: string): Promise<number> {
    return labelFace(this.#core, unlabeledId, name);
  }

  async labelFaces(unlabeledIds: number[], name: string): Promise<number> {
    return labelFaces(this.#core, unlabeledIds, name);
  }

  async discardUnlabeled(unlabeledIds: number | number[]): Promise<void> {
    return discardUnlabeled(this.#core, unlabeledIds);
  }

  // ── people ───────────────────────────────────────────────────

  async listPersons(): Promise<Person[]> {
    return this.#core.serial(() => listPersons(this.#core));
  }

  async getPerson(personId: number, recentSightings = 20): Promise<PersonDetail> {
    return this.#core.serial(() => getPerson(this.#core, personId, recentSightings));
  }

  /** Visits per local day over the last `days` days (oldest first), for a chart. */
  async visitsPerDay(
    personId: number,
    days = 30,
    nowMs = Date.now(),
    tzOffsetMin = new Date(nowMs).getTimezoneOffset(),
  ): Promise<DayCount[]> {
    return this.#core.serial(() => visitsPerDay(this.#core, personId, days, nowMs, tzOffsetMin));
  }

  async getSampleCrop(sampleId: number): Promise<Blob | undefined> {
    const id = checkId(sampleId, 'A sample id');
    return this.#core.serial(() => this.#core.kv.get<Blob>(cropKey(id)));
  }

  async renamePerson(personId: number, name: string): Promise<void> {
    return renamePerson(this.#core, personId, name);
  }

  async mergePersons(fromId: number, intoId: number): Promise<number> {
    return mergePersons(this.#core, fromId, intoId);
  }

  async deletePerson(personId: number): Promise<void> {
    return deletePerson(this.#core, personId);
  }

  async deleteSample(sampleId: number): Promise<void> {
    return deleteSample(this.#core, sampleId);
  }

  async moveSample(sampleId: number, toPersonId: number): Promise<void> {
    return moveSample(this.#core, sampleId, toPersonId);
  }

  async importPersons(entries: ImportPerson[]): Promise<number[]> {
    return importPersons(this.#core, entries);
  }

  // ── upkeep ───────────────────────────────────────────────────

  async stats(): Promise<MemoryStats> {
    return this.#core.serial(() => stats(this.#core));
  }

  /** Checks that storage, SQLite and the index agree (verify.ts); reads only, repairs nothing. */
  async verify(opts?: VerifyOptions): Promise<ConsistencyReport> {
    return this.#core.serial(() => verifyConsistency(this.#core, opts));
  }

  /** Rebuilds the index from the stored embeddings, retraining IVF. */
  async rebuildIndex(signal?: AbortSignal): Promise<MemoryStats> {
    signal?.throwIfAborted();
    return this.#core.serial(async () => {
      signal?.throwIfAborted();
      await rebuildCore(this.#core, 'requested');
      return stats(this.#core);
    });
  }

  /**
   * Writes batched sightings, then a fresh snapshot and checkpoint. Call on
   * `pagehide`; a crash before it loses at most the batched sightings.
   */
  async flush(): Promise<void> {
    if (this.readOnly) return;
    clearTimeout(this.#sightingTimer);
    this.#sightingTimer = undefined;
    await flushSightings(this.#core);
    await maintain(this.#core, { snapshot: 'force', checkpoint: 'force' });
  }

  /**
   * Flushes (unless `flush: false`, which drops batched sightings as a crash
   * would), then releases the index, SQLite, IndexedDB and the writer lock.
   */
  async close(opts: { flush?: boolean } = {}): Promise<void> {
    if (this.#core.closed) return;
    if (opts.flush !== false && !this.readOnly) {
      await this.flush().catch((error: unknown) =>
        this.#core.emit({ type: 'error', where: 'close', error }),
      );
    }
    clearTimeout(this.#sightingTimer);
    await this.#core.shut();
    await this.#core.maintenanceTail;
    this.#core.index.dispose();
    this.#core.db.close();
    await this.#core.kv.close().catch(() => undefined);
    this.#core.lock.release();
  }

  // ── changing the model (reembed.ts) ──────────────────────────

  /** What switching to `modelId` needs: samples to embed again, and what cannot be. */
  async planReembed(modelId: string, dim: number): Promise<ReembedPlan> {
    return planReembed(this.#core, modelId, dim);
  }

  /** Stores target-model vectors of samples (one transaction; idempotent). */
  async storeReembedded(
    modelId: string,
    dim: number,
    entries: ReembeddedSample[],
  ): Promise<number> {
    return storeReembedded(this.#core, modelId, dim, entries);
  }

  /** Moves the memory to `modelId` (one action); reopen it with that model afterwards. */
  async adoptModel(
    modelId: string,
    dim: number,
    queued: ReembeddedQueued[] = [],
  ): Promise<AdoptResult> {
    return adoptModel(this.#core, modelId, dim, queued);
  }

  // ── export and import (export-import.ts, import-original.ts, import-run.ts) ──

  /** The whole memory as one (optionally encrypted) file. */
  async exportArchive(opts: ExportOptions): Promise<ExportResult> {
    return exportMemory(this.#core, opts);
  }

  /** Opens an export file and says what importing it would change; nothing is written. */
  async previewImport(
    file: Blob | Uint8Array,
    opts?: PreviewBackupOptions,
  ): Promise<ImportPreview> {
    return previewBackup(this.#core, file, opts);
  }

  /** Reads the Python original's folder (or a zip of it) and says what importing it would change. */
  async previewOriginal(
    input: OriginalInput,
    opts?: PreviewOriginalOptions,
  ): Promise<ImportPreview> {
    return previewOriginal(this.#core, input, opts);
  }

  /** Writes the import last previewed (by its preview id). */
  async applyImport(previewId: string, signal?: AbortSignal): Promise<ImportResult> {
    return applyImport(this.#core, previewId, signal);
  }

  cancelImport(): void {
    cancelImport(this.#core);
  }

  /** The match threshold (a setting, not stored here), changed at once for the next search. */
  async setThreshold(thresholdCosine: number): Promise<void> {
    if (typeof thresholdCosine !== 'number' || !(thresholdCosine >= -1 && thresholdCosine <= 1)) {
      throw new MemoryError('invalid-input', 'The threshold is a cosine, −1 … 1.');
    }
    await this.#core.serial(() => {
      this.#core.config.threshold = thresholdCosine;
    });
  }

  #scheduleSightings(): void {
    if (this.#sightingTimer !== undefined) return;
    this.#sightingTimer = setTimeout(() => {
      this.#sightingTimer = undefined;
      flushSightings(this.#core).catch((error: unknown) => {
        this.#core.emit({ type: 'error', where: 'sightings', error });
        if (!this.#core.closed) this.#scheduleSightings();
      });
    }, this.#core.config.sightingFlushMs);
  }
}
