import type { LockInfo, NewUnlock, UnlockWith } from './lock-types';

/**
 * A face image as IndexedDB holds it: the bytes and their MIME type, never a
 * Blob. WebKit's ephemeral sessions (Safari's Private Browsing, every
 * WebDriver session) reject a Blob put with a null error while typed arrays
 * store fine, so a Blob in storage breaks every save there. Memories written
 * before this format hold Blobs: reading accepts both (so a migration killed
 * half way is harmless) and `migrateCrops` converts them once.
 */
export interface StoredCrop {
  bytes: Uint8Array;
  type: string;
}

/** What the memory's public methods accept as a crop. */
export type CropInput = Blob | Uint8Array | StoredCrop;

/** Times are epoch milliseconds; similarities are cosine (−1 … 1). */
export interface Person {
  id: number;
  name: string;
  firstSeenMs: number;
  lastSeenMs: number;
  visitCount: number;
  sampleCount: number;
  /** The newest sample with a face image, to show as the person's picture. */
  coverSampleId: number | null;
}

export type SampleSource = 'label' | 'import' | 'enrol';

export interface Sample {
  id: number;
  personId: number;
  modelId: string;
  createdMs: number;
  hasCrop: boolean;
  source: SampleSource;
}

export interface Sighting {
  personId: number;
  timestampMs: number;
  similarity: number;
}

export interface PersonDetail extends Person {
  samples: Sample[];
  recentSightings: Sighting[];
}

export interface UnlabeledFace {
  id: number;
  timestampMs: number;
  modelId: string;
  hasCrop: boolean;
  /** The caller's grouping (e.g. a face track), so a group can be labelled at once. */
  groupKey: string | null;
  quality: number | null;
  /** The anonymous visitor this face is one of (null only in an old, reviewed row). */
  visitorId: number | null;
}

/**
 * A stranger the camera saw: one card of the queue ("Visitor 12, seen 3 times
 * since Monday"). `number` is its id, never reused. Its faces are queued faces.
 */
export interface Visitor {
  id: number;
  number: number;
  firstSeenMs: number;
  lastSeenMs: number;
  visitCount: number;
  /** Its waiting faces (the best few crops), best quality first. */
  faceIds: number[];
  /** The face to show (best quality with a crop), or null. */
  coverFaceId: number | null;
}

/** Who a visit is of. */
export type VisitSubject =
  { kind: 'person'; id: number; name: string } | { kind: 'visitor'; id: number; number: number };

/** One visit (a sightings row): its start, its last recognition, and how many recognitions. */
export interface Visit {
  id: number;
  subject: VisitSubject;
  startMs: number;
  endMs: number;
  sightings: number;
}

/** Which visits the log shows: one person or visitor (or all), from … to (epoch ms, end excluded). */
export interface VisitFilter {
  personId?: number;
  visitorId?: number;
  fromMs?: number;
  toMs?: number;
  /** Newest first; at most this many (default 500; 0: all). */
  limit?: number;
  offset?: number;
}

/** What retention forgets: visitors unseen for N days, sightings older than N months (null: never). */
export interface RetentionPolicy {
  visitorDays: number | null;
  sightingMonths: number | null;
}

/** What applying a retention policy now deletes (the preview), or deleted. */
export interface RetentionCounts {
  visitors: number;
  /** Waiting faces (crop + embedding) of those visitors. */
  faces: number;
  /** Sightings rows (visits) of people and visitors, those visitors' included. */
  sightings: number;
}

export interface QueueOptions {
  timestampMs?: number;
  groupKey?: string | null;
  quality?: number | null;
}

/** A face's match and top-k (the original's find_match / find_top_k): see decision/identification. */
export type { Candidate, Identification, Match } from '../../decision/identification';

/** The FAISS index the memory uses: exact below 5,000 vectors, IVF from there (the original's rule). */
export type IndexKind = 'IndexFlatIP' | 'IndexIVFFlat';

export interface MemoryStats {
  persons: number;
  samples: number;
  unlabeled: number;
  visitors: number;
  sightings: number;
  indexType: IndexKind;
  ntotal: number;
  /** The IVF index's lists, as built; absent for exact search. */
  nlist?: number;
  dim: number;
  modelId: string;
}

export interface ImportPerson {
  name: string;
  /** n×dim, or n vectors. */
  embeddings: Float32Array | Float32Array[];
  /** Defaults to the open model; another model's vectors are stored, not indexed. */
  modelId?: string;
  /** Dimension of `modelId`'s vectors (needed only for another model). */
  dim?: number;
  /** One image (a Blob or its bytes) or null per embedding. */
  crops?: Array<CropInput | null>;
  source?: 'import' | 'enrol';
  firstSeenMs?: number;
  lastSeenMs?: number;
  visitCount?: number;
}

/** How the open went: which path gave the index, and why (tests and diagnostics). */
export interface OpenReport {
  readOnly: boolean;
  indexSource: 'checkpoint' | 'checkpoint+journal' | 'rebuilt' | 'empty';
  /** Why the checkpoint was not used, when it was not. */
  rebuildReason: string | null;
  journalEntriesReplayed: number;
  indexEffectsReplayed: number;
  /** Samples whose stored embedding was missing or malformed (left out of the index). */
  missingEmbeddings: number;
  migratedFrom: number | null;
  /** Encryption at rest: 'off', or the lock's state ('converting'/'decrypting': a conversion to finish). */
  encryption: EncryptionState;
  /** Of `ms`, the time spent deriving the key from the passphrase or passkey (0 when off). */
  unlockMs: number;
  ms: number;
}

/** 'off', or where encryption at rest stands (see memory/lock/lock-record.ts). */
export type EncryptionState = 'off' | 'converting' | 'on' | 'decrypting';

export type { LockInfo, NewUnlock, UnlockWith };

export interface EncryptionStatus {
  state: EncryptionState;
  /** The ways to unlock (null when off). */
  info: LockInfo | null;
}

export type MemoryEvent =
  | { type: 'opened'; report: OpenReport }
  | { type: 'index-rebuilt'; reason: string; ntotal: number; kind: IndexKind }
  | { type: 'maintenance'; snapshot: boolean; checkpoint: boolean; journalDeleted: number }
  | { type: 'encryption'; state: EncryptionState; done: number; total: number }
  | { type: 'error'; where: string; error: unknown };
