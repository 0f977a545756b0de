import { describe, expect, it } from 'vitest';
import type { FaceDatabase } from './face-database';
import { MemoryError } from './base/errors';
import {
  dumpStore,
  near,
  pngBlob,
  randomUnit,
  rng,
  uniqueName,
  openedAfterEach,
} from '../../../tests/support/memory/memory-fixtures';

const DIM = 32;
const { open } = openedAfterEach({ dim: DIM });
const fresh = (name?: string): Promise<FaceDatabase> => open({ name });

/** Queues a face and labels it; returns the person id. */
async function enrol(db: FaceDatabase, name: string, v: Float32Array): Promise<number> {
  const id = await db.queueUnlabeled(pngBlob(), v);
  return db.labelFace(id, name);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof MemoryError ? e.code : `not a MemoryError: ${String(e)}`;
  }
  return 'no error';
}

describe('FaceDatabase: recognition', () => {
  it('findMatch: null on an empty memory, the person above the threshold, null below', async () => {
    const db = await fresh();
    const r = rng(1);
    const ada = randomUnit(DIM, r);
    expect(await db.findMatch(ada)).toEqual({ personId: null, name: null, similarity: 0 });
    const id = await enrol(db, 'Ada', ada);
    const hit = await db.findMatch(near(ada, 0.3, r));
    expect(hit.personId).toBe(id);
    expect(hit.name).toBe('Ada');
    expect(hit.similarity).toBeGreaterThan(0.9);
    const stranger = await db.findMatch(randomUnit(DIM, r));
    expect(stranger.personId).toBeNull();
    expect(stranger.similarity).toBeLessThan(0.65);
    expect(stranger.similarity).not.toBe(0); // the best similarity is still reported
  });

  it('findMatch uses the configured threshold', async () => {
    const r = rng(2);
    const db = await open({ threshold: 0.99 });
    const v = randomUnit(DIM, r);
    await enrol(db, 'Ada', v);
    const q = near(v, 0.5, r); // cosine ≈ 0.9
    expect((await db.findMatch(q)).personId).toBeNull();
    expect((await db.findMatch(v)).personId).not.toBeNull();
  });

  it('findTopK: best first, each person once, k clamped', async () => {
    const db = await fresh();
    const r = rng(3);
    const a = randomUnit(DIM, r);
    const b = randomUnit(DIM, r);
    const ida = await enrol(db, 'A', a);
    await enrol(db, 'A', near(a, 0.2, r));
    await enrol(db, 'A', near(a, 0.2, r));
    const idb = await enrol(db, 'B', b);
    const top = await db.findTopK(a, 10);
    expect(top.map((c) => c.personId)).toEqual([ida, idb]);
    expect(top[0]!.similarity).toBeGreaterThan(top[1]!.similarity);
    expect((await db.findTopK(a, 1)).length).toBe(1);
    expect(await codeOf(db.findTopK(a, 0))).toBe('invalid-input');
  });

  it('identify: match and top-k for several faces at once', async () => {
    const db = await fresh();
    const r = rng(4);
    const a = randomUnit(DIM, r);
    const b = randomUnit(DIM, r);
    const ida = await enrol(db, 'A', a);
    const idb = await enrol(db, 'B', b);
    const got = await db.identify([near(b, 0.2, r), randomUnit(DIM, r), near(a, 0.2, r)], 2);
    expect(got.map((g) => g.personId)).toEqual([idb, null, ida]);
    expect(got[0]!.topK.map((c) => c.personId)).toEqual([idb, ida]);
    expect(got[1]!.topK.length).toBe(2);
    expect(await db.identify([])).toEqual([]);
  });

  it('refuses bad embeddings without touching anything', async () => {
    const name = uniqueName();
    const db = await fresh(name);
    const before = await dumpStore(name);
    expect(await codeOf(db.findMatch(new Float32Array(DIM + 1)))).toBe('invalid-embedding');
    expect(await codeOf(db.queueUnlabeled(pngBlob(), new Float32Array(DIM).fill(NaN)))).toBe(
      'invalid-embedding',
    );
    expect(await codeOf(db.queueUnlabeled(pngBlob(), new Float32Array(DIM)))).toBe(
      'invalid-embedding',
    );
    expect(await dumpStore(name)).toEqual(before);
  });
});

