import { describe, expect, it } from 'vitest';
import { VisitTracker } from './visit-tracker';

const MIN = 60_000;
const never = () => null;

describe('VisitTracker', () => {
  it('counts a continuous presence once and a return after the gap again', () => {
    const t = new VisitTracker(5 * MIN);
    const visits = [0, 1000, 2000, 4 * MIN, 8 * MIN].map((ms) => t.observe(1, 0.9, ms, never));
    expect(visits).toEqual([true, false, false, false, false]); // never absent > 5 min
    expect(t.observe(1, 0.8, 8 * MIN + 5 * MIN + 1, never)).toBe(true);
    const [p] = t.take();
    expect(p!.visits.map((v) => v.atMs)).toEqual([0, 13 * MIN + 1]);
    expect(p!.lastSeenMs).toBe(13 * MIN + 1);
    expect(t.hasPending).toBe(false);
  });

  it('continues a visit stored before a reload', () => {
    const t = new VisitTracker(5 * MIN);
    expect(t.observe(1, 0.9, 10 * MIN, () => 9 * MIN)).toBe(false);
    expect(t.observe(2, 0.9, 10 * MIN, () => 1 * MIN)).toBe(true);
  });

  it('restores what a failed flush took, merged with newer observations', () => {
    const t = new VisitTracker(1000);
    t.observe(1, 0.9, 0, never);
    const taken = t.take();
    t.observe(1, 0.9, 5000, never);
    t.restore(taken);
    const [p] = t.take();
    expect(p!.visits.map((v) => v.atMs)).toEqual([0, 5000]);
  });

  it('moves presence on merge and drops it on delete', () => {
    const t = new VisitTracker(1000);
    t.observe(1, 0.9, 0, never);
    t.observe(2, 0.9, 0, never);
    t.rename(1, 3);
    t.forget(2);
    expect(t.take().map((p) => p.personId)).toEqual([3]);
    expect(t.observe(3, 0.9, 500, never)).toBe(false); // still the same visit
  });
});
