/**
 * The Python original's data folder (transfer/python-original.ts reads it) into this memory:
 * every person (first/last seen, visits), every sighting, every embedding (as the original's
 * model: DINOv3 ViT-B/16, 768-d, model id 'dinov3-vitb16') and every face still waiting in its
 * queue (image + embedding). The original keeps no images of labelled samples, so those
 * samples can never be embedded again for another model (the preview says so).
 *
 * Its FAISS index: when it agrees with the embeddings (same dimension, same rows, bit for bit;
 * transfer/original-faiss.ts) and this memory searches with that model and held none of its
 * vectors before, the original's index bytes become the memory's index as they are: wrapped in
 * an IndexIDMap2 whose labels are the new sample ids (the memory keys its index by sample id),
 * with no re-adding or retraining. Otherwise the index is built from the vectors as usual.
 */
import { wrapInIdMap2 } from '../../transfer/faiss-file';
import { unzipOriginalFolder, type FileMap } from '../../transfer/folder-files';
import {
  readPythonOriginal,
  type OriginalImportPlan,
  type ReadOriginalOptions,
} from '../../transfer/python-original';
import type { MemoryCore } from '../store/core';
import { storedCrop } from '../store/crop';
import { liveSampleCount } from '../store/index-restore';
import type { ImportSource, SourceSample, SourceSighting, SourceUnlabeled } from './import-source';
import type { Merger } from './import-merge';
import { storageLeft } from './storage-left';
import { stageImport, type FaissPlan, type ImportPreview } from './import-run';
import { kindFor, VectorIndex } from '../store/vector-index';

/** The folder as picked (relative path → file), or a zip of it. */
export type OriginalInput =
  { zip: Blob | Uint8Array } | { files: Array<[path: string, file: Blob | Uint8Array]> };

/** Files of the folder that an import reads; anything else in it is not even opened. */
const WANTED =
  /(^|\/)(visio_memoria\.db(-journal|-wal)?|faiss_index\.bin|faiss_mapping\.json|embeddings\/[^/]+\.pt|unlabeled\/[^/]+\.(png|pt))$/i;

const bytesOf = async (b: Blob | Uint8Array) =>
  b instanceof Uint8Array ? b : new Uint8Array(await b.arrayBuffer());

export async function readOriginalInput(
  input: OriginalInput,
  opts: ReadOriginalOptions = {},
): Promise<OriginalImportPlan> {
  let files: FileMap;
  if ('zip' in input) {
    files = unzipOriginalFolder(await bytesOf(input.zip), {
      wanted: (path) => WANTED.test(path),
      availableBytes: await storageLeft(),
    });
  } else {
    files = new Map();
    for (const [path, file] of input.files) {
      opts.signal?.throwIfAborted();
      if (WANTED.test(path.replace(/\\/g, '/'))) files.set(path, await bytesOf(file));
    }
  }
  return readPythonOriginal(files, opts);
}

/** The plan as an ImportSource; also each FAISS row's sample key (row order of the index). */
export function originalSource(plan: OriginalImportPlan): {
  source: ImportSource;
  rowKeys: number[] | null;
} {
  const now = Date.now();
  const warnings = [...plan.warnings];
  const samples: SourceSample[] = [];
  const vectors = new Map<number, Float32Array>();
  const keysOf = new Map<number, number[]>();
  for (const p of plan.persons) {
    const keys: number[] = [];
    for (const v of p.embeddings) {
      const key = samples.length + 1;
      samples.push({
        key,
        personKey: p.originalId,
        modelId: plan.modelId,
        createdMs: p.firstSeenMs ?? now,
        source: 'import',
        crop: null,
      });
      vectors.set(key, v);
      keys.push(key);
    }
    keysOf.set(p.originalId, keys);
  }
  const sightings: SourceSighting[] = [];
  let untimed = 0;
  for (const g of plan.sightings) {
    if (g.timestampMs === null) {
      untimed++;
      continue;
    }
    sightings.push({
      key: g.originalId,
      personKey: g.personId,
      timestampMs: g.timestampMs,
      similarity: g.similarity ?? 0,
    });
  }
  if (untimed) warnings.push(`${untimed} sighting(s) have no readable time and are left out.`);
  const unlabeled: SourceUnlabeled[] = [];
  let noEmbedding = 0;
  for (const u of plan.unlabeled) {
    if (u.reviewed) continue; // the original's history of labelled faces: nothing to queue
    if (!u.embedding) {
      noEmbedding++;
      continue;
    }
    unlabeled.push({
      key: unlabeled.length + 1,
      timestampMs: u.timestampMs ?? now,
      reviewed: false,
      modelId: plan.modelId,
      crop: u.png ? storedCrop(u.png, 'image/png') : null,
      hasCrop: !!u.png,
      embedding: u.embedding,
      groupKey: null,
      quality: null,
      sampleKey: null,
    });
  }
  if (noEmbedding) {
    warnings.push(
      `${noEmbedding} waiting face(s) have no embedding file and cannot be queued; they are left out.`,
    );
  }
  let rowKeys: number[] | null = null;
  if (plan.faiss?.agrees && plan.faiss.mapping) {
    const next = new Map<number, number>();
    rowKeys = plan.faiss.mapping.map((personId) => {
      const k = next.get(personId) ?? 0;
      next.set(personId, k + 1);
      return keysOf.get(personId)![k]!;
    });
  }
  const source: ImportSource = {
    kind: 'python-original',
    persons: plan.persons.map((p) => ({
      key: p.originalId,
      name: p.name,
      nameKey: '',
      firstSeenMs: p.firstSeenMs,
      lastSeenMs: p.lastSeenMs,
      visitCount: p.visitCount,
    })),
    samples,
    sightings,
    unlabeled,
    models: [{ id: plan.modelId, dim: plan.dim, vectors }],
    keepIds: false,
    warnings,
  };
  return { source, rowKeys };
}

