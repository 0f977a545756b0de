import { describe, expect, it } from 'vitest';
import initSqlJs from 'sql.js';
import type { RecogniseFace } from './recognise';
import { SQLITE_KEY, negativeEmbKey } from '../store/keys';
import {
  openedAfterEach,
  errorOf,
  cosine,
  dumpStore,
  near,
  openTest,
  pngBlob,
  randomUnit,
  rng,
  tamper,
  uniqueName,
  unit,
} from '../../../../tests/support/memory/memory-fixtures';

const DIM = 32;
const { open } = openedAfterEach({ dim: DIM }, { flush: false });

/**
 * Ada and Bo labelled; `x` is a stranger who looks like Ada (cosine 0.75 to
 * her face, above the 0.65 threshold): the face the user will correct.
 */
async function setup(name = uniqueName()) {
  const db = await open({ name, sightingFlushMs: 60_000 });
  const r = rng(91);
  const ada = randomUnit(DIM, r);
  const bo = randomUnit(DIM, r);
  const other = randomUnit(DIM, r);
  const orth = unit(other.map((v, i) => v - cosine(other, ada) * ada[i]!));
  const x = unit(ada.map((v, i) => 0.75 * v + Math.sqrt(1 - 0.75 ** 2) * orth[i]!));
  const idAda = await db.labelFace(
    await db.queueUnlabeled(pngBlob(), ada, { timestampMs: 0 }),
    'Ada',
  );
  const idBo = await db.labelFace(await db.queueUnlabeled(pngBlob(), bo, { timestampMs: 0 }), 'Bo');
  return { db, r, ada, bo, x, idAda, idBo, name };
}

const live = (embedding: Float32Array, trackId: number): RecogniseFace => ({
  embedding,
  crop: null,
  score: 0.9,
  boxSidePx: 200,
  track: null,
  trackId,
});

