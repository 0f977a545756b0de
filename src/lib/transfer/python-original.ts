/**
 * Turns the Python original's data folder into a plain, validated import plan:
 *
 *   visio_memoria.db            persons, sightings, unlabeled (fatal when missing/unreadable)
 *   embeddings/person_N.pt      a person's samples (n×d tensor or list of 1-d tensors)
 *   unlabeled/<stamp>_<i>.png   the queued face crops …
 *   unlabeled/<stamp>_<i>.pt    … and their embeddings
 *   faiss_index.bin + faiss_mapping.json   used as is only when they agree (original-faiss.ts)
 *
 * Policy: a missing or unreadable database is fatal. A missing or corrupt `person_N.pt`
 * is a warning by default (the person is imported without samples and carries
 * `embeddingsError`), fatal with `strict`. Mixed embedding dimensions are always fatal.
 * Nothing here writes anywhere; the caller commits the plan.
 */
import { TransferError } from './errors';
import { normaliseFolder, unzipOriginalFolder, type FileSource } from './folder-files';
import { readOriginalDb, type DbPerson, type DbSighting } from './original-db';
import { checkOriginalFaiss, type OriginalFaiss } from './original-faiss';
import { isWellFormed, readUnlabeled, type OriginalUnlabeled } from './original-unlabeled';
import { readPtEmbeddings } from './pt-reader';
import { loadSqlJs } from '../sqlite/sql';

const ORIGINAL_DB_NAME = 'visio_memoria.db';
/** The original's `embed_dim` default: DINOv3 ViT-B/16. */
const DEFAULT_DIM = 768;
const MODEL_BY_DIM: Readonly<Record<number, { id: string; name: string }>> = {
  768: { id: 'dinov3-vitb16', name: 'DINOv3 ViT-B/16' },
  384: { id: 'dinov3-vits16', name: 'DINOv3 ViT-S/16' },
};

/**
 * The model the original's vectors came from, told by their dimension alone (the
 * original records no model): a name only for a dimension a known model gives.
 */
export function originalModel(dim: number): { modelId: string; modelName: string | null } {
  const known = Object.hasOwn(MODEL_BY_DIM, dim) ? MODEL_BY_DIM[dim] : undefined;
  return known
    ? { modelId: known.id, modelName: known.name }
    : { modelId: `python-original-${dim}d`, modelName: null };
}

interface OriginalPerson extends DbPerson {
  embeddings: Float32Array[];
  /** Set when `embeddings/person_N.pt` was missing or unreadable. */
  embeddingsError?: { code: string; message: string };
}

export interface OriginalImportPlan {
  source: 'visio-memoria-python';
  modelId: string;
  /** The model's name, or null when the dimension matches no known model. */
  modelName: string | null;
  dim: number;
  persons: OriginalPerson[];
  sightings: DbSighting[];
  unlabeled: OriginalUnlabeled[];
  faiss: OriginalFaiss | null;
  counts: {
    persons: number;
    samples: number;
    sightings: number;
    unlabeled: number;
    unlabeledPending: number;
  };
  warnings: string[];
}

export interface ReadOriginalOptions {
  /** Make a missing/corrupt person file or a damaged database fatal. */
  strict?: boolean;
  signal?: AbortSignal;
  /** URL of sql.js's wasm in a bundle (see ../sqlite/sql.ts). */
  sqlWasmUrl?: string;
  onProgress?: (done: number, total: number) => void;
}

function readPersons(
  files: Map<string, Uint8Array>,
  dbPersons: DbPerson[],
  options: ReadOriginalOptions,
  warnings: string[],
): OriginalPerson[] {
  const persons: OriginalPerson[] = [];
  for (const [i, p] of dbPersons.entries()) {
    options.signal?.throwIfAborted();
    options.onProgress?.(i, dbPersons.length);
    const path = `embeddings/person_${p.originalId}.pt`;
    const bytes = files.get(path);
    const person: OriginalPerson = { ...p, embeddings: [] };
    try {
      if (!bytes) {
        throw new TransferError('original-bad-embeddings', `${path} is missing`);
      }
      const { rows } = readPtEmbeddings(bytes);
      if (!isWellFormed(rows)) {
        throw new TransferError('original-bad-embeddings', `${path} holds NaN or infinite values`);
      }
      person.embeddings = rows;
    } catch (error) {
      if (!(error instanceof TransferError)) throw error;
      if (options.strict) {
        throw new TransferError(
          'original-bad-embeddings',
          `The embeddings of "${p.name}" (${path}) cannot be read: ${error.message}`,
          { cause: error },
        );
      }
      person.embeddingsError = { code: error.code, message: error.message };
      warnings.push(
        bytes
          ? `The embeddings of "${p.name}" (${path}) cannot be read (${error.message}); ` +
              'the person is imported without samples.'
          : `"${p.name}" has no ${path}; the person is imported without samples.`,
      );
    }
    persons.push(person);
  }
  options.onProgress?.(dbPersons.length, dbPersons.length);
  const known = new Set(dbPersons.map((p) => `embeddings/person_${p.originalId}.pt`));
  for (const path of files.keys()) {
    if (path.startsWith('embeddings/') && path.endsWith('.pt') && !known.has(path)) {
      warnings.push(`${path} belongs to no person in the database; it is left out.`);
    }
  }
  return persons;
}

