/**
 * Visio Memoria's own export file: one zip (optionally encrypted, see archive-crypto.ts).
 *
 *   manifest.json                       type, format version, app version, models, counts,
 *                                       every other entry's size and SHA-256, settings
 *   sqlite.db                           the sql.js database
 *   emb/<model>/<personId>.f32          a person's samples, n×dim float32 little-endian
 *   emb/<model>/<personId>.ids.json     the sample id of each of those rows (format 2; without
 *                                       it, rows are in ascending sample-id order)
 *   emb/<model>/unl/<faceId>.f32        an unlabeled face's embedding
 *   emb/<model>/neg/<negativeId>.f32    a "not this person" face's embedding (optional:
 *                                       older exports have none)
 *   crops/<path>                        face images (PNG/WebP), paths chosen by the caller
 *   faiss/<model>.index                 FAISS write_index bytes (the memory writes its
 *                                       IndexIDMap2, whose labels are sample ids)
 *   faiss/<model>.mapping.json          FAISS row → person id
 *
 * `parts` is a plain object so this module knows nothing of the memory layer. Reading
 * verifies every checksum before returning anything.
 */
import { strFromU8, strToU8, zipSync, type Zippable } from 'fflate';
import { decryptArchive, encryptArchive, isEncryptedArchive } from './archive-crypto';
import {
  ARCHIVE_FORMAT_VERSION,
  ARCHIVE_TYPE,
  SAFE_ID,
  checkFormat,
  listedFiles,
  migrateArchive,
  type ArchiveManifest,
  type ManifestFile,
} from './archive-manifest';
import { TransferError } from './errors';
import { f32Bytes, f32From, sha256All } from './archive-bytes';
import { inflateEntry, listZip, readZip, type ReadZipOptions, type ZipLimits } from './zip';

export interface ArchiveModelParts {
  id: string;
  dim: number;
  /** personId → that person's samples, n×dim row-major. */
  persons: Map<number, Float32Array>;
  /** personId → the sample id of each row of `persons` (optional; same length as its rows). */
  sampleIds?: Map<number, number[]>;
  /** unlabeled face id → its embedding (dim values). */
  unlabeled: Map<number, Float32Array>;
  /** "Not this person" negative id → its embedding (dim values); optional. */
  negatives?: Map<number, Float32Array>;
  faiss?: { index: Uint8Array; mapping: number[] };
}

export interface ArchiveParts {
  appVersion: string;
  /** ISO time; now when omitted on write. */
  createdAt?: string;
  settings: Record<string, unknown>;
  sqlite: Uint8Array;
  models: ArchiveModelParts[];
  /** Relative path under crops/ (e.g. `17.webp`, `unl/3.png`) → bytes. */
  crops: Map<string, Uint8Array>;
  /** The caller's own counts (persons, sightings, …), recorded in the manifest. */
  counts?: Record<string, number>;
}

interface WriteArchiveOptions {
  passphrase?: string;
  /** PBKDF2 iterations (≥ 600,000; stored in the file). */
  iterations?: number;
  signal?: AbortSignal;
}

interface ReadArchiveOptions extends ZipLimits {
  passphrase?: string;
  signal?: AbortSignal;
  /** Called with the bytes inflated so far (tests count them). */
  onInflated?: (bytes: number) => void;
}

interface ReadArchiveResult {
  parts: ArchiveParts;
  manifest: ArchiveManifest;
  /** The format version the file had when it was older than this app's. */
  migratedFrom: number | null;
}

const MANIFEST = 'manifest.json';
const CROP_PATH = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

function badParts(message: string): TransferError {
  return new TransferError('archive-bad-parts', `Cannot export: ${message}.`);
}

function corrupt(message: string): TransferError {
  return new TransferError('archive-corrupt', `The export is damaged: ${message}.`);
}

const idOk = (id: number) => Number.isSafeInteger(id) && id >= 0;

