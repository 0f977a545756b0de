/**
 * Bringing people from elsewhere (a backup of this app, the Python original) into the open
 * memory. Both are first turned into an ImportSource: plain rows keyed by the file's own ids
 * (import-source.ts). This module decides, against the memory as it is, what each row becomes:
 *
 *  - a person whose name (trimmed, any case) exists gains the samples, sightings and visits;
 *    any other name becomes a new person;
 *  - a sample whose vector is, bit for bit, one that person already has for that model is a
 *    duplicate and skipped, as is a sighting of the same person at the same time with the same
 *    similarity, and a queued face with the same embedding: importing one file twice changes
 *    nothing the second time (which is also what makes a chunked import resumable);
 *  - into a memory that never held a row (a restore), the file's own ids are kept.
 *
 * The same code computes the preview (inside an SQL transaction that is rolled back, nothing
 * written) and the import (one action, i.e. one IndexedDB transaction, per chunk), so the
 * preview says what the import will do.
 */
import { addImportedAlert, QUIET_HOURS_META } from '../actions/alerts';
import { writeMeta } from '../store/meta';
import type { SourceAlert } from './import-source';
import type { MemoryCore } from '../store/core';
import { appendRows, isEmbRecord, type EmbRecord } from '../store/emb-records';
import type { IndexEffect } from '../store/journal';
import { visitorFor } from '../actions/visitor-rows';
import { cropKey, embKey, negativeEmbKey, unlabeledCropKey, unlabeledEmbKey } from '../store/keys';
import { concat } from '../actions/labelling';
import { idFloor, type Chunk, type IdFloor } from './import-chunks';
import type { ImportSource, SourcePerson, SourceUnlabeled } from './import-source';
import { rows, SqlTx } from '../../sqlite/sql';
import { VectorSet } from '../store/vector-set';

export interface ImportCounts {
  newPersons: number;
  /** Persons that existed and gain samples. */
  grownPersons: number;
  samples: number;
  duplicateSamples: number;
  /** Samples without a vector of their own model (kept, not searchable). */
  samplesWithoutVector: number;
  /** Face images added (samples' and queued faces'). */
  crops: number;
  /** Face images over the memory's size limit, left out. */
  cropsTooLarge: number;
  sightings: number;
  duplicateSightings: number;
  /** Queued (unreviewed) faces added. */
  unlabeled: number;
  duplicateUnlabeled: number;
  /** Added samples per model. */
  samplesByModel: Record<string, number>;
  /** Of those, samples with a face image (they can be embedded again with another model). */
  cropsByModel: Record<string, number>;
}

export interface MergeSummary {
  counts: ImportCounts;
  /** Names of the new persons, in file order. */
  newNames: string[];
  /** Persons that existed and gain samples: name and how many. */
  grown: Array<{ name: string; samples: number }>;
  /** IndexedDB transactions the import takes (1 unless it is very large). */
  transactions: number;
  /** Whether the file's ids were (or will be) kept. */
  keptIds: boolean;
}

interface RecordState {
  /** As stored (or as left by an earlier chunk of a preview). */
  record: EmbRecord;
  /** Rows this chunk adds; appended once, when the chunk's writes are collected. */
  ids: number[];
  vectors: Float32Array[];
  seen: VectorSet;
}

interface MergeOptions {
  /** Keep the file's ids (a restore into an empty memory). */
  keepIds: boolean;
  floor: IdFloor;
  /** A preview: kv is read, never written; records carry over between chunks. */
  dryRun: boolean;
}

/** Applies an ImportSource chunk by chunk; one instance per preview or import. */
export class Merger {
  readonly counts: ImportCounts = {
    newPersons: 0,
    grownPersons: 0,
    samples: 0,
    duplicateSamples: 0,
    samplesWithoutVector: 0,
    crops: 0,
    cropsTooLarge: 0,
    sightings: 0,
    duplicateSightings: 0,
    unlabeled: 0,
    duplicateUnlabeled: 0,
    samplesByModel: {},
    cropsByModel: {},
  };
  readonly newNames: string[] = [];
  readonly grown = new Map<number, { name: string; samples: number }>();
  /** File sample key → the memory's sample id. */
  readonly sampleIds = new Map<number, number>();
  readonly #created = new Set<number>();
  readonly #records = new Map<string, RecordState>();
  readonly #sightings = new Map<number, Set<string>>();
  readonly #pending = new Map<string, VectorSet>();
  readonly #samplesOf = new Map<number, ImportSource['samples']>();
  readonly #sightingsOf = new Map<number, ImportSource['sightings']>();
  readonly #negativesOf = new Map<number, NonNullable<ImportSource['negatives']>>();
  readonly #alertsOf = new Map<number, SourceAlert[]>();
  #alertsDone = false;