function faissPlan(core: MemoryCore, plan: OriginalImportPlan): FaissPlan | null {
  const f = plan.faiss;
  if (!f) return null;
  if (!f.agrees) return { use: 'rebuild', reason: f.reason ?? 'it does not match the embeddings' };
  if (plan.modelId !== core.config.modelId || plan.dim !== core.config.dim) {
    return {
      use: 'later',
      reason: `this memory searches with ${core.config.modelId}; the ${plan.modelId} index is built when that model is in use`,
    };
  }
  return { use: 'as-is', reason: null };
}

/** After the import: the original's own index becomes the memory's, when it can (see above). */
export function installOriginalIndex(
  core: MemoryCore,
  plan: OriginalImportPlan,
  rowKeys: number[] | null,
  merger: Merger,
): Promise<FaissPlan | null> {
  const planned = faissPlan(core, plan);
  if (planned?.use !== 'as-is' || !rowKeys || !plan.faiss) return Promise.resolve(planned);
  const bytes = plan.faiss.bytes;
  return core.serial((): FaissPlan => {
    const ids = rowKeys.map((k) => merger.sampleIds.get(k));
    const n = ids.length;
    const added = (why: string): FaissPlan => ({ use: 'add', reason: why });
    if (ids.some((id) => id === undefined)) return added('some samples were already here');
    if (liveSampleCount(core.db, plan.modelId) !== n || core.index.ntotal !== n) {
      return added('this memory already held vectors of that model; the imported ones were added');
    }
    let index: VectorIndex;
    try {
      index = VectorIndex.fromBytes(
        core.faiss,
        wrapInIdMap2(bytes, ids as number[]),
        plan.dim,
        kindFor(n),
      );
    } catch (error) {
      return added(`the original's index cannot be used here (${(error as Error).message})`);
    }
    const old = core.index;
    core.index = index;
    old.dispose();
    core.indexBroken = null;
    core.indexVersion++;
    core.rebuiltSinceCheckpoint = true; // the stored checkpoint (if any) is of the old index
    core.scheduleMaintenance();
    return { use: 'as-is', reason: null };
  });
}

export interface PreviewOriginalOptions {
  signal?: AbortSignal;
  /** Where sql.js's wasm is; default: the one the memory was opened with. */
  sqlWasmUrl?: string;
  maxBytesPerAction?: number;
}

/** Reads the folder (or zip) and stages its import. */
export async function previewOriginal(
  core: MemoryCore,
  input: OriginalInput,
  opts: PreviewOriginalOptions = {},
): Promise<ImportPreview> {
  const plan = await readOriginalInput(input, {
    signal: opts.signal,
    sqlWasmUrl: opts.sqlWasmUrl ?? core.config.sqlWasmUrl,
  });
  const { source, rowKeys } = originalSource(plan);
  return stageImport(core, {
    source,
    file: {
      source: 'visio-memoria-python',
      persons: plan.counts.persons,
      samples: plan.counts.samples,
      sightings: plan.counts.sightings,
      unlabeled: plan.counts.unlabeledPending,
      modelId: plan.modelId,
      modelName: plan.modelName,
      dim: plan.dim,
    },
    settings: null,
    faiss: faissPlan(core, plan),
    maxBytesPerAction: opts.maxBytesPerAction,
    after: (merger) => installOriginalIndex(core, plan, rowKeys, merger),
  });
}
