import { describe, expect, it } from 'vitest';
import { calibrate, pairScores } from './calibrate';

/** A unit vector at angle `deg` in the plane of axes 0 and 1 (cosine between two = cos of the angle). */
const at = (deg: number) => {
  const r = (deg * Math.PI) / 180;
  return new Float32Array([Math.cos(r), Math.sin(r), 0]);
};

describe("calibrate from the user's own people (leave-one-out)", () => {
  it('separable people: upper above every different-person score, lower below every same-person one', () => {
    // Person A around 0°, person B around 90°: same-person cosines cos 10° = 0.985, different cos 80° = 0.174.
    const people = [
      [at(0), at(10)],
      [at(90), at(100)],
    ];
    const { same, different } = pairScores(people);
    expect(same.map((s) => +s.toFixed(3))).toEqual([0.985, 0.985, 0.985, 0.985]);
    expect(Math.max(...different)).toBeCloseTo(Math.cos((80 * Math.PI) / 180), 5);
    const c = calibrate(people);
    expect(c).toMatchObject({ enough: true, separable: true, expectedWrongRate: 0 });
    expect(c.upper).toBeCloseTo(0.184, 3);
    expect(c.lower).toBeCloseTo(0.164, 3);
    expect(c.expectedMissRate).toBe(0);
    expect(c.message).toMatch(/no wrong names/);
  });

  it('says plainly when the model cannot separate the people', () => {
    // A's two faces 60° apart (cos 0.5); B's first face 10° from A's (cos 0.985).
    const c = calibrate([
      [at(0), at(60)],
      [at(10), at(200)],
    ]);
    expect(c.separable).toBe(false);
    expect(c.message).toMatch(/cannot separate your people/);
    expect(c.expectedWrongRate).toBeGreaterThan(0);
  });

  it('needs two people with two faces each', () => {
    expect(calibrate([[at(0), at(5)]]).enough).toBe(false);
    expect(calibrate([[at(0)], [at(90)]]).message).toMatch(/at least 2 people/);
  });
});
