/**
 * Changing the embedding model: every stored sample is embedded again from
 * its crop with the new model, then the memory adopts that model.
 *
 * Three steps, so that a switch can be cancelled or interrupted at any point
 * and the model in use keeps working until the last one:
 *
 * 1. `planReembed`: which samples still need a vector of the target model
 *    (they have a crop and no row in any `emb/<target>/…` record yet), which
 *    cannot have one (no crop: imported from the Python original), and which
 *    queued faces can follow.
 * 2. `storeReembedded`: the page embeds a batch of crops and stores the
 *    vectors in `emb/<target>/<personId>` records, one IndexedDB transaction
 *    per batch. No SQL changes: the open model's index and data are
 *    untouched. Idempotent (a sample's old row is replaced), so a batch
 *    repeated after a reload does no harm, and a later plan skips what is
 *    stored: an interrupted switch resumes where it stopped.
 * 3. `adoptModel`: one action moves every sample that has a target vector to
 *    the target model (`samples.model_id`), rewrites the target's records so
 *    each person's holds exactly their samples, moves the re-embedded queued
 *    faces, and drops the target's FAISS checkpoint, so that opening the
 *    memory with the target model builds its index from these vectors.
 *
 * "Not this person" negatives (actions/negatives.ts) are not embedded again:
 * they keep no crop. The old model's stay stored and unused while another
 * model is open, and are used again after switching back.
 *
 * The old model's records are kept: a sample's vector for a model depends
 * only on its crop, so they make switching back immediate (its plan finds
 * them). They are rewritten (and leftovers of deleted samples dropped) when
 * that model is adopted again.
 */
import type { MemoryCore } from '../store/core';
import { isEmbRecord, type EmbRecord } from '../store/emb-records';
import { MemoryError } from '../base/errors';
import type { IndexEffect } from '../store/journal';
import { embKey, embPrefix, faissKey, unlabeledEmbKey } from '../store/keys';
import { concat } from './labelling';
import { marks, rows, type SqlTx } from '../../sqlite/sql';
import { checkId, unitVector } from '../base/validate';

/** A sample whose crop the page must embed with the target model. */
export interface ReembedSample {
  sampleId: number;
  personId: number;
  /** The model it is searched with now. */
  modelId: string;
}

/** Samples of one person that the switch leaves behind (not searchable with the target model). */
export interface LeftBehind {
  personId: number;
  name: string;
  /** Samples without a face image (imported): they can never be re-embedded. */
  noCrop: number;
  /** Samples with a face image but no vector of the target model (their face was not found again). */
  notEmbedded: number;
}

export interface ReembedPlan {
  modelId: string;
  dim: number;
  /** Every sample in the memory. */
  total: number;
  /** Samples with a target vector already (on the target model, or stored by an earlier run). */
  ready: number;
  /** To embed, in a stable order (by sample id). */
  todo: ReembedSample[];
  /** Samples that can never have a target vector: no crop. */
  noCrop: LeftBehind[];
  /** Queued (unreviewed) faces of another model that have a crop: to embed too. */
  queued: number[];
  /** Queued faces of another model without a crop: they keep their model. */
  queuedNoCrop: number;
}

export interface ReembeddedSample {
  sampleId: number;
  embedding: Float32Array;
}

export interface ReembeddedQueued {
  unlabeledId: number;
  embedding: Float32Array;
}

export interface AdoptResult {
  modelId: string;
  /** Samples moved to the target model by this call. */
  adopted: number;
  /** Samples on the target model after it (searchable once it is open). */
  searchable: number;
  /** Queued faces moved to the target model. */
  queuedAdopted: number;
  /** Queued faces still of another model (no crop, or the face was not found). */
  queuedLeft: number;
  /** Per person, what stays on another model. */
  leftBehind: LeftBehind[];
}

interface SampleRow {
  id: number;
  person_id: number;
  model_id: string;
  has_crop: number;
  name: string;
}

function checkModel(modelId: unknown, dim: unknown): { modelId: string; dim: number } {
  if (typeof modelId !== 'string' || !modelId) {
    throw new MemoryError('invalid-input', 'A model id is needed.');
  }
  if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 1 || dim > 65_536) {
    throw new MemoryError('invalid-input', 'A model dimension is a whole number.');
  }
  return { modelId, dim };
}

function allSamples(core: MemoryCore): SampleRow[] {
  return rows<SampleRow>(
    core.db,
    `SELECT s.id, s.person_id, s.model_id, s.has_crop, p.name FROM samples s
     JOIN persons p ON p.id = s.person_id ORDER BY s.id`,
  );
}

