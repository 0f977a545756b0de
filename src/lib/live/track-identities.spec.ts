import { describe, expect, it } from 'vitest';
import { TrackIdentities, type TrackIdentity } from './track-identities';

const amy: Omit<TrackIdentity, 'lastSeenMs'> = {
  personId: 1,
  name: 'Amy',
  similarity: 0.8,
  topK: [{ personId: 1, name: 'Amy', similarity: 0.8 }],
  queued: 0,
  bestQueuedQuality: 0,
};

describe('TrackIdentities', () => {
  it('keeps what recognise said of a track and hands its decision part back', () => {
    const t = new TrackIdentities();
    expect(t.memoryOf(3)).toBeNull();
    t.remember(3, { ...amy, queued: 1, bestQueuedQuality: 0.5 }, 0);
    expect(t.get(3)?.name).toBe('Amy');
    expect(t.memoryOf(3)).toEqual({ personId: 1, queued: 1, bestQueuedQuality: 0.5 });
  });

  it('keeps seen tracks and forgets the ones gone for a while', () => {
    const t = new TrackIdentities(1000);
    t.remember(1, amy, 0);
    t.remember(2, amy, 0);
    t.seen(1, 900);
    t.prune(1500);
    expect(t.get(1)?.name).toBe('Amy');
    expect(t.get(2)).toBeUndefined();
    t.clear();
    expect(t.get(1)).toBeUndefined();
  });
});
