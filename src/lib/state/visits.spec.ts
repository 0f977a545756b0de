import { describe, expect, it } from 'vitest';
import type { Visit, VisitFilter } from '../memory/base/types';
import type { MemoryState } from './memory.svelte';
import type { Toasts } from './toasts.svelte';
import { VisitLogState } from './visits.svelte';

const visit = (id: number): Visit => ({
  id,
  subject: { kind: 'person', id: 1, name: 'Amy' },
  startMs: 1000 - id,
  endMs: 1000 - id,
  sightings: 1,
});

/** A memory whose log holds `n` visits; each read can be held back to finish late. */
function fakeMemory(n: number) {
  const calls: VisitFilter[] = [];
  const gates: Array<() => void> = [];
  let hold = false;
  const all = Array.from({ length: n }, (_, i) => visit(i + 1));
  const memory = {
    ready: true,
    api: {
      visitLog: async (f: VisitFilter) => {
        calls.push(f);
        if (hold) await new Promise<void>((r) => gates.push(r));
        return all.slice(f.offset ?? 0, (f.offset ?? 0) + (f.limit ?? 500));
      },
    },
  } as unknown as MemoryState;
  return { memory, calls, gates, holdNext: (h: boolean) => (hold = h) };
}

const toasts = { show: () => undefined } as unknown as Toasts;

describe('VisitLogState', () => {
  it('reads a page at a time, one more than shown to know if more follow', async () => {
    const { memory, calls } = fakeMemory(5);
    const log = new VisitLogState(memory, toasts, 2);
    await log.load({ personId: 1 });
    expect(log.visits.map((v) => v.id)).toEqual([1, 2]);
    expect(log.more).toBe(true);
    expect(calls[0]).toEqual({ personId: 1, limit: 3, offset: 0 });
    await log.loadMore();
    await log.loadMore();
    expect(log.visits.map((v) => v.id)).toEqual([1, 2, 3, 4, 5]);
    expect(log.more).toBe(false);
    expect(calls.at(-1)).toEqual({ personId: 1, limit: 3, offset: 4 });
  });

  it('keeps only the newest read when a filter change overtakes a slow one', async () => {
    const f = fakeMemory(3);
    const log = new VisitLogState(f.memory, toasts, 10);
    f.holdNext(true);
    const slow = log.load({ personId: 1 });
    f.holdNext(false);
    await log.load({ personId: 2 });
    expect(log.visits).toHaveLength(3);
    log.visits = [];
    f.gates.forEach((open) => open());
    await slow;
    expect(log.visits).toEqual([]);
    expect(log.loading).toBe(false);
  });
});