describe('FaceDatabase: the unlabeled queue and labelling', () => {
  it('queues faces, lists the unreviewed oldest first, with crops', async () => {
    const db = await fresh();
    const r = rng(5);
    const late = await db.queueUnlabeled(pngBlob(10, 1), randomUnit(DIM, r), { timestampMs: 2000 });
    const early = await db.queueUnlabeled(pngBlob(10, 2), randomUnit(DIM, r), {
      timestampMs: 1000,
      groupKey: 'track-7',
      quality: 0.8,
    });
    const list = await db.getUnlabeled();
    expect(list.map((u) => u.id)).toEqual([early, late]);
    expect(list[0]).toMatchObject({ groupKey: 'track-7', quality: 0.8, modelId: 'test-model' });
    const crop = await db.getUnlabeledCrop(early);
    expect(new Uint8Array(await crop!.arrayBuffer())[0]).toBe(2);
    expect(await codeOf(db.queueUnlabeled(pngBlob(2 << 20), randomUnit(DIM, r)))).toBe(
      'crop-too-large',
    );
  });

  it('labelFace: new name creates, existing name (any case, trimmed) adds; rows reviewed', async () => {
    const db = await fresh();
    const r = rng(6);
    const v = randomUnit(DIM, r);
    const u1 = await db.queueUnlabeled(pngBlob(), v, { timestampMs: 1000 });
    const u2 = await db.queueUnlabeled(pngBlob(), near(v, 0.2, r), { timestampMs: 5000 });
    const id = await db.labelFace(u1, 'Ada Lovelace');
    expect(await db.labelFace(u2, '  ada   LOVELACE ')).toBe(id);
    expect(await db.getUnlabeled()).toEqual([]);
    const p = await db.getPerson(id);
    expect(p).toMatchObject({ name: 'Ada Lovelace', firstSeenMs: 1000, lastSeenMs: 5000 });
    expect(p.visitCount).toBe(1); // as the original: a new person has been seen once
    expect(p.samples.length).toBe(2);
    expect(p.samples.every((s) => s.hasCrop && s.source === 'label')).toBe(true);
    const crop = await db.getSampleCrop(p.samples[0]!.id);
    expect(crop?.size).toBe(64);
    expect(await db.getUnlabeledCrop(u1)).toBeUndefined();
    expect(await codeOf(db.labelFace(u1, 'Ada'))).toBe('already-labeled');
    expect(await codeOf(db.labelFace(999, 'Ada'))).toBe('not-found');
    expect(await codeOf(db.labelFace(u1, '  '))).toBe('invalid-name');
  });

  it('labelFace makes the embedding searchable at once, without a rebuild', async () => {
    const events: string[] = [];
    const r = rng(7);
    const db = await open({ onEvent: (e) => events.push(e.type) });
    const v = randomUnit(DIM, r);
    const u = await db.queueUnlabeled(null, v);
    expect((await db.findMatch(v)).personId).toBeNull();
    const id = await db.labelFace(u, 'Ada');
    expect((await db.findMatch(v)).personId).toBe(id);
    expect((await db.stats()).ntotal).toBe(1);
    expect(events).not.toContain('index-rebuilt');
  });

  it('labelFaces labels a group in one go; discardUnlabeled drops faces', async () => {
    const db = await fresh();
    const r = rng(8);
    const v = randomUnit(DIM, r);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await db.queueUnlabeled(pngBlob(), near(v, 0.2, r)));
    const gone = await db.queueUnlabeled(pngBlob(), randomUnit(DIM, r));
    const id = await db.labelFaces(ids, 'Group');
    expect((await db.getPerson(id)).samples.length).toBe(3);
    await db.discardUnlabeled(gone);
    expect(await db.getUnlabeled()).toEqual([]);
    expect(await db.getUnlabeledCrop(gone)).toBeUndefined();
    expect(await codeOf(db.discardUnlabeled(gone))).toBe('not-found');
    expect(await codeOf(db.labelFaces([ids[0]!, ids[0]!], 'x'))).toBe('invalid-input');
  });

  it('keeps a name with HTML in it as data', async () => {
    const db = await fresh();
    const name = '<script>alert("x")</script> & <b>Bob</b>';
    const id = await enrol(db, name, randomUnit(DIM, rng(9)));
    expect((await db.getPerson(id)).name).toBe(name);
    expect((await db.listPersons())[0]!.name).toBe(name);
  });
});

describe('FaceDatabase: sightings and stats', () => {
  it('recordSighting: a row, one more visit, last seen', async () => {
    const db = await fresh();
    const id = await enrol(db, 'Ada', randomUnit(DIM, rng(10)));
    const t0 = Date.now();
    await db.recordSighting(id, 0.91);
    const p = await db.getPerson(id);
    expect(p.visitCount).toBe(2);
    expect(p.lastSeenMs).toBeGreaterThanOrEqual(t0);
    expect(p.recentSightings).toEqual([
      { personId: id, timestampMs: expect.any(Number), similarity: 0.91 },
    ]);
    expect(await codeOf(db.recordSighting(12345, 0.9))).toBe('not-found');
    expect(await codeOf(db.recordSighting(id, NaN))).toBe('invalid-input');
  });

  it('stats counts persons, samples, the queue, sightings and the index', async () => {
    const db = await fresh();
    const r = rng(11);
    const id = await enrol(db, 'Ada', randomUnit(DIM, r));
    await db.queueUnlabeled(null, randomUnit(DIM, r));
    await db.recordSighting(id, 0.8);
    expect(await db.stats()).toEqual({
      persons: 1,
      samples: 1,
      unlabeled: 1,
      visitors: 1,
      sightings: 1,
      indexType: 'IndexFlatIP',
      ntotal: 1,
      dim: DIM,
      modelId: 'test-model',
    });
  });
});

