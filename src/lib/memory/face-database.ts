/**
 * The face memory's one entry: FaceDatabase, the Python original's
 * FaceDatabaseFAISS (SQLite metadata, per-person embeddings, a FAISS index)
 * kept in IndexedDB. The app's worker (service.ts) forwards every method
 * below by name; tools and tests import the class from here.
 *
 * One vocabulary. The original's names, kept as its API:
 *   findMatch        the best person for one embedding (none below the threshold)
 *   findTopK         the k best people for one embedding, best first
 *   recordSighting   one sighting of a person, written at once (a visit more)
 *   queueUnlabeled   an unknown face (crop + embedding) waiting for a name
 *   getUnlabeled     the faces waiting for a name
 *   labelFace        names one waiting face: a new person, or a sample more of one
 *   stats            counts, and the index's kind and size
 * and the app's own, built on them:
 *   identify         findMatch and findTopK for every face of a frame, in one search
 *   calibrate        suggests the live vote's two thresholds from the labelled people
 *   observe          recordSighting for the camera: one visit per presence, writes batched
 *   queueUnknown     queueUnlabeled that groups similar unknown faces (a full group takes no more)
 *   labelFaces       labelFace for a group of waiting faces at once
 *   notThisPerson    "this face is not P" (a live box, a waiting face, a sample),
 *                    stored as a negative and respected by every later search
 *   visitors         strangers as anonymous visitors (one queue card each): named
 *                    (history moves to the person), discarded, expired by retention
 *   visitLog         visits of people and visitors by subject and dates, and as CSV
 *   suggestForUnlabeled, discardUnlabeled, people, upkeep, model change and
 *   transfer: in their sections below, one line each.
 *
 * How a call is queued. Every call runs on the memory's one queue
 * (MemoryCore.serial), so no call sees another half done. Each method says
 * which of three kinds it is:
 *   read   the facade runs it on the queue; it writes nothing.
 *   write  it checks its input at once, then queues its change itself: a
 *          stored change is an action (MemoryCore.action, on the same queue):
 *          its SQL, journal entry and every key it touches in one IndexedDB
 *          transaction, resolved only once that has committed.
 *   steps  a long call (a file in or out): its slow parts (decoding,
 *          encrypting) run off the queue and only its short steps that touch
 *          the memory are queued, so other calls may run between them.
 * A new method is its function in a feature file (taking the core first) and
 * one line here; the worker service picks it up by itself.
 */
import * as alerts from './actions/alerts';
import type { AlertRule, NewAlertRule, QuietHours } from '../alerts/rules';
import * as calibrateActions from './actions/calibrate';
import type { Calibration } from '../decision/calibrate';
import type { MemoryCore } from './store/core';
import { READ_ONLY_MESSAGE } from './base/errors';
import { openCore, type OpenOptions } from './store/open';
import * as encryption from './actions/encryption';
import * as labelling from './actions/labelling';
import * as negatives from './actions/negatives';
import type { NegativeInfo, NotThisPersonResult, NotThisPersonTarget } from './actions/negatives';
import * as personEdits from './actions/person-edits';
import * as queries from './actions/queries';
import type { DayCount } from './actions/queries';
import * as reembed from './actions/reembed';
import type {
  AdoptResult,
  ReembeddedQueued,
  ReembeddedSample,
  ReembedPlan,
} from './actions/reembed';
import * as recognition from './actions/recognise';
import type { RecogniseFace, RecognisedFace, RecogniseOptions } from './actions/recognise';
import * as search from './actions/search';
import * as sightings from './actions/sightings';
import * as unknowns from './actions/unknowns';
import type { QueueUnknownOptions, QueueUnknownResult } from './actions/unknowns';
import * as upkeep from './actions/upkeep';
import * as retention from './actions/retention';
import * as visitLog from './actions/visit-log';
import type { VisitCsvOptions } from './actions/visit-log';
import * as visitors from './actions/visitors';
import type { VisitorListOptions } from './actions/visitors';
import type { VisitorMatch } from './actions/unknowns';
import * as verify from './actions/verify';
import type { ConsistencyReport, VerifyOptions } from './actions/verify';
import * as backupExport from './transfer/export';
import type { ExportOptions, ExportResult } from './transfer/export';
import * as backupImport from './transfer/import-backup';
import type { PreviewBackupOptions } from './transfer/import-backup';
import * as original from './transfer/import-original';
import type { OriginalInput, PreviewOriginalOptions } from './transfer/import-original';
import * as persons from './transfer/import-persons';
import * as importRun from './transfer/import-run';
import type { ImportPreview, ImportResult } from './transfer/import-run';
import type {
  Candidate,
  EncryptionStatus,
  Identification,
  ImportPerson,
  Match,
  MemoryStats,
  NewUnlock,
  OpenReport,
  UnlockWith,
  Person,
  PersonDetail,
  QueueOptions,
  RetentionCounts,
  RetentionPolicy,
  UnlabeledFace,
  Visit,
  VisitFilter,
  Visitor,
} from './base/types';
import type { EmbeddingInput } from './base/validate';
import type { ConvertOptions } from './actions/encryption-convert';
import type { NewKdfOptions } from './lock/kdf';
import type { DataKey } from './lock/lock-record';
import { readLockInfo, type LockInfo, type NewPasskey } from './store/lock-info';
import type { CropInput } from './store/crop';

