import type { MemoryCore } from '../store/core';
import { appendRows, type EmbRecord } from '../store/emb-records';
import { MemoryError } from '../base/errors';
import type { IndexEffect } from '../store/journal';
import { cropKey, embKey } from '../store/keys';
import { cropSize, isCropInput, toStoredCrop, type CropInput } from '../store/crop';
import { personFor } from '../actions/labelling';
import type { ImportPerson } from '../base/types';
import { cleanName, unitMatrix } from '../base/validate';

interface Checked {
  name: ReturnType<typeof cleanName>;
  modelId: string;
  vectors: Float32Array;
  n: number;
  crops: Array<CropInput | null>;
  entry: ImportPerson;
}

function check(core: MemoryCore, e: ImportPerson, i: number): Checked {
  const where = `Person ${i + 1} of the import`;
  if (typeof e !== 'object' || e === null)
    throw new MemoryError('invalid-input', `${where} is empty.`);
  const name = cleanName(e.name);
  const modelId = e.modelId ?? core.config.modelId;
  const dim = modelId === core.config.modelId ? core.config.dim : e.dim;
  if (typeof modelId !== 'string' || !modelId || !dim || !Number.isSafeInteger(dim)) {
    throw new MemoryError(
      'invalid-input',
      `${where}: another model's vectors need their dimension.`,
    );
  }
  let vectors: Float32Array;
  if (Array.isArray(e.embeddings)) {
    try {
      vectors = unitMatrix(e.embeddings, dim);
    } catch (error) {
      // Say which person: an import of another model's vectors fails on every one of them.
      if (!(error instanceof MemoryError)) throw error;
      throw new MemoryError(error.code, `${where}: ${error.message}`);
    }
  } else if (e.embeddings instanceof Float32Array && e.embeddings.length % dim === 0) {
    const n = e.embeddings.length / dim;
    vectors = unitMatrix(
      Array.from({ length: n }, (_, r) =>
        (e.embeddings as Float32Array).subarray(r * dim, (r + 1) * dim),
      ),
      dim,
    );
  } else {
    throw new MemoryError('invalid-embedding', `${where}: embeddings must be n×${dim} numbers.`);
  }
  const n = vectors.length / dim;
  if (!n) throw new MemoryError('invalid-input', `${where} has no embeddings.`);
  const crops = e.crops ?? [];
  if (crops.length > n || crops.some((c) => c !== null && !isCropInput(c))) {
    throw new MemoryError(
      'invalid-input',
      `${where}: crops must be one image (a Blob or its bytes, or null) per embedding.`,
    );
  }
  for (const c of crops) {
    if (c && cropSize(c) > core.config.maxCropBytes) {
      throw new MemoryError('crop-too-large', `${where}: a face image is too large.`);
    }
  }
  for (const x of [e.firstSeenMs, e.lastSeenMs, e.visitCount]) {
    if (x !== undefined && !Number.isFinite(x))
      throw new MemoryError('invalid-input', `${where}: bad times.`);
  }
  return {
    name,
    modelId,
    vectors,
    n,
    crops: Array.from({ length: n }, (_, r) => crops[r] ?? null),
    entry: e,
  };
}

/**
 * Adds people with their embeddings (enrolment from photos, import of a
 * backup or of the Python original) in ONE transaction: all or nothing.
 * A name that exists gains the samples. Returns the person ids, in order.
 */
export async function importPersons(core: MemoryCore, entries: unknown): Promise<number[]> {
  if (!Array.isArray(entries) || !entries.length) {
    throw new MemoryError('invalid-input', 'Nothing to import.');
  }
  const list = (entries as ImportPerson[]).map((e, i) => check(core, e, i));
  // Bytes, never a Blob, go to IndexedDB (see store/crop.ts); converted before the transaction.
  const images = await Promise.all(
    list.map((c) => Promise.all(c.crops.map((x) => (x ? toStoredCrop(x) : null)))),
  );
  return core.action('import', async (tx) => {
    const now = Date.now();
    const personIds: number[] = [];
    const records = new Map<
      string,
      { modelId: string; personId: number; ids: number[]; parts: Float32Array[] }
    >();
    const puts: Array<[string, unknown]> = [];
    for (const [ci, c] of list.entries()) {
      const times = [c.entry.firstSeenMs ?? now, c.entry.lastSeenMs ?? c.entry.firstSeenMs ?? now];
      const personId = personFor(tx, c.name, times, c.entry.visitCount ?? 0);
      personIds.push(personId);
      const key = embKey(c.modelId, personId);
      const rec = records.get(key) ?? { modelId: c.modelId, personId, ids: [], parts: [] };
      for (let r = 0; r < c.n; r++) {
        const crop = images[ci]![r] ?? null;
        const id = tx.insert('samples', {
          person_id: personId,
          model_id: c.modelId,
          created: now,
          has_crop: crop ? 1 : 0,
          source: c.entry.source ?? 'import',
        });
        rec.ids.push(id);
        if (crop) puts.push([cropKey(id), crop]);
      }
      rec.parts.push(c.vectors);
      records.set(key, rec);
    }
    const stored = await core.kv.getMany<EmbRecord>([...records.keys()]);
    const index: IndexEffect[] = [];
    [...records].forEach(([key, rec], i) => {
      const vectors = new Float32Array(rec.parts.reduce((n, p) => n + p.length, 0));
      rec.parts.reduce((at, p) => (vectors.set(p, at), at + p.length), 0);
      puts.push([key, appendRows(stored[i], rec.ids, vectors)]);
      index.push({ modelId: rec.modelId, add: { ids: rec.ids, vectors } });
    });
    return { result: personIds, puts, index };
  });
}
