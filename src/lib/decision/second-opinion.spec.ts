import { describe, expect, it } from 'vitest';
import { decideFace, decideFrame, type FaceInput, type TrackMemory } from './decide';
import type { Candidate, Identification } from './identification';
import { secondOpinion, tieOf } from './second-opinion';

const thresholds = { lower: 0.22, upper: 0.314 };
const policy = { upper: 0.554, minMargin: 0.05 };
const cand = (personId: number, similarity: number): Candidate => ({
  personId,
  name: `P${personId}`,
  similarity,
});
const id = (...topK: Candidate[]): Identification => ({
  personId: null,
  name: null,
  similarity: topK[0]?.similarity ?? 0,
  topK,
});
const sims = (...pairs: [number, number][]) => new Map(pairs);

describe('tieOf', () => {
  it('names the two people an embedding in the band is not sure between, best first', () => {
    expect(tieOf(id(cand(1, 0.28), cand(2, 0.25), cand(3, 0.1)), 1, thresholds)).toEqual([1, 2]);
  });
  it('counts a name too close to the runner-up as not sure', () => {
    expect(tieOf(id(cand(4, 0.5), cand(5, 0.5)), 1, thresholds)).toEqual([4, 5]);
  });
  it('has nothing to break for a clear name, a stranger or an empty memory', () => {
    expect(tieOf(id(cand(1, 0.6), cand(2, 0.1)), 1, thresholds)).toBeNull();
    expect(tieOf(id(cand(1, 0.1), cand(2, 0.05)), 1, thresholds)).toBeNull();
    expect(tieOf(id(), 1, thresholds)).toBeNull();
  });
  it('is no tie between two people when the runner-up is below the lower threshold or absent', () => {
    // "This person or a stranger?": the second embedder is not asked (a stranger got named so).
    expect(tieOf(id(cand(1, 0.207), cand(2, -0.14)), 1, { lower: 0.188, upper: 0.208 })).toBeNull();
    expect(tieOf(id(cand(1, 0.28), cand(2, 0.2)), 1, thresholds)).toBeNull();
    expect(tieOf(id(cand(7, 0.3)), 1, thresholds)).toBeNull();
  });
});

describe('secondOpinion', () => {
  it('names the primary best when the second model agrees above its threshold and margin', () => {
    expect(secondOpinion([1, 2], sims([1, 0.7], [2, 0.4]), policy)).toEqual({
      agree: true,
      personId: 1,
    });
  });
  it('stays not sure when the second model prefers the runner-up (never names the runner-up)', () => {
    expect(secondOpinion([1, 2], sims([1, 0.4], [2, 0.8]), policy)).toEqual({
      agree: false,
      why: 'disagree',
    });
    expect(secondOpinion([1, 2], sims([1, 0.6], [2, 0.6]), policy)).toEqual({
      agree: false,
      why: 'disagree',
    });
  });
  it('stays not sure when the second model has no vectors for one of the two', () => {
    expect(secondOpinion([1, 2], sims([1, 0.9]), policy)).toEqual({ agree: false, why: 'missing' });
    expect(secondOpinion([1, 2], sims([2, 0.1]), policy)).toEqual({ agree: false, why: 'missing' });
    expect(secondOpinion([], sims(), policy)).toEqual({ agree: false, why: 'missing' });
  });
  it('stays not sure below the second model’s own threshold', () => {
    expect(secondOpinion([1, 2], sims([1, 0.5], [2, 0.1]), policy)).toEqual({
      agree: false,
      why: 'below',
    });
  });
  it('stays not sure when the second model is too close between the two', () => {
    expect(secondOpinion([1, 2], sims([1, 0.6], [2, 0.57]), policy)).toEqual({
      agree: false,
      why: 'margin',
    });
  });
  it('judges a lone candidate by the threshold alone', () => {
    expect(secondOpinion([7], sims([7, 0.56]), policy)).toEqual({ agree: true, personId: 7 });
    expect(secondOpinion([7], sims([7, 0.5]), policy)).toEqual({ agree: false, why: 'below' });
  });
});

describe('a confirmed embedding in the vote', () => {
  const tied = id(cand(1, 0.28), cand(2, 0.25));
  const face = (track: TrackMemory | null, confirmed: boolean): FaceInput => ({
    identification: tied,
    quality: 1,
    track,
    hasCrop: true,
    confirmed,
  });
  const ctx = { readOnly: false, thresholds };
  const twice = (confirmed: boolean) => {
    const a = decideFace(face(null, confirmed), ctx);
    return decideFace(face(a.track, confirmed), ctx);
  };

  it('stays not sure without the second opinion', () => {
    expect(twice(false)).toMatchObject({ state: 'not-sure', known: false, observe: false });
  });
  it('names the person once the second model agreed on enough embeddings', () => {
    const d = twice(true);
    expect(d).toMatchObject({ state: 'named', known: true, personId: 1, observe: true });
    expect(d.track.evidence?.every((e) => e.confirmed)).toBe(true);
  });
  it('never names a person another face of the frame already has', () => {
    const a = decideFace(face(null, true), ctx);
    const [d] = decideFrame([face(a.track, true)], { ...ctx, taken: [1] });
    expect(d).toMatchObject({ state: 'not-sure', known: false, observe: false, personId: null });
  });
});