/** Builds the (optionally encrypted) export file. */
export async function writeArchive(
  parts: ArchiveParts,
  options: WriteArchiveOptions = {},
): Promise<Uint8Array> {
  const entries = new Map<string, Uint8Array>();
  entries.set('sqlite.db', parts.sqlite);
  const models: ArchiveManifest['models'] = [];
  for (const model of parts.models) {
    if (!SAFE_ID.test(model.id)) throw badParts(`the model id "${model.id}" is not a safe name`);
    if (!Number.isSafeInteger(model.dim) || model.dim <= 0)
      throw badParts(`model ${model.id} has no dimension`);
    if (models.some((m) => m.id === model.id)) throw badParts(`model ${model.id} is listed twice`);
    let samples = 0;
    for (const [personId, rows] of model.persons) {
      if (!idOk(personId) || rows.length % model.dim !== 0) {
        throw badParts(`person ${personId} of model ${model.id} has malformed embeddings`);
      }
      samples += rows.length / model.dim;
      entries.set(`emb/${model.id}/${personId}.f32`, f32Bytes(rows));
    }
    for (const [personId, ids] of model.sampleIds ?? []) {
      const rows = model.persons.get(personId);
      if (!rows || ids.length !== rows.length / model.dim || !ids.every(idOk)) {
        throw badParts(`the sample ids of person ${personId} of model ${model.id} do not fit`);
      }
      entries.set(`emb/${model.id}/${personId}.ids.json`, strToU8(JSON.stringify(ids)));
    }
    for (const [faceId, row] of model.unlabeled) {
      if (!idOk(faceId) || row.length !== model.dim) {
        throw badParts(`unlabeled face ${faceId} of model ${model.id} has a malformed embedding`);
      }
      entries.set(`emb/${model.id}/unl/${faceId}.f32`, f32Bytes(row));
    }
    for (const [negativeId, row] of model.negatives ?? []) {
      if (!idOk(negativeId) || row.length !== model.dim) {
        throw badParts(`negative ${negativeId} of model ${model.id} has a malformed embedding`);
      }
      entries.set(`emb/${model.id}/neg/${negativeId}.f32`, f32Bytes(row));
    }
    if (model.faiss) {
      entries.set(`faiss/${model.id}.index`, model.faiss.index);
      entries.set(`faiss/${model.id}.mapping.json`, strToU8(JSON.stringify(model.faiss.mapping)));
    }
    models.push({
      id: model.id,
      dim: model.dim,
      samples,
      unlabeled: model.unlabeled.size,
      faiss: !!model.faiss,
      // Listed only when there are some, so a memory without any exports as before.
      ...(model.negatives?.size ? { negatives: model.negatives.size } : {}),
    });
  }
  for (const [path, bytes] of parts.crops) {
    if (!CROP_PATH.test(path) || path.split('/').includes('..')) {
      throw badParts(`the crop path "${path}" is not a safe name`);
    }
    entries.set(`crops/${path}`, bytes);
  }
  const files: Record<string, ManifestFile> = {};
  const digests = await sha256All([...entries.values()], options.signal);
  [...entries.keys()].forEach((path, i) => {
    files[path] = { bytes: entries.get(path)!.length, sha256: digests[i]! };
  });
  const createdAt = parts.createdAt ?? new Date().toISOString();
  const manifest: ArchiveManifest = {
    type: ARCHIVE_TYPE,
    formatVersion: ARCHIVE_FORMAT_VERSION,
    appVersion: parts.appVersion,
    createdAt,
    models,
    counts: {
      ...parts.counts,
      samples: models.reduce((n, m) => n + m.samples, 0),
      crops: parts.crops.size,
    },
    files,
    settings: parts.settings,
  };
  const mtime = new Date(createdAt);
  const zippable: Zippable = {
    [MANIFEST]: [strToU8(JSON.stringify(manifest, null, 1)), { level: 6, mtime }],
  };
  for (const [path, bytes] of entries) {
    // Images and float vectors barely compress: store them; deflate the database.
    zippable[path] = [
      bytes,
      { level: path === 'sqlite.db' || path.endsWith('.json') ? 6 : 0, mtime },
    ];
  }
  options.signal?.throwIfAborted();
  const zip = zipSync(zippable);
  if (options.passphrase === undefined) return zip;
  return encryptArchive(zip, options.passphrase, options.iterations);
}

