/**
 * verifyConsistency ("Check memory"): a memory that went through every kind
 * of action checks out; each kind of damage, made behind the memory's back
 * in storage and then reopened, is found and named; checking changes nothing.
 */
import initSqlJs from 'sql.js';
import { describe, expect, it } from 'vitest';
import { loadFaiss } from '../../faiss';
import type { EmbRecord } from '../store/emb-records';
import type { FaceDatabase } from '../face-database';
import { cropKey, embKey, SQLITE_KEY, unlabeledEmbKey } from '../store/keys';
import { createMemoryService } from '../service';
import {
  dumpStore,
  near,
  pngBlob,
  randomMatrix,
  randomUnit,
  rng,
  storedCheckpoint,
  tamper,
  tamperCheckpoint,
  uniqueName,
  openedAfterEach,
  type TestOpen,
} from '../../../../tests/support/memory/memory-fixtures';
import { VectorIndex } from '../store/vector-index';

const DIM = 16;
const MODEL = 'test-model';
const { open, opened } = openedAfterEach({ dim: DIM }, { flush: false });

const reopen = (name: string, extra: TestOpen = {}) => open({ name, ...extra });

/** Three people made through every action: label, merge, move, delete, rename, import. */
async function populate(name = uniqueName()) {
  const r = rng(71);
  const db = await reopen(name);
  const faces = [randomUnit(DIM, r), randomUnit(DIM, r), randomUnit(DIM, r), randomUnit(DIM, r)];
  const ids: number[] = [];
  for (const [i, f] of faces.entries()) {
    for (const v of [f, near(f, 0.2, r), near(f, 0.2, r)]) {
      ids[i] = await db.labelFace(await db.queueUnlabeled(pngBlob(20, i), v), `P${i}`);
    }
  }
  await db.mergePersons(ids[3]!, ids[2]!);
  const [s0, s1] = (await db.getPerson(ids[0]!)).samples;
  await db.moveSample(s0!.id, ids[1]!);
  await db.deleteSample(s1!.id);
  await db.renamePerson(ids[1]!, 'Bea');
  const gone = await db.labelFace(await db.queueUnlabeled(pngBlob(), randomUnit(DIM, r)), 'Gone');
  await db.deletePerson(gone);
  await db.discardUnlabeled(await db.queueUnlabeled(pngBlob(), randomUnit(DIM, r)));
  const queued = await db.queueUnlabeled(pngBlob(12, 9), randomUnit(DIM, r));
  await db.recordSighting(ids[0]!, 0.9);
  // Another model's vectors: stored, not indexed.
  await db.importPersons([
    { name: 'Old', modelId: 'other', dim: 8, embeddings: [randomUnit(8, r), randomUnit(8, r)] },
  ]);
  return { db, name, ids, queued, r };
}

async function checkedOut(db: FaceDatabase) {
  const report = await db.verify();
  expect(report.problems).toEqual([]);
  expect(report.ok).toBe(true);
  return report;
}

describe('verify: a sound memory', () => {
  it('checks out after every kind of action, counts what it checked and changes nothing', async () => {
    const { db, name } = await populate();
    const before = await dumpStore(name);
    const report = await checkedOut(db);
    // 12 labelled, one moved, one deleted (11); plus 2 samples of the other model.
    expect(report).toMatchObject({ persons: 4, samples: 13, indexed: 11, ntotal: 11 });
    expect(report).toMatchObject({ searched: 11, sampled: false, leftoverRows: 0 });
    expect(await dumpStore(name)).toEqual(before);
    // And after a crash (journal replay) and after a clean close (checkpoint).
    await db.close({ flush: false });
    await checkedOut(await reopen(name));
  });

  it('a visitor with visits and nobody named yet checks out', async () => {
    const db = await reopen(uniqueName());
    const face = await db.queueUnknown(pngBlob(20, 1), randomUnit(DIM, rng(73)));
    await db.observeVisitor(face.visitorId!, 0.9);
    await db.flush();
    expect(await db.verify()).toMatchObject({ ok: true, problems: [] });
  });

  it('searches an evenly spread subset of a large memory, and says so', async () => {
    const { db } = await populate();
    const report = await db.verify({ maxSearches: 4 });
    expect(report).toMatchObject({ ok: true, searched: 4, sampled: true, indexed: 11 });
  });

  it('checks an IVF index (5,000 vectors) against the stored embeddings', async () => {
    const r = rng(72);
    const db = await reopen(uniqueName());
    const people = Array.from({ length: 50 }, (_, i) => ({
      name: `N${i}`,
      embeddings: randomMatrix(100, DIM, r),
    }));
    await db.importPersons(people);
    expect((await db.stats()).indexType).toBe('IndexIVFFlat');
    const report = await db.verify({ maxSearches: 500 });
    expect(report).toMatchObject({ ok: true, ntotal: 5000, searched: 500, sampled: true });
  });

  it('is on the worker API', async () => {
    const api = createMemoryService();
    await api.open({ name: uniqueName(), modelId: MODEL, dim: DIM, maintenanceDelayMs: Infinity });
    await api.importPersons([{ name: 'Ada', embeddings: [randomUnit(DIM, rng(73))] }]);
    expect(await api.verify()).toMatchObject({ ok: true, indexed: 1, ntotal: 1, searched: 1 });
    await api.close();
  });
});

