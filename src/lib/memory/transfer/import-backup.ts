/**
 * A backup file (export.ts writes it) as an ImportSource: its SQLite rows (upgraded in
 * a copy when older, refused when newer), each sample's vectors per model (by the file's sample
 * ids; a format-1 file's rows are in sample-id order), its face images and its queue.
 */
import { describeError } from '../../errors';
import { readArchive } from '../../transfer/archive';
import { isEncryptedArchive } from '../../transfer/archive-crypto';
import { TransferError } from '../../transfer/errors';
import type { MemoryCore } from '../store/core';
import type { ImportSource, SourceModel, SourceUnlabeled } from './import-source';
import { stageImport, type ImportPreview } from './import-run';
import { migrate, schemaVersion, SCHEMA_VERSION } from '../store/schema';
import { loadSqlJs, rows } from '../../sqlite/sql';
import type { SampleSource } from '../base/types';
import type { UnlabeledRow } from '../actions/labelling';
import { cropType } from './backup-format';
import { storedCrop, type StoredCrop } from '../store/crop';
import { storageLeft } from './storage-left';
import type { Database } from 'sql.js';
import type { SourceAlert } from './import-source';
import { ruleOf, QUIET_HOURS_META } from '../actions/alerts';
import { readMeta } from '../store/meta';
import { checkQuietHours, type QuietHours } from '../../alerts/rules';

const SOURCES = new Set<SampleSource>(['label', 'import', 'enrol']);

interface Rows {
  persons: Array<{
    id: number;
    name: string;
    first_seen: number;
    last_seen: number;
    visit_count: number;
  }>;
  samples: Array<{
    id: number;
    person_id: number;
    model_id: string;
    created: number;
    has_crop: number;
    source: string;
  }>;
  sightings: Array<{
    id: number;
    person_id: number;
    timestamp: number;
    similarity: number;
    confidence: number | null;
    ended: number;
    frames: number;
  }>;
  unlabeled: Array<UnlabeledRow & { sample_id: number | null }>;
  negatives: Array<{
    id: number;
    person_id: number;
    model_id: string;
    source: string;
    created: number;
  }>;
  alerts: SourceAlert[];
  quietHours: QuietHours | null;
}

/** The backup's alerts (schema 4; an older one's migrated copy has none), a visitor's left out. */
function readAlerts(db: Database): Pick<Rows, 'alerts' | 'quietHours'> {
  const alerts = rows<Parameters<typeof ruleOf>[0] & { created: number }>(
    db,
    "SELECT id, kind, person_id, visitor_id, n, created FROM alerts WHERE kind <> 'visitor' ORDER BY id",
  ).flatMap((r) => {
    const rule = ruleOf(r);
    if (!rule) return [];
    const { id: _id, ...plain } = rule;
    return [{ rule: plain, createdMs: r.created }];
  });
  let quietHours: QuietHours | null = null;
  try {
    quietHours = checkQuietHours(JSON.parse(readMeta(db, QUIET_HOURS_META) ?? 'null'));
  } catch {
    quietHours = null;
  }
  return { alerts, quietHours };
}

async function readBackupDb(sqlite: Uint8Array): Promise<Rows> {
  const SQL = await loadSqlJs();
  let db;
  try {
    db = new SQL.Database(sqlite);
    const v = schemaVersion(db);
    if (v > SCHEMA_VERSION) {
      throw new TransferError(
        'import-schema-too-new',
        'This backup was made by a newer version of the app (its database is newer than this ' +
          'app reads). Update the app, then import it. Nothing was changed.',
      );
    }
    migrate(db); // an older backup's database, upgraded in this copy only
    return {
      persons: rows(
        db,
        'SELECT id, name, first_seen, last_seen, visit_count FROM persons ORDER BY id',
      ),
      samples: rows(
        db,
        'SELECT id, person_id, model_id, created, has_crop, source FROM samples ORDER BY id',
      ),
      sightings: rows(
        db,
        // Visitors' visits (schema 3) stay out: their faces come in as new visitors.
        `SELECT id, person_id, timestamp, similarity, confidence, ended, frames FROM sightings
         WHERE person_id IS NOT NULL ORDER BY id`,
      ),
      unlabeled: rows(db, 'SELECT * FROM unlabeled ORDER BY id'),
      // An older backup's copy was migrated above: its table exists and is empty.
      negatives: rows(
        db,
        'SELECT id, person_id, model_id, source, created FROM negatives ORDER BY id',
      ),
      ...readAlerts(db),
    };
  } catch (error) {
    if (error instanceof TransferError) throw error;
    throw new TransferError(
      'import-bad-data',
      `The backup's database cannot be read (${describeError(error)}). Nothing was changed.`,
      { cause: error },
    );
  } finally {
    db?.close();
  }
}

