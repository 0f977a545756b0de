import { describe, expect, it } from 'vitest';
import { clampThreshold, previewThreshold, type PreviewFace } from './threshold-preview';

const face = (
  name: string | null,
  similarity: number,
  source: PreviewFace['source'] = 'queued',
) => ({
  source,
  best: name ? { personId: name.length, name, similarity } : null,
});

describe('previewThreshold', () => {
  const faces = [
    face('Amy', 0.81),
    face('Raj', 0.6, 'in-view'),
    face('Penny', 0.55),
    face('Amy', 0.3),
    face(null, 0),
  ];

  it('counts matches at both thresholds and names who changes', () => {
    const p = previewThreshold(faces, 0.65, 0.5);
    expect(p).toMatchObject({ faces: 5, matchedNow: 1, matchedNext: 3, lost: [] });
    expect(p.gained).toEqual([
      { source: 'in-view', name: 'Raj', similarity: 0.6 },
      { source: 'queued', name: 'Penny', similarity: 0.55 },
    ]);
  });

  it('raising the threshold loses matches, lowest first', () => {
    const p = previewThreshold(faces, 0.5, 0.9);
    expect(p.matchedNext).toBe(0);
    expect(p.lost.map((c) => c.name)).toEqual(['Penny', 'Raj', 'Amy']);
    expect(p.gained).toEqual([]);
  });

  it('the same threshold changes nothing; a similarity equal to it matches', () => {
    const p = previewThreshold(faces, 0.6, 0.6);
    expect(p.matchedNow).toBe(p.matchedNext);
    expect(p.matchedNow).toBe(2);
    expect(p.gained).toEqual([]);
    expect(p.lost).toEqual([]);
  });
});

describe('clampThreshold', () => {
  it('keeps 0…1 on a 0.01 grid', () => {
    expect(clampThreshold(0.314)).toBe(0.31);
    expect(clampThreshold(1.7)).toBe(1);
    expect(clampThreshold(-2)).toBe(0);
    expect(clampThreshold(Number('x'))).toBeNaN();
  });
});