describe('notThisPerson', () => {
  it('on a live box: that face and a near copy no longer get the person; her own faces still do', async () => {
    const { db, r, ada, x, idAda } = await setup();
    // The track's vote names her from its second agreeing embedding.
    const [first] = await db.recognise([live(x, 7)], 1000);
    const [seen] = await db.recognise([{ ...live(x, 7), track: first!.track }], 1050);
    expect(seen!.personId).toBe(idAda);
    const { negativeId, unlabeledId } = await db.notThisPerson({ trackId: 7 }, idAda);
    expect(unlabeledId).toBeNull();
    const [same, copy, herself] = await db.identify([x, near(x, 0.1, r), near(ada, 0.2, r)]);
    expect(same!.personId).toBeNull();
    expect(same!.topK.map((c) => c.personId)).not.toContain(idAda);
    expect(copy!.personId).toBeNull();
    expect(herself!.personId).toBe(idAda);
    expect((await db.findMatch(x)).personId).toBeNull();
    expect((await db.findTopK(x, 5)).map((c) => c.personId)).not.toContain(idAda);
    expect(await db.negativesOf(idAda)).toEqual([
      expect.objectContaining({ id: negativeId, source: 'live', modelId: 'test-model' }),
    ]);
    // The next frame of the same track is unknown.
    const [next] = await db.recognise([live(x, 7)], 1100);
    expect(next!.personId).toBeNull();
  });

  it('a face labelled as her by mistake, then "not Ada" on its live box: no longer her', async () => {
    const { db, r, ada, x, idAda } = await setup();
    await db.labelFace(await db.queueUnlabeled(null, x), 'Ada'); // the wrong label
    const [seen] = await db.recognise([live(near(x, 0.05, r), 2)], 0);
    expect(seen!.similarity).toBeGreaterThan(0.99);
    await db.notThisPerson({ trackId: 2 }, idAda);
    expect((await db.findMatch(x)).personId).toBeNull();
    expect((await db.findMatch(near(x, 0.1, r))).personId).toBeNull();
    expect((await db.findMatch(near(ada, 0.2, r))).personId).toBe(idAda);
  });

  it('the next candidate above the threshold becomes the match', async () => {
    const { db, x, idAda } = await setup();
    const idX2 = await db.labelFace(await db.queueUnlabeled(null, near(x, 0.3, rng(5))), 'Xan');
    await db.recognise([live(x, 3)], 0);
    // x is closer to its own sample than to Ada: first label Ada's lookalike wrongly.
    const [before] = await db.identify([x]);
    expect(before!.personId).toBe(idX2);
    await db.notThisPerson({ trackId: 3 }, idX2);
    const [after] = await db.identify([x]);
    expect(after!.personId).toBe(idAda); // 0.75 ≥ 0.65, and Ada has no negative
  });

  it('on a queue suggestion: suggestions for that face exclude the person', async () => {
    const { db, x, idAda, idBo } = await setup();
    const u = await db.queueUnlabeled(pngBlob(), x);
    expect((await db.suggestForUnlabeled([u], 2))[0]!.map((c) => c.personId)).toEqual([
      idAda,
      idBo,
    ]);
    await db.notThisPerson({ unlabeledId: u }, idAda);
    expect((await db.suggestForUnlabeled([u], 2))[0]!.map((c) => c.personId)).toEqual([idBo]);
    expect((await db.getUnlabeled()).map((f) => f.id)).toContain(u); // still waiting
  });

  it('on a sample: the sample goes back to the queue with its crop, and the face is not matched to her', async () => {
    const { db, x, idAda, name } = await setup();
    const u = await db.queueUnlabeled(pngBlob(80, 9), x);
    await db.labelFace(u, 'Ada'); // a wrong sample
    const wrong = (await db.getPerson(idAda)).samples.at(-1)!.id;
    expect((await db.findMatch(x)).personId).toBe(idAda);
    const { unlabeledId } = await db.notThisPerson({ sampleId: wrong });
    expect((await db.getPerson(idAda)).samples.map((s) => s.id)).not.toContain(wrong);
    expect((await db.getUnlabeled()).map((f) => f.id)).toContain(unlabeledId);
    expect(await db.getUnlabeledCrop(unlabeledId!)).toBeDefined();
    expect(await db.getSampleCrop(wrong)).toBeUndefined();
    expect((await db.findMatch(x)).personId).toBeNull();
    expect((await db.stats()).ntotal).toBe(2);
    expect((await db.verify()).ok).toBe(true);
    const stored = await dumpStore(name);
    expect(Object.keys(stored).filter((k) => k.startsWith('neg/'))).toHaveLength(1);
  });

  it('survives a reopen', async () => {
    const { db, x, idAda, name } = await setup();
    await db.recognise([live(x, 1)], 0);
    await db.notThisPerson({ trackId: 1 }, idAda);
    await db.close();
    const again = await open({ name });
    expect((await again.findMatch(x)).personId).toBeNull();
  });

  it('another model keeps them unused; switching back uses them again', async () => {
    const { db, x, idAda, name } = await setup();
    await db.recognise([live(x, 6)], 0);
    await db.notThisPerson({ trackId: 6 }, idAda);
    await db.close();
    const other = await openTest({ name, dim: 16, modelId: 'other-model' });
    expect(await other.negativesOf(idAda)).toEqual([
      expect.objectContaining({ modelId: 'test-model' }),
    ]);
    expect((await other.verify()).ok).toBe(true);
    await other.close();
    const back = await open({ name });
    expect((await back.findMatch(x)).personId).toBeNull();
  });

  it('deleting the person deletes their negatives; merging moves them', async () => {
    const { db, x, idAda, idBo, name } = await setup();
    const u = await db.queueUnlabeled(null, x);
    const { negativeId } = await db.notThisPerson({ unlabeledId: u }, idAda);
    await db.mergePersons(idAda, idBo);
    expect((await db.negativesOf(idBo)).map((n) => n.id)).toEqual([negativeId]);
    await db.deletePerson(idBo);
    expect((await dumpStore(name))[negativeEmbKey(negativeId)]).toBeUndefined();
    expect((await db.verify()).ok).toBe(true);
  });

  it('verify() reports a negative whose embedding is missing, or a stray one', async () => {
    const { db, x, idAda, name } = await setup();
    const u = await db.queueUnlabeled(null, x);
    const { negativeId } = await db.notThisPerson({ unlabeledId: u }, idAda);
    expect((await db.verify()).ok).toBe(true);
    await db.close();
    await tamper(name, negativeEmbKey(negativeId), undefined);
    await tamper(name, negativeEmbKey(negativeId + 1), new Float32Array(DIM));
    const again = await open({ name });
    const report = await again.verify();
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`negative ${negativeId} of Ada`),
        expect.stringContaining(`neg/${negativeId + 1} is stored but belongs to nothing`),
      ]),
    );
  });

  it('bad input gets a clear message and changes nothing', async () => {
    const { db, idAda, name } = await setup();
    const before = await dumpStore(name);
    expect((await errorOf(db.notThisPerson({ trackId: 99 }, idAda))).code).toBe('not-found');
    expect((await errorOf(db.notThisPerson({ unlabeledId: 999 }, idAda))).code).toBe('not-found');
    expect((await errorOf(db.notThisPerson({ sampleId: 999 }))).code).toBe('not-found');
    expect((await errorOf(db.notThisPerson({} as never, idAda))).code).toBe('invalid-input');
    const u = (await db.getUnlabeled())[0];
    expect(u).toBeUndefined();
    const sample = (await db.getPerson(idAda)).samples[0]!.id;
    expect((await errorOf(db.notThisPerson({ sampleId: sample }, idAda + 1))).code).toBe(
      'invalid-input',
    );
    expect(await dumpStore(name)).toEqual(before);
  });
});

