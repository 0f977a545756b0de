import { afterEach, describe, expect, it, vi } from 'vitest';
import { inTimeZone, ZONES } from '../../../../tests/support/time-zone';
import type { MemoryError } from '../base/errors';
import { DEFAULTS } from '../store/open';
import {
  randomUnit,
  rng,
  uniqueName,
  type TestOpen,
  openedAfterEach,
} from '../../../../tests/support/memory/memory-fixtures';

const DIM = 16;
const MIN = 60_000;
const { open } = openedAfterEach({ dim: DIM }, { flush: false });

async function withPerson(opts: TestOpen = {}) {
  const db = await open(opts);
  const u = await db.queueUnlabeled(null, randomUnit(DIM, rng(41)), { timestampMs: 0 });
  const id = await db.labelFace(u, 'Ada');
  return { db, id };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('visits (observe)', () => {
  it('defaults: a 5-minute gap, writes within 2 s', () => {
    expect(DEFAULTS.visitGapMs).toBe(5 * MIN);
    expect(DEFAULTS.sightingFlushMs).toBeLessThanOrEqual(2000);
  });

  it('a person seen continuously counts one visit; after the gap, another', async () => {
    const { db, id } = await withPerson({ sightingFlushMs: 60_000 });
    const t0 = 10 * MIN; // labelled at 0: absent for 10 minutes
    const seen = [];
    for (let ms = t0; ms <= t0 + 4 * MIN; ms += 500) seen.push(await db.observe(id, 0.9, ms));
    expect(seen.filter((s) => s.newVisit).length).toBe(1);
    expect((await db.observe(id, 0.8, t0 + 10 * MIN)).newVisit).toBe(true);
    expect((await db.getPerson(id)).visitCount).toBe(1); // batched: nothing written yet
    await db.flush();
    const p = await db.getPerson(id);
    expect(p.visitCount).toBe(3);
    expect(p.lastSeenMs).toBe(t0 + 10 * MIN);
    expect(p.recentSightings.map((s) => s.timestampMs)).toEqual([t0 + 10 * MIN, t0]);
  });

  it('honours a configured gap', async () => {
    const { db, id } = await withPerson({ visitGapMs: 1000 });
    expect((await db.observe(id, 0.9, 10_000)).newVisit).toBe(true);
    expect((await db.observe(id, 0.9, 10_900)).newVisit).toBe(false);
    expect((await db.observe(id, 0.9, 12_000)).newVisit).toBe(true);
  });

  it('batched writes reach storage within the flush interval, not per frame', async () => {
    const name = uniqueName();
    // The memory's timers are faked: the flush is due at 150 ms of its time, however
    // slow the machine (IndexedDB runs on setImmediate, untouched).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { db, id } = await withPerson({ name, sightingFlushMs: 150 });
    for (let i = 0; i < 20; i++) await db.observe(id, 0.9, 10 * MIN + i * 100);
    await vi.advanceTimersByTimeAsync(149);
    expect((await db.getPerson(id)).visitCount).toBe(1); // 20 frames, nothing written yet
    await vi.advanceTimersByTimeAsync(1);
    // getPerson runs on the memory's queue, after the flush the timer queued.
    expect((await db.getPerson(id)).visitCount).toBe(2);
    // It was written: a crash now keeps it.
    await db.close({ flush: false });
    const again = await open({ name });
    expect((await again.getPerson(id)).visitCount).toBe(2);
    expect((await again.getPerson(id)).recentSightings.length).toBe(1);
  });

  it('a crash loses at most the unflushed sightings', async () => {
    const name = uniqueName();
    const { db, id } = await withPerson({ name, sightingFlushMs: 60_000 });
    await db.observe(id, 0.9, 10 * MIN);
    await db.close({ flush: false });
    const again = await open({ name });
    const p = await again.getPerson(id);
    expect([p.visitCount, p.recentSightings.length]).toEqual([1, 0]);
  });

  it('drops the presence of a person deleted before the flush; refuses unknown ids', async () => {
    const { db, id } = await withPerson({ sightingFlushMs: 60_000 });
    await db.observe(id, 0.9, 10 * MIN);
    await db.deletePerson(id);
    await db.flush();
    expect((await db.stats()).sightings).toBe(0);
    const err = await db.observe(id, 0.9).catch((e: unknown) => e);
    expect((err as MemoryError).code).toBe('not-found');
  });

  it('a merge carries the current visit over to the surviving person', async () => {
    const { db, id } = await withPerson({ sightingFlushMs: 60_000 });
    const u = await db.queueUnlabeled(null, randomUnit(DIM, rng(42)), { timestampMs: 0 });
    const other = await db.labelFace(u, 'Bob');
    await db.observe(id, 0.9, 10 * MIN);
    await db.mergePersons(id, other);
    await db.flush();
    const p = await db.getPerson(other);
    expect(p.recentSightings.length).toBe(1);
    expect(p.visitCount).toBe(1 + 1 + 1);
  });
});

describe('visitsPerDay', () => {
  const DAY = 86_400_000;

  for (const { zone, winterOffsetH } of ZONES) {
    it(`counts visits per local day, zeros included, oldest first (${zone})`, () =>
      inTimeZone(zone, async () => {
        const { db, id } = await withPerson({ sightingFlushMs: 60_000 });
        const H = 3_600_000;
        // 2026-01-15 12:00 local (winter) as UTC ms.
        const now = Date.UTC(2026, 0, 15, 12) - winterOffsetH * H;
        // Two visits today (apart by more than the gap), one two days ago at 00:30 local.
        await db.observe(id, 0.9, now - 2 * DAY - 11.5 * H);
        await db.observe(id, 0.9, now - H);
        await db.observe(id, 0.9, now);
        await db.flush();
        const got = await db.visitsPerDay(id, 5, now);
        expect(got.map((d) => d.visits)).toEqual([0, 0, 1, 0, 2]);
        expect(got[4]!.dayMs).toBe(Date.UTC(2026, 0, 15) - winterOffsetH * H);
      }));

    it(`a day across a daylight-saving change is the calendar's day (${zone})`, () =>
      inTimeZone(zone, async () => {
        const { db, id } = await withPerson({ sightingFlushMs: 60_000 });
        // Local times, read in the zone (Berlin springs forward on 29 Mar 2026, Los
        // Angeles on 8 Mar). The chart's 30 days end on 10 Apr and start on 12 Mar.
        const at = (m: number, d: number, h: number, min = 0) =>
          new Date(2026, m - 1, d, h, min).getTime();
        const now = at(4, 10, 12);
        await db.observe(id, 0.9, at(3, 11, 23, 30)); // the evening before the chart: not in it
        await db.observe(id, 0.9, at(3, 12, 23, 30)); // late on its first day
        await db.observe(id, 0.9, at(4, 10, 0, 30)); // early today
        await db.flush();
        const got = await db.visitsPerDay(id, 30, now);
        expect(got.map((d) => d.visits)).toEqual([1, ...Array<number>(28).fill(0), 1]);
        expect(got[0]!.dayMs).toBe(at(3, 12, 0));
        // Every bucket starts at a local midnight, on both sides of the change.
        for (const d of got) expect(new Date(d.dayMs).getHours()).toBe(0);
        const wide = await db.visitsPerDay(id, 45, now);
        for (const d of wide) expect(new Date(d.dayMs).getHours()).toBe(0);
        expect(wide.reduce((n, d) => n + d.visits, 0)).toBe(3);
      }));
  }

  it('refuses a silly range', async () => {
    const { db, id } = await withPerson();
    await expect(db.visitsPerDay(id, 0)).rejects.toThrow(/days/);
  });
});