  constructor(
    private readonly core: MemoryCore,
    private readonly source: ImportSource,
    private readonly opts: MergeOptions,
  ) {
    for (const s of source.samples) {
      const list = this.#samplesOf.get(s.personKey) ?? [];
      list.push(s);
      this.#samplesOf.set(s.personKey, list);
    }
    for (const n of source.negatives ?? []) {
      const list = this.#negativesOf.get(n.personKey) ?? [];
      list.push(n);
      this.#negativesOf.set(n.personKey, list);
    }
    for (const a of source.alerts ?? []) {
      if (a.rule.kind !== 'person') continue;
      const list = this.#alertsOf.get(a.rule.personId) ?? [];
      list.push(a);
      this.#alertsOf.set(a.rule.personId, list);
    }
    for (const g of source.sightings) {
      const list = this.#sightingsOf.get(g.personKey) ?? [];
      list.push(g);
      this.#sightingsOf.set(g.personKey, list);
    }
  }

  summary(transactions: number): MergeSummary {
    return {
      counts: { ...this.counts, grownPersons: this.grown.size },
      newNames: [...this.newNames],
      grown: [...this.grown.values()],
      transactions,
      keptIds: this.opts.keepIds,
    };
  }

  /** Writes one chunk's rows through `tx`; returns the keys to put and the index effects. */
  async run(
    tx: SqlTx,
    chunk: Chunk,
  ): Promise<{ puts: Array<[string, unknown]>; index: IndexEffect[] }> {
    // An import's chunks are separate actions: read stored records afresh for each one.
    if (!this.opts.dryRun) this.#records.clear();
    const puts: Array<[string, unknown]> = [];
    const adds = new Map<string, { ids: number[]; vectors: Float32Array[] }>();
    if (!this.#alertsDone) this.#alerts(tx);
    for (const p of chunk.persons) await this.#person(tx, p, puts, adds);
    for (const u of chunk.unlabeled) await this.#unlabeled(tx, u, puts);
    for (const [key, state] of this.#records) {
      if (!state.ids.length) continue;
      state.record = appendRows(state.record, state.ids, concat(state.vectors));
      state.ids = [];
      state.vectors = [];
      puts.push([key, state.record]);
    }
    const index: IndexEffect[] = [...adds].map(([modelId, a]) => ({
      modelId,
      add: { ids: a.ids, vectors: concat(a.vectors) },
    }));
    return { puts, index };
  }

  /** The alerts that name no one, and quiet hours where this memory has none (once per import). */
  #alerts(tx: SqlTx): void {
    this.#alertsDone = true;
    for (const a of this.source.alerts ?? []) {
      if (a.rule.kind !== 'person') addImportedAlert(tx, a.rule, a.createdMs);
    }
    const quiet = this.source.quietHours;
    if (quiet && !tx.one('SELECT 1 AS x FROM meta WHERE key = ?', [QUIET_HOURS_META])) {
      writeMeta(tx, QUIET_HOURS_META, JSON.stringify(quiet));
    }
  }

