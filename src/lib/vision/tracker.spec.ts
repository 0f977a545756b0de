import { describe, expect, it } from 'vitest';
import { FaceTracker } from './tracker';

const face = (x: number, y: number, s = 100) => ({
  x1: x,
  y1: y,
  x2: x + s,
  y2: y + s,
  score: 0.99,
});

/** Feeds frames at `fps`, embedding whatever the tracker asks for; returns how many embeddings were made per track. */
function run(tracker: FaceTracker, frames: ReturnType<typeof face>[][], fps = 30) {
  const embeds = new Map<number, number>();
  frames.forEach((dets, i) => {
    const now = (i * 1000) / fps;
    for (const t of tracker.update(dets, now)) {
      if (!t.needsEmbedding) continue;
      embeds.set(t.trackId, (embeds.get(t.trackId) ?? 0) + 1);
      tracker.markEmbedded(t.trackId, now);
    }
  });
  return embeds;
}

describe('FaceTracker', () => {
  it('embeds a still person once per refresh period, not every frame', () => {
    // 5 s at 30 fps with detector jitter of a few pixels: one track, embedded on its first
    // 3 frames (the live vote needs a few embeddings to name it), then at 3 s.
    const frames = Array.from({ length: 150 }, (_, i) => [
      face(200 + (i % 3), 100 + ((i * 7) % 4)),
    ]);
    const embeds = run(new FaceTracker({ refreshMs: 3000 }), frames);
    expect([...embeds.values()]).toEqual([4]);
    expect([...run(new FaceTracker({ refreshMs: 3000, eagerEmbeds: 1 }), frames).values()]).toEqual(
      [2],
    );
  });

  it("embeds a new track's first eagerEmbeds frames back to back", () => {
    const tracker = new FaceTracker({ refreshMs: 60_000, eagerEmbeds: 3 });
    const asks = Array.from({ length: 6 }, (_, i) => {
      const [t] = tracker.update([face(10, 10)], i * 33);
      if (t!.needsEmbedding) tracker.markEmbedded(t!.trackId, i * 33);
      return t!.needsEmbedding;
    });
    expect(asks).toEqual([true, true, true, false, false, false]);
  });

  it('re-embeds when the face moved or changed size enough', () => {
    const tracker = new FaceTracker({ refreshMs: 60_000, eagerEmbeds: 1 });
    // Walks right 4 px a frame: the box keeps overlapping the last frame's, so one track, but
    // drifts from the box at the last embedding: IoU (100 − d) / (100 + d) < 0.5 once d > 33 px,
    // i.e. every 9th frame: frames 0, 9, …, 54.
    const walk = Array.from({ length: 60 }, (_, i) => [face(100 + 4 * i, 100)]);
    const embeds = run(tracker, walk);
    expect(embeds.size).toBe(1);
    expect([...embeds.values()][0]).toBe(7);
    // Comes closer: the box grows past the scale limit.
    const t2 = new FaceTracker({ refreshMs: 60_000, eagerEmbeds: 1 });
    const grow = Array.from({ length: 30 }, (_, i) => [face(100 - i, 100 - i, 100 + 2 * i)]);
    expect([...run(t2, grow).values()][0]).toBe(2);
  });

  it('keeps two people apart and gives a returning face a new track', () => {
    const tracker = new FaceTracker({ maxMissingMs: 500 });
    const a = face(0, 0);
    const b = face(300, 0);
    const first = tracker.update([a, b], 0);
    expect(first.map((t) => t.isNew)).toEqual([true, true]);
    const second = tracker.update([b, a], 33);
    expect(second.map((t) => t.trackId)).toEqual([first[1]!.trackId, first[0]!.trackId]);
    expect(second.every((t) => !t.isNew)).toBe(true);
    // b leaves for a second; a stays.
    for (let t = 66; t < 1100; t += 33) tracker.update([a], t);
    expect(tracker.tracks).toHaveLength(1);
    const back = tracker.update([a, b], 1100);
    expect(back[1]!.isNew).toBe(true);
    expect(back[1]!.trackId).not.toBe(first[1]!.trackId);
    expect(back[1]!.needsEmbedding).toBe(true);
  });

  it('does not ask again for a face embedded this frame; reset forgets everything', () => {
    const tracker = new FaceTracker({ eagerEmbeds: 1 });
    const [t] = tracker.update([face(0, 0)], 0);
    tracker.markEmbedded(t!.trackId, 0);
    expect(tracker.update([face(1, 1)], 33)[0]!.needsEmbedding).toBe(false);
    tracker.reset();
    expect(tracker.update([face(1, 1)], 66)[0]).toMatchObject({
      isNew: true,
      needsEmbedding: true,
    });
  });
});