/** A populated memory, closed cleanly (snapshot + checkpoint), damaged, reopened. */
async function damaged(spoil: (s: Awaited<ReturnType<typeof populate>>) => Promise<void>) {
  const s = await populate();
  await s.db.close();
  opened.splice(opened.indexOf(s.db), 1);
  await spoil(s);
  const before = await dumpStore(s.name);
  const db = await reopen(s.name);
  const report = await db.verify();
  expect(report.ok).toBe(false);
  expect(await dumpStore(s.name)).toEqual(before); // verify reads only
  return { ...s, db, report };
}

const stored = async (name: string, key: string) => (await dumpStore(name))[key];

async function editSnapshot(name: string, sql: string) {
  const SQL = await initSqlJs();
  const db = new SQL.Database((await stored(name, SQLITE_KEY)) as Uint8Array);
  db.exec(sql);
  await tamper(name, SQLITE_KEY, db.export());
  db.close();
}

/** The stored checkpoint with its index replaced (tags kept, so the open trusts it). */
async function replaceIndex(name: string, edit: (ids: number[], v: Float32Array) => void) {
  const ck = await storedCheckpoint(name, MODEL);
  const faiss = await loadFaiss();
  const old = VectorIndex.fromBytes(faiss, ck.bytes, DIM, ck.header.kind);
  const ids = old.sampleIds();
  const recs = Object.entries(await dumpStore(name)).filter(([k]) => k.startsWith('emb/test'));
  const byId = new Map<number, Float32Array>();
  for (const [, rec] of recs) {
    const r = rec as EmbRecord;
    r.sampleIds.forEach((id, i) => byId.set(id, r.vectors.slice(i * DIM, (i + 1) * DIM)));
  }
  const v = new Float32Array(ids.length * DIM);
  ids.forEach((id, i) => v.set(byId.get(id)!, i * DIM));
  edit(ids, v);
  const next = VectorIndex.build(faiss, DIM, ids, v);
  const bytes = next.toBytes();
  await tamperCheckpoint(name, MODEL, { ...ck.header, size: bytes.length }, bytes);
  old.dispose();
  next.dispose();
}

