import { describe, expect, it } from 'vitest';
import { loadFaiss } from '../faiss';
import { clusteredData, defaultFaissSelfTest, faissSelfTest } from './faiss-self-test';

describe('faissSelfTest (the device check, here on Node)', () => {
  it('passes with real FAISS and reports figures that mean something', async () => {
    const faiss = await loadFaiss();
    const r = faissSelfTest(faiss);
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r).toMatchObject({ vectors: 4000, dim: 64, nlist: 100, nprobe: 10 });
    expect(r.flatExact).toBe(1);
    expect(r.flatIdentityAccuracy).toBeGreaterThan(0.95);
    expect(r.ivfRecallAt1).toBeGreaterThanOrEqual(0.9);
    expect(r.roundTripSame).toBe(true);
    expect(r.errorsAreExceptions).toBe(true);
    expect(r.heapLeakBytes).toBeLessThanOrEqual(0);
    // The flat file is header + count + the floats: its size follows from n and d.
    expect(r.flatBytes).toBeGreaterThan(4000 * 64 * 4);
    expect(r.flatBytes).toBeLessThan(4000 * 64 * 4 + 100);
  });

  it('fails (says so, no exception) when IVF probes one list of unclustered data', async () => {
    const faiss = await loadFaiss();
    const r = faissSelfTest(faiss, { nprobe: 1, identities: 4000, perIdentity: 1 });
    expect(r.ivfRecallAt1).toBeLessThan(0.9);
    expect(r.ok).toBe(false);
    expect(r.problems.join(' ')).toMatch(/IVF recall/);
  });

  it('makes clustered data: each query is closest to its own identity', () => {
    const o = { ...defaultFaissSelfTest, identities: 20, queries: 20 };
    const { base, queries, queryOf, n } = clusteredData(o);
    expect(n).toBe(200);
    expect(base).toHaveLength(200 * 64);
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    const q = queries.subarray(0, 64);
    const own = dot(
      q,
      base.subarray(queryOf[0]! * o.perIdentity * 64, (queryOf[0]! * o.perIdentity + 1) * 64),
    );
    const other = dot(q, base.subarray(5 * o.perIdentity * 64, (5 * o.perIdentity + 1) * 64));
    expect(own).toBeGreaterThan(other + 0.3);
  });
});
