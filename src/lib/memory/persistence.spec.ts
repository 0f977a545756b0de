import initSqlJs from 'sql.js';
import { describe, expect, it } from 'vitest';
import type { Checkpoint } from './store/checkpoint';
import { MemoryError } from './base/errors';
import type { FaceDatabase } from './face-database';
import { faissKey, faissPartKey, SQLITE_KEY } from './store/keys';
import { SNAPSHOT_EVERY_ACTIONS } from './store/maintenance';
import { SCHEMA_VERSION } from './store/schema';
import type { MemoryEvent } from './base/types';
import { InProcessLockManager } from '../../../tests/support/memory/in-process-lock-manager';
import {
  dumpStore,
  near,
  openTest,
  pngBlob,
  randomUnit,
  rng,
  storedCheckpoint,
  tamper,
  tamperCheckpoint,
  uniqueName,
  type TestOpen,
  openedAfterEach,
} from '../../../tests/support/memory/memory-fixtures';

const DIM = 32;
const MODEL_KEY = faissKey('test-model');
const { open } = openedAfterEach({ dim: DIM }, { flush: false });

const reopen = (name: string, opts: TestOpen = {}): Promise<FaceDatabase> =>
  open({ name, ...opts });

/** A memory with three people (two samples each), a queued face and sightings. */
async function populate(name: string) {
  const r = rng(21);
  const db = await openTest({ name, dim: DIM });
  const faces = [randomUnit(DIM, r), randomUnit(DIM, r), randomUnit(DIM, r)];
  const ids: number[] = [];
  for (const [i, f] of faces.entries()) {
    for (const v of [f, near(f, 0.2, r)]) {
      const u = await db.queueUnlabeled(pngBlob(32, i), v);
      ids[i] = await db.labelFace(u, `P${i}`);
    }
  }
  await db.recordSighting(ids[0]!, 0.8);
  const queued = await db.queueUnlabeled(pngBlob(16, 9), randomUnit(DIM, r));
  return { db, faces, ids, queued };
}

async function expectSameMemory(db: FaceDatabase, faces: Float32Array[], ids: number[]) {
  for (const [i, f] of faces.entries()) expect((await db.findMatch(f)).personId).toBe(ids[i]);
  const s = await db.stats();
  expect([s.persons, s.samples, s.ntotal, s.sightings, s.unlabeled]).toEqual([3, 6, 6, 1, 1]);
}

// Waits for the event itself: the bound is only there to end a test that would hang.
const until = async (ok: () => boolean, ms = 50_000) => {
  const end = Date.now() + ms;
  while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  expect(ok()).toBe(true);
};

describe('idle upkeep', () => {
  async function idle(name: string, events: MemoryEvent[]) {
    const db = await openTest({
      name,
      dim: DIM,
      maintenanceDelayMs: 20,
      onEvent: (e) => events.push(e),
    });
    const v = randomUnit(DIM, rng(23));
    // One action (a label would be two: queue, then label, with idle time between).
    const [id] = await db.importPersons([{ name: 'Ada', embeddings: [v] }]);
    await until(() => events.some((e) => e.type === 'maintenance' && e.checkpoint));
    return { db, v, id: id! };
  }

  it('writes a first checkpoint when idle; the journal keeps what the snapshot lacks', async () => {
    const name = uniqueName();
    const { db, v, id } = await idle(name, []);
    const keys = Object.keys(await dumpStore(name));
    expect(keys).toContain(MODEL_KEY);
    expect(keys.filter((k) => k.startsWith('sqljournal/')).length).toBe(1);
    await db.close({ flush: false });
    const again = await reopen(name);
    expect(again.openReport).toMatchObject({
      indexSource: 'checkpoint',
      journalEntriesReplayed: 1,
    });
    expect((await again.findMatch(v)).personId).toBe(id);
  });

  it(`compacts the journal into a snapshot every ${SNAPSHOT_EVERY_ACTIONS} actions`, async () => {
    const name = uniqueName();
    const events: MemoryEvent[] = [];
    const { db, id } = await idle(name, events);
    const snapshots = () => events.filter((e) => e.type === 'maintenance' && e.snapshot).length;
    const before = snapshots(); // the new database's first snapshot
    // Each snapshot event is stamped with how many actions had returned when it came, so
    // "not before the 200th" is asserted on the events, with no sleep to guess at.
    let actions = 1; // the import
    const at = new Map<MemoryEvent, number>();
    const push = events.push.bind(events);
    events.push = (...es) => {
      for (const e of es) at.set(e, actions);
      return push(...es);
    };
    for (let i = 0; i < SNAPSHOT_EVERY_ACTIONS - 2; i++) {
      await db.recordSighting(id, 0.9);
      actions++;
    }
    expect(snapshots()).toBe(before); // 199 actions: not yet
    await db.recordSighting(id, 0.9);
    actions++;
    await until(() => snapshots() > before);
    const taken = events.filter((e) => e.type === 'maintenance' && e.snapshot).slice(before);
    expect(taken.map((e) => at.get(e))).toEqual([SNAPSHOT_EVERY_ACTIONS]);
    expect(Object.keys(await dumpStore(name)).filter((k) => k.startsWith('sqljournal/'))).toEqual(
      [],
    );
    await db.close({ flush: false });
    const again = await reopen(name);
    expect(again.openReport).toMatchObject({
      indexSource: 'checkpoint',
      journalEntriesReplayed: 0,
    });
    expect((await again.getPerson(id)).visitCount).toBe(SNAPSHOT_EVERY_ACTIONS - 1);
  });
});