describe('verify: damage is found and named', () => {
  it('a missing picture, and a picture of nothing', async () => {
    const { report } = await damaged(async ({ name }) => {
      const key = Object.keys(await dumpStore(name)).find((k) => /^crop\/\d+$/.test(k))!;
      await tamper(name, key, undefined);
      await tamper(name, cropKey(99_999), pngBlob());
    });
    expect(report.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^the picture of sample \d+ is missing$/),
        'crop/99999 is stored but belongs to nothing',
      ]),
    );
  });

  it('a queued face without its embedding, and a labelled one that kept it', async () => {
    const { report } = await damaged(async ({ name, queued }) => {
      await tamper(name, unlabeledEmbKey(queued), undefined);
      await tamper(name, unlabeledEmbKey(1), randomUnit(DIM, rng(1))); // face 1 was labelled
    });
    expect(report.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^queued face \d+ has no embedding$/),
        'unl/1 is stored but belongs to nothing',
      ]),
    );
  });

  it('a sample whose embedding is gone: not stored, yet in the index', async () => {
    const { report } = await damaged(async ({ name, ids }) => {
      const key = embKey(MODEL, ids[2]!);
      const rec = (await stored(name, key)) as EmbRecord;
      await tamper(name, key, {
        sampleIds: rec.sampleIds.slice(1),
        vectors: rec.vectors.slice(DIM),
      });
    });
    expect(report.problems.join('\n')).toMatch(/has no stored test-model embedding/);
    expect(report.problems.join('\n')).toMatch(
      /the index has sample \d+, which has no stored embedding/,
    );
    expect(report.problems.join('\n')).toMatch(/the index holds 11 vectors; 10 are stored/);
  });

  it('embeddings swapped between two people: each search finds the other first', async () => {
    const { report } = await damaged(async ({ name, ids }) => {
      const [ka, kb] = [embKey(MODEL, ids[0]!), embKey(MODEL, ids[2]!)];
      const [a, b] = [(await stored(name, ka)) as EmbRecord, (await stored(name, kb)) as EmbRecord];
      const [va, vb] = [a.vectors.slice(), b.vectors.slice()];
      va.set(b.vectors.subarray(0, DIM), 0);
      vb.set(a.vectors.subarray(0, DIM), 0);
      await tamper(name, ka, { ...a, vectors: va });
      await tamper(name, kb, { ...b, vectors: vb });
    });
    expect(report.problems.join('\n')).toMatch(/searching sample \d+ of P0 .* finds P2 .* first/);
    expect(report.problems.join('\n')).toMatch(/searching sample \d+ of P2 .* finds P0 .* first/);
  });

  it('a sample of a person who does not exist, filed under another', async () => {
    const { report } = await damaged(async ({ name, ids }) => {
      await editSnapshot(name, `UPDATE samples SET person_id = 4242 WHERE person_id = ${ids[2]}`);
    });
    expect(report.problems.join('\n')).toMatch(/sample \d+ belongs to a missing person/);
    expect(report.problems.join('\n')).toMatch(/of person #4242 is filed under P2/);
  });

  it('sightings of nobody, and a queued face pointing at a deleted sample', async () => {
    const { report } = await damaged(async ({ name }) => {
      await editSnapshot(
        name,
        `INSERT INTO sightings (person_id, timestamp, similarity, ended) VALUES (777, 1, 0.9, 1);
         UPDATE unlabeled SET sample_id = 5555 WHERE id = 1;`,
      );
    });
    expect(report.problems).toEqual(
      expect.arrayContaining([
        '1 sightings of person #777, who does not exist',
        'queued face 1 points at sample 5555, which does not exist',
      ]),
    );
  });

  it('SQLite pages that disagree with their index (PRAGMA integrity_check)', async () => {
    const { report } = await damaged(async ({ name }) => {
      await editSnapshot(
        name,
        `PRAGMA writable_schema = ON;
         UPDATE sqlite_master SET sql = 'CREATE INDEX samples_by_person ON samples (created)'
           WHERE name = 'samples_by_person';`,
      );
    });
    expect(report.problems[0]).toMatch(/^SQLite integrity check: .*samples_by_person/);
  });

  it('an index vector that differs from the stored one', async () => {
    const { report } = await damaged(async ({ name }) => {
      await replaceIndex(name, (_, v) => v.set(randomUnit(DIM, rng(5)), 0));
    });
    // Sample 1 (Bea's, moved from P0) is the first row; its index vector is now random.
    expect(report.problems.join('\n')).toMatch(/searching sample 1 of Bea \(#2\) finds .* first/);
  });

  it('an index row of a deleted sample in place of a live one', async () => {
    const { report } = await damaged(async ({ name }) => {
      await replaceIndex(name, (ids) => {
        ids[0] = 9_999;
      });
    });
    expect(report.problems.join('\n')).toMatch(/index has a row for sample 9999/);
    expect(report.problems).toEqual(
      expect.arrayContaining([
        'sample 1 of Bea (#2) is not in the index',
        'searching sample 1 of Bea (#2) does not find them (first: sample 9999 at 1.0000)',
      ]),
    );
  });
});
