import { describe, expect, it } from 'vitest';
import { VisitTracker } from './visit-tracker';

const MIN = 60_000;
const never = () => ({ lastSeenMs: null, hasSightings: false });
const seenAt = (ms: number) => () => ({ lastSeenMs: ms, hasSightings: true });

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
    expect(t.observe(1, 0.9, 10 * MIN, seenAt(9 * MIN))).toBe(false);
    expect(t.observe(2, 0.9, 10 * MIN, seenAt(1 * MIN))).toBe(true);
    expect(t.take().flatMap((p) => p.visits.map((v) => v.counted))).toEqual([true]);
  });

  it('gives the visit a person was labelled in its row, without counting it twice', () => {
    const t = new VisitTracker(5 * MIN);
    const labelledAt = () => ({ lastSeenMs: 9 * MIN, hasSightings: false });
    expect(t.observe(1, 0.9, 10 * MIN, labelledAt)).toBe(true);
    expect(t.observe(1, 0.9, 11 * MIN, labelledAt)).toBe(false);
    expect(t.take()[0]!.visits).toEqual([
      {
        atMs: 10 * MIN,
        endMs: 11 * MIN,
        frames: 2,
        similarity: 0.9,
        confidence: 0.9,
        counted: false,
      },
    ]);
    // Labelled long ago and never sighted: a new visit that counts.
    expect(t.observe(2, 0.9, 20 * MIN, () => ({ lastSeenMs: 1 * MIN, hasSightings: false }))).toBe(
      true,
    );
    expect(t.take()[0]!.visits[0]!.counted).toBe(true);
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
    expect(t.take().map((p) => p.key)).toEqual([3]);
    expect(t.observe(3, 0.9, 500, never)).toBe(false); // still the same visit
  });

  it("keeps each visit's end and recognition count, and extends a stored visit", () => {
    const t = new VisitTracker(5 * MIN);
    for (const ms of [0, 1000, 2000]) t.observe(1, 0.9, ms, never);
    t.observe(1, 0.9, 20 * MIN, never);
    const [p] = t.take();
    expect(p!.visits.map((v) => [v.atMs, v.endMs, v.frames])).toEqual([
      [0, 2000, 3],
      [20 * MIN, 20 * MIN, 1],
    ]);
    t.observe(1, 0.9, 21 * MIN, never);
    t.observe(1, 0.9, 22 * MIN, never);
    expect(t.take()[0]!.extend).toEqual({ endMs: 22 * MIN, frames: 2 });
  });

  it('a failed flush keeps the extension on the visit it belongs to', () => {
    const t = new VisitTracker(5 * MIN);
    t.observe(1, 0.9, 0, never);
    const taken = t.take();
    t.observe(1, 0.9, 1000, never); // the same visit, not yet written
    t.restore(taken);
    const [p] = t.take();
    expect(p!.visits.map((v) => [v.atMs, v.endMs, v.frames])).toEqual([[0, 1000, 2]]);
    expect(p!.extend).toBeNull();
  });
});
