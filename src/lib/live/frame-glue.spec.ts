import { describe, expect, it } from 'vitest';
import type { RecognisedFace } from '../memory/actions/recognise';
import { frameSeen, recogniseFrame, recogniseInput, rememberRecognised } from './frame-glue';
import { TrackIdentities } from './track-identities';

const face = (trackId: number, side: number) => ({
  trackId,
  box: { x1: 10, y1: 20, x2: 10 + side, y2: 20 + side / 2 },
  score: 0.9,
  embedding: new Float32Array([1, 0]),
});

const result = (personId: number | null, name: string | null): RecognisedFace => ({
  personId,
  name,
  visitorId: null,
  similarity: 0.5,
  topK: [],
  track: { personId, queued: personId === null ? 1 : 0, bestQueuedQuality: 0.4 },
  newVisit: false,
  visit: null,
  queued: personId === null,
  announce: null,
  state: personId === null ? 'stranger' : 'named',
  confidence: personId === null ? 0 : 0.9,
  withdrawn: false,
  askSecond: null,
  secondOpinion: null,
});

describe('live frame glue', () => {
  it('sends each face with its box side and what its track was, and keeps what came back', () => {
    const ids = new TrackIdentities(1000);
    const faces = [face(1, 80), face(2, 40)];
    const first = recogniseInput(faces, ids);
    expect(first.map((f) => [f.trackId, f.gateOk])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(first.map((f) => [f.boxSidePx, f.track, f.crop])).toEqual([
      [80, null, null],
      [40, null, null],
    ]);
    rememberRecognised(ids, faces, [result(7, 'Amy'), result(null, null)], 0);
    expect(ids.get(1)?.name).toBe('Amy');
    expect(recogniseInput(faces, ids).map((f) => f.track)).toEqual([
      { personId: 7, queued: 0, bestQueuedQuality: 0.4 },
      { personId: null, queued: 1, bestQueuedQuality: 0.4 },
    ]);
  });

  it('keeps tracks seen on a frame and forgets the others after the delay', () => {
    const ids = new TrackIdentities(1000);
    rememberRecognised(ids, [face(1, 80), face(2, 80)], [result(7, 'Amy'), result(8, 'Raj')], 0);
    frameSeen(ids, [{ trackId: 1 }], 900);
    frameSeen(ids, [{ trackId: 1 }], 1500);
    expect(ids.get(1)?.name).toBe('Amy');
    expect(ids.get(2)).toBeUndefined();
  });

  it('asks the second embedder only for faces the memory is not sure about, then decides them again', async () => {
    const ids = new TrackIdentities(1000);
    const faces = [face(1, 80), face(2, 80), face(3, 80)];
    const unsure = { ...result(null, null), state: 'not-sure' as const, askSecond: [7, 8] };
    const calls: { trackIds: (number | null | undefined)[]; taken?: number[] }[] = [];
    const asked: number[] = [];
    const out = await recogniseFrame(faces, ids, {
      recognise: async (input, taken) => {
        calls.push({ trackIds: input.map((f) => f.trackId), taken });
        expect(input.every((f) => f.embedding instanceof Float32Array)).toBe(true);
        if (taken) {
          expect(input.map((f) => f.second?.modelId)).toEqual(['dlib']);
          return [result(8, 'Raj')];
        }
        return [result(7, 'Amy'), unsure, result(null, null)];
      },
      second: async (trackId) => {
        asked.push(trackId);
        return { modelId: 'dlib', embedding: new Float32Array([0, 1]) };
      },
    });
    expect(asked).toEqual([2]);
    expect(calls).toEqual([
      { trackIds: [1, 2, 3], taken: undefined },
      { trackIds: [2], taken: [7] },
    ]);
    expect(out.map((r) => r.name)).toEqual(['Amy', 'Raj', null]);
  });

  it('makes one call when the second opinion is off or nobody needs it', async () => {
    let n = 0;
    const recognise = async () => (n++, [result(7, 'Amy')]);
    await recogniseFrame([face(1, 80)], new TrackIdentities(), { recognise });
    await recogniseFrame([face(1, 80)], new TrackIdentities(), {
      recognise,
      second: () => Promise.reject(new Error('not asked')),
    });
    expect(n).toBe(2);
  });
});
