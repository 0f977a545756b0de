import { describe, expect, it } from 'vitest';
import type { Identification } from '../memory/types';
import {
  announcement,
  decideFace,
  decideFrame,
  faceQuality,
  type DecideContext,
  type FaceInput,
  type TrackMemory,
} from './decide';

const unknown: Identification = { personId: null, name: null, similarity: 0.1, topK: [] };
const amy: Identification = {
  personId: 1,
  name: 'Amy',
  similarity: 0.8,
  topK: [{ personId: 1, name: 'Amy', similarity: 0.8 }],
};
const penny: Identification = { ...amy, personId: 2, name: 'Penny' };
const writable: DecideContext = { readOnly: false };
const readOnly: DecideContext = { readOnly: true };

const face = (
  identification: Identification,
  track: TrackMemory | null,
  quality = 1,
): FaceInput => ({
  identification,
  quality,
  track,
  hasCrop: true,
});

/** One track's embeddings in turn, carrying the track as the page does. */
function run(ids: Identification[], qualities: number[], ctx = writable, hasCrop = true) {
  let track: TrackMemory | null = null;
  return ids.map((id, i) => {
    const d = decideFace({ ...face(id, track, qualities[i]), hasCrop }, ctx);
    track = d.track;
    return d;
  });
}

describe('decideFace: known or unknown', () => {
  it('a match (the memory already applied its threshold) is known: a sighting, no queue', () => {
    const d = decideFace(face(amy, null), writable);
    expect(d).toEqual({
      known: true,
      track: { personId: 1, queued: 0, bestQueuedQuality: 0 },
      observe: true,
      queue: false,
      announceKnown: true,
    });
    expect(announcement(d, 'Amy', false)).toBe('Amy recognised');
  });

  it('below the threshold (personId null, whatever the candidates) is unknown: queued, no sighting', () => {
    const below: Identification = { ...unknown, similarity: 0.5, topK: amy.topK };
    const d = decideFace(face(below, null, 0.7), writable);
    expect(d.known).toBe(false);
    expect(d.observe).toBe(false);
    expect(d.queue).toBe(true);
    expect(d.announceKnown).toBe(false);
    expect(d.track).toEqual({ personId: null, queued: 1, bestQueuedQuality: 0.7 });
    expect(announcement(d, null, true)).toBe('A new face was queued for labelling');
    // The queue's group was full: nothing new was queued, nothing to say.
    expect(announcement(d, null, false)).toBeNull();
  });

  it('records a sighting on every embedding of a known face (the memory counts visits)', () => {
    const ds = run([amy, amy, amy], [1, 1, 1]);
    expect(ds.map((d) => d.observe)).toEqual([true, true, true]);
  });
});

describe('decideFace: announcements', () => {
  it('announces a known person once per track, and again when the track changes person', () => {
    const ds = run([amy, amy, penny, amy, unknown, amy], [1, 1, 1, 1, 1, 1]);
    expect(ds.map((d) => d.announceKnown)).toEqual([true, false, true, true, false, true]);
    expect(
      ds.map((d, i) => announcement(d, [amy, amy, penny, amy, unknown, amy][i]!.name, false)),
    ).toEqual([
      'Amy recognised',
      null,
      'Penny recognised',
      'Amy recognised',
      null,
      'Amy recognised',
    ]);
  });

  it('a forgotten track (null) is announced again', () => {
    expect(decideFace(face(amy, null), writable).announceKnown).toBe(true);
    const kept = { personId: 1, queued: 0, bestQueuedQuality: 0 };
    expect(decideFace(face(amy, kept), writable).announceKnown).toBe(false);
  });
});

describe('decideFace: queueing unknown crops', () => {
  it('queues an unknown track once, then only clearly better crops, at most 3', () => {
    const q = [0.5, 0.5, 0.55, 0.7, 0.7, 0.9, 0.95, 0.99];
    const ds = run(
      q.map(() => unknown),
      q,
    );
    // 0.5 (first), 0.7 (≥ 0.5×1.2), 0.9 (≥ 0.7×1.2 = 0.84), then the cap of 3.
    expect(ds.map((d) => d.queue)).toEqual([true, false, false, true, false, true, false, false]);
    expect(ds.at(-1)!.track).toEqual({ personId: null, queued: 3, bestQueuedQuality: 0.9 });
  });

  it('a minute in front of the camera queues a few crops, not hundreds', () => {
    const n = 60_000 / 33;
    const ds = run(
      Array.from({ length: n }, () => unknown),
      Array.from({ length: n }, () => 0.9),
    );
    const queued = ds.filter((d) => d.queue).length;
    expect(queued).toBeGreaterThanOrEqual(1);
    expect(queued).toBeLessThanOrEqual(3);
  });

  it('a known track that becomes unknown keeps its queue count', () => {
    const ds = run([unknown, amy, unknown], [0.5, 1, 0.55]);
    expect(ds.map((d) => d.queue)).toEqual([true, false, false]);
    expect(ds[1]!.track.queued).toBe(1);
  });

  it('without a crop nothing is queued, but the track counts it as taken', () => {
    const ds = run([unknown, unknown], [0.5, 0.5], writable, false);
    expect(ds.map((d) => d.queue)).toEqual([false, false]);
    expect(ds[0]!.track.queued).toBe(1);
  });

  it('honours a policy', () => {
    const d1 = decideFace(
      face(unknown, { personId: null, queued: 1, bestQueuedQuality: 0.5 }, 0.6),
      writable,
      {
        maxQueuedPerTrack: 5,
        qualityGain: 1.1,
      },
    );
    expect(d1.queue).toBe(true);
    const d2 = decideFace(
      face(unknown, { personId: null, queued: 1, bestQueuedQuality: 0.5 }, 0.9),
      writable,
      {
        maxQueuedPerTrack: 1,
        qualityGain: 1.1,
      },
    );
    expect(d2.queue).toBe(false);
  });
});

describe('decideFace: a read-only memory', () => {
  it('never writes: no sighting, no queue; faces are still named and announced', () => {
    const known = run([amy, amy], [1, 1], readOnly);
    expect(known.map((d) => [d.known, d.observe, d.queue, d.announceKnown])).toEqual([
      [true, false, false, true],
      [true, false, false, false],
    ]);
    const strangers = run([unknown, unknown, unknown], [0.5, 0.7, 0.9], readOnly);
    expect(strangers.some((d) => d.observe || d.queue)).toBe(false);
    expect(announcement(strangers[0]!, null, false)).toBeNull();
  });
});

describe('decideFrame', () => {
  it('decides each face of a frame on its own track', () => {
    const ds = decideFrame(
      [
        face(amy, null),
        face(unknown, null, 0.6),
        face(penny, { personId: 2, queued: 0, bestQueuedQuality: 0 }),
        face(unknown, { personId: null, queued: 3, bestQueuedQuality: 0.9 }, 0.99),
      ],
      writable,
    );
    expect(ds.map((d) => [d.known, d.observe, d.queue, d.announceKnown])).toEqual([
      [true, true, false, true],
      [false, false, true, false],
      [true, true, false, false],
      [false, false, false, false],
    ]);
    expect(decideFrame([], writable)).toEqual([]);
  });
});

describe('faceQuality', () => {
  it('grows with confidence and size, up to the embedder input size', () => {
    expect(faceQuality(1, 56)).toBeCloseTo(0.5);
    expect(faceQuality(0.9, 300)).toBeCloseTo(0.9);
    expect(faceQuality(0.5, 112)).toBeLessThan(faceQuality(0.9, 112));
  });
});
