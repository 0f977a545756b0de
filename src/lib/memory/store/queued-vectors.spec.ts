import { describe, expect, it } from 'vitest';
import { QueuedVectors } from './queued-vectors';

function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 4294967296 - 0.5;
  };
}

describe('QueuedVectors.best', () => {
  // Dimensions that are and are not multiples of the scan's four running sums.
  for (const dim of [1, 3, 5, 7, 128, 513]) {
    it(`finds the exact best inner product, whatever the dimension (${dim}), after deletes`, () => {
      const r = rng(dim);
      const qv = new QueuedVectors(dim);
      const all = new Map<number, Float32Array>();
      for (let id = 1; id <= 200; id++) {
        const v = Float32Array.from({ length: dim }, r);
        all.set(id, v);
        qv.set(id, v, id % 7, null);
      }
      for (let id = 1; id <= 200; id += 3) {
        qv.delete(id);
        all.delete(id);
      }
      for (let t = 0; t < 20; t++) {
        const q = Float32Array.from({ length: dim }, r);
        let want = { id: -1, s: -Infinity };
        for (const [id, v] of all) {
          let s = 0;
          for (let i = 0; i < dim; i++) s += q[i]! * v[i]!;
          if (s > want.s) want = { id, s };
        }
        const got = qv.best(q)!;
        expect(got.id).toBe(want.id);
        expect(got.visitorId).toBe(want.id % 7);
        expect(got.similarity).toBeCloseTo(want.s, 5);
      }
    });
  }

  it('is null for an empty queue', () => {
    expect(new QueuedVectors(4).best(new Float32Array(4))).toBeNull();
  });
});
