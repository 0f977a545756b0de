/**
 * What an import brings, whatever file it came from: plain rows keyed by the file's own ids
 * (import-backup.ts builds one from a backup, import-original.ts from the Python original's
 * folder), checked here before anything is written.
 */
import { TransferError } from '../../transfer/errors';
import type { StoredCrop } from '../store/crop';
import type { MemoryCore } from '../store/core';
import { isEmbRecord, type EmbRecord } from '../store/emb-records';
import { MemoryError } from '../base/errors';
import { embKey, unlabeledEmbKey } from '../store/keys';
import { row } from '../../sqlite/sql';
import type { SampleSource } from '../base/types';
import { cleanName } from '../base/validate';
import type { NewAlertRule, QuietHours } from '../../alerts/rules';

export interface SourcePerson {
  key: number;
  /** As shown; `checkSource` cleans it and sets `nameKey`. */
  name: string;
  nameKey: string;
  firstSeenMs: number | null;
  lastSeenMs: number | null;
  visitCount: number;
}

export interface SourceSample {
  key: number;
  personKey: number;
  /** The model it is searched with (its primary vector is that model's). */
  modelId: string;
  createdMs: number;
  source: SampleSource;
  crop: StoredCrop | null;
}

export interface SourceSighting {
  key: number;
  personKey: number;
  timestampMs: number;
  similarity: number;
  /** The decision's confidence (null: not stored, as in older exports and the original). */
  confidence?: number | null;
  /** The visit's last recognition and recognition count (absent: a visit of one, at its start). */
  endMs?: number;
  frames?: number;
}

export interface SourceUnlabeled {
  key: number;
  timestampMs: number;
  /** Labelled or discarded already (history, kept by a restore only). */
  reviewed: boolean;
  modelId: string;
  crop: StoredCrop | null;
  /** The row's image flag as stored (a reviewed row's image went to its sample). */
  hasCrop: boolean;
  /** Needed for a face still waiting; reviewed rows have none. */
  embedding: Float32Array | null;
  /** The visitor it was one of, in the file (a restore keeps that id). */
  visitorKey?: number | null;
  groupKey: string | null;
  quality: number | null;
  /** The sample it became (reviewed rows). */
  sampleKey: number | null;
}

/** One model's vectors: sample key → vector (a sample may have vectors of several models). */
export interface SourceModel {
  id: string;
  dim: number;
  vectors: Map<number, Float32Array>;
}

/** A "not this person" face: the person it is not, and its embedding. */
interface SourceNegative {
  personKey: number;
  modelId: string;
  source: string;
  createdMs: number;
  embedding: Float32Array;
}

/**
 * An arrival alert: a person's (personId is the file's person key) or one naming no one.
 * A visitor's own alerts stay out: its faces come in as new visitors.
 */
export interface SourceAlert {
  rule: NewAlertRule;
  createdMs: number;
}

export interface ImportSource {
  kind: 'backup' | 'python-original';
  persons: SourcePerson[];
  samples: SourceSample[];
  sightings: SourceSighting[];
  unlabeled: SourceUnlabeled[];
  /** Absent from the original's folders and from older exports. */
  negatives?: SourceNegative[];
  /** Absent from the original's folders and from exports before schema 4. */
  alerts?: SourceAlert[];
  quietHours?: QuietHours | null;
  models: SourceModel[];
  /** The file's ids may be kept (a backup restored into a memory that never held rows). */
  keepIds: boolean;
  warnings: string[];
}

const badData = (message: string) =>
  new TransferError(
    'import-bad-data',
    `The import cannot be used: ${message}. Nothing was changed.`,
  );

/**
 * Unit length, as the memory stores vectors. One already of unit length (as every vector
 * this app exported is) is kept bit for bit, so that a restore is exact.
 */
function unitOrThrow(v: Float32Array, dim: number, what: string): Float32Array {
  if (v.length !== dim) throw badData(`${what} has ${v.length} values, not ${dim}`);
  let sum = 0;
  for (let i = 0; i < dim; i++) {
    const x = v[i]!;
    if (!Number.isFinite(x)) throw badData(`${what} holds NaN or infinite values`);
    sum += x * x;
  }
  if (!(sum > 1e-24)) throw badData(`${what} is all zeros`);
  if (Math.abs(sum - 1) <= 1e-4) return v;
  const k = 1 / Math.sqrt(sum);
  return v.map((x) => x * k);
}

/** The dimension this memory already stores for a model (null when it has none of it). */
async function storedDim(core: MemoryCore, modelId: string): Promise<number | null> {
  if (modelId === core.config.modelId) return core.config.dim;
  const s = row<{ person_id: number }>(
    core.db,
    'SELECT person_id FROM samples WHERE model_id = ? LIMIT 1',
    [modelId],
  );
  if (s) {
    const rec = await core.kv.get<EmbRecord>(embKey(modelId, s.person_id));
    if (isEmbRecord(rec) && rec.sampleIds.length) return rec.vectors.length / rec.sampleIds.length;
  }
  const u = row<{ id: number }>(
    core.db,
    'SELECT id FROM unlabeled WHERE reviewed = 0 AND model_id = ? LIMIT 1',
    [modelId],
  );
  if (u) {
    const v = await core.kv.get<Float32Array>(unlabeledEmbKey(u.id));
    if (v instanceof Float32Array && v.length) return v.length;
  }
  return null;
}

/**
 * Cleans names, checks and normalises every vector (in place), and refuses a model whose
 * dimension differs from what this memory stores for it. Throws before anything is written.
 */
export async function checkSource(core: MemoryCore, source: ImportSource): Promise<void> {
  const persons = new Set<number>();
  for (const p of source.persons) {
    try {
      const clean = cleanName(p.name);
      p.name = clean.name;
      p.nameKey = clean.key;
    } catch (error) {
      if (!(error instanceof MemoryError)) throw error;
      throw badData(`person ${p.key} has an unusable name (${error.message})`);
    }
    persons.add(p.key);
  }
  for (const s of source.samples) {
    if (!persons.has(s.personKey)) throw badData(`sample ${s.key} belongs to no person`);
  }
  for (const g of source.sightings) {
    if (!persons.has(g.personKey)) throw badData(`sighting ${g.key} belongs to no person`);
    if (!Number.isFinite(g.timestampMs) || !Number.isFinite(g.similarity)) {
      throw badData(`sighting ${g.key} has no valid time or similarity`);
    }
  }
  const dims = new Map<string, number>();
  for (const m of source.models) {
    if (!Number.isSafeInteger(m.dim) || m.dim < 1 || m.dim > 65_536) {
      throw badData(`model ${m.id} has no valid dimension`);
    }
    dims.set(m.id, m.dim);
    for (const [key, v] of m.vectors) {
      m.vectors.set(key, unitOrThrow(v, m.dim, `the ${m.id} vector of sample ${key}`));
    }
  }
  for (const u of source.unlabeled) {
    if (!u.embedding) continue;
    const dim = dims.get(u.modelId) ?? u.embedding.length;
    dims.set(u.modelId, dim);
    u.embedding = unitOrThrow(u.embedding, dim, `the embedding of queued face ${u.key}`);
  }
  for (const [modelId, dim] of dims) {
    const have = await storedDim(core, modelId);
    if (have !== null && have !== dim) {
      throw new TransferError(
        'import-dim-mismatch',
        `The file's ${modelId} vectors are ${dim}-d, but this memory's ${modelId} vectors are ` +
          `${have}-d: they cannot be searched together. Nothing was changed.`,
      );
    }
  }
}
