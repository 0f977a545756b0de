import type { MemoryCore } from '../store/core';
import { deleteAlertsOf, moveAlerts } from './alerts';
import { appendRows, isEmbRecord, takeRows, type EmbRecord } from '../store/emb-records';
import { MemoryError } from '../base/errors';
import type { IndexEffect } from '../store/journal';
import { cropKey, embKey, negativeEmbKey } from '../store/keys';
import type { SqlTx } from '../../sqlite/sql';
import { checkId, cleanName } from '../base/validate';

function needPerson(tx: SqlTx, id: number): { id: number; name: string } {
  const p = tx.one<{ id: number; name: string }>('SELECT id, name FROM persons WHERE id = ?', [id]);
  if (!p) throw new MemoryError('not-found', `No person ${id}.`);
  return p;
}

async function record(core: MemoryCore, modelId: string, personId: number) {
  const rec = await core.kv.get<EmbRecord>(embKey(modelId, personId));
  return isEmbRecord(rec) ? rec : { sampleIds: [], vectors: new Float32Array(0) };
}

/** A new name; another person's name (any case) is refused: merge them instead. */
export function renamePerson(core: MemoryCore, personId: unknown, rawName: unknown) {
  const id = checkId(personId, 'A person id');
  const name = cleanName(rawName);
  return core.action('rename', (tx) => {
    needPerson(tx, id);
    const other = tx.one<{ id: number; name: string }>(
      'SELECT id, name FROM persons WHERE name_key = ? AND id != ?',
      [name.key, id],
    );
    if (other) {
      throw new MemoryError(
        'name-taken',
        `Someone is already called ${other.name}. To make them one person, merge them.`,
      );
    }
    tx.run('UPDATE persons SET name = ?, name_key = ? WHERE id = ?', [name.name, name.key, id]);
    return { result: undefined };
  });
}

/**
 * `from` becomes part of `into`: samples (and their embeddings, per model),
 * sightings and visits move; `from` is deleted. FAISS labels are sample ids,
 * so the index does not change: its hits now resolve to `into` through SQL.
 */
export function mergePersons(core: MemoryCore, fromId: unknown, intoId: unknown) {
  const from = checkId(fromId, 'A person id');
  const into = checkId(intoId, 'A person id');
  if (from === into)
    throw new MemoryError('invalid-input', 'A person cannot be merged into itself.');
  return core.action('merge', async (tx) => {
    needPerson(tx, from);
    needPerson(tx, into);
    const models = tx
      .all<{ m: string }>('SELECT DISTINCT model_id AS m FROM samples WHERE person_id = ?', [from])
      .map((r) => r.m);
    const puts: Array<[string, unknown]> = [];
    const deletes: string[] = [];
    for (const m of models) {
      const [a, b] = await Promise.all([record(core, m, from), record(core, m, into)]);
      puts.push([embKey(m, into), appendRows(b, a.sampleIds, a.vectors)]);
      deletes.push(embKey(m, from));
    }
    tx.run('UPDATE samples SET person_id = ? WHERE person_id = ?', [into, from]);
    tx.run('UPDATE sightings SET person_id = ? WHERE person_id = ?', [into, from]);
    // "Face F is not `from`" holds for `into` too: they are one person now.
    tx.run('UPDATE negatives SET person_id = ? WHERE person_id = ?', [into, from]);
    moveAlerts(tx, { personId: from }, into);
    tx.run(
      `UPDATE persons SET
         first_seen = MIN(first_seen, (SELECT first_seen FROM persons WHERE id = ?1)),
         last_seen = MAX(last_seen, (SELECT last_seen FROM persons WHERE id = ?1)),
         visit_count = visit_count + (SELECT visit_count FROM persons WHERE id = ?1)
       WHERE id = ?2`,
      [from, into],
    );
    tx.run('DELETE FROM persons WHERE id = ?', [from]);
    return { result: into, puts, deletes, after: () => core.tracker.rename(from, into) };
  });
}

