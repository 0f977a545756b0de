/**
 * An import in two steps: `stageImport` checks the source and computes exactly what it would
 * change (a dry run, nothing written) and keeps it; `applyImport` writes it. One import is
 * staged per memory at a time; a newer preview replaces it.
 *
 * Consistency: an import is ONE action (one IndexedDB transaction over the SQL journal entry,
 * every embedding record, crop and queued face) unless it holds more than `maxBytesPerAction`
 * (256 MiB by default, i.e. tens of thousands of faces with images). Then it is split into
 * actions of whole persons (each with all their samples, vectors, images and sightings; queued
 * faces last): a failure or a closed tab leaves every person either fully imported or not at
 * all, and importing the same file again adds only what is missing (duplicates are skipped).
 */
import { describeError } from '../../errors';
import { TransferError } from '../../transfer/errors';
import type { MemoryCore } from '../store/core';
import { chunksOf, idFloor, isEmptyMemory, type Chunk } from './import-chunks';
import { dryRun, Merger } from './import-merge';
import type { ImportCounts, MergeSummary } from './import-merge';
import { checkSource, type ImportSource } from './import-source';
import { stats } from '../actions/queries';
import type { MemoryStats } from '../base/types';

export const DEFAULT_MAX_BYTES_PER_ACTION = 256 * 1024 * 1024;

export interface ImportModelSummary {
  id: string;
  dim: number;
  /** Samples of this model that would be added. */
  samples: number;
  /** Of those, samples with a face image (they can be embedded again for another model). */
  withCrop: number;
  /** Whether this memory searches with this model now. */
  searchable: boolean;
}

/** What the import will do, before anything is written. */
export interface ImportPreview extends MergeSummary {
  /** Pass to applyImport. */
  id: string;
  kind: ImportSource['kind'];
  /** 'restore': the memory is empty (ids kept); 'merge': into what is there. */
  mode: 'restore' | 'merge';
  file: Record<string, string | number | boolean | null>;
  models: ImportModelSummary[];
  memoryModel: { id: string; dim: number };
  /** Settings stored in a backup (null for the Python original). */
  settings: Record<string, unknown> | null;
  /** What happens to a FAISS index that came with the file. */
  faiss: FaissPlan | null;
  warnings: string[];
}

export interface FaissPlan {
  /** 'as-is': used as the index; 'rebuild': it disagrees, the index is built from the vectors;
   *  'later': another model's, it is built when that model is in use; 'add': vectors are added. */
  use: 'as-is' | 'rebuild' | 'later' | 'add';
  reason: string | null;
}

export interface ImportResult extends MergeSummary {
  mode: 'restore' | 'merge';
  faiss: FaissPlan | null;
  warnings: string[];
  stats: MemoryStats;
}

export interface Staged {
  source: ImportSource;
  file: ImportPreview['file'];
  settings: Record<string, unknown> | null;
  faiss: FaissPlan | null;
  maxBytesPerAction?: number;
  /** Runs after the last chunk (e.g. installing the Python original's own FAISS index). */
  after?: (merger: Merger) => Promise<FaissPlan | null>;
}

interface Pending extends Staged {
  id: string;
  chunks: Chunk[];
  preview: ImportPreview;
}

const pending = new WeakMap<MemoryCore, Pending>();

function modelSummaries(core: MemoryCore, source: ImportSource, counts: ImportCounts) {
  const dims = new Map(source.models.map((m) => [m.id, m.dim]));
  const out: ImportModelSummary[] = [];
  for (const [id, samples] of Object.entries(counts.samplesByModel)) {
    out.push({
      id,
      dim: dims.get(id) ?? (id === core.config.modelId ? core.config.dim : 0),
      samples,
      withCrop: counts.cropsByModel[id] ?? 0,
      searchable: id === core.config.modelId,
    });
  }
  return out;
}

