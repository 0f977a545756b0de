import { describe, expect, it } from 'vitest';
import {
  errorOf,
  openedAfterEach,
  randomUnit,
  rng,
  uniqueName,
} from '../../../../tests/support/memory/memory-fixtures';

const DIM = 16;
const MIN = 60_000;
const { open, opened } = openedAfterEach({ dim: DIM });

async function withPeople(name = uniqueName()) {
  const db = await open({ name, sightingFlushMs: 60_000 });
  const r = rng(5);
  const [amy, bo] = await db.importPersons([
    { name: 'Amy', embeddings: [randomUnit(DIM, r)] },
    { name: 'Bo', embeddings: [randomUnit(DIM, r)] },
  ]);
  return { db, amy: amy!, bo: bo!, name };
}

describe('alert rules in the memory', () => {
  it('survive closing and opening again, with the quiet hours', async () => {
    const { db, amy, name } = await withPeople();
    const id = await db.addAlert({ kind: 'person', personId: amy });
    expect(await db.addAlert({ kind: 'person', personId: amy })).toBe(id); // once only
    await db.addAlert({ kind: 'stranger-stays', minutes: 10 });
    await db.setQuietHours({ from: '22:00', to: '07:00' });
    await db.close();
    opened.splice(opened.indexOf(db), 1);
    const again = await open({ name });
    expect(await again.listAlerts()).toEqual([
      { id, kind: 'person', personId: amy },
      { id: id + 1, kind: 'stranger-stays', minutes: 10 },
    ]);
    expect(await again.getQuietHours()).toEqual({ from: '22:00', to: '07:00' });
    await again.removeAlert(id);
    await again.setQuietHours(null);
    expect((await again.listAlerts()).map((a) => a.kind)).toEqual(['stranger-stays']);
    expect(await again.getQuietHours()).toBeNull();
  });

  it('refuses a bad rule and a rule of no one', async () => {
    const { db } = await withPeople();
    expect((await errorOf(db.addAlert({ kind: 'nth' } as never))).code).toBe('invalid-input');
    expect((await errorOf(db.addAlert({ kind: 'person', personId: 999 }))).code).toBe('not-found');
  });

  it('deleting a person deletes their alert; a merge moves it', async () => {
    const { db, amy, bo } = await withPeople();
    await db.addAlert({ kind: 'person', personId: amy });
    await db.addAlert({ kind: 'person', personId: bo });
    await db.addAlert({ kind: 'visitor-nth', n: 3 });
    await db.deletePerson(amy);
    expect((await db.listAlerts()).map((a) => a.kind)).toEqual(['person', 'visitor-nth']);
    const [cy] = await db.importPersons([{ name: 'Cy', embeddings: [randomUnit(DIM, rng(8))] }]);
    await db.mergePersons(bo, cy!);
    expect(await db.listAlerts()).toContainEqual(
      expect.objectContaining({ kind: 'person', personId: cy }),
    );
  });

  it("discarding a visitor deletes its alert; naming it makes it the person's", async () => {
    const { db } = await withPeople();
    const r = rng(11);
    const a = await db.queueUnknown(null, randomUnit(DIM, r), { timestampMs: 0 });
    const b = await db.queueUnknown(null, randomUnit(DIM, r), { timestampMs: 0 });
    await db.addAlert({ kind: 'visitor', visitorId: a.visitorId! });
    await db.addAlert({ kind: 'visitor', visitorId: b.visitorId! });
    await db.discardVisitors(a.visitorId!);
    const named = await db.labelVisitor(b.visitorId!, 'Dee');
    expect(await db.listAlerts()).toEqual([
      expect.objectContaining({ kind: 'person', personId: named }),
    ]);
  });

  it('observe says which visit a sighting is part of: its start and number', async () => {
    const { db, amy } = await withPeople();
    const t = Date.now() + 10 * MIN; // imported just now, with no visit yet
    const first = await db.observe(amy, 0.9, t);
    expect(first).toEqual({ newVisit: true, visit: { startMs: t, number: 1 } });
    expect((await db.observe(amy, 0.9, t + MIN)).visit).toEqual({ startMs: t, number: 1 });
    await db.flush();
    const later = t + 30 * MIN;
    expect((await db.observe(amy, 0.9, later)).visit).toEqual({ startMs: later, number: 2 });
    const v = await db.queueUnknown(null, randomUnit(DIM, rng(3)), { timestampMs: 0 });
    expect((await db.observeVisitor(v.visitorId!, 0.9, MIN)).visit).toEqual({
      startMs: MIN,
      number: 1,
    });
  });

  it('a reload in the middle of a visit keeps that visit (its start from storage)', async () => {
    const { db, amy, name } = await withPeople();
    const t = Date.now() + 10 * MIN;
    await db.observe(amy, 0.9, t);
    await db.close();
    opened.splice(opened.indexOf(db), 1);
    const again = await open({ name });
    expect(await again.observe(amy, 0.9, t + 2 * MIN)).toEqual({
      newVisit: false,
      visit: { startMs: t, number: 1 },
    });
  });

  it('travel in a backup: a restore and a merge bring them, once', async () => {
    const { db, amy } = await withPeople();
    await db.addAlert({ kind: 'person', personId: amy });
    await db.addAlert({ kind: 'visitor-nth', n: 2 });
    await db.setQuietHours({ from: '23:00', to: '06:30' });
    const file = (await db.exportArchive({ settings: {} })).file;
    const copy = await open();
    await copy.applyImport((await copy.previewImport(file)).id);
    const amyThere = (await copy.listPersons()).find((p) => p.name === 'Amy')!.id;
    const want = [
      expect.objectContaining({ kind: 'person', personId: amyThere }),
      expect.objectContaining({ kind: 'visitor-nth', n: 2 }),
    ];
    expect(await copy.listAlerts()).toEqual(expect.arrayContaining(want));
    expect(await copy.listAlerts()).toHaveLength(2);
    expect(await copy.getQuietHours()).toEqual({ from: '23:00', to: '06:30' });
    await copy.applyImport((await copy.previewImport(file)).id);
    expect(await copy.listAlerts()).toHaveLength(2);
  });
});
