/**
 * Idle upkeep (snapshot + checkpoint, which also trims the journal) waits for
 * a pause in the actions, but a steady trickle of them (sightings flushed every
 * few seconds while someone stays in front of the camera) must not put it off
 * for ever: the journal a crash leaves to replay stays short.
 */
import { expect, it } from 'vitest';
import { MAINTENANCE_MAX_POSTPONE } from './core';
import {
  openTest,
  randomUnit,
  rng,
  uniqueName,
  closedAfterEach,
} from '../../../../tests/support/memory/memory-fixtures';
import type { MemoryEvent } from '../types';

const DIM = 8;
const opened = closedAfterEach({ flush: false });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('runs within a bounded time while sightings keep coming, not only after a pause', async () => {
  const events: MemoryEvent[] = [];
  const delayMs = 40;
  const db = await openTest({
    name: uniqueName(),
    dim: DIM,
    maintenanceDelayMs: delayMs,
    sightingFlushMs: 5,
    visitGapMs: 1,
    onEvent: (e) => events.push(e),
  });
  opened.push(db);
  const [id] = await db.importPersons([{ name: 'Ada', embeddings: [randomUnit(DIM, rng(1))] }]);
  const t0 = Date.now();
  // A new visit every 10 ms (gap 1 ms), flushed every 5 ms: an action far more often than delayMs.
  const done = () => events.some((e) => e.type === 'maintenance' && e.checkpoint);
  while (!done() && Date.now() - t0 < 30 * delayMs) {
    await db.observe(id!, 0.9);
    await sleep(10);
  }
  const ms = Date.now() - t0;
  expect(done()).toBe(true);
  // Due after MAINTENANCE_MAX_POSTPONE delays; the margin is for a busy machine.
  expect(ms).toBeLessThan((MAINTENANCE_MAX_POSTPONE + 10) * delayMs);
  expect((await db.stats()).sightings).toBeGreaterThan(5); // the trickle was real
});
