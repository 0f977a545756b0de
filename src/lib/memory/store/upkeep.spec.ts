/**
 * Idle upkeep (snapshot + checkpoint, which also trims the journal) waits for
 * a pause in the actions, but a steady trickle of them (sightings flushed every
 * few seconds while someone stays in front of the camera) must not put it off
 * for ever: the journal a crash leaves to replay stays short.
 */
import { afterEach, expect, it, vi } from 'vitest';
import { MAINTENANCE_MAX_POSTPONE } from './core';
import {
  randomUnit,
  rng,
  uniqueName,
  openedAfterEach,
} from '../../../../tests/support/memory/memory-fixtures';
import type { MemoryEvent } from '../base/types';

const DIM = 8;
const { open } = openedAfterEach({ dim: DIM }, { flush: false });
afterEach(() => {
  vi.useRealTimers();
});

// The memory's clock (setTimeout and Date) is faked, so the bound below is on the
// memory's own time, which a loaded machine cannot stretch; IndexedDB (fake-indexeddb
// schedules with setImmediate) runs as it always does.
it('runs within a bounded time while sightings keep coming, not only after a pause', async () => {
  const events: Array<MemoryEvent & { at: number }> = [];
  const delayMs = 40;
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  const t0 = Date.now();
  const db = await open({
    name: uniqueName(),
    maintenanceDelayMs: delayMs,
    sightingFlushMs: 5,
    visitGapMs: 1,
    onEvent: (e) => events.push({ ...e, at: Date.now() }),
  });
  // The import asks for upkeep (its vectors need a checkpoint).
  const [id] = await db.importPersons([{ name: 'Ada', embeddings: [randomUnit(DIM, rng(1))] }]);
  const upkeep = () => events.find((e) => e.type === 'maintenance' && e.checkpoint);
  const bound = MAINTENANCE_MAX_POSTPONE * delayMs;
  // A new visit every 10 ms of memory time (gap 1 ms), flushed 5 ms later: an action
  // far more often than delayMs, so upkeep never sees delayMs of quiet.
  let observed = 0;
  while (!upkeep() && Date.now() - t0 <= 2 * bound) {
    await db.observe(id!, 0.9);
    observed++;
    await vi.advanceTimersByTimeAsync(10);
  }
  const ran = upkeep();
  expect(ran, `no upkeep after ${Date.now() - t0} ms of steady sightings`).toBeDefined();
  // Due MAINTENANCE_MAX_POSTPONE delays after the import asked for it, however busy the
  // machine: the memory's clock only moves when the test moves it (10 ms a step; the
  // event comes once the upkeep's write committed, within the step after it was due).
  expect(ran!.at - t0).toBeLessThanOrEqual(bound + 10);
  // Not at a first pause: there was none. It was put off, then run anyway.
  expect(ran!.at - t0).toBeGreaterThan(delayMs);
  expect(observed).toBeGreaterThan(5);
  expect((await db.stats()).sightings).toBeGreaterThan(5);
});
