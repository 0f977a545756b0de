import { describe, expect, it } from 'vitest';
import { inTimeZone, ZONES } from '../../../../tests/support/time-zone';
import initSqlJs from 'sql.js';
import type { RecogniseFace, RecognisedFace } from './recognise';
import { SQLITE_KEY } from '../store/keys';
import * as fixtures from '../../../../tests/support/memory/memory-fixtures';

const { dumpStore, errorOf, near, pngBlob, randomUnit, rng, tamper, uniqueName } = fixtures;

const DIM = 32;
const MIN = 60_000;
const DAY = 86_400_000;
const { open } = fixtures.openedAfterEach({ dim: DIM }, { flush: false });

/** A memory with Ada labelled at time 0; a stranger's face (and a way to see it at a time). */
async function setup(name = uniqueName()) {
  const db = await open({ name, sightingFlushMs: 60_000 });
  const r = rng(91);
  const ada = randomUnit(DIM, r);
  const idAda = await db.labelFace(await db.queueUnlabeled(null, ada, { timestampMs: 0 }), 'Ada');
  const stranger = randomUnit(DIM, r);
  /** The camera sees the stranger at `atMs`: queued (while it has room) and observed. */
  const see = async (atMs: number, face = near(stranger, 0.1, r)) => {
    const q = await db.queueUnknown(pngBlob(), face, { timestampMs: atMs, maxPerGroup: 3 });
    await db.observeVisitor(q.visitorId!, 0.9, atMs);
    return q;
  };
  return { db, r, ada, idAda, stranger, see, name };
}

