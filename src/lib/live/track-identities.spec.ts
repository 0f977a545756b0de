import { describe, expect, it } from 'vitest';
import type { Identification } from '../memory/types';
import { faceQuality, TrackIdentities } from './track-identities';

const unknown: Identification = { personId: null, name: null, similarity: 0.1, topK: [] };
const amy: Identification = {
  personId: 1,
  name: 'Amy',
  similarity: 0.8,
  topK: [{ personId: 1, name: 'Amy', similarity: 0.8 }],
};

describe('TrackIdentities', () => {
  it('queues an unknown track once, then only clearly better crops, at most 3', () => {
    const t = new TrackIdentities();
    const queued = [0.5, 0.5, 0.55, 0.7, 0.7, 0.9, 0.95, 0.99].map(
      (q, i) => t.identified(7, unknown, q, i * 3000).queueUnknown,
    );
    // 0.5 (first), 0.7 (≥ 0.5×1.2), 0.9 (≥ 0.7×1.2 = 0.84), then the cap of 3.
    expect(queued).toEqual([true, false, false, true, false, true, false, false]);
  });

  it('a minute in front of the camera queues a few crops, not hundreds', () => {
    const t = new TrackIdentities();
    let n = 0;
    for (let ms = 0; ms < 60_000; ms += 33) {
      if (t.identified(1, unknown, 0.9, ms).queueUnknown) n++;
    }
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThanOrEqual(3);
  });

  it('announces a known person once per track, and again when the track changes person', () => {
    const t = new TrackIdentities();
    expect(t.identified(3, amy, 1, 0).announceKnown).toBe(true);
    expect(t.identified(3, amy, 1, 100).announceKnown).toBe(false);
    expect(t.identified(3, { ...amy, personId: 2, name: 'Penny' }, 1, 200).announceKnown).toBe(
      true,
    );
    expect(t.identified(3, amy, 1, 300).queueUnknown).toBe(false);
  });

  it('keeps seen tracks and forgets the ones gone for a while', () => {
    const t = new TrackIdentities({ maxQueuedPerTrack: 3, qualityGain: 1.2, forgetAfterMs: 1000 });
    t.identified(1, amy, 1, 0);
    t.identified(2, amy, 1, 0);
    t.seen(1, 900);
    t.prune(1500);
    expect(t.get(1)?.name).toBe('Amy');
    expect(t.get(2)).toBeUndefined();
    t.clear();
    expect(t.get(1)).toBeUndefined();
  });
});

describe('faceQuality', () => {
  it('grows with confidence and size, up to the embedder input size', () => {
    expect(faceQuality(1, 56)).toBeCloseTo(0.5);
    expect(faceQuality(0.9, 300)).toBeCloseTo(0.9);
    expect(faceQuality(0.5, 112)).toBeLessThan(faceQuality(0.9, 112));
  });
});
