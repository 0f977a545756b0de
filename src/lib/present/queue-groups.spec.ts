import { describe, expect, it } from 'vitest';
import type { UnlabeledFace, Visitor } from '../memory/base/types';
import { groupQueue, groupSuggestions } from './queue-groups';

const face = (id: number, t: number, groupKey: string | null, quality = 0.5): UnlabeledFace => ({
  id,
  visitorId: null,
  timestampMs: t,
  modelId: 'm',
  hasCrop: true,
  groupKey,
  quality,
});

describe('groupQueue', () => {
  it('groups by key, newest group first, faces newest first, best face as cover', () => {
    const groups = groupQueue([
      face(1, 100, 'a', 0.4),
      face(2, 200, 'b'),
      face(3, 300, 'a', 0.9),
      face(4, 150, null),
    ]);
    expect(groups.map((g) => g.key)).toEqual(['a', 'b', 'face-4']);
    expect(groups[0]!.faces.map((f) => f.id)).toEqual([3, 1]);
    expect(groups[0]!.cover.id).toBe(3);
  });

  it('puts the best crops of a group first, then the newest', () => {
    const [g] = groupQueue([
      face(1, 100, 'a', 0.9),
      face(2, 300, 'a', 0.2),
      face(3, 200, 'a', 0.6),
      face(4, 400, 'a', 0.6),
    ]);
    expect(g!.faces.map((f) => f.id)).toEqual([1, 4, 3, 2]);
    expect(g!.newestMs).toBe(400);
  });
});

describe('groupSuggestions', () => {
  it('takes each person once, at their best similarity, best first', () => {
    const got = groupSuggestions(
      [
        [
          { personId: 1, name: 'Amy', similarity: 0.6 },
          { personId: 2, name: 'Penny', similarity: 0.5 },
        ],
        [
          { personId: 2, name: 'Penny', similarity: 0.7 },
          { personId: 3, name: 'Raj', similarity: 0.2 },
        ],
      ],
      2,
    );
    expect(got).toEqual([
      { personId: 2, name: 'Penny', similarity: 0.7 },
      { personId: 1, name: 'Amy', similarity: 0.6 },
    ]);
  });
});

describe('groupQueue with visitors', () => {
  const visitor = (id: number, lastSeenMs: number): Visitor => ({
    id,
    number: id,
    firstSeenMs: 0,
    lastSeenMs,
    visitCount: 2,
    faceIds: [],
    coverFaceId: null,
  });

  it('makes one card per visitor whatever the faces’ groups, ordered by last seen', () => {
    const groups = groupQueue(
      [
        { ...face(1, 100, 'a'), visitorId: 7 },
        { ...face(2, 200, 'b'), visitorId: 7 },
        { ...face(3, 300, 'c'), visitorId: 8 },
      ],
      [visitor(7, 900), visitor(8, 300)],
    );
    expect(groups.map((g) => g.key)).toEqual(['visitor-7', 'visitor-8']);
    expect(groups[0]!.faces.map((f) => f.id).sort()).toEqual([1, 2]);
    expect(groups[0]!.visitor?.number).toBe(7);
    expect(groups[0]!.newestMs).toBe(900);
  });

  it('keeps faces of no (listed) visitor on cards of their own', () => {
    const groups = groupQueue([{ ...face(1, 100, 'a'), visitorId: 9 }, face(2, 50, null)]);
    expect(groups.map((g) => [g.key, g.visitor])).toEqual([
      ['visitor-9', null],
      ['face-2', null],
    ]);
  });
});
