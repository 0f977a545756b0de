import { describe, expect, it } from 'vitest';
import { MemoryError, READ_ONLY_MESSAGE } from './base/errors';
import { InProcessLockManager } from '../../../tests/support/memory/in-process-lock-manager';
import {
  countWriteTransactions,
  dumpStore,
  near,
  openTest,
  pngBlob,
  randomUnit,
  rng,
  uniqueName,
  openedAfterEach,
} from '../../../tests/support/memory/memory-fixtures';

const DIM = 16;
const { open } = openedAfterEach({ dim: DIM }, { flush: false });

/** Decides, for each step inside a write transaction, whether to fail there. */
let fault: ((step: string, tx: IDBTransaction) => void) | null = null;

async function setup(name = uniqueName(), locks = new InProcessLockManager()) {
  const db = await open({ name, locks, onWriteStep: (s, tx) => fault?.(s, tx) });
  const r = rng(31);
  const a = randomUnit(DIM, r);
  const b = randomUnit(DIM, r);
  const ua = await db.queueUnlabeled(pngBlob(8, 1), a);
  const ida = await db.labelFace(ua, 'A');
  const ua2 = await db.queueUnlabeled(pngBlob(8, 2), near(a, 0.2, r));
  await db.labelFace(ua2, 'A');
  const idb = await db.labelFace(await db.queueUnlabeled(pngBlob(8, 3), b), 'B');
  const pending = await db.queueUnlabeled(pngBlob(8, 4), near(b, 0.2, r));
  const spare = await db.queueUnlabeled(pngBlob(8, 5), randomUnit(DIM, r));
  await db.recordSighting(ida, 0.9);
  // A visitor last seen long ago, with a visit (for retention, and for naming and discarding).
  const old = await db.queueUnknown(pngBlob(8, 6), randomUnit(DIM, r), { timestampMs: 1000 });
  await db.observeVisitor(old.visitorId!, 0.9, 1000);
  await db.flush();
  const [sa1, sa2] = (await db.getPerson(ida)).samples.map((s) => s.id);
  const visitorOf = async (id: number) =>
    (await db.getUnlabeled()).find((f) => f.id === id)!.visitorId!;
  const [vPending, vOld] = [await visitorOf(pending), old.visitorId!];
  return {
    name,
    db,
    a,
    b,
    ida,
    idb,
    pending,
    spare,
    sa1: sa1!,
    sa2: sa2!,
    locks,
    r,
    vPending,
    vOld,
  };
}

type Setup = Awaited<ReturnType<typeof setup>>;

/** Every user action, as the UI would call it. */
const ACTIONS: Array<[string, (s: Setup) => Promise<unknown>]> = [
  ['queueUnlabeled', (s) => s.db.queueUnlabeled(pngBlob(), randomUnit(DIM, s.r))],
  ['labelFace (existing name)', (s) => s.db.labelFace(s.pending, 'a')],
  ['labelFace (new name)', (s) => s.db.labelFace(s.pending, 'C')],
  ['labelFaces', (s) => s.db.labelFaces([s.pending, s.spare], 'D')],
  ['discardUnlabeled', (s) => s.db.discardUnlabeled(s.spare)],
  ['recordSighting', (s) => s.db.recordSighting(s.idb, 0.7)],
  ['renamePerson', (s) => s.db.renamePerson(s.ida, 'Ada')],
  ['mergePersons', (s) => s.db.mergePersons(s.ida, s.idb)],
  ['deletePerson', (s) => s.db.deletePerson(s.ida)],
  ['deleteSample', (s) => s.db.deleteSample(s.sa1)],
  ['moveSample', (s) => s.db.moveSample(s.sa1, s.idb)],
  ['importPersons', (s) => s.db.importPersons([{ name: 'E', embeddings: [randomUnit(DIM, s.r)] }])],
  ['notThisPerson (queued face)', (s) => s.db.notThisPerson({ unlabeledId: s.pending }, s.idb)],
  ['notThisPerson (sample)', (s) => s.db.notThisPerson({ sampleId: s.sa2 })],
  ['labelVisitor (new name)', (s) => s.db.labelVisitor(s.vOld, 'F')],
  ['labelVisitor (existing name)', (s) => s.db.labelVisitor(s.vPending, 'B')],
  ['discardVisitors', (s) => s.db.discardVisitors([s.vOld, s.vPending])],
  ['setRetention', (s) => s.db.setRetention({ visitorDays: 30, sightingMonths: 1 })],
];

/** What the open memory shows: people, queue, counts and search results. */
async function view(s: Setup) {
  return {
    persons: await s.db.listPersons(),
    details: await Promise.all((await s.db.listPersons()).map((p) => s.db.getPerson(p.id))),
    negatives: await Promise.all((await s.db.listPersons()).map((p) => s.db.negativesOf(p.id))),
    queue: await s.db.getUnlabeled(),
    visitors: await s.db.listVisitors(),
    log: await s.db.visitLog(),
    retention: await s.db.getRetention(),
    stats: await s.db.stats(),
    top: await s.db.identify([s.a, s.b], 5),
  };
}