function commonDim(persons: OriginalPerson[]): number | null {
  let dim: number | null = null;
  for (const p of persons) {
    for (const row of p.embeddings) {
      if (dim !== null && row.length !== dim) {
        throw new TransferError(
          'original-mixed-dim',
          `The embeddings mix ${dim}-d and ${row.length}-d vectors (e.g. "${p.name}"): ` +
            'they come from different models and cannot be imported together.',
        );
      }
      dim = row.length;
    }
  }
  return dim;
}

/** Reads the original's folder (a file map from a directory picker or `unzipOriginalFolder`). */
export async function readPythonOriginal(
  source: FileSource,
  options: ReadOriginalOptions = {},
): Promise<OriginalImportPlan> {
  const files = normaliseFolder(source, ORIGINAL_DB_NAME);
  const dbBytes = files.get(ORIGINAL_DB_NAME);
  if (!dbBytes) {
    throw new TransferError(
      'original-no-db',
      `The folder holds no ${ORIGINAL_DB_NAME}; pick the folder of the Python Visio Memoria ` +
        'that contains it (next to embeddings/ and unlabeled/).',
    );
  }
  const sql = await loadSqlJs(options.sqlWasmUrl);
  options.signal?.throwIfAborted();
  const db = readOriginalDb(sql, dbBytes, options.strict ?? false);
  const warnings = [...db.warnings];
  if (files.has(`${ORIGINAL_DB_NAME}-journal`) || files.has(`${ORIGINAL_DB_NAME}-wal`)) {
    warnings.push('The original was interrupted while writing; its last change may be missing.');
  }
  const names = new Map<string, number[]>();
  for (const p of db.persons) names.set(p.name, [...(names.get(p.name) ?? []), p.originalId]);
  for (const [name, ids] of names) {
    if (ids.length > 1) {
      warnings.push(`${ids.length} persons are named "${name}" (ids ${ids.join(', ')}).`);
    }
  }
  const persons = readPersons(files, db.persons, options, warnings);
  const unlabeled = readUnlabeled(files, db.unlabeled, warnings);
  let dim = commonDim(persons) ?? unlabeled.find((u) => u.embedding)?.embedding?.length ?? null;
  for (const u of unlabeled) {
    if (u.embedding && dim !== null && u.embedding.length !== dim) {
      warnings.push(
        `Unlabeled face ${u.fileName} has a ${u.embedding.length}-d embedding; it is dropped.`,
      );
      delete u.embedding;
    }
  }
  const faiss = checkOriginalFaiss(
    files.get('faiss_index.bin'),
    files.get('faiss_mapping.json'),
    persons,
    dim ?? DEFAULT_DIM,
  );
  if (dim === null) {
    dim = faiss?.info?.dim ?? DEFAULT_DIM;
    warnings.push(`No embeddings were found; assuming ${dim}-d vectors.`);
  }
  if (faiss && !faiss.agrees) warnings.push(`The saved FAISS index is rebuilt: ${faiss.reason}.`);
  const { modelId, modelName } = originalModel(dim);
  if (!modelName) {
    warnings.push(`The embeddings are ${dim}-d, which matches no known model.`);
  }
  return {
    source: 'visio-memoria-python',
    modelId,
    modelName,
    dim,
    persons,
    sightings: db.sightings,
    unlabeled,
    faiss,
    counts: {
      persons: persons.length,
      samples: persons.reduce((n, p) => n + p.embeddings.length, 0),
      sightings: db.sightings.length,
      unlabeled: unlabeled.length,
      unlabeledPending: unlabeled.filter((u) => !u.reviewed).length,
    },
    warnings,
  };
}

/** The same, from a zip of the folder (the folder itself may be the zip's top entry). */
export async function readPythonOriginalZip(
  zip: Uint8Array,
  options: ReadOriginalOptions = {},
): Promise<OriginalImportPlan> {
  return readPythonOriginal(unzipOriginalFolder(zip), options);
}
