import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readArchive } from '../../transfer/archive';
import { TransferError } from '../../transfer/errors';
import { idMap2Ids } from '../../transfer/faiss-file';
import type { FaceDatabase } from '../face-database';
import { SQLITE_KEY } from '../store/keys';
import { loadSqlJs } from '../../sqlite/sql';
import {
  countWriteTransactions,
  dumpStore,
  near,
  pngBlob,
  randomUnit,
  rng,
  uniqueName,
  openedAfterEach,
} from '../../../../tests/support/memory/memory-fixtures';

const DIM = 32;
const PASS = 'a long passphrase for tests';
const SETTINGS = { modelId: 'test-model', thresholds: { 'test-model': 0.7 }, topK: 3 };
const { open: fresh } = openedAfterEach({ dim: DIM });

/** A memory with labels, enrolment, another model's vectors, deletions, sightings and a queue. */
async function rich(name = uniqueName()) {
  const db = await fresh({ name });
  const r = rng(11);
  const ada = randomUnit(DIM, r);
  const bob = randomUnit(DIM, r);
  const probes: Array<[string, Float32Array]> = [];
  let adaId = 0;
  for (let i = 0; i < 3; i++) {
    const v = near(ada, 0.2, r);
    probes.push(['Ada', v]);
    adaId = await db.labelFace(await db.queueUnlabeled(pngBlob(100 + i, i + 1), v), 'Ada');
  }
  const b1 = near(bob, 0.2, r);
  const b2 = near(bob, 0.2, r);
  probes.push(['Bob', b1], ['Bob', b2]);
  const [bobId] = await db.importPersons([
    { name: 'Bob', embeddings: [b1, b2], crops: [pngBlob(80, 9), null], source: 'enrol' },
  ]);
  await db.importPersons([
    { name: 'Bob', modelId: 'other-model', dim: 16, embeddings: [randomUnit(16, r)] },
  ]);
  const zed = await db.labelFace(await db.queueUnlabeled(pngBlob(), randomUnit(DIM, r)), 'Zed');
  await db.deletePerson(zed);
  await db.recordSighting(adaId, 0.91);
  await db.recordSighting(bobId!, 0.82);
  await db.queueUnlabeled(pngBlob(70, 3), randomUnit(DIM, r), { groupKey: 'g1', quality: 0.5 });
  await db.queueUnlabeled(pngBlob(71, 4), randomUnit(DIM, r), { groupKey: 'g1' });
  await db.discardUnlabeled(await db.queueUnlabeled(null, randomUnit(DIM, r)));
  return { db, name, probes, adaId, bobId: bobId! };
}

/** SQLite tables and every stored key of a memory, in a comparable form. */
async function contents(db: FaceDatabase, name: string) {
  await db.flush();
  const store = await dumpStore(name);
  const SQL = await loadSqlJs();
  const sql = new SQL.Database(store[SQLITE_KEY] as Uint8Array);
  const table = (t: string) => sql.exec(`SELECT * FROM ${t} ORDER BY id`)[0]?.values ?? [];
  const tables = Object.fromEntries(
    ['persons', 'samples', 'sightings', 'unlabeled'].map((t) => [t, table(t)]),
  );
  sql.close();
  const vectors: Record<string, number[]> = {};
  const blobs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(store)) {
    if (key.startsWith('emb/')) {
      const rec = value as { sampleIds: number[]; vectors: Float32Array };
      const d = rec.vectors.length / rec.sampleIds.length;
      rec.sampleIds.forEach((id, i) => {
        const row = rec.vectors.subarray(i * d, (i + 1) * d);
        vectors[`${key.split('/')[1]}#${id}@${key.split('/')[2]}`] = [
          ...new Uint32Array(row.slice().buffer),
        ];
      });
    } else if (key.startsWith('crop/') || key.startsWith('unl/')) blobs[key] = value;
  }
  return { tables, vectors, blobs };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
  return 'no error';
}