describe('persistence', () => {
  it('survives close and reopen: people, samples, crops, queue, sightings, index', async () => {
    const name = uniqueName();
    const { db, faces, ids, queued } = await populate(name);
    await db.close();
    const again = await reopen(name);
    await expectSameMemory(again, faces, ids);
    expect((await again.getUnlabeled()).map((u) => u.id)).toEqual([queued]);
    expect((await again.getUnlabeledCrop(queued))?.size).toBe(16);
    const p = await again.getPerson(ids[1]!);
    expect((await again.getSampleCrop(p.samples[0]!.id))?.size).toBe(32);
  });

  it('opens from the checkpoint when it matches: no rebuild, no journal', async () => {
    const name = uniqueName();
    const { db, faces, ids } = await populate(name);
    await db.close(); // flushes: snapshot + checkpoint, journal compacted away
    expect(Object.keys(await dumpStore(name)).filter((k) => k.startsWith('sqljournal/'))).toEqual(
      [],
    );
    const events: string[] = [];
    const again = await reopen(name, { onEvent: (e) => events.push(e.type) });
    expect(again.openReport).toMatchObject({
      indexSource: 'checkpoint',
      rebuildReason: null,
      journalEntriesReplayed: 0,
    });
    expect(events).not.toContain('index-rebuilt');
    await expectSameMemory(again, faces, ids);
  });

  it('brings an older checkpoint up to date from the journal after a crash', async () => {
    const name = uniqueName();
    const { db, faces, ids } = await populate(name);
    await db.flush();
    const r = rng(22);
    const extra = randomUnit(DIM, r);
    const u = await db.queueUnlabeled(null, extra);
    const newId = await db.labelFace(u, 'Late');
    await db.deleteSample((await db.getPerson(ids[2]!)).samples[1]!.id);
    await db.close({ flush: false }); // as if the tab died: no snapshot, no checkpoint
    const again = await reopen(name);
    expect(again.openReport).toMatchObject({
      indexSource: 'checkpoint+journal',
      journalEntriesReplayed: 3,
      indexEffectsReplayed: 2,
    });
    expect((await again.findMatch(extra)).personId).toBe(newId);
    expect((await again.findMatch(faces[2]!)).personId).toBe(ids[2]);
    expect((await again.stats()).ntotal).toBe(6);
  });

  it('replays the journal and rebuilds when there is no checkpoint yet', async () => {
    const name = uniqueName();
    const { db, faces, ids } = await populate(name);
    await db.close({ flush: false });
    const again = await reopen(name);
    expect(again.openReport.indexSource).toBe('rebuilt');
    expect(again.openReport.rebuildReason).toBe('no checkpoint');
    expect(again.openReport.journalEntriesReplayed).toBeGreaterThan(10);
    await expectSameMemory(again, faces, ids);
  });

  type Stored = { header: Checkpoint; bytes: Uint8Array };
  const tags = (edit: Partial<Checkpoint>) => (ck: Stored) => ({
    ...ck,
    header: { ...ck.header, ...edit },
  });
  type Spoilt = { header: unknown; bytes: Uint8Array; partsOf?: Checkpoint };
  const corruptions: Array<[string, (ck: Stored) => Spoilt, RegExp]> = [
    [
      'random bytes',
      (ck) => ({ ...ck, bytes: new Uint8Array(ck.bytes.length).fill(0x5a) }),
      /unreadable.*not recognized/,
    ],
    [
      'truncated bytes',
      (ck) => ({
        header: { ...ck.header, size: ck.bytes.length - 20 },
        bytes: ck.bytes.slice(0, ck.bytes.length - 20),
      }),
      /unreadable/,
    ],
    [
      'a part too short',
      (ck) => ({ ...ck, bytes: ck.bytes.slice(0, -20) }),
      /part 0 has a wrong length/,
    ],
    [
      'a part of another checkpoint',
      (ck) => ({ ...tags({ id: 'another' })(ck), partsOf: ck.header }),
      /part 0 is of another one/,
    ],
    ['a missing part', (ck) => ({ ...ck, bytes: new Uint8Array(0) }), /part 0 is missing/],
    ['a part count that does not fit its size', tags({ parts: 2 }), /unrecognised/],
    ['a later generation', (ck) => tags({ indexGen: ck.header.indexGen + 5 })(ck), /newer/],
    ['an older generation', (ck) => tags({ indexGen: ck.header.indexGen - 1 })(ck), /journal/],
    [
      'another kind of index',
      tags({ kind: 'IndexIVFFlat' }),
      /holds IndexFlatIP, tagged IndexIVFFlat/,
    ],
    ['another model', tags({ modelId: 'other' }), /model other/],
    ['another dimension', tags({ dim: 16 }), /dimension 16/],
    ['another memory', tags({ dbId: 'someone-else' }), /another memory/],
    ['a wrong vector count', (ck) => tags({ ntotal: ck.header.ntotal + 1 })(ck), /count/],
    ['not a checkpoint', (ck) => ({ header: 'hello', bytes: ck.bytes }), /unrecognised/],
  ];

  it.each(corruptions)('rebuilds, never trusts, a checkpoint with %s', async (_, spoil, why) => {
    const name = uniqueName();
    const { db, faces, ids } = await populate(name);
    await db.close();
    const ck = await storedCheckpoint(name, 'test-model');
    const bad = spoil(ck);
    await tamperCheckpoint(name, 'test-model', bad.header, bad.bytes, bad.partsOf);
    const again = await reopen(name);
    expect(again.openReport.indexSource).toBe('rebuilt');
    expect(again.openReport.rebuildReason).toMatch(why);
    await expectSameMemory(again, faces, ids);
    await again.close(); // writes a good checkpoint again
    const third = await reopen(name);
    expect(third.openReport.indexSource).toBe('checkpoint');
  });

  it('a checkpoint of many parts, read several transactions at a time, opens; a swapped part does not', async () => {
    const name = uniqueName();
    const dim = 768;
    const r = rng(31);
    const db = await openTest({ name, dim });
    // 3,400 × 768-d floats: ~10 MB, 20 parts of 512 KiB, more than one read of 16.
    const people = Array.from({ length: 340 }, (_, p) => ({
      name: `P${p}`,
      embeddings: Array.from({ length: 10 }, () => randomUnit(dim, r)),
    }));
    await db.importPersons(people);
    const probe = people[337]!.embeddings[4]!;
    await db.close();
    const { header } = await storedCheckpoint(name, 'test-model');
    expect(header.parts).toBeGreaterThan(16);
    const again = await openTest({ name, dim });
    expect(again.openReport.indexSource).toBe('checkpoint');
    expect((await again.findMatch(probe)).similarity).toBeCloseTo(1, 5);
    await again.close({ flush: false });
    // The records of parts 17 and 18 swapped: each names its own place, so refused, rebuilt.
    const stored = await dumpStore(name);
    const [k17, k18] = [faissPartKey('test-model', 17), faissPartKey('test-model', 18)];
    await tamper(name, k17, stored[k18]);
    await tamper(name, k18, stored[k17]);
    const third = await openTest({ name, dim });
    expect(third.openReport.indexSource).toBe('rebuilt');
    expect(third.openReport.rebuildReason).toMatch(/part 17 is of another one/);
    expect((await third.findMatch(probe)).similarity).toBeCloseTo(1, 5);
    await third.close({ flush: false });
  });

  it('stores the checkpoint in parts and still reads one in the format before parts', async () => {
    const name = uniqueName();
    const { db, faces, ids } = await populate(name);
    await db.close();
    const { header, bytes } = await storedCheckpoint(name, 'test-model');
    expect(header).toMatchObject({ format: 2, parts: 1, size: bytes.length });
    // Format 1: the bytes inside the one record, as earlier versions wrote it.
    const { id: _, size: __, partBytes: ___, parts: ____, ...v1 } = header;
    await tamperCheckpoint(name, 'test-model', { ...v1, format: 1, bytes }, new Uint8Array(0));
    const again = await reopen(name);
    expect(again.openReport.indexSource).toBe('checkpoint');
    await expectSameMemory(again, faces, ids);
    await again.close(); // and writes it again, in parts

    expect((await storedCheckpoint(name, 'test-model')).header.format).toBe(2);
  });

  it('rebuilds when the checkpoint is of a state whose journal was compacted away', async () => {
    const name = uniqueName();
    const { db, faces, ids } = await populate(name);
    await db.flush();
    const old = await storedCheckpoint(name, 'test-model');
    await db.deleteSample((await db.getPerson(ids[0]!)).samples[1]!.id);
    await db.close();
    await tamperCheckpoint(name, 'test-model', old.header, old.bytes); // stale, no journal to catch up with
    const again = await reopen(name);
    expect(again.openReport.indexSource).toBe('rebuilt');
    expect((await again.stats()).ntotal).toBe(5);
    expect((await again.findMatch(faces[0]!)).personId).toBe(ids[0]);
  });

  it('keeps samples of every model; each model has its own index', async () => {
    const name = uniqueName();
    const { db, faces, ids } = await populate(name);
    await db.close();
    const other = await reopen(name, { modelId: 'other-model', dim: 16 });
    expect(other.openReport.indexSource).toBe('empty');
    const s = await other.stats();
    expect([s.persons, s.samples, s.ntotal, s.modelId]).toEqual([3, 6, 0, 'other-model']);
    await other.close();
    const back = await reopen(name);
    expect(back.openReport.indexSource).toBe('checkpoint');
    await expectSameMemory(back, faces, ids);
  });

  it('records the schema version and refuses a database from a newer app', async () => {
    const name = uniqueName();
    const { db } = await populate(name);
    await db.close();
    const SQL = await initSqlJs();
    const snap = new SQL.Database((await dumpStore(name))[SQLITE_KEY] as Uint8Array);
    expect(snap.exec('PRAGMA user_version')[0]!.values[0]![0]).toBe(SCHEMA_VERSION);
    snap.exec('PRAGMA user_version = 99');
    await tamper(name, SQLITE_KEY, snap.export());
    const before = await dumpStore(name);
    const err = await openTest({ name, dim: DIM }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MemoryError);
    expect((err as MemoryError).code).toBe('schema-too-new');
    expect(await dumpStore(name)).toEqual(before);
  });

  it('refuses to open a memory whose journal is damaged, changing nothing', async () => {
    const name = uniqueName();
    const { db } = await populate(name);
    await db.close({ flush: false });
    const store = await dumpStore(name);
    const last = Object.keys(store)
      .filter((k) => k.startsWith('sqljournal/'))
      .at(-2)!;
    await tamper(name, last, undefined); // a gap
    const before = await dumpStore(name);
    const err = await openTest({ name, dim: DIM, locks: new InProcessLockManager() }).catch(
      (e: unknown) => e,
    );
    expect((err as MemoryError).code).toBe('storage-corrupt');
    expect(await dumpStore(name)).toEqual(before);
  });
});