/** The names this format defines (crops: paths chosen by the writer, in a safe alphabet). */
const FORMAT_NAME =
  /^(sqlite\.db|emb\/[^/]+\/(\d+\.ids\.json|((unl|neg)\/)?\d+\.f32)|faiss\/[^/]+\.(index|mapping\.json)|crops\/[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*)$/;
/** The manifest lists every entry: 64 MiB is room for hundreds of thousands of them. */
const MAX_MANIFEST_BYTES = 64 * 2 ** 20;

function readManifest(bytes: Uint8Array): Record<string, unknown> {
  try {
    const json: unknown = JSON.parse(strFromU8(bytes));
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw new Error('not an object');
    return json as Record<string, unknown>;
  } catch (cause) {
    throw new TransferError('archive-bad-manifest', "The export's manifest is not valid JSON.", {
      cause,
    });
  }
}

/**
 * The manifest and the entries it vouches for. The manifest is inflated first; every
 * other entry must be one it lists, with a name this format defines and the size it
 * lists, and their total must fit the caps (zip.ts) before any of them is inflated.
 */
function openZip(
  bytes: Uint8Array,
  limits: ZipLimits & Pick<ReadZipOptions, 'onInflated' | 'maxEntries'>,
): { raw: Record<string, unknown>; files: Map<string, Uint8Array> } {
  if (!(bytes[0] === 0x50 && bytes[1] === 0x4b)) {
    throw new TransferError('archive-not-archive', 'The file is not a Visio Memoria export.');
  }
  const zip = { code: 'archive-truncated', what: 'The export' } as const;
  const entries = listZip(bytes, { ...zip, maxEntries: limits.maxEntries });
  const manifestEntry = entries.find((e) => e.name === MANIFEST);
  if (!manifestEntry)
    throw new TransferError(
      'archive-not-archive',
      'The zip has no manifest: it is not a Visio Memoria export.',
    );
  if (manifestEntry.size > MAX_MANIFEST_BYTES) {
    throw new TransferError(
      'zip-too-large',
      `The export's manifest would inflate to ${manifestEntry.size} bytes; at most ${MAX_MANIFEST_BYTES} are read. Nothing was changed.`,
    );
  }
  const raw = readManifest(inflateEntry(bytes, manifestEntry, { ...zip, ...limits }));
  // Refuse newer formats before anything else is inflated.
  checkFormat(raw);
  const listed = listedFiles(raw);
  const files = readZip(bytes, {
    ...limits,
    ...zip,
    select: (e) => {
      if (e.name === MANIFEST) return 'skip';
      const want = Object.hasOwn(listed, e.name) ? listed[e.name] : undefined;
      if (!want) {
        throw new TransferError(
          'archive-unlisted-file',
          `The export holds ${e.name}, which its manifest does not list. Nothing was changed.`,
        );
      }
      if (!FORMAT_NAME.test(e.name)) {
        return `it holds ${e.name}, a name this format does not define`;
      }
      if (e.size !== want.bytes) {
        return `${e.name} declares ${e.size} bytes where the manifest lists ${want.bytes}`;
      }
      return 'keep';
    },
  });
  return { raw, files };
}

async function verify(
  listed: Record<string, ManifestFile>,
  files: Map<string, Uint8Array>,
  signal?: AbortSignal,
): Promise<void> {
  for (const path of files.keys()) {
    if (!Object.hasOwn(listed, path)) {
      throw new TransferError(
        'archive-unlisted-file',
        `The export holds ${path}, which its manifest does not list.`,
      );
    }
  }
  const wanted = Object.entries(listed);
  const present = wanted.map(([path, want]) => {
    const bytes = files.get(path);
    if (!bytes) throw new TransferError('archive-missing-file', `The export lacks ${path}.`);
    return { path, want, bytes };
  });
  const digests = await sha256All(
    present.map((f) => f.bytes),
    signal,
  );
  present.forEach(({ path, want, bytes }, i) => {
    if (bytes.length !== want.bytes || digests[i] !== want.sha256) {
      throw new TransferError(
        'archive-checksum',
        `${path} in the export does not match its checksum: the file is damaged.`,
      );
    }
  });
}

function toParts(manifest: ArchiveManifest, files: Map<string, Uint8Array>): ArchiveParts {
  const sqlite = files.get('sqlite.db');
  if (!sqlite)
    throw new TransferError('archive-missing-file', 'The export lacks its database (sqlite.db).');
  const models = new Map<string, ArchiveModelParts>(
    manifest.models.map((m) => [
      m.id,
      { id: m.id, dim: m.dim, persons: new Map(), unlabeled: new Map() },
    ]),
  );
  const crops = new Map<string, Uint8Array>();
  const faiss = new Map<string, { index?: Uint8Array; mapping?: number[] }>();
  for (const [path, bytes] of files) {
    if (path === MANIFEST || path === 'sqlite.db') continue;
    let m: RegExpExecArray | null;
    if ((m = /^emb\/([^/]+)\/(\d+)\.ids\.json$/.exec(path))) {
      const model = models.get(m[1]!);
      if (!model) throw corrupt(`${path} belongs to a model the manifest does not list`);
      let ids: unknown;
      try {
        ids = JSON.parse(strFromU8(bytes));
      } catch {
        ids = null;
      }
      if (!Array.isArray(ids) || !ids.every((id) => idOk(id as number))) {
        throw corrupt(`${path} is not a list of sample ids`);
      }
      (model.sampleIds ??= new Map()).set(Number(m[2]), ids as number[]);
    } else if ((m = /^emb\/([^/]+)\/neg\/(\d+)\.f32$/.exec(path))) {
      const model = models.get(m[1]!);
      if (!model) throw corrupt(`${path} belongs to a model the manifest does not list`);
      const vector = f32From(bytes, model.dim, path);
      if (vector.length !== model.dim) throw corrupt(`${path} is not one embedding`);
      (model.negatives ??= new Map()).set(Number(m[2]), vector);
    } else if ((m = /^emb\/([^/]+)\/(unl\/)?(\d+)\.f32$/.exec(path))) {
      const model = models.get(m[1]!);
      if (!model) throw corrupt(`${path} belongs to a model the manifest does not list`);
      const vectors = f32From(bytes, model.dim, path);
      if (m[2] && vectors.length !== model.dim) throw corrupt(`${path} is not one embedding`);
      (m[2] ? model.unlabeled : model.persons).set(Number(m[3]), vectors);
    } else if ((m = /^faiss\/([^/]+)\.(index|mapping\.json)$/.exec(path))) {
      const entry = faiss.get(m[1]!) ?? {};
      if (m[2] === 'index') entry.index = bytes;
      else {
        const mapping: unknown = JSON.parse(strFromU8(bytes));
        if (!Array.isArray(mapping) || !mapping.every((id) => Number.isSafeInteger(id))) {
          throw corrupt(`${path} is not a list of person ids`);
        }
        entry.mapping = mapping as number[];
      }
      faiss.set(m[1]!, entry);
    } else if (path.startsWith('crops/')) crops.set(path.slice('crops/'.length), bytes);
    else throw corrupt(`it holds an entry this format does not define (${path})`);
  }
  for (const [id, entry] of faiss) {
    const model = models.get(id);
    if (!model || !entry.index || !entry.mapping)
      throw corrupt(`the FAISS files of ${id} are incomplete`);
    model.faiss = { index: entry.index, mapping: entry.mapping };
  }
  for (const want of manifest.models) {
    const got = models.get(want.id)!;
    for (const [personId, ids] of got.sampleIds ?? []) {
      const rows = got.persons.get(personId);
      if (!rows || rows.length !== ids.length * got.dim) {
        throw corrupt(`the sample ids of person ${personId} (${want.id}) do not match its rows`);
      }
    }
    let samples = 0;
    for (const rows of got.persons.values()) samples += rows.length / got.dim;
    if (
      samples !== want.samples ||
      got.unlabeled.size !== want.unlabeled ||
      (got.negatives?.size ?? 0) !== (want.negatives ?? 0) ||
      !!got.faiss !== want.faiss
    ) {
      throw corrupt(`the contents of model ${want.id} disagree with its manifest`);
    }
  }
  const { samples: _s, crops: _c, ...counts } = manifest.counts;
  return {
    appVersion: manifest.appVersion,
    createdAt: manifest.createdAt,
    settings: manifest.settings,
    sqlite,
    models: [...models.values()],
    crops,
    counts,
  };
}

/** Opens an export file: decrypts, upgrades older formats, verifies every checksum. */
export async function readArchive(
  bytes: Uint8Array,
  options: ReadArchiveOptions = {},
): Promise<ReadArchiveResult> {
  let zip = bytes;
  if (isEncryptedArchive(bytes)) {
    if (options.passphrase === undefined) {
      throw new TransferError('passphrase-required', 'This export is protected by a passphrase.');
    }
    zip = await decryptArchive(bytes, options.passphrase);
  }
  options.signal?.throwIfAborted();
  const { raw, files: opened } = openZip(zip, options);
  // Verify the bytes as written, then upgrade.
  await verify(listedFiles(raw), opened, options.signal);
  const { manifest, files, migratedFrom } = migrateArchive({ manifest: raw, files: opened });
  return { parts: toParts(manifest, files), manifest, migratedFrom };
}