export type { OpenOptions };

/** The facade's methods (its function-valued members, the lifecycle ones included). */
type FaceDatabaseMethod = {
  [K in keyof FaceDatabase]: FaceDatabase[K] extends (...args: never[]) => unknown ? K : never;
}[keyof FaceDatabase];

/** The methods that are queued calls (read, write, steps): all but the lifecycle. */
export type QueuedMethod = Exclude<FaceDatabaseMethod, 'close' | 'flush' | 'cancelImport'>;

/** A feature function: the core first, then the method's own arguments. */
type Feature<A extends unknown[], R> = (core: MemoryCore, ...args: A) => R;

export class FaceDatabase {
  readonly #core: MemoryCore;
  /** How the open went (index from checkpoint or rebuilt, and why). */
  readonly openReport: OpenReport;

  private constructor(core: MemoryCore, report: OpenReport) {
    this.#core = core;
    this.openReport = report;
  }

  // ── how a call is queued (see the file's comment) ────────────

  #read<A extends unknown[], R>(fn: Feature<A, R | Promise<R>>) {
    return (...args: A): Promise<R> => this.#core.serial(() => fn(this.#core, ...args));
  }

  #write<A extends unknown[], R>(fn: Feature<A, Promise<R>>) {
    return async (...args: A): Promise<R> => fn(this.#core, ...args);
  }

  #steps<A extends unknown[], R>(fn: Feature<A, Promise<R>>) {
    return async (...args: A): Promise<R> => fn(this.#core, ...args);
  }

  // ── recognition ──────────────────────────────────────────────

  findMatch: (embedding: EmbeddingInput) => Promise<Match> = this.#read(search.findMatch);
  findTopK: (embedding: EmbeddingInput, k?: number) => Promise<Candidate[]> = this.#read(
    search.findTopK,
  );
  identify: (embeddings: EmbeddingInput[], k?: number) => Promise<Identification[]> = this.#read(
    search.identify,
  );
  recordSighting: (personId: number, similarity: number) => Promise<void> = this.#write(
    sightings.recordSighting,
  );
  observe: (
    personId: number,
    similarity: number,
    atMs?: number,
    confidence?: number,
  ) => Promise<sightings.Observed> = this.#write(sightings.observe);
  /** Stores that a live box, waiting face or sample is not `personId`; later searches respect it. */
  notThisPerson: (target: NotThisPersonTarget, personId?: number) => Promise<NotThisPersonResult> =
    this.#write(negatives.notThisPerson);
  /** A person's "not this person" negatives, newest first. */
  negativesOf: (personId: number) => Promise<NegativeInfo[]> = this.#read(negatives.negativesOf);
  /** The match threshold (a setting, not stored here), changed at once for the next search. */
  /** Suggests the live vote's lower/upper thresholds from the labelled people (leave-one-out). */
  calibrate: () => Promise<Calibration> = this.#read(calibrateActions.calibrateThresholds);
  /** (The optional lower one bounds the live vote's "not sure" band; see decision/decide.ts.) */
  setThreshold: (thresholdCosine: number, lowerCosine?: number) => Promise<void> = this.#write(
    search.setThreshold,
  );
  /** The live view's one call per frame: identify, record sightings, queue strangers. */
  recognise: (
    faces: RecogniseFace[],
    nowMs?: number,
    opts?: RecogniseOptions,
  ) => Promise<RecognisedFace[]> = this.#write(recognition.recognise);

  // ── the unlabeled queue ──────────────────────────────────────

  queueUnlabeled: (
    crop: CropInput | null,
    embedding: EmbeddingInput,
    opts?: QueueOptions,
  ) => Promise<number> = this.#write(labelling.queueUnlabeled);
  queueUnknown: (
    crop: CropInput | null,
    embedding: EmbeddingInput,
    opts?: QueueUnknownOptions,
  ) => Promise<QueueUnknownResult> = this.#write(unknowns.queueUnknown);
  /** Top-k known people for each waiting face, best first. */
  suggestForUnlabeled: (unlabeledIds: number[], k?: number) => Promise<Candidate[][]> = this.#read(
    unknowns.suggestForUnlabeled,
  );
  getUnlabeled: () => Promise<UnlabeledFace[]> = this.#read(labelling.getUnlabeled);
  getUnlabeledCrop: (unlabeledId: number) => Promise<Blob | undefined> = this.#read(
    queries.unlabeledCrop,
  );
  labelFace: (unlabeledId: number, name: string) => Promise<number> = this.#write(
    labelling.labelFace,
  );
  labelFaces: (unlabeledIds: number[], name: string) => Promise<number> = this.#write(
    labelling.labelFaces,
  );
  discardUnlabeled: (unlabeledIds: number | number[]) => Promise<void> = this.#write(
    labelling.discardUnlabeled,
  );

  // ── visitors (actions/visitors.ts, unknowns.ts) ──────────────

  /** The queue's cards: anonymous visitors, most recently seen first. */
  listVisitors: (opts?: VisitorListOptions) => Promise<Visitor[]> = this.#read(
    visitors.listVisitors,
  );
  getVisitor: (visitorId: number) => Promise<Visitor> = this.#read(visitors.getVisitor);
  /** Which visitor an embedding is: same (≥ upper), new (< lower) or not sure. Read; queues itself. */
  matchVisitor: (embedding: EmbeddingInput) => Promise<VisitorMatch> = this.#write(
    unknowns.matchVisitor,
  );
  /** A visitor seen in a frame: the same visit rule as observe(). */
  observeVisitor: (
    visitorId: number,
    similarity: number,
    atMs?: number,
  ) => Promise<sightings.Observed> = this.#write(sightings.observeVisitor);
  /** Names a visitor (new name: a person; existing: merged into them); returns the person id. */
  labelVisitor: (visitorId: number, name: string) => Promise<number> = this.#write(
    visitors.labelVisitor,
  );
  /** Forgets visitors at once, with their faces and sightings. */
  discardVisitors: (visitorIds: number | number[]) => Promise<void> = this.#write(
    visitors.discardVisitors,
  );

  // ── the visit log (actions/visit-log.ts) ─────────────────────

  /** Visits of people and visitors, newest first, filtered (batched sightings written first). */
  visitLog: (filter?: VisitFilter) => Promise<Visit[]> = this.#steps(visitLog.visitLog);
  /** The filtered log as CSV (ISO times in the user's time zone). */
  visitLogCsv: (filter?: VisitFilter, opts?: VisitCsvOptions) => Promise<string> = this.#steps(
    visitLog.visitLogCsv,
  );

  // ── retention (actions/retention.ts) ─────────────────────────

  /** The policy in force, or null when retention is off. */
  getRetention: () => Promise<RetentionPolicy | null> = this.#read(retention.getRetention);
  /** What a policy (default: the stored one, else 30 days / never) would delete now. */
  previewRetention: (policy?: RetentionPolicy, nowMs?: number) => Promise<RetentionCounts> =
    this.#read(retention.previewRetention);
  /** Turns retention on (applied now, at every start, daily) or off (null); says what it deleted. */
  setRetention: (policy: RetentionPolicy | null, nowMs?: number) => Promise<RetentionCounts> =
    this.#write(retention.setRetention);
  /** Applies the stored policy now (one action). */
  applyRetention: (nowMs?: number) => Promise<RetentionCounts> = this.#write(
    retention.applyRetention,
  );

  // ── arrival alerts (actions/alerts.ts; which fire: alerts/rules.ts) ──

  listAlerts: () => Promise<AlertRule[]> = this.#read(alerts.listAlerts);
  /** Adds a rule (the same again: the stored one's id); it goes when its person or visitor does. */
  addAlert: (rule: NewAlertRule, nowMs?: number) => Promise<number> = this.#write(alerts.addAlert);
  removeAlert: (alertId: number) => Promise<void> = this.#write(alerts.removeAlert);
  getQuietHours: () => Promise<QuietHours | null> = this.#read(alerts.getQuietHours);
  setQuietHours: (quiet: QuietHours | null) => Promise<void> = this.#write(alerts.setQuietHours);

  // ── people ───────────────────────────────────────────────────

  listPersons: () => Promise<Person[]> = this.#read(queries.listPersons);
  getPerson: (personId: number, recentSightings?: number) => Promise<PersonDetail> = this.#read(
    queries.getPerson,
  );
  /** Visits per local day over the last `days` (default 30) days, oldest first, for a chart. */
  visitsPerDay: (personId: number, days?: number, nowMs?: number) => Promise<DayCount[]> =
    this.#read(queries.visitsPerDay);
  getSampleCrop: (sampleId: number) => Promise<Blob | undefined> = this.#read(queries.sampleCrop);
  renamePerson: (personId: number, name: string) => Promise<void> = this.#write(
    personEdits.renamePerson,
  );
  mergePersons: (fromId: number, intoId: number) => Promise<number> = this.#write(
    personEdits.mergePersons,
  );
  deletePerson: (personId: number) => Promise<void> = this.#write(personEdits.deletePerson);
  deleteSample: (sampleId: number) => Promise<void> = this.#write(personEdits.deleteSample);
  moveSample: (sampleId: number, toPersonId: number) => Promise<void> = this.#write(
    personEdits.moveSample,
  );
  /** People with their embeddings (enrolment from photos), in one action: all or nothing. */
  importPersons: (entries: ImportPerson[]) => Promise<number[]> = this.#write(
    persons.importPersons,
  );

  // ── upkeep ───────────────────────────────────────────────────

  stats: () => Promise<MemoryStats> = this.#read(queries.stats);
  /** Checks that storage, SQLite and the index agree; repairs nothing. */
  verify: (opts?: VerifyOptions) => Promise<ConsistencyReport> = this.#read(
    verify.verifyConsistency,
  );
  /** Rebuilds the index from the stored embeddings, retraining IVF. */
  rebuildIndex: (signal?: AbortSignal) => Promise<MemoryStats> = this.#write(upkeep.rebuildIndex);

  // ── changing the model (actions/reembed.ts) ──────────────────

  /** What switching to `modelId` needs: samples to embed again, and what cannot be. */
  planReembed: (modelId: string, dim: number) => Promise<ReembedPlan> = this.#read(
    reembed.planReembed,
  );
  /** Stores target-model vectors of samples (one transaction; idempotent). */
  storeReembedded: (modelId: string, dim: number, entries: ReembeddedSample[]) => Promise<number> =
    this.#write(reembed.storeReembedded);
  /** Moves the memory to `modelId` (one action); reopen it with that model afterwards. */
  adoptModel: (modelId: string, dim: number, queued?: ReembeddedQueued[]) => Promise<AdoptResult> =
    this.#write(reembed.adoptModel);

  // ── export and import (transfer/) ────────────────────────────

  /** The whole memory as one (optionally encrypted) file. */
  exportArchive: (opts: ExportOptions) => Promise<ExportResult> = this.#steps(
    backupExport.exportMemory,
  );
  /** Opens an export file and says what importing it would change; nothing is written. */
  previewImport: (file: Blob | Uint8Array, opts?: PreviewBackupOptions) => Promise<ImportPreview> =
    this.#steps(backupImport.previewBackup);
  /** Reads the Python original's folder (or a zip of it) and says what importing it would change. */
  previewOriginal: (input: OriginalInput, opts?: PreviewOriginalOptions) => Promise<ImportPreview> =
    this.#steps(original.previewOriginal);
  /** Writes the import last previewed (by its preview id), in one action or a few. */
  applyImport: (previewId: string, signal?: AbortSignal) => Promise<ImportResult> = this.#write(
    importRun.applyImport,
  );

  // ── encryption at rest (actions/encryption.ts, lock/) ────────

  /** Off, on, or a conversion to finish; and the ways to unlock. */
  encryptionStatus: () => Promise<EncryptionStatus> = this.#read(encryption.encryptionStatus);
  /** Turns encryption on (a first passphrase or passkey), sealing every record; resumes a cut-short run. */
  enableEncryption: (unlock: NewUnlock | null, opts?: ConvertOptions) => Promise<EncryptionStatus> =
    this.#steps(encryption.enableEncryption);
  /** Turns encryption off, every record back to plaintext; resumes a cut-short run. */
  disableEncryption: (opts?: ConvertOptions) => Promise<EncryptionStatus> = this.#steps(
    encryption.disableEncryption,
  );
  /** A new passphrase (replacing the old): the data key is wrapped again, nothing else changes. */
  setPassphrase: (passphrase: string, kdf?: NewKdfOptions) => Promise<LockInfo> = this.#write(
    encryption.setPassphrase,
  );
  /** Adds (or renews) a passkey from its WebAuthn PRF output for the salt given. */
  addPasskey: (passkey: NewPasskey) => Promise<LockInfo> = this.#write(encryption.addPasskey);
  /** Removes a passphrase or passkey by its `wrapId`; never the last one. */
  removeUnlock: (wrapId: string) => Promise<LockInfo> = this.#write(encryption.removeUnlock);
  /** Whether a passphrase or passkey opens this memory's lock (throws wrong-…); writes nothing. */
  checkUnlock: (unlock: UnlockWith) => Promise<void> = this.#write(encryption.checkUnlock);

  // ── lifecycle: not queued calls ──────────────────────────────

  /**
   * Opens (creating if new) the memory called `name`. When another tab holds
   * it, the result is read-only (`readOnly`, `readOnlyReason`) and every
   * write throws a MemoryError 'read-only' saying so.
   */
  static async open(options: OpenOptions): Promise<FaceDatabase> {
    const { core, report } = await openCore(options);
    retention.startRetention(core);
    return new FaceDatabase(core, report);
  }

  /**
   * Whether the memory called `name` is encrypted, and how it can be unlocked
   * (credential ids and PRF salts for the passkey ceremony): read from its
   * plaintext lock record without opening it. null when it is not encrypted.
   */
  static lockInfo(name: string): Promise<LockInfo | null> {
    return readLockInfo(name);
  }

  /** The names of the queued methods (the fields above), for the worker service to forward. */
  static readonly queuedMethods: readonly QueuedMethod[] = (() => {
    const blank = new FaceDatabase(undefined as never, undefined as never);
    return Object.entries(blank)
      .filter(([, value]) => typeof value === 'function')
      .map(([name]) => name as QueuedMethod);
  })();

  get readOnly(): boolean {
    return this.#core.readOnly;
  }

  get readOnlyReason(): string | null {
    return this.readOnly ? READ_ONLY_MESSAGE : null;
  }

  /**
   * The unwrapped data key while the memory is encrypted (null when it is
   * not), for the memory service to reopen it with (OpenOptions.dataKey).
   * Stays in the worker: it is not one of the methods the worker exposes.
   */
  get dataKey(): DataKey | null {
    return this.#core.kv.sealer?.dataKey ?? null;
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

  /** Forgets the staged import (the last preview), so that applying it fails as expired. */
  cancelImport(): void {
    importRun.cancelImport(this.#core);
  }

  /**
   * Writes batched sightings, then a fresh snapshot and checkpoint. Call on
   * `pagehide`; a crash before it loses at most the batched sightings.
   */
  async flush(): Promise<void> {
    await upkeep.flushAll(this.#core);
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
    sightings.cancelScheduledSightings(this.#core);
    retention.stopRetention(this.#core);
    negatives.forgetTracks(this.#core);
    await this.#core.shut();
    await this.#core.maintenanceTail;
    this.#core.index.dispose();
    this.#core.db.close();
    await this.#core.kv.close().catch(() => undefined);
    this.#core.lock.release();
  }
}