/**
 * Every stored vector of `modelId` with the right dimension, by sample id,
 * whichever person's record holds it (a sample may have been moved or merged
 * since it was stored).
 */
export async function targetVectors(
  core: MemoryCore,
  modelId: string,
  dim: number,
): Promise<{ vectors: Map<number, Float32Array>; keys: string[] }> {
  const records = await core.kv.getPrefix<EmbRecord>(embPrefix(modelId));
  const vectors = new Map<number, Float32Array>();
  for (const [, rec] of records) {
    if (!isEmbRecord(rec, dim)) continue;
    rec.sampleIds.forEach((id, row) => {
      if (!vectors.has(id)) vectors.set(id, rec.vectors.subarray(row * dim, (row + 1) * dim));
    });
  }
  return { vectors, keys: records.map(([key]) => key) };
}

function byPerson(
  samples: readonly SampleRow[],
  count: (s: SampleRow) => 'noCrop' | 'notEmbedded' | null,
): LeftBehind[] {
  const out = new Map<number, LeftBehind>();
  for (const s of samples) {
    const why = count(s);
    if (!why) continue;
    const p = out.get(s.person_id) ?? {
      personId: s.person_id,
      name: s.name,
      noCrop: 0,
      notEmbedded: 0,
    };
    p[why]++;
    out.set(s.person_id, p);
  }
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** What switching to `modelId` (of dimension `dim`) needs; see the module comment. */
export async function planReembed(
  core: MemoryCore,
  modelId: unknown,
  dim: unknown,
): Promise<ReembedPlan> {
  const target = checkModel(modelId, dim);
  const samples = allSamples(core);
  const { vectors } = await targetVectors(core, target.modelId, target.dim);
  const todo: ReembedSample[] = [];
  let ready = 0;
  for (const s of samples) {
    if (vectors.has(s.id)) ready++;
    else if (s.has_crop) todo.push({ sampleId: s.id, personId: s.person_id, modelId: s.model_id });
  }
  const queuedRows = rows<{ id: number; has_crop: number }>(
    core.db,
    'SELECT id, has_crop FROM unlabeled WHERE reviewed = 0 AND model_id != ? ORDER BY id',
    [target.modelId],
  );
  return {
    ...target,
    total: samples.length,
    ready,
    todo,
    noCrop: byPerson(samples, (s) => (!vectors.has(s.id) && !s.has_crop ? 'noCrop' : null)),
    queued: queuedRows.filter((r) => r.has_crop).map((r) => r.id),
    queuedNoCrop: queuedRows.filter((r) => !r.has_crop).length,
  };
}

/**
 * Stores target-model vectors of samples (one IndexedDB transaction). A
 * sample deleted meanwhile is skipped; a sample stored before gets its row
 * replaced. Returns how many were stored.
 */
export function storeReembedded(
  core: MemoryCore,
  modelId: unknown,
  dim: unknown,
  entries: readonly ReembeddedSample[],
): Promise<number> {
  const target = checkModel(modelId, dim);
  if (!Array.isArray(entries)) throw new MemoryError('invalid-input', 'Nothing to store.');
  const checked = entries.map((e) => ({
    sampleId: checkId(e?.sampleId, 'A sample id'),
    vector: unitVector(e?.embedding, target.dim),
  }));
  return core.serial(async () => {
    core.assertWritable();
    if (!checked.length) return 0;
    const ids = checked.map((e) => e.sampleId);
    const owners = new Map(
      rows<{ id: number; person_id: number }>(
        core.db,
        `SELECT id, person_id FROM samples WHERE id IN (${marks(ids.length)})`,
        ids,
      ).map((r) => [r.id, r.person_id]),
    );
    const perPerson = new Map<number, typeof checked>();
    for (const e of checked) {
      const p = owners.get(e.sampleId);
      if (p === undefined) continue;
      perPerson.set(p, [...(perPerson.get(p) ?? []).filter((x) => x.sampleId !== e.sampleId), e]);
    }
    const keys = [...perPerson.keys()].map((p) => embKey(target.modelId, p));
    const stored = await core.kv.getMany<EmbRecord>(keys);
    const puts: Array<[string, unknown]> = [];
    let n = 0;
    [...perPerson.values()].forEach((list, i) => {
      const old = stored[i];
      // A record of another dimension is of another file under the same id: start afresh.
      const base = isEmbRecord(old, target.dim)
        ? old
        : { sampleIds: [], vectors: new Float32Array() };
      const replaced = new Set(list.map((e) => e.sampleId));
      const keep = base.sampleIds.flatMap((id, row) => (replaced.has(id) ? [] : [row]));
      const vectors = new Float32Array((keep.length + list.length) * target.dim);
      keep.forEach((row, j) =>
        vectors.set(
          base.vectors.subarray(row * target.dim, (row + 1) * target.dim),
          j * target.dim,
        ),
      );
      list.forEach((e, j) => vectors.set(e.vector, (keep.length + j) * target.dim));
      puts.push([
        keys[i]!,
        { sampleIds: [...keep.map((row) => base.sampleIds[row]!), ...replaced], vectors },
      ]);
      n += list.length;
    });
    await core.kv.commit({ puts, deletes: [] }, core.config.onWriteStep);
    return n;
  });
}

const CHUNK = 500;

function updateModel(tx: SqlTx, table: 'samples' | 'unlabeled', ids: number[], modelId: string) {
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    tx.run(`UPDATE ${table} SET model_id = ? WHERE id IN (${marks(chunk.length)})`, [
      modelId,
      ...chunk,
    ]);
  }
}