describe('export', () => {
  it('writes one file with the database, every model, crops, the open index and settings', async () => {
    const { db, adaId, bobId } = await rich();
    const out = await db.exportArchive({ settings: SETTINGS });
    expect(out.fileName).toMatch(/^visio-memoria-\d{4}-\d{2}-\d{2}\.vmz$/);
    const { manifest, parts } = await readArchive(new Uint8Array(await out.file.arrayBuffer()));
    expect(manifest.models).toEqual([
      { id: 'test-model', dim: DIM, samples: 5, unlabeled: 2, faiss: true },
      { id: 'other-model', dim: 16, samples: 1, unlabeled: 0, faiss: false },
    ]);
    expect(manifest.counts).toMatchObject({
      persons: 2,
      sightings: 2,
      unlabeled: 2,
      samples: 6,
      crops: 6, // 3 of Ada, 1 of Bob, 2 queued
      samplesWithoutVector: 0,
    });
    expect(manifest.settings).toEqual(SETTINGS);
    const model = parts.models[0]!;
    expect(model.sampleIds!.get(adaId)).toHaveLength(3);
    expect([...model.persons.keys()].sort()).toEqual([adaId, bobId].sort());
    // The FAISS mapping names, row by row, the person of the sample the IndexIDMap2 holds.
    const labels = idMap2Ids(model.faiss!.index);
    const owner = new Map<number, number>();
    for (const [pid, ids] of model.sampleIds!) for (const id of ids) owner.set(id, pid);
    expect(model.faiss!.mapping).toEqual(labels.map((id) => owner.get(id)));
    expect([...parts.crops.keys()].filter((p) => p.startsWith('unl/'))).toHaveLength(2);
  });

  it('encrypts with a passphrase; a wrong one, a damaged or a future file change nothing', async () => {
    const { db } = await rich();
    const file = (await db.exportArchive({ settings: SETTINGS, passphrase: PASS })).file;
    const plain = new Uint8Array(
      await (await db.exportArchive({ settings: {} })).file.arrayBuffer(),
    );
    const name = uniqueName();
    const other = await fresh({ name });
    await other.importPersons([{ name: 'Ada', embeddings: [randomUnit(DIM, rng(4))] }]);
    await other.flush();
    const before = await dumpStore(name);
    expect(await codeOf(other.previewImport(file))).toBe('passphrase-required');
    expect(await codeOf(other.previewImport(file, { passphrase: 'wrong' }))).toBe(
      'wrong-passphrase',
    );
    expect(await codeOf(other.previewImport(plain.subarray(0, plain.length - 100)))).toMatch(
      /^archive-(truncated|corrupt|checksum)$/,
    );
    const future = zipSync(
      Object.fromEntries(
        Object.entries(unzipSync(plain)).map(([k, v]) => {
          if (k !== 'manifest.json') return [k, v];
          const m = JSON.parse(strFromU8(v)) as Record<string, unknown>;
          return [k, strToU8(JSON.stringify({ ...m, formatVersion: 99 }))];
        }),
      ),
    );
    expect(await codeOf(other.previewImport(future))).toBe('archive-future-version');
    expect(await codeOf(other.applyImport('not-a-preview'))).toBe('import-expired');
    expect(await dumpStore(name)).toEqual(before);
  });
});