/** The person with every sample, embedding, crop, sighting, negative and index row of theirs. */
export function deletePerson(core: MemoryCore, personId: unknown) {
  const id = checkId(personId, 'A person id');
  return core.action('delete-person', (tx) => {
    needPerson(tx, id);
    const samples = tx.all<{ id: number; model_id: string; has_crop: number }>(
      'SELECT id, model_id, has_crop FROM samples WHERE person_id = ?',
      [id],
    );
    const models = [...new Set(samples.map((s) => s.model_id))];
    // The queue's record of faces labelled as them goes too: nothing of them is left.
    tx.run(
      'DELETE FROM unlabeled WHERE reviewed = 1 AND sample_id IN (SELECT id FROM samples WHERE person_id = ?)',
      [id],
    );
    const negatives = tx
      .all<{ id: number }>('SELECT id FROM negatives WHERE person_id = ?', [id])
      .map((r) => r.id);
    tx.run('DELETE FROM samples WHERE person_id = ?', [id]);
    tx.run('DELETE FROM sightings WHERE person_id = ?', [id]);
    tx.run('DELETE FROM negatives WHERE person_id = ?', [id]);
    deleteAlertsOf(tx, { personId: id });
    tx.run('DELETE FROM persons WHERE id = ?', [id]);
    const deletes = [
      ...models.map((m) => embKey(m, id)),
      ...negatives.map(negativeEmbKey),
      ...samples.filter((s) => s.has_crop).map((s) => cropKey(s.id)),
    ];
    const index: IndexEffect[] = models.map((m) => ({
      modelId: m,
      remove: samples.filter((s) => s.model_id === m).map((s) => s.id),
    }));
    return { result: undefined, deletes, index, after: () => core.tracker.forget(id) };
  });
}

interface SampleRow {
  id: number;
  person_id: number;
  model_id: string;
  has_crop: number;
}

function needSample(tx: SqlTx, id: number): SampleRow {
  const s = tx.one<SampleRow>(
    'SELECT id, person_id, model_id, has_crop FROM samples WHERE id = ?',
    [id],
  );
  if (!s) throw new MemoryError('not-found', `No sample ${id}.`);
  return s;
}

/** One sample: its row, embedding, crop and index row. The person stays. */
export function deleteSample(core: MemoryCore, sampleId: unknown) {
  const id = checkId(sampleId, 'A sample id');
  return core.action('delete-sample', async (tx) => {
    const s = needSample(tx, id);
    const key = embKey(s.model_id, s.person_id);
    const { kept } = takeRows(await record(core, s.model_id, s.person_id), new Set([id]));
    tx.run('UPDATE unlabeled SET sample_id = NULL WHERE sample_id = ?', [id]);
    tx.run('DELETE FROM samples WHERE id = ?', [id]);
    const puts: Array<[string, unknown]> = kept.sampleIds.length ? [[key, kept]] : [];
    const deletes = kept.sampleIds.length ? [] : [key];
    if (s.has_crop) deletes.push(cropKey(id));
    return { result: undefined, puts, deletes, index: [{ modelId: s.model_id, remove: [id] }] };
  });
}

/** A sample given to another person (a wrong label fixed); its index row stays, its owner changes. */
export function moveSample(core: MemoryCore, sampleId: unknown, toPersonId: unknown) {
  const id = checkId(sampleId, 'A sample id');
  const to = checkId(toPersonId, 'A person id');
  return core.action('move-sample', async (tx) => {
    const s = needSample(tx, id);
    needPerson(tx, to);
    if (s.person_id === to) return { result: undefined, noop: true };
    const [src, dst] = await Promise.all([
      record(core, s.model_id, s.person_id),
      record(core, s.model_id, to),
    ]);
    const { kept, taken } = takeRows(src, new Set([id]));
    tx.run('UPDATE samples SET person_id = ? WHERE id = ?', [to, id]);
    const srcKey = embKey(s.model_id, s.person_id);
    const puts: Array<[string, unknown]> = [
      [embKey(s.model_id, to), appendRows(dst, taken.sampleIds, taken.vectors)],
    ];
    if (kept.sampleIds.length) puts.push([srcKey, kept]);
    return { result: undefined, puts, deletes: kept.sampleIds.length ? [] : [srcKey] };
  });
}