describe('visitors: appear, return, label, merge, discard, expire', () => {
  it('a stranger becomes Visitor n with its best few faces; a return is a visit of the same visitor', async () => {
    const { db, see } = await setup();
    const first = await see(10 * MIN);
    expect(first.queued).toBe(true);
    for (let ms = 10 * MIN + 500; ms < 12 * MIN; ms += 500) await see(ms); // one presence
    const back = await see(40 * MIN); // after the 5-minute gap
    expect(back.visitorId).toBe(first.visitorId);
    await db.flush(); // visits are batched as a person's are
    const [v, ...others] = await db.listVisitors();
    expect(others).toHaveLength(0);
    expect(v).toMatchObject({
      id: first.visitorId,
      number: first.visitorId,
      firstSeenMs: 10 * MIN,
      lastSeenMs: 40 * MIN,
      visitCount: 2,
    });
    expect(v!.faceIds).toHaveLength(3); // the group is full: no more crops
    expect(v!.coverFaceId).not.toBeNull();
    expect((await db.getUnlabeled()).every((f) => f.visitorId === first.visitorId)).toBe(true);
    expect((await db.stats()).visitors).toBe(1);
  });

  it('another stranger is another visitor; a face between the thresholds is not sure', async () => {
    const { db, r, see, stranger } = await setup();
    const a = await see(MIN, stranger);
    const b = await db.queueUnknown(pngBlob(), randomUnit(DIM, r), { timestampMs: 2 * MIN });
    expect(b.visitorId).not.toBe(a.visitorId);
    await db.setThreshold(0.95, 0.3);
    expect(await db.matchVisitor(stranger)).toMatchObject({
      decision: 'same',
      visitorId: a.visitorId,
    });
    // Cosine 0.6 to the first visitor's face: between the thresholds.
    const between = atCosine(stranger, 0.6, r);
    expect(await db.matchVisitor(between)).toMatchObject({
      decision: 'not-sure',
      visitorId: a.visitorId,
    });
    const q = await db.queueUnknown(pngBlob(), between, { timestampMs: 3 * MIN });
    expect(q).toMatchObject({ queued: false, notSure: true, visitorId: null });
    expect((await db.listVisitors()).length).toBe(2);
    // A face of a photo the user chose is kept: on a card of its own, not the look-alike's.
    const apart = await db.queueUnknown(pngBlob(), between, {
      timestampMs: 4 * MIN,
      notSure: 'apart',
    });
    expect(apart).toMatchObject({ queued: true, notSure: true });
    expect(apart.visitorId).not.toBeNull();
    expect([a.visitorId, b.visitorId]).not.toContain(apart.visitorId);
    expect((await db.listVisitors()).length).toBe(3);
  });

  it('labelling a visitor makes it a person and moves its visit history', async () => {
    const { db, see, stranger } = await setup();
    const { visitorId } = await see(10 * MIN);
    await see(40 * MIN);
    await db.flush();
    const personId = await db.labelVisitor(visitorId!, 'Cleo');
    const p = await db.getPerson(personId);
    expect(p).toMatchObject({ name: 'Cleo', visitCount: 2, firstSeenMs: 10 * MIN });
    expect(p.lastSeenMs).toBe(40 * MIN);
    expect(p.samples).toHaveLength(2);
    expect(p.recentSightings.map((s) => s.timestampMs)).toEqual([40 * MIN, 10 * MIN]);
    expect(await db.listVisitors()).toEqual([]);
    expect(await db.getUnlabeled()).toEqual([]);
    expect((await db.findMatch(stranger)).personId).toBe(personId);
    expect((await db.visitLog({ personId })).map((v) => v.subject)).toEqual([
      { kind: 'person', id: personId, name: 'Cleo' },
      { kind: 'person', id: personId, name: 'Cleo' },
    ]);
    expect((await errorOf(db.getVisitor(visitorId!))).code).toBe('not-found');
  });

  it('naming a visitor as an existing person merges it into them', async () => {
    const { db, see, idAda } = await setup();
    await db.observe(idAda, 0.9, 5 * MIN);
    const { visitorId } = await see(60 * MIN);
    await db.flush();
    expect(await db.labelVisitor(visitorId!, ' ada ')).toBe(idAda);
    const p = await db.getPerson(idAda);
    expect(p.visitCount).toBe(2); // the labelling visit's row (at 5 min) and the visitor's visit
    expect(p.samples).toHaveLength(2);
    expect(p.lastSeenMs).toBe(60 * MIN);
    expect((await db.listPersons()).length).toBe(1);
  });

  it('a visit goes on from visitor to person when named mid-visit (batched presence moves)', async () => {
    const { db, see } = await setup();
    const { visitorId } = await see(10 * MIN);
    const personId = await db.labelVisitor(visitorId!, 'Dan'); // nothing flushed yet
    expect((await db.observe(personId, 0.9, 11 * MIN)).newVisit).toBe(false);
    await db.flush();
    const [visit, ...more] = await db.visitLog({ personId });
    expect(more).toEqual([]);
    expect(visit).toMatchObject({ startMs: 10 * MIN, endMs: 11 * MIN, sightings: 2 });
    expect((await db.getPerson(personId)).visitCount).toBe(1);
  });

  it('discarding forgets a visitor at once: faces, crops, embeddings and sightings', async () => {
    const { db, see, name } = await setup();
    const { visitorId } = await see(10 * MIN);
    await db.flush();
    const before = Object.keys(await dumpStore(name));
    expect(before.some((k) => k.startsWith('crop/unl/'))).toBe(true);
    await db.discardVisitors(visitorId!);
    await db.flush();
    const after = await dumpStore(name);
    expect(Object.keys(after).filter((k) => /^(crop\/unl|unl)\//.test(k))).toEqual([]);
    expect(await db.listVisitors()).toEqual([]);
    expect(await db.visitLog()).toEqual([]);
    expect((await db.stats()).sightings).toBe(0);
    expect((await errorOf(db.discardVisitors(visitorId!))).code).toBe('not-found');
    expect((await db.verify()).problems).toEqual([]);
  });

  it('deleting a person (once a visitor) leaves nothing of them: rows, crops, embeddings, sightings', async () => {
    const { db, see, name, idAda } = await setup();
    const { visitorId } = await see(10 * MIN);
    await see(40 * MIN);
    const personId = await db.labelVisitor(visitorId!, 'Eve');
    await db.deletePerson(personId);
    await db.deletePerson(idAda);
    await db.flush();
    const stored = await dumpStore(name);
    expect(Object.keys(stored).filter((k) => /^(emb|crop|unl|neg)\//.test(k))).toEqual([]);
    const SQL = await initSqlJs();
    const sql = new SQL.Database(stored[SQLITE_KEY] as Uint8Array);
    const n = (q: string) => Number(sql.exec(q)[0]!.values[0]![0]);
    expect(n('SELECT COUNT(*) FROM persons')).toBe(0);
    expect(n('SELECT COUNT(*) FROM samples')).toBe(0);
    expect(n('SELECT COUNT(*) FROM sightings')).toBe(0);
    expect(n('SELECT COUNT(*) FROM negatives')).toBe(0);
    expect(n('SELECT COUNT(*) FROM unlabeled WHERE reviewed = 1')).toBe(0);
    expect((await db.verify()).problems).toEqual([]);
  });

  it('discarding a visitor’s last waiting face forgets the visitor too', async () => {
    const { db, see } = await setup();
    const q = await see(MIN);
    await db.discardUnlabeled(q.id!);
    expect(await db.listVisitors()).toEqual([]);
  });

  it('retention: a preview says what expiry deletes; turned on, it deletes that and no more', async () => {
    const { db, see, r, idAda } = await setup();
    const now = 100 * DAY;
    const old = await see(10 * DAY);
    const recent = await db.queueUnknown(pngBlob(), randomUnit(DIM, r), { timestampMs: 90 * DAY });
    await db.observe(idAda, 0.9, 20 * DAY);
    await db.observe(idAda, 0.9, 95 * DAY);
    await db.flush();
    expect(await db.getRetention()).toBeNull(); // off until turned on
    const policy = { visitorDays: 30, sightingMonths: 2 };
    const preview = await db.previewRetention(policy, now);
    expect(preview).toEqual({ visitors: 1, faces: 1, sightings: 2 });
    expect(await db.setRetention(policy, now)).toEqual(preview);
    expect(await db.getRetention()).toEqual(policy);
    expect((await db.listVisitors()).map((v) => v.id)).toEqual([recent.visitorId]);
    expect(await db.getVisitor(recent.visitorId!)).toBeDefined();
    expect((await errorOf(db.getVisitor(old.visitorId!))).code).toBe('not-found');
    const ada = await db.getPerson(idAda);
    expect(ada.recentSightings.map((s) => s.timestampMs)).toEqual([95 * DAY]);
    expect(ada.visitCount).toBe(1 + 2 - 1);
    expect(await db.previewRetention(undefined, now)).toEqual({
      visitors: 0,
      faces: 0,
      sightings: 0,
    });
    expect((await db.verify()).problems).toEqual([]);
  });

  it('retention applies at start', async () => {
    const { db, see, name } = await setup();
    await see(Date.now() - 40 * DAY);
    await db.setRetention({ visitorDays: 50, sightingMonths: null });
    expect(await db.listVisitors()).toHaveLength(1);
    await db.flush();
    await db.close();
    // Still there; a stricter policy written while closed is applied by the next open.
    const again = await open({ name });
    expect(await again.listVisitors()).toHaveLength(1);
    await again.setRetention({ visitorDays: 30, sightingMonths: null });
    expect(await again.listVisitors()).toHaveLength(0);
  });
});

describe('the visit log', () => {
  it('derives visits: start, end and recognitions, one row per presence, filtered by subject and dates', async () => {
    const { db, idAda, see } = await setup();
    for (let ms = 10 * MIN; ms <= 12 * MIN; ms += MIN) await db.observe(idAda, 0.9, ms);
    await db.flush(); // the open visit's row is written…
    await db.observe(idAda, 0.9, 14 * MIN); // …and then extended, not rescanned
    await db.observe(idAda, 0.9, 30 * MIN);
    const { visitorId } = await see(20 * MIN);
    const all = await db.visitLog();
    expect(all.map((v) => [v.subject.kind, v.startMs, v.endMs, v.sightings])).toEqual([
      ['person', 30 * MIN, 30 * MIN, 1],
      ['visitor', 20 * MIN, 20 * MIN, 1],
      ['person', 10 * MIN, 14 * MIN, 4],
    ]);
    expect(await db.visitLog({ personId: idAda, fromMs: 0, toMs: 20 * MIN })).toHaveLength(1);
    expect((await db.visitLog({ visitorId: visitorId! }))[0]!.subject).toEqual({
      kind: 'visitor',
      id: visitorId,
      number: visitorId,
    });
    expect(await db.visitLog({ limit: 1, offset: 1 })).toEqual([all[1]]);
    expect((await errorOf(db.visitLog({ fromMs: NaN }))).code).toBe('invalid-input');
    // The same visits everywhere: the person's count is the log's rows, and the visit
    // Ada was labelled in (at 0, never sighted: counted, as the original, with no row).
    expect((await db.getPerson(idAda)).visitCount).toBe(1 + 2);
    const perDay = await inTimeZone('UTC', () => db.visitsPerDay(idAda, 1, 30 * MIN));
    expect(perDay[0]!.visits).toBe(2);
  });

  it('exports the filtered log as CSV with ISO times in the user’s zone', async () => {
    const { db, idAda, see } = await setup();
    await db.renamePerson(idAda, '=Ada, "A"');
    await db.observe(idAda, 0.9, Date.UTC(2025, 0, 2, 9, 0, 0));
    await db.observe(idAda, 0.9, Date.UTC(2025, 0, 2, 9, 3, 0));
    const { visitorId } = await see(Date.UTC(2025, 0, 2, 10, 0, 0));
    const csv = await db.visitLogCsv({ fromMs: Date.UTC(2025, 0, 1) }, { tzOffsetMin: -60 });
    expect(csv.split('\r\n')).toEqual([
      'who,visitor_number,start,end,sightings',
      `Visitor ${visitorId},${visitorId},2025-01-02T11:00:00+01:00,2025-01-02T11:00:00+01:00,1`,
      `"'=Ada, ""A""",,2025-01-02T10:00:00+01:00,2025-01-02T10:03:00+01:00,2`,
      '',
    ]);
    // Without a fixed offset: the zone's own, at each time (winter here).
    for (const { zone, winterOffsetH } of ZONES) {
      const inZone = await inTimeZone(zone, () =>
        db.visitLogCsv({ fromMs: Date.UTC(2025, 0, 1), personId: idAda }),
      );
      const h = String(9 + winterOffsetH).padStart(2, '0');
      const off = `${winterOffsetH < 0 ? '-' : '+'}${String(Math.abs(winterOffsetH)).padStart(2, '0')}:00`;
      expect(inZone.split('\r\n')[1]).toBe(
        `"'=Ada, ""A""",,2025-01-02T${h}:00:00${off},2025-01-02T${h}:03:00${off},2`,
      );
    }
  });
});

describe('schema 3 migration', () => {
  it('every waiting group of an older memory becomes one visitor; sightings keep their visits', async () => {
    const name = uniqueName();
    const db = await open({ name });
    const r = rng(5);
    const g = randomUnit(DIM, r);
    const id = await db.labelFace(await db.queueUnlabeled(null, g), 'Ada');
    await db.recordSighting(id, 0.9);
    await db.queueUnlabeled(null, near(g, 0.1, r), { groupKey: 'x', timestampMs: 5 });
    await db.queueUnlabeled(null, near(g, 0.1, r), { groupKey: 'x', timestampMs: 9 });
    await db.queueUnlabeled(null, randomUnit(DIM, r), { timestampMs: 7 });
    await db.close();
    const SQL = await initSqlJs();
    const snap = new SQL.Database((await dumpStore(name))[SQLITE_KEY] as Uint8Array);
    snap.exec(`DROP TABLE alerts; DROP TABLE visitors; DROP INDEX unlabeled_by_visitor;
      ALTER TABLE unlabeled DROP COLUMN visitor_id;
      CREATE TABLE s2 AS SELECT id, person_id, timestamp, similarity, confidence FROM sightings;
      DROP TABLE sightings;
      CREATE TABLE sightings (id INTEGER PRIMARY KEY AUTOINCREMENT, person_id INTEGER NOT NULL,
        timestamp INTEGER NOT NULL, similarity REAL NOT NULL, confidence REAL);
      INSERT INTO sightings SELECT * FROM s2; DROP TABLE s2;
      CREATE INDEX sightings_by_person ON sightings (person_id, timestamp);
      PRAGMA user_version = 2;`);
    await tamper(name, SQLITE_KEY, snap.export());
    const again = await open({ name });
    expect(again.openReport.migratedFrom).toBe(2);
    const visitors = await again.listVisitors();
    expect(visitors.map((v) => [v.firstSeenMs, v.lastSeenMs, v.faceIds.length])).toEqual([
      [5, 9, 2],
      [7, 7, 1],
    ]);
    const [log] = await again.visitLog({ personId: id });
    expect(log).toMatchObject({ sightings: 1 });
    expect(log!.endMs).toBe(log!.startMs);
    expect((await again.verify()).problems).toEqual([]);
  });
});

describe('recognise: strangers are visitors', () => {
  const face = (embedding: Float32Array, track: RecogniseFace['track'] = null, trackId = 1) => ({
    embedding,
    crop: pngBlob(),
    score: 0.9,
    boxSidePx: 200,
    track,
    trackId,
  });

  it('a stranger’s frames are one visitor’s visit; coming back is another visit of it', async () => {
    const { db, r, stranger } = await setup();
    let got: RecognisedFace[] = [];
    let track: RecogniseFace['track'] = null;
    for (let ms = 10 * MIN; ms < 10 * MIN + 3000; ms += 100) {
      got = await db.recognise([face(near(stranger, 0.1, r), track)], ms);
      track = got[0]!.track;
    }
    const visitorId = got[0]!.visitorId;
    expect(visitorId).not.toBeNull();
    expect(got[0]!.state).toBe('stranger');
    track = null;
    for (let ms = 30 * MIN; ms < 30 * MIN + 1000; ms += 100) {
      got = await db.recognise([face(near(stranger, 0.1, r), track, 2)], ms);
      track = got[0]!.track;
    }
    expect(got[0]!.visitorId).toBe(visitorId);
    await db.flush();
    const [v] = await db.listVisitors();
    expect(v!.visitCount).toBe(2);
    expect(v!.faceIds.length).toBeLessThanOrEqual(5);
    const log = await db.visitLog({ visitorId: visitorId! });
    expect(log).toHaveLength(2);
    expect(log[1]!.endMs - log[1]!.startMs).toBeGreaterThan(2000);
  });
});

/** A unit vector at cosine `c` to unit vector `v`. */
function atCosine(v: Float32Array, c: number, r: () => number): Float32Array {
  const o = randomUnit(v.length, r);
  const d = o.reduce((n, x, i) => n + x * v[i]!, 0);
  const perp = o.map((x, i) => x - d * v[i]!);
  const norm = Math.hypot(...perp);
  return v.map((x, i) => c * x + Math.sqrt(1 - c * c) * (perp[i]! / norm));
}