describe('import', () => {
  it('restores into an empty memory exactly: same ids, rows, vectors, crops, queue, results', async () => {
    const { db, name, probes } = await rich();
    const file = (await db.exportArchive({ settings: SETTINGS, passphrase: PASS })).file;
    const copyName = uniqueName();
    const copy = await fresh({ name: copyName });
    const preview = await copy.previewImport(file, { passphrase: PASS });
    expect(preview).toMatchObject({
      kind: 'backup',
      mode: 'restore',
      keptIds: true,
      newNames: ['Ada', 'Bob'],
      grown: [],
      transactions: 1,
      settings: SETTINGS,
      file: { encrypted: true, formatVersion: 2 },
    });
    expect(preview.counts).toMatchObject({ samples: 6, sightings: 2, unlabeled: 2, crops: 6 });
    expect(preview.models).toEqual([
      { id: 'test-model', dim: DIM, samples: 5, withCrop: 4, searchable: true },
      { id: 'other-model', dim: 16, samples: 1, withCrop: 0, searchable: false },
    ]);
    expect(preview.warnings.join(' ')).toMatch(/other-model .*cannot be embedded again/);
    expect(await copy.stats()).toMatchObject({ persons: 0, samples: 0 }); // a preview writes nothing
    const writes = await countWriteTransactions(() => copy.applyImport(preview.id));
    expect(writes).toBe(1);
    expect(await contents(copy, copyName)).toEqual(await contents(db, name));
    expect(await copy.listPersons()).toEqual(await db.listPersons());
    expect(await copy.getUnlabeled()).toEqual(await db.getUnlabeled());
    for (const [who, v] of probes) expect((await copy.findMatch(v)).name).toBe(who);
    expect(await copy.stats()).toEqual(await db.stats());
  });

  it('merges by name (any case), skips what is already there, and says so first', async () => {
    const { db, probes } = await rich();
    const file = (await db.exportArchive({ settings: {} })).file;
    const target = await fresh();
    const r = rng(99);
    const [mine] = await target.importPersons([
      { name: ' ada ', embeddings: [randomUnit(DIM, r)] },
    ]);
    await target.importPersons([{ name: 'Carol', embeddings: [randomUnit(DIM, r)] }]);
    const preview = await target.previewImport(file);
    expect(preview).toMatchObject({
      mode: 'merge',
      keptIds: false,
      newNames: ['Bob'],
      grown: [{ name: 'ada', samples: 3 }],
    });
    expect(preview.counts).toMatchObject({
      newPersons: 1,
      grownPersons: 1,
      samples: 6,
      duplicateSamples: 0,
      sightings: 2,
      unlabeled: 2,
    });
    const result = await target.applyImport(preview.id);
    expect(result.counts).toEqual(preview.counts);
    expect(result.stats).toMatchObject({ persons: 3, samples: 8, sightings: 2, unlabeled: 2 });
    const ada = await target.getPerson(mine!);
    expect(ada.samples).toHaveLength(4);
    expect(ada.visitCount).toBe(2); // 0 here + the file's 2 (labelled, then one sighting)
    for (const [who, v] of probes) {
      expect((await target.findMatch(v)).name).toBe(who === 'Ada' ? 'ada' : who);
    }
    // The same file again: everything is a duplicate, nothing changes.
    const again = await target.previewImport(file);
    expect(again.counts).toMatchObject({
      newPersons: 0,
      samples: 0,
      duplicateSamples: 6,
      sightings: 0,
      duplicateSightings: 2,
      unlabeled: 0,
      duplicateUnlabeled: 2,
    });
    const stats = await target.stats();
    await target.applyImport(again.id);
    expect(await target.stats()).toEqual(stats);
    expect((await target.getPerson(mine!)).visitCount).toBe(2);
  });

  it('refuses vectors of another dimension for the same model, changing nothing', async () => {
    const { db } = await rich();
    const file = (await db.exportArchive({ settings: {} })).file;
    const name = uniqueName();
    const small = await fresh({ name, dim: 8 });
    await small.importPersons([{ name: 'Eve', embeddings: [randomUnit(8, rng(5))] }]);
    await small.flush();
    const before = await dumpStore(name);
    const error = await small.previewImport(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect((error as TransferError).code).toBe('import-dim-mismatch');
    expect((error as Error).message).toMatch(/32-d.*8-d/);
    expect(await dumpStore(name)).toEqual(before);
  });

  it('a write that fails at commit leaves the memory as it was', async () => {
    const { db } = await rich();
    const file = (await db.exportArchive({ settings: {} })).file;
    const name = uniqueName();
    let fail = false;
    const target = await fresh({
      name,
      onWriteStep: (step) => {
        if (fail && step === 'commit') throw new Error('simulated crash');
      },
    });
    await target.importPersons([{ name: 'Carol', embeddings: [randomUnit(DIM, rng(6))] }]);
    await target.flush();
    const before = await dumpStore(name);
    const preview = await target.previewImport(file);
    fail = true;
    await expect(target.applyImport(preview.id)).rejects.toThrow(/simulated crash/);
    expect(await dumpStore(name)).toEqual(before);
    expect(await target.stats()).toMatchObject({ persons: 1, samples: 1, unlabeled: 0 });
  });

  it('splits a large import into whole persons; an interrupted one completes when repeated', async () => {
    const { db, probes } = await rich();
    const file = (await db.exportArchive({ settings: {} })).file;
    let commits = 0;
    let failAt = 2;
    const target = await fresh({
      onWriteStep: (step) => {
        if (step === 'commit' && ++commits === failAt) throw new Error('tab closed');
      },
    });
    const preview = await target.previewImport(file, { maxBytesPerAction: 1 });
    expect(preview.transactions).toBe(4); // Ada, Bob (+ the labelled faces' history), 2 queued
    const error = await target.applyImport(preview.id).catch((e: unknown) => e);
    expect((error as TransferError).code).toBe('import-partial');
    // Ada is complete; Bob and the queue are absent.
    expect((await target.listPersons()).map((p) => [p.name, p.sampleCount])).toEqual([['Ada', 3]]);
    expect(await target.stats()).toMatchObject({ unlabeled: 0, sightings: 1 });
    failAt = -1;
    const again = await target.previewImport(file, { maxBytesPerAction: 1 });
    expect(again.counts).toMatchObject({ duplicateSamples: 3, samples: 3, unlabeled: 2 });
    await target.applyImport(again.id);
    expect((await target.listPersons()).map((p) => [p.name, p.sampleCount])).toEqual([
      ['Ada', 3],
      ['Bob', 3],
    ]);
    expect(await target.stats()).toMatchObject({ samples: 6, sightings: 2, unlabeled: 2 });
    for (const [who, v] of probes) expect((await target.findMatch(v)).name).toBe(who);
  });

  it('reads a format-1 file (rows in sample-id order, no ids files)', async () => {
    const { db, probes } = await rich();
    const entries = unzipSync(
      new Uint8Array(await (await db.exportArchive({ settings: {} })).file.arrayBuffer()),
    );
    const manifest = JSON.parse(strFromU8(entries['manifest.json']!)) as {
      formatVersion: number;
      files: Record<string, unknown>;
    };
    manifest.formatVersion = 1;
    for (const path of Object.keys(entries)) {
      if (!path.endsWith('.ids.json')) continue;
      delete entries[path];
      delete manifest.files[path];
    }
    entries['manifest.json'] = strToU8(JSON.stringify(manifest));
    const target = await fresh();
    const preview = await target.previewImport(zipSync(entries));
    expect(preview.file).toMatchObject({ formatVersion: 2, migratedFrom: 1 });
    await target.applyImport(preview.id);
    for (const [who, v] of probes) expect((await target.findMatch(v)).name).toBe(who);
  });
});