/** A backup's contents as an ImportSource. */
export async function backupSource(
  parts: Awaited<ReturnType<typeof readArchive>>['parts'],
): Promise<ImportSource> {
  const db = await readBackupDb(parts.sqlite);
  const warnings: string[] = [];
  const samplesOf = new Map<string, number[]>(); // `${model}|${person}` → ascending sample ids
  for (const s of db.samples) {
    const k = `${s.model_id}|${s.person_id}`;
    samplesOf.set(k, [...(samplesOf.get(k) ?? []), s.id]);
  }
  const models: SourceModel[] = parts.models.map((m) => {
    const vectors = new Map<number, Float32Array>();
    for (const [personId, flat] of m.persons) {
      const n = flat.length / m.dim;
      // Format 1 had no ids: its rows are that person's samples of the model, by id.
      const ids = m.sampleIds?.get(personId) ?? samplesOf.get(`${m.id}|${personId}`) ?? [];
      if (ids.length !== n) {
        throw new TransferError(
          'import-bad-data',
          `The backup's ${m.id} vectors of person ${personId} do not match its database. Nothing was changed.`,
        );
      }
      ids.forEach((id, r) => vectors.set(id, flat.subarray(r * m.dim, (r + 1) * m.dim)));
    }
    return { id: m.id, dim: m.dim, vectors };
  });
  const crops = new Map<string, StoredCrop>();
  for (const [path, bytes] of parts.crops) {
    const m = /^(unl\/)?(\d+)\.[A-Za-z0-9]+$/.exec(path);
    if (!m) {
      throw new TransferError(
        'import-bad-data',
        `The backup holds crops/${path}, which is not a face image this app writes. Nothing was changed.`,
      );
    }
    crops.set(`${m[1] ?? ''}${m[2]}`, storedCrop(bytes, cropType(bytes, path)));
  }
  let missingCrops = 0;
  const samples = db.samples.map((s) => {
    const crop = s.has_crop ? (crops.get(String(s.id)) ?? null) : null;
    if (s.has_crop && !crop) missingCrops++;
    return {
      key: s.id,
      personKey: s.person_id,
      modelId: s.model_id,
      createdMs: s.created,
      source: SOURCES.has(s.source as SampleSource) ? (s.source as SampleSource) : 'import',
      crop,
    };
  });
  if (missingCrops)
    warnings.push(`${missingCrops} face image(s) listed in the backup are missing.`);
  const negativeVectors = new Map(parts.models.map((m) => [m.id, m.negatives]));
  const negatives = db.negatives.flatMap((n) => {
    const embedding = negativeVectors.get(n.model_id)?.get(n.id);
    return embedding
      ? [
          {
            personKey: n.person_id,
            modelId: n.model_id,
            source: n.source,
            createdMs: n.created,
            embedding,
          },
        ]
      : [];
  });
  const unlabeledVectors = new Map(parts.models.map((m) => [m.id, m.unlabeled]));
  let noEmbedding = 0;
  const unlabeled: SourceUnlabeled[] = db.unlabeled.map((u) => {
    const embedding = u.reviewed ? null : (unlabeledVectors.get(u.model_id)?.get(u.id) ?? null);
    if (!u.reviewed && !embedding) noEmbedding++;
    return {
      key: u.id,
      timestampMs: u.timestamp,
      reviewed: !!u.reviewed,
      modelId: u.model_id,
      crop: u.has_crop && !u.reviewed ? (crops.get(`unl/${u.id}`) ?? null) : null,
      hasCrop: !!u.has_crop,
      embedding,
      groupKey: u.group_key,
      visitorKey: u.visitor_id ?? null,
      quality: u.quality,
      sampleKey: u.sample_id,
    };
  });
  if (noEmbedding) {
    warnings.push(
      `${noEmbedding} queued face(s) have no embedding in the backup and are left out.`,
    );
  }
  return {
    kind: 'backup',
    persons: db.persons.map((p) => ({
      key: p.id,
      name: p.name,
      nameKey: '',
      firstSeenMs: p.first_seen,
      lastSeenMs: p.last_seen,
      visitCount: p.visit_count,
    })),
    samples,
    sightings: db.sightings.map((g) => ({
      key: g.id,
      personKey: g.person_id,
      timestampMs: g.timestamp,
      similarity: g.similarity,
      confidence: g.confidence,
      endMs: g.ended,
      frames: g.frames,
    })),
    unlabeled,
    negatives,
    alerts: db.alerts,
    quietHours: db.quietHours,
    models,
    keepIds: true,
    warnings,
  };
}

export interface PreviewBackupOptions {
  passphrase?: string;
  signal?: AbortSignal;
  /** Split an import larger than this into several actions (see import-run.ts). */
  maxBytesPerAction?: number;
}

/** Opens an export file (decrypt, verify, upgrade) and stages its import. */
export async function previewBackup(
  core: MemoryCore,
  file: Blob | Uint8Array,
  opts: PreviewBackupOptions = {},
): Promise<ImportPreview> {
  const bytes = file instanceof Uint8Array ? file : new Uint8Array(await file.arrayBuffer());
  const read = await readArchive(bytes, {
    passphrase: opts.passphrase,
    signal: opts.signal,
    availableBytes: await storageLeft(),
  });
  const source = await backupSource(read.parts);
  return stageImport(core, {
    source,
    file: {
      bytes: bytes.length,
      encrypted: isEncryptedArchive(bytes),
      formatVersion: read.manifest.formatVersion,
      migratedFrom: read.migratedFrom,
      appVersion: read.manifest.appVersion,
      createdAt: read.manifest.createdAt,
    },
    settings: read.parts.settings,
    faiss: null,
    maxBytesPerAction: opts.maxBytesPerAction,
  });
}