function modelWarnings(core: MemoryCore, models: ImportModelSummary[]): string[] {
  const open = `${core.config.modelId} (${core.config.dim}-d)`;
  return models
    .filter((m) => !m.searchable && m.samples > 0)
    .map((m) => {
      const noCrop = m.samples - m.withCrop;
      let text =
        `${m.samples} sample(s) carry ${m.id} vectors (${m.dim}-d), but this memory searches ` +
        `with ${open}: they are kept, and recognised once ${m.id} is the model in use.`;
      if (m.withCrop) {
        text += ` ${m.withCrop} have a face image and can be embedded again from Settings.`;
      }
      if (noCrop) {
        text +=
          ` ${noCrop} have no face image, so they cannot be embedded again: keep ${m.id} ` +
          '(switch to it in Settings) or enrol those people again.';
      }
      return text;
    });
}

/** Checks `staged.source` and computes the preview; keeps it for applyImport. */
export async function stageImport(core: MemoryCore, staged: Staged): Promise<ImportPreview> {
  const { source } = staged;
  const chunks = chunksOf(source, staged.maxBytesPerAction ?? DEFAULT_MAX_BYTES_PER_ACTION);
  const { summary, empty } = await core.serial(async () => {
    await checkSource(core, source);
    const empty = isEmptyMemory(core);
    return { summary: await dryRun(core, source, chunks, source.keepIds && empty), empty };
  });
  const { counts } = summary;
  const models = modelSummaries(core, source, counts);
  const warnings = [...source.warnings, ...modelWarnings(core, models)];
  if (counts.samplesWithoutVector) {
    warnings.push(
      `${counts.samplesWithoutVector} sample(s) have no embedding of their model; ` +
        'they are kept but cannot be recognised.',
    );
  }
  if (counts.cropsTooLarge) {
    warnings.push(`${counts.cropsTooLarge} face image(s) are too large to keep and are left out.`);
  }
  const preview: ImportPreview = {
    ...summary,
    id: crypto.randomUUID(),
    kind: source.kind,
    mode: empty ? 'restore' : 'merge',
    file: staged.file,
    models,
    memoryModel: { id: core.config.modelId, dim: core.config.dim },
    settings: staged.settings,
    faiss: staged.faiss,
    warnings,
  };
  pending.set(core, { ...staged, id: preview.id, chunks, preview });
  return preview;
}

export function cancelImport(core: MemoryCore): void {
  pending.delete(core);
}

/** Writes the staged import (see the module comment for how it stays consistent). */
export async function applyImport(
  core: MemoryCore,
  previewId: string,
  signal?: AbortSignal,
): Promise<ImportResult> {
  const staged = pending.get(core);
  if (!staged || staged.id !== previewId) {
    throw new TransferError(
      'import-expired',
      'This preview is no longer current (another file was chosen). Choose the file again.',
    );
  }
  core.assertWritable();
  pending.delete(core);
  const { source, chunks } = staged;
  const { floor, empty } = await core.serial(() => ({
    floor: idFloor(core),
    empty: isEmptyMemory(core),
  }));
  const keepIds = source.keepIds && empty;
  const merger = new Merger(core, source, { keepIds, floor, dryRun: false });
  let done = 0;
  try {
    for (const chunk of chunks) {
      signal?.throwIfAborted();
      await core.action('import', async (tx) => ({
        result: undefined,
        ...(await merger.run(tx, chunk)),
      }));
      done++;
    }
  } catch (error) {
    if (done === 0) throw error;
    const why = describeError(error);
    throw new TransferError(
      'import-partial',
      `Only part of the import was written (${done} of ${chunks.length} steps): ${why} ` +
        'Every person is either complete or absent; import the same file again to add the rest.',
      { cause: error },
    );
  }
  const faiss = staged.after ? await staged.after(merger) : staged.faiss;
  return {
    ...merger.summary(chunks.length),
    mode: empty ? 'restore' : 'merge',
    faiss,
    warnings: staged.preview.warnings,
    stats: await core.serial(() => stats(core)),
  };
}