describe('export and import carry the negatives', () => {
  it('a restore into an empty memory and a merge into another both respect them', async () => {
    const { db, x, idAda, r } = await setup();
    await db.recognise([live(x, 5)], 0);
    await db.notThisPerson({ trackId: 5 }, idAda);
    const { file } = await db.exportArchive({ settings: {} });

    const copy = await open();
    const preview = await copy.previewImport(file);
    await copy.applyImport(preview.id);
    const ada = (await copy.listPersons()).find((p) => p.name === 'Ada')!;
    expect(await copy.negativesOf(ada.id)).toEqual([
      expect.objectContaining({ source: 'live', modelId: 'test-model' }),
    ]);
    expect((await copy.findMatch(x)).personId).toBeNull();
    expect((await copy.verify()).ok).toBe(true);
    // The same file again adds no second negative.
    await copy.applyImport((await copy.previewImport(file)).id);
    expect(await copy.negativesOf(ada.id)).toHaveLength(1);

    // Into a memory that has its own Ada: the negative joins her (matched by name).
    const other = await open();
    const hers = await other.labelFace(await other.queueUnlabeled(null, near(x, 0.3, r)), 'ada');
    await other.applyImport((await other.previewImport(file)).id);
    expect(await other.negativesOf(hers)).toHaveLength(1);
    expect((await other.verify()).ok).toBe(true);
  });
});

describe('schema 1 → 2', () => {
  it('an old memory opens migrated: negatives table and sighting confidence, nothing lost', async () => {
    const { db, idAda, x, name } = await setup();
    await db.recordSighting(idAda, 0.8);
    await db.close();
    // Turn the stored snapshot back into a version-1 database.
    const SQL = await initSqlJs();
    const snap = new SQL.Database((await dumpStore(name))[SQLITE_KEY] as Uint8Array);
    snap.exec(`DROP TABLE alerts; DROP TABLE negatives; DROP TABLE visitors; DROP INDEX unlabeled_by_visitor;
      ALTER TABLE unlabeled DROP COLUMN visitor_id;
      CREATE TABLE s1 AS SELECT id, person_id, timestamp, similarity FROM sightings;
      DROP TABLE sightings;
      CREATE TABLE sightings (id INTEGER PRIMARY KEY AUTOINCREMENT, person_id INTEGER NOT NULL,
        timestamp INTEGER NOT NULL, similarity REAL NOT NULL);
      INSERT INTO sightings SELECT * FROM s1; DROP TABLE s1;
      CREATE INDEX sightings_by_person ON sightings (person_id, timestamp);
      PRAGMA user_version = 1;`);
    await tamper(name, SQLITE_KEY, snap.export());
    const again = await open({ name, sightingFlushMs: 60_000 });
    expect(again.openReport.migratedFrom).toBe(1);
    const p = await again.getPerson(idAda);
    expect(p.recentSightings).toHaveLength(1);
    expect((await again.stats()).samples).toBe(2);
    await again.recognise([live(x, 4)], 0);
    await again.notThisPerson({ trackId: 4 }, idAda);
    expect((await again.findMatch(x)).personId).toBeNull();
    expect((await again.verify()).ok).toBe(true);
  });
});

describe('sightings keep the decision confidence', () => {
  it('observe stores the given confidence; without one, the similarity', async () => {
    const { db, idAda, idBo, name } = await setup();
    await db.observe(idAda, 0.8, 10 * 60_000, 0.95);
    await db.observe(idBo, 0.7, 10 * 60_000);
    await db.recordSighting(idAda, 0.6);
    await db.flush();
    const SQL = await initSqlJs();
    const snap = new SQL.Database((await dumpStore(name))[SQLITE_KEY] as Uint8Array);
    const got = snap.exec('SELECT person_id, similarity, confidence FROM sightings ORDER BY id')[0]!
      .values;
    expect(got).toEqual(
      expect.arrayContaining([
        [idAda, 0.6, 0.6],
        [idAda, 0.8, 0.95],
        [idBo, expect.closeTo(0.7, 6), expect.closeTo(0.7, 6)],
      ]),
    );
    expect((await errorOf(db.observe(idAda, 0.8, 0, Number.NaN))).code).toBe('invalid-input');
  });
});