describe('FaceDatabase: editing people keeps the index exact', () => {
  async function two(db: FaceDatabase) {
    const r = rng(12);
    const a = randomUnit(DIM, r);
    const b = randomUnit(DIM, r);
    const ida = await enrol(db, 'A', a);
    await enrol(db, 'A', near(a, 0.2, r));
    const idb = await enrol(db, 'B', b);
    return { a, b, ida, idb };
  }

  it('renamePerson renames; another person’s name is refused', async () => {
    const db = await fresh();
    const { a, ida, idb } = await two(db);
    await db.renamePerson(ida, 'Ada');
    expect((await db.findMatch(a)).name).toBe('Ada');
    await db.renamePerson(ida, 'ADA'); // own name in another case is fine
    expect(await codeOf(db.renamePerson(idb, 'ada'))).toBe('name-taken');
    expect(await codeOf(db.renamePerson(999, 'x'))).toBe('not-found');
  });

  it('mergePersons moves samples, sightings and visits; hits resolve to the survivor', async () => {
    const db = await fresh();
    const { a, ida, idb } = await two(db);
    await db.recordSighting(ida, 0.9);
    const into = await db.mergePersons(ida, idb);
    expect(into).toBe(idb);
    expect((await db.findMatch(a)).personId).toBe(idb);
    const p = await db.getPerson(idb);
    expect(p.samples.length).toBe(3);
    expect(p.visitCount).toBe(1 + 2 + 0);
    expect(p.recentSightings.length).toBe(1);
    expect(await codeOf(db.getPerson(ida))).toBe('not-found');
    expect(await codeOf(db.mergePersons(idb, idb))).toBe('invalid-input');
    expect((await db.stats()).ntotal).toBe(3);
  });

  it('deletePerson removes samples, sightings, crops and index rows', async () => {
    const name = uniqueName();
    const db = await fresh(name);
    const { a, b, ida, idb } = await two(db);
    await db.recordSighting(ida, 0.9);
    const samples = (await db.getPerson(ida)).samples;
    await db.deletePerson(ida);
    expect((await db.findMatch(a)).personId).not.toBe(ida);
    expect((await db.findTopK(a, 5)).map((c) => c.personId)).toEqual([idb]);
    expect((await db.findMatch(b)).personId).toBe(idb);
    const s = await db.stats();
    expect([s.persons, s.samples, s.sightings, s.ntotal]).toEqual([1, 1, 0, 1]);
    const stored = Object.keys(await dumpStore(name));
    expect(stored.filter((k) => samples.some((x) => k === `crop/${x.id}`))).toEqual([]);
    expect(stored.some((k) => k.endsWith(`/${ida}`) && k.startsWith('emb/'))).toBe(false);
  });

  it('deleteSample removes one row of the index; moveSample re-owns one', async () => {
    const db = await fresh();
    const { a, ida, idb } = await two(db);
    const [s1, s2] = (await db.getPerson(ida)).samples;
    await db.moveSample(s1!.id, idb);
    expect((await db.findMatch(a)).personId).toBe(idb); // s1 is exactly `a`
    expect((await db.getPerson(ida)).samples.map((s) => s.id)).toEqual([s2!.id]);
    await db.deleteSample(s1!.id);
    expect((await db.stats()).ntotal).toBe(2);
    expect((await db.findTopK(a, 5))[0]!.personId).toBe(ida); // s2, near `a`, is left
    expect(await codeOf(db.deleteSample(s1!.id))).toBe('not-found');
    expect(await codeOf(db.moveSample(s2!.id, 999))).toBe('not-found');
  });

  it('listPersons and getPerson with samples and recent sightings', async () => {
    const db = await fresh();
    const { ida, idb } = await two(db);
    for (let i = 0; i < 3; i++) await db.recordSighting(idb, 0.7 + i / 10);
    const list = await db.listPersons();
    expect(list.map((p) => [p.id, p.name, p.sampleCount])).toEqual([
      [ida, 'A', 2],
      [idb, 'B', 1],
    ]);
    const b = await db.getPerson(idb, 2);
    expect(b.recentSightings.map((s) => s.similarity)).toEqual([
      expect.closeTo(0.9, 6),
      expect.closeTo(0.8, 6),
    ]);
  });

  it('importPersons adds people with their vectors in one go; names merge', async () => {
    const db = await fresh();
    const r = rng(13);
    const a = randomUnit(DIM, r);
    const ids = await db.importPersons([
      { name: 'A', embeddings: [a, near(a, 0.2, r)], visitCount: 4 },
      { name: 'a', embeddings: near(a, 0.2, r) },
      { name: 'Other model', embeddings: [new Float32Array([1, 0, 0])], modelId: 'm2', dim: 3 },
    ]);
    expect(ids[0]).toBe(ids[1]);
    expect((await db.getPerson(ids[0]!)).samples.length).toBe(3);
    expect((await db.stats()).ntotal).toBe(3); // the other model's vector is kept, not indexed
    expect((await db.getPerson(ids[2]!)).samples[0]!.modelId).toBe('m2');
    expect(await codeOf(db.importPersons([{ name: 'x', embeddings: new Float32Array(5) }]))).toBe(
      'invalid-embedding',
    );
  });
});
