/**
 * The export file's manifest: its shape, its validation and the upgrade path from older
 * format versions. A reader opens every version up to ARCHIVE_FORMAT_VERSION by running
 * MIGRATIONS[v] for v = file version … current − 1; a newer file is refused, not guessed.
 * Rule for writers: any new entry kind or field that an older reader would mishandle
 * needs a new format version and a migration.
 */
import { TransferError } from './errors';

export const ARCHIVE_TYPE = 'visio-memoria-export';
export const ARCHIVE_FORMAT_VERSION = 2;

interface ManifestModel {
  id: string;
  dim: number;
  /** Stored person samples (rows over all `emb/<id>/<personId>.f32`). */
  samples: number;
  /** Unlabeled embeddings (`emb/<id>/unl/<faceId>.f32`). */
  unlabeled: number;
  /** Whether `faiss/<id>.index` + `.mapping.json` are included. */
  faiss: boolean;
  /**
   * "Not this person" embeddings (`emb/<id>/neg/<negativeId>.f32`); absent in
   * exports made before they existed, which read as none.
   */
  negatives?: number;
}

export interface ManifestFile {
  bytes: number;
  sha256: string;
}

export interface ArchiveManifest {
  type: typeof ARCHIVE_TYPE;
  formatVersion: typeof ARCHIVE_FORMAT_VERSION;
  appVersion: string;
  createdAt: string;
  models: ManifestModel[];
  counts: Record<string, number>;
  files: Record<string, ManifestFile>;
  settings: Record<string, unknown>;
}

/** An archive while it is upgraded: its manifest and files, both replaceable. */
interface ArchiveInMigration {
  manifest: Record<string, unknown>;
  files: Map<string, Uint8Array>;
}
export type Migration = (from: ArchiveInMigration) => ArchiveInMigration;

/**
 * MIGRATIONS[v] upgrades format v to v + 1.
 * 1 → 2: version 2 added `emb/<model>/<personId>.ids.json` (the sample id of each row). A
 * version-1 file has none; its rows are in ascending sample-id order of that person's samples
 * of that model, which is what a reader assumes when the ids file is absent. Nothing to rewrite.
 */
const MIGRATIONS: Readonly<Record<number, Migration>> = {
  1: (archive) => archive,
};

/** Model ids and person ids become path segments: keep them to a safe alphabet. */
export const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

function bad(message: string): TransferError {
  return new TransferError('archive-bad-manifest', `The export's manifest ${message}.`);
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function validateManifest(m: Record<string, unknown>): ArchiveManifest {
  if (typeof m.appVersion !== 'string') throw bad('has no app version');
  if (typeof m.createdAt !== 'string' || Number.isNaN(Date.parse(m.createdAt))) {
    throw bad('has no valid creation time');
  }
  if (!Array.isArray(m.models)) throw bad('lists no models');
  const ids = new Set<string>();
  for (const model of m.models as unknown[]) {
    const ok =
      isObject(model) &&
      typeof model.id === 'string' &&
      SAFE_ID.test(model.id) &&
      isCount(model.dim) &&
      model.dim > 0 &&
      isCount(model.samples) &&
      isCount(model.unlabeled) &&
      (model.negatives === undefined || isCount(model.negatives)) &&
      typeof model.faiss === 'boolean';
    if (!ok) throw bad('describes a model incompletely');
    if (ids.has(model.id as string)) throw bad(`lists model ${String(model.id)} twice`);
    ids.add(model.id as string);
  }
  if (!isObject(m.counts) || !Object.values(m.counts).every(isCount))
    throw bad('has invalid counts');
  if (!isObject(m.settings)) throw bad('has no settings');
  listedFiles(m);
  return m as unknown as ArchiveManifest;
}

/** The manifest's file list (same shape in every format version), checked. */
export function listedFiles(m: Record<string, unknown>): Record<string, ManifestFile> {
  if (!isObject(m.files)) throw bad('lists no files');
  for (const [path, file] of Object.entries(m.files)) {
    const ok =
      isObject(file) &&
      isCount(file.bytes) &&
      typeof file.sha256 === 'string' &&
      /^[0-9a-f]{64}$/.test(file.sha256);
    if (!ok) throw bad(`describes ${path} incompletely`);
  }
  return m.files as Record<string, ManifestFile>;
}

/** The file's format version, after refusing other file types and newer versions. */
export function checkFormat(
  m: Record<string, unknown>,
  current: number = ARCHIVE_FORMAT_VERSION,
): number {
  if (m.type !== ARCHIVE_TYPE) {
    throw new TransferError('archive-not-archive', 'The file is not a Visio Memoria export.');
  }
  const version = m.formatVersion;
  if (!Number.isSafeInteger(version) || (version as number) < 1) throw bad('has no format version');
  if ((version as number) > current) {
    throw new TransferError(
      'archive-future-version',
      `This export uses format ${String(version)}, made by a newer Visio Memoria; this app reads ` +
        `format ${current} and older. Update the app to import it.`,
    );
  }
  return version as number;
}

/**
 * Checks the type, refuses future versions, upgrades older ones and validates the result.
 * `migrations` is a parameter so that tests can prove the chain with made-up versions.
 */
export function migrateArchive(
  archive: ArchiveInMigration,
  migrations: Readonly<Record<number, Migration>> = MIGRATIONS,
  current: number = ARCHIVE_FORMAT_VERSION,
): { manifest: ArchiveManifest; files: Map<string, Uint8Array>; migratedFrom: number | null } {
  const version = checkFormat(archive.manifest, current);
  let upgraded = archive;
  for (let v = version; v < current; v++) {
    const step = migrations[v];
    if (!step) throw bad(`is format ${v}, which this app cannot upgrade`);
    upgraded = step(upgraded);
    upgraded.manifest.formatVersion = v + 1;
  }
  return {
    manifest: validateManifest(upgraded.manifest),
    files: upgraded.files,
    migratedFrom: version === current ? null : version,
  };
}