describe('invariant 1: one action = one IndexedDB transaction, done only after it commits', () => {
  it.each(ACTIONS)('%s uses exactly one readwrite transaction', async (_, act) => {
    const s = await setup();
    expect(await countWriteTransactions(() => act(s))).toBe(1);
  });

  it('resolves only after the transaction’s complete event', async () => {
    const s = await setup();
    const order: string[] = [];
    fault = (step, tx) => {
      if (step === 'commit') tx.addEventListener('complete', () => order.push('complete'));
    };
    try {
      await s.db.labelFace(s.pending, 'B');
      order.push('resolved');
    } finally {
      fault = null;
    }
    expect(order).toEqual(['complete', 'resolved']);
  });
});

describe('invariant 1/6: a failure in the middle leaves storage and memory as before', () => {
  it.each(ACTIONS)('%s: a throw at every step, then an abort', async (_, act) => {
    const s = await setup();
    const storedBefore = await dumpStore(s.name);
    const shownBefore = await view(s);
    // Learn the steps of this action on a throwaway copy of the same state.
    const probe = await setup(uniqueName());
    const steps: string[] = [];
    fault = (step) => void steps.push(step);
    await act(probe);
    fault = null;
    expect(steps.at(-1)).toBe('commit');
    const failures: Array<(step: string, tx: IDBTransaction) => void> = steps.map(
      (at) => (step) => {
        if (step === at) throw new Error(`injected at ${at}`);
      },
    );
    failures.push((step, tx) => step === 'commit' && tx.abort());
    for (const f of failures) {
      fault = f;
      const err = await act(s).then(
        () => null,
        (e: unknown) => e,
      );
      fault = null;
      expect(err).toBeInstanceOf(MemoryError);
      expect((err as MemoryError).code).toBe('storage-failed');
      expect(await dumpStore(s.name)).toEqual(storedBefore);
      expect(await view(s)).toEqual(shownBefore);
    }
    // And it still works afterwards, with nothing left half done.
    await act(s);
    expect(await view(s)).not.toEqual(shownBefore);
  });

  it('reopening after a failed action gives the state before it', async () => {
    const s = await setup();
    const shownBefore = await view(s);
    fault = (step) => {
      if (step.startsWith('delete:')) throw new Error('injected');
    };
    await expect(s.db.labelFace(s.pending, 'A')).rejects.toThrow(MemoryError);
    fault = null;
    await s.db.close({ flush: false });
    s.locks.crash();
    const again = await open({ name: s.name, locks: s.locks });
    expect(await view({ ...s, db: again })).toEqual(shownBefore);
  });
});

describe('invariant 2: a crash loses at most the batched sightings, never a label', () => {
  it('labels made before a crash are there after it', async () => {
    const s = await setup();
    const id = await s.db.labelFace(s.pending, 'B');
    await s.db.observe(id, 0.9);
    await s.db.close({ flush: false }); // the tab dies
    s.locks.crash();
    const again = await open({ name: s.name, locks: s.locks });
    expect((await again.getPerson(id)).samples.length).toBe(2);
    expect((await again.findMatch(s.b)).personId).toBe(id);
  });
});

describe('invariant 5: one writer per memory (Web Locks)', () => {
  it('a second open is read-only, says why, and cannot write', async () => {
    const s = await setup();
    const second = await open({ name: s.name, locks: s.locks });
    expect(second.readOnly).toBe(true);
    expect(second.readOnlyReason).toBe(READ_ONLY_MESSAGE);
    expect(READ_ONLY_MESSAGE).toMatch(/another tab/);
    expect(second.openReport.readOnly).toBe(true);
    expect((await second.findMatch(s.a)).personId).toBe(s.ida); // reading works
    const before = await dumpStore(s.name);
    const writes = ACTIONS.map(([, act]) =>
      act({ ...s, db: second }).then(
        () => 'wrote',
        (e: unknown) => e,
      ),
    );
    writes.push(
      second.observe(s.ida, 0.9).then(
        () => 'wrote',
        (e: unknown) => e,
      ),
    );
    for (const e of await Promise.all(writes)) {
      expect(e).toBeInstanceOf(MemoryError);
      expect((e as MemoryError).code).toBe('read-only');
      expect((e as MemoryError).message).toBe(READ_ONLY_MESSAGE);
    }
    await second.flush(); // nothing to do, and no error
    expect(await dumpStore(s.name)).toEqual(before);
  });

  it('can refuse to open instead, and a later open writes once the first is closed', async () => {
    const s = await setup();
    const refused = await openTest({
      name: s.name,
      dim: DIM,
      locks: s.locks,
      onLocked: 'throw',
    }).catch((e: unknown) => e);
    expect((refused as MemoryError).code).toBe('read-only');
    await s.db.close();
    const next = await open({ name: s.name, locks: s.locks });
    expect(next.readOnly).toBe(false);
    await next.renamePerson(s.ida, 'Ada');
  });
});