  #insert(tx: SqlTx, table: keyof IdFloor, fileId: number, values: Record<string, unknown>) {
    const v = values as Record<string, string | number | null>;
    const keep =
      this.opts.keepIds &&
      fileId > this.opts.floor[table] &&
      !tx.one(`SELECT 1 AS x FROM ${table} WHERE id = ?`, [fileId]);
    if (!keep) return tx.insert(table, v);
    const cols = Object.keys(v);
    tx.run(`INSERT INTO ${table} (id, ${cols.join(', ')}) VALUES (?${', ?'.repeat(cols.length)})`, [
      fileId,
      ...cols.map((c) => v[c]!),
    ]);
    return fileId;
  }

  async #person(
    tx: SqlTx,
    p: SourcePerson,
    puts: Array<[string, unknown]>,
    adds: Map<string, { ids: number[]; vectors: Float32Array[] }>,
  ): Promise<void> {
    const samples = this.#samplesOf.get(p.key) ?? [];
    const sightings = this.#sightingsOf.get(p.key) ?? [];
    const times = sightings.map((g) => g.timestampMs);
    const now = Date.now();
    const first = p.firstSeenMs ?? (times.length ? times.reduce((a, b) => Math.min(a, b)) : now);
    const last = p.lastSeenMs ?? (times.length ? times.reduce((a, b) => Math.max(a, b)) : first);
    const found = tx.one<{ id: number; name: string }>(
      'SELECT id, name FROM persons WHERE name_key = ?',
      [p.nameKey],
    );
    let personId: number;
    if (found) personId = found.id;
    else {
      personId = this.#insert(tx, 'persons', p.key, {
        name: p.name,
        name_key: p.nameKey,
        first_seen: first,
        last_seen: last,
        visit_count: p.visitCount,
      });
      this.#created.add(personId);
      this.newNames.push(p.name);
      this.counts.newPersons++;
    }

    let added = 0;
    let duplicateSamples = 0;
    for (const s of samples) {
      const primary = this.source.models.find((m) => m.id === s.modelId)?.vectors.get(s.key);
      if (primary && (await this.#isDuplicate(tx, personId, s.modelId, primary))) {
        duplicateSamples++;
        continue;
      }
      let crop = s.crop;
      if (crop && crop.bytes.length > this.core.config.maxCropBytes) {
        this.counts.cropsTooLarge++;
        crop = null;
      }
      const id = this.#insert(tx, 'samples', s.key, {
        person_id: personId,
        model_id: s.modelId,
        created: s.createdMs,
        has_crop: crop ? 1 : 0,
        source: s.source,
      });
      this.sampleIds.set(s.key, id);
      if (crop) {
        puts.push([cropKey(id), crop]);
        this.counts.crops++;
        this.counts.cropsByModel[s.modelId] = (this.counts.cropsByModel[s.modelId] ?? 0) + 1;
      }
      for (const m of this.source.models) {
        const v = m.vectors.get(s.key);
        if (!v) continue;
        const state = await this.#recordOf(m.id, personId, m.dim);
        state.ids.push(id);
        state.vectors.push(v);
        state.seen.add(v, id);
        if (m.id !== s.modelId) continue;
        const a = adds.get(m.id) ?? { ids: [], vectors: [] };
        a.ids.push(id);
        a.vectors.push(v);
        adds.set(m.id, a);
      }
      if (!primary) this.counts.samplesWithoutVector++;
      this.counts.samplesByModel[s.modelId] = (this.counts.samplesByModel[s.modelId] ?? 0) + 1;
      this.counts.samples++;
      added++;
    }

    const seen = this.#sightingSet(tx, personId);
    let duplicates = 0;
    for (const g of sightings) {
      const key = `${g.timestampMs}|${g.similarity}`;
      if (seen.has(key)) {
        duplicates++;
        continue;
      }
      seen.add(key);
      this.#insert(tx, 'sightings', g.key, {
        person_id: personId,
        timestamp: g.timestampMs,
        similarity: g.similarity,
        confidence: g.confidence ?? null,
        ended: Math.max(g.timestampMs, Number.isFinite(g.endMs) ? g.endMs! : g.timestampMs),
        frames: Number.isSafeInteger(g.frames) && g.frames! > 0 ? g.frames! : 1,
      });
      this.counts.sightings++;
    }
    this.counts.duplicateSightings += duplicates;
    // "Not this person" feedback goes with its person; the same one again (an
    // import of the same file twice) is skipped.
    for (const n of this.#negativesOf.get(p.key) ?? []) {
      const again = tx.one(
        'SELECT 1 AS x FROM negatives WHERE person_id = ? AND model_id = ? AND created = ? AND source = ?',
        [personId, n.modelId, n.createdMs, n.source],
      );
      if (again) continue;
      const id = tx.insert('negatives', {
        person_id: personId,
        model_id: n.modelId,
        source: n.source,
        created: n.createdMs,
      });
      puts.push([negativeEmbKey(id), n.embedding]);
    }
    // Their arrival alert goes with them too (the same rule is not stored twice).
    for (const a of this.#alertsOf.get(p.key) ?? []) {
      addImportedAlert(tx, { kind: 'person', personId }, a.createdMs);
    }
    this.counts.duplicateSamples += duplicateSamples;
    if (found) {
      // The file's visits are added, unless it shares history with this memory (a sample or
      // a sighting already here: the same file again, or a later export of it); then only
      // the visits of its new sightings are.
      const overlaps = duplicates > 0 || duplicateSamples > 0;
      tx.run(
        `UPDATE persons SET first_seen = MIN(first_seen, ?), last_seen = MAX(last_seen, ?),
           visit_count = visit_count + ? WHERE id = ?`,
        [first, last, overlaps ? sightings.length - duplicates : p.visitCount, personId],
      );
    }
    if (found && !this.#created.has(personId) && added > 0) {
      const g = this.grown.get(personId) ?? { name: found.name, samples: 0 };
      g.samples += added;
      this.grown.set(personId, g);
    }
  }

  async #recordOf(modelId: string, personId: number, dim: number): Promise<RecordState> {
    const key = embKey(modelId, personId);
    let state = this.#records.get(key);
    if (!state) {
      const stored = await this.core.kv.get<EmbRecord>(key);
      const record = isEmbRecord(stored, dim)
        ? stored
        : { sampleIds: [], vectors: new Float32Array(0) };
      const seen = new VectorSet();
      for (let r = 0; r < record.sampleIds.length; r++) {
        seen.add(record.vectors.subarray(r * dim, (r + 1) * dim), record.sampleIds[r]);
      }
      state = { record, ids: [], vectors: [], seen };
      this.#records.set(key, state);
    }
    return state;
  }

  /**
   * The person already has a sample of this model with exactly this vector. Records may keep
   * rows of another model's samples (reembed.ts), so the row must be a live sample of theirs.
   */
  async #isDuplicate(tx: SqlTx, personId: number, modelId: string, v: Float32Array) {
    const ids = (await this.#recordOf(modelId, personId, v.length)).seen.find(v);
    return ids.some(
      (id) =>
        !!tx.one('SELECT 1 AS x FROM samples WHERE id = ? AND person_id = ? AND model_id = ?', [
          id,
          personId,
          modelId,
        ]),
    );
  }

  #sightingSet(tx: SqlTx, personId: number): Set<string> {
    let set = this.#sightings.get(personId);
    if (!set) {
      set = new Set(
        tx
          .all<{ timestamp: number; similarity: number }>(
            'SELECT timestamp, similarity FROM sightings WHERE person_id = ?',
            [personId],
          )
          .map((r) => `${r.timestamp}|${r.similarity}`),
      );
      this.#sightings.set(personId, set);
    }
    return set;
  }

  async #pendingSet(modelId: string): Promise<VectorSet> {
    let set = this.#pending.get(modelId);
    if (!set) {
      set = new VectorSet();
      const ids = rows<{ id: number }>(
        this.core.db,
        'SELECT id FROM unlabeled WHERE reviewed = 0 AND model_id = ?',
        [modelId],
      ).map((r) => r.id);
      for (const v of await this.core.kv.getMany<Float32Array>(ids.map(unlabeledEmbKey))) {
        if (v instanceof Float32Array) set.add(v);
      }
      this.#pending.set(modelId, set);
    }
    return set;
  }

  /** A restore keeps the file's visitor ids; a merge joins faces by group into new visitors. */
  #visitorOf(tx: SqlTx, u: SourceUnlabeled): number {
    const key = u.visitorKey ?? null;
    if (!this.opts.keepIds || key === null) return visitorFor(tx, u.timestampMs, null, u.groupKey);
    if (!tx.one('SELECT id FROM visitors WHERE id = ?', [key])) {
      tx.run('INSERT INTO visitors (id, first_seen, last_seen, visit_count) VALUES (?, ?, ?, 0)', [
        key,
        u.timestampMs,
        u.timestampMs,
      ]);
    }
    return visitorFor(tx, u.timestampMs, key, null);
  }

  async #unlabeled(tx: SqlTx, u: SourceUnlabeled, puts: Array<[string, unknown]>) {
    // History (faces labelled or discarded) is kept only by a restore.
    if (u.reviewed && !this.opts.keepIds) return;
    if (!u.reviewed) {
      if (!u.embedding) return; // the source builder warned: nothing to label it with
      const pending = await this.#pendingSet(u.modelId);
      if (pending.has(u.embedding)) {
        this.counts.duplicateUnlabeled++;
        return;
      }
      pending.add(u.embedding);
    }
    let crop = u.reviewed ? null : u.crop;
    if (crop && crop.bytes.length > this.core.config.maxCropBytes) {
      this.counts.cropsTooLarge++;
      crop = null;
    }
    const sampleId = u.sampleKey === null ? null : (this.sampleIds.get(u.sampleKey) ?? null);
    const id = this.#insert(tx, 'unlabeled', u.key, {
      timestamp: u.timestampMs,
      reviewed: u.reviewed ? 1 : 0,
      model_id: u.modelId,
      has_crop: (u.reviewed ? u.hasCrop : !!crop) ? 1 : 0,
      group_key: u.groupKey,
      quality: u.quality,
      sample_id: sampleId,
      // A waiting face is always one of a visitor: its group's, or a new one.
      visitor_id: u.reviewed ? null : this.#visitorOf(tx, u),
    });
    if (u.reviewed) return;
    puts.push([unlabeledEmbKey(id), u.embedding]);
    if (crop) {
      puts.push([unlabeledCropKey(id), crop]);
      this.counts.crops++;
    }
    this.counts.unlabeled++;
  }
}

/** Runs every chunk inside one SQL transaction that is rolled back: what the import would do. */
export async function dryRun(
  core: MemoryCore,
  source: ImportSource,
  chunks: Chunk[],
  keepIds: boolean,
): Promise<MergeSummary> {
  const merger = new Merger(core, source, { keepIds, floor: idFloor(core), dryRun: true });
  const tx = new SqlTx(core.db);
  try {
    for (const chunk of chunks) await merger.run(tx, chunk);
  } finally {
    tx.rollback();
  }
  return merger.summary(chunks.length);
}