/**
 * Moves the memory to `modelId`: every sample with a stored target vector,
 * and the given re-embedded queued faces, in one action (see the module
 * comment). Reopen the memory with the target model afterwards.
 */
export function adoptModel(
  core: MemoryCore,
  modelId: unknown,
  dim: unknown,
  queued: readonly ReembeddedQueued[] = [],
): Promise<AdoptResult> {
  const target = checkModel(modelId, dim);
  if (!Array.isArray(queued)) throw new MemoryError('invalid-input', 'Queued faces: a list.');
  const faces = queued.map((q) => ({
    id: checkId(q?.unlabeledId, 'A queued face id'),
    vector: unitVector(q?.embedding, target.dim),
  }));
  return core.action('adopt-model', async (tx) => {
    const samples = allSamples(core);
    const { vectors, keys } = await targetVectors(core, target.modelId, target.dim);
    const adopt = samples.filter((s) => s.model_id !== target.modelId && vectors.has(s.id));
    const onTarget = samples.filter((s) => vectors.has(s.id));
    // Each person's target record holds exactly their samples; leftovers go.
    const persons = new Map<number, number[]>();
    for (const s of onTarget) persons.set(s.person_id, [...(persons.get(s.person_id) ?? []), s.id]);
    const puts: Array<[string, unknown]> = [];
    for (const [personId, ids] of persons) {
      const rec: EmbRecord = { sampleIds: ids, vectors: concat(ids.map((id) => vectors.get(id)!)) };
      puts.push([embKey(target.modelId, personId), rec]);
    }
    const written = new Set(puts.map(([k]) => k));
    // Without its header the checkpoint is not used; its parts go when the next one is written.
    const deletes = [...keys.filter((k) => !written.has(k)), faissKey(target.modelId)];
    updateModel(
      tx,
      'samples',
      adopt.map((s) => s.id),
      target.modelId,
    );
    // The models the samples leave lose them from their indexes (the open one at once).
    const index: IndexEffect[] = [];
    for (const m of new Set(adopt.map((s) => s.model_id))) {
      index.push({ modelId: m, remove: adopt.filter((s) => s.model_id === m).map((s) => s.id) });
    }
    const pending = faces.length
      ? tx.all<{ id: number }>(
          `SELECT id FROM unlabeled WHERE reviewed = 0 AND model_id != ? AND id IN (${marks(faces.length)})`,
          [target.modelId, ...faces.map((f) => f.id)],
        )
      : [];
    const movable = new Set(pending.map((r) => r.id));
    const moved = faces.filter((f) => movable.has(f.id));
    updateModel(
      tx,
      'unlabeled',
      moved.map((f) => f.id),
      target.modelId,
    );
    for (const f of moved) puts.push([unlabeledEmbKey(f.id), f.vector]);
    const queuedLeft = Number(
      tx.one<{ n: number }>(
        'SELECT COUNT(*) AS n FROM unlabeled WHERE reviewed = 0 AND model_id != ?',
        [target.modelId],
      )?.n ?? 0,
    );
    const result: AdoptResult = {
      modelId: target.modelId,
      adopted: adopt.length,
      searchable: onTarget.length,
      queuedAdopted: moved.length,
      queuedLeft,
      leftBehind: byPerson(samples, (s) =>
        vectors.has(s.id) ? null : s.has_crop ? 'notEmbedded' : 'noCrop',
      ),
    };
    return { result, puts, deletes, index };
  });
}
