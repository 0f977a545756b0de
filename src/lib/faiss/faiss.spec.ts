import { beforeAll, describe, expect, it } from 'vitest';
import { clustered, sameBytes } from '../../../tests/reference/faiss-data';
import { FaissError, IndexFlatIP, IndexIVFFlat, loadFaiss, type FaissModule } from './index';

let faiss: FaissModule;
const warnings: string[] = [];
beforeAll(async () => {
  faiss = await loadFaiss({ onWarning: (t) => warnings.push(t) });
});

const D = 64;
const data = clustered(40, 10, D, 50, 3);

/** Exact top-k by brute force in plain TypeScript (inner product). */
function bruteForce(x: Float32Array, ids: readonly number[], q: Float32Array, k: number) {
  const scores = ids.map((id, row) => {
    let s = 0;
    for (let j = 0; j < D; j++) s += x[row * D + j]! * q[j]!;
    return { id, s };
  });
  return scores.sort((a, b) => b.s - a.s).slice(0, k);
}

function expectFaissError(fn: () => unknown, code: string, message?: RegExp): FaissError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(FaissError);
  const e = caught as FaissError;
  expect(e.code).toBe(code);
  if (message) expect(e.message).toMatch(message);
  return e;
}

describe('flat and IVF indexes', () => {
  it('IndexFlatIP finds the exact top-k, with scores', () => {
    const index = new faiss.IndexFlatIP(D);
    expect(index).toBeInstanceOf(IndexFlatIP);
    expect([index.d, index.ntotal, index.isTrained]).toEqual([D, 0, true]);
    index.add(data.vectors);
    expect(index.ntotal).toBe(400);
    const q = data.queries.subarray(0, D);
    const { distances, labels } = index.search(q, 5);
    const want = bruteForce(data.vectors, [...Array(400).keys()], q, 5);
    expect(Array.from(labels, Number)).toEqual(want.map((w) => w.id));
    want.forEach((w, i) => expect(distances[i]).toBeCloseTo(w.s, 5));
    index.delete();
  });

  it('searches many queries at once (FAISS BLAS path) like one at a time', () => {
    const index = new faiss.IndexFlatIP(D);
    index.add(data.vectors);
    const all = index.search(data.queries, 3); // 50 queries ≥ 20: sgemm
    for (let i = 0; i < 50; i += 7) {
      const one = index.search(data.queries.subarray(i * D, (i + 1) * D), 3);
      expect(Array.from(all.labels.subarray(i * 3, i * 3 + 3))).toEqual(Array.from(one.labels));
      one.distances.forEach((v, j) => expect(all.distances[i * 3 + j]).toBeCloseTo(v, 4));
    }
    index.delete();
  });

  it('IndexIVFFlat trains, adds, has nprobe, resets; it owns its quantizer', () => {
    const quantizer = new faiss.IndexFlatIP(D);
    const ivf = new faiss.IndexIVFFlat(quantizer, D, 8, faiss.METRIC_INNER_PRODUCT);
    expect([ivf.isTrained, ivf.nlist, ivf.nprobe, ivf.metricType]).toEqual([false, 8, 1, 0]);
    ivf.train(data.vectors);
    ivf.add(data.vectors);
    expect([ivf.isTrained, ivf.ntotal, quantizer.ntotal]).toEqual([true, 400, 8]);
    expect(ivf.quantizer).toBe(quantizer);
    ivf.nprobe = 8; // all lists: exact
    expect(ivf.nprobe).toBe(8);
    const q = data.queries.subarray(0, D);
    const want = bruteForce(data.vectors, [...Array(400).keys()], q, 4).map((w) => w.id);
    expect(Array.from(ivf.search(q, 4).labels, Number)).toEqual(want);
    quantizer.delete(); // owned by the IVF: nothing happens
    expect(quantizer.ntotal).toBe(8);
    ivf.reset();
    expect([ivf.ntotal, ivf.isTrained]).toEqual([0, true]);
    ivf.delete();
    expectFaissError(() => quantizer.ntotal, 'deleted');
    ivf.delete(); // twice is fine
  });

  it('IndexIDMap2 over IVF: ids as labels, removeIds, reset, write/read round trip', () => {
    const ivf = new faiss.IndexIVFFlat(new faiss.IndexFlatIP(D), D, 8, faiss.METRIC_INNER_PRODUCT);
    ivf.train(data.vectors);
    ivf.nprobe = 8;
    const map = new faiss.IndexIDMap2(ivf);
    expect(map.index).toBe(ivf);
    const ids = Array.from({ length: 400 }, (_, i) => 10_000 + 7 * i);
    map.addWithIds(data.vectors, ids);
    expect(Array.from(map.idMap, Number)).toEqual(ids);
    // Remove every third id: FAISS 1.7.3 alone would then return wrong ids
    // (patches/0002); the survivors must still come back under their ids.
    const removed = ids.filter((_, i) => i % 3 === 0);
    expect(map.removeIds(removed)).toBe(removed.length);
    expect(map.removeIds([1, 2, 3])).toBe(0);
    const keptRows = [...Array(400).keys()].filter((i) => i % 3 !== 0);
    const kept = new Float32Array(keptRows.length * D);
    keptRows.forEach((row, i) => kept.set(data.vectors.subarray(row * D, (row + 1) * D), i * D));
    const keptIds = keptRows.map((r) => ids[r]!);
    const check = (index: typeof map) => {
      for (let i = 0; i < 50; i += 5) {
        const q = data.queries.subarray(i * D, (i + 1) * D);
        const got = index.search(q, 3);
        const want = bruteForce(kept, keptIds, q, 3);
        expect(Array.from(got.labels, Number)).toEqual(want.map((w) => w.id));
      }
    };
    check(map);
    const bytes = faiss.writeIndex(map);
    const back = faiss.readIndex(bytes);
    expect(back).toBeInstanceOf(faiss.IndexIDMap2);
    const backMap = back as typeof map;
    expect(backMap.index).toBeInstanceOf(IndexIVFFlat);
    expect((backMap.index as IndexIVFFlat).nprobe).toBe(8);
    check(backMap);
    expect(sameBytes(faiss.writeIndex(backMap), bytes)).toBe(true);
    // A removed id can be added again.
    backMap.addWithIds(data.vectors.subarray(0, D), [ids[0]!]);
    expect(Number(backMap.search(data.vectors.subarray(0, D), 1).labels[0])).toBe(ids[0]);
    backMap.reset();
    expect(backMap.ntotal).toBe(0);
    map.delete();
    back.delete();
  });

  it('write/read in parts: the same bytes, read as they arrive; wrong totals refused', async () => {
    const map = new faiss.IndexIDMap2(new faiss.IndexFlatIP(D));
    map.addWithIds(data.vectors.subarray(0, 40 * D), [...Array(40).keys()]);
    const whole = faiss.writeIndex(map);
    const parts = faiss.writeIndexParts(map, 1000);
    expect(parts.map((p) => p.length)).toEqual(
      Array.from({ length: Math.ceil(whole.length / 1000) }, (_, i) =>
        Math.min(1000, whole.length - i * 1000),
      ),
    );
    // Each part is its own buffer (structured clone of a view would store the whole heap slice).
    for (const p of parts) expect(p.byteLength).toBe(p.buffer.byteLength);
    const joined = new Uint8Array(whole.length);
    parts.forEach((p, i) => joined.set(p, i * 1000));
    expect(sameBytes(joined, whole)).toBe(true);
    async function* slowly() {
      for (const p of parts) {
        await new Promise((r) => setTimeout(r, 1));
        yield p;
      }
    }
    const back = (await faiss.readIndexParts(whole.length, slowly())) as typeof map;
    expect(sameBytes(faiss.writeIndex(back), whole)).toBe(true);
    back.delete();
    const heap = faiss.heapBytes();
    const refused = async (size: number, got: Uint8Array[], message: RegExp) => {
      const e: unknown = await faiss.readIndexParts(size, got).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(FaissError);
      expect((e as FaissError).code).toBe('bad-index-bytes');
      expect((e as FaissError).message).toMatch(message);
    };
    await refused(whole.length, parts.slice(0, -1), /hold \d+ of the/);
    await refused(whole.length - 1, parts, /more than/);
    const garbage = parts[0]!.map((_, i) => (i * 37) & 255);
    await refused(whole.length, [garbage, ...parts.slice(1)], /not recognized/);
    // A producer that fails: its error comes through, and the reader is freed.
    async function* failing() {
      yield parts[0]!;
      throw new Error('part 1 is missing');
    }
    await expect(faiss.readIndexParts(whole.length, failing())).rejects.toThrow(
      'part 1 is missing',
    );
    expect(faiss.heapBytes()).toBe(heap);
    map.delete();
  });

  it('IndexIDMap over a flat index; a plain flat index refuses addWithIds', () => {
    const map = new faiss.IndexIDMap(new faiss.IndexFlatIP(D));
    map.addWithIds(data.vectors.subarray(0, 3 * D), new BigInt64Array([5n, -7n, 2n ** 40n]));
    const got = map.search(data.vectors.subarray(2 * D, 3 * D), 1);
    expect(got.labels[0]).toBe(2n ** 40n);
    expect(faiss.readIndex(faiss.writeIndex(map))).toBeInstanceOf(faiss.IndexIDMap);
    map.delete();
    const flat = new faiss.IndexFlatIP(D);
    expectFaissError(
      () => flat.addWithIds(data.vectors.subarray(0, D), [1]),
      'faiss',
      /add_with_ids/,
    );
    flat.delete();
  });

  it('IVF recall@1 against flat ≥ 0.99 at nprobe 10 (500 identities × 20 samples, 768-d)', () => {
    const d = 768;
    const set = clustered(500, 20, d, 300, 11);
    const flat = new faiss.IndexFlatIP(d);
    flat.add(set.vectors);
    const ivf = new faiss.IndexIVFFlat(
      new faiss.IndexFlatIP(d),
      d,
      100,
      faiss.METRIC_INNER_PRODUCT,
    );
    ivf.train(set.vectors);
    ivf.add(set.vectors);
    ivf.nprobe = 10;
    const exact = flat.search(set.queries, 1).labels;
    const approx = ivf.search(set.queries, 1).labels;
    let hits = 0;
    for (let i = 0; i < exact.length; i++) if (exact[i] === approx[i]) hits++;
    expect(hits / exact.length).toBeGreaterThanOrEqual(0.99);
    // and the exact neighbour is a sample of the query's own identity
    const own = set.queryIds.filter((id, i) => Math.floor(Number(exact[i]) / 20) === id);
    expect(own.length / set.queryIds.length).toBeGreaterThanOrEqual(0.99);
    flat.delete();
    ivf.delete();
  });
});

describe('errors', () => {
  it('empty index, k > ntotal, wrong dimension, bad k: clear errors', () => {
    const index = new faiss.IndexFlatIP(D);
    const q = data.queries.subarray(0, D);
    expectFaissError(() => index.search(q, 1), 'empty-index', /empty index/);
    index.add(data.vectors.subarray(0, 3 * D));
    expectFaissError(() => index.search(q, 4), 'k-exceeds-ntotal', /k = 4 exceeds the 3/);
    expectFaissError(() => index.search(q.subarray(0, 63), 1), 'wrong-dimension', /63 floats.*64/);
    expectFaissError(() => index.add(new Float32Array(100)), 'wrong-dimension');
    expectFaissError(() => index.search(new Float32Array(0), 1), 'wrong-dimension');
    expectFaissError(() => index.search(q, 0), 'faiss', /k > 0/); // FAISS's own check
    expectFaissError(() => index.search(q, 1.5), 'bad-argument');
    index.delete();
    expectFaissError(() => index.search(q, 1), 'deleted');
  });

  it('FAISS errors come through with FAISS messages', () => {
    const ivf = new faiss.IndexIVFFlat(new faiss.IndexFlatIP(D), D, 8, faiss.METRIC_INNER_PRODUCT);
    expectFaissError(() => ivf.search(data.queries.subarray(0, D), 1), 'not-trained', /untrained/);
    expectFaissError(() => ivf.add(data.vectors), 'faiss', /is_trained/);
    expectFaissError(() => ivf.train(data.vectors.subarray(0, 4 * D)), 'faiss', /training points/);
    expectFaissError(() => (ivf.nprobe = 0), 'bad-argument', /nprobe/);
    ivf.delete();
    expectFaissError(
      () => new faiss.IndexIVFFlat(new faiss.IndexFlatIP(D + 1), D, 8),
      'faiss',
      /quantizer->d/,
    );
    const q = new faiss.IndexFlatIP(D);
    const owner = new faiss.IndexIVFFlat(q, D, 4);
    expectFaissError(() => new faiss.IndexIDMap(q), 'bad-argument', /belongs to another/);
    owner.delete();
  });

  it('truncated, trailing and corrupt bytes: bad-index-bytes', () => {
    const map = new faiss.IndexIDMap2(
      new faiss.IndexIVFFlat(new faiss.IndexFlatIP(D), D, 8, faiss.METRIC_INNER_PRODUCT),
    );
    map.train(data.vectors);
    map.addWithIds(data.vectors.subarray(0, 20 * D), [...Array(20).keys()]);
    const bytes = faiss.writeIndex(map);
    map.delete();
    for (let len = 0; len < bytes.length; len += 13) {
      expectFaissError(() => faiss.readIndex(bytes.subarray(0, len)), 'bad-index-bytes');
    }
    const e = expectFaissError(
      () => faiss.readIndex(bytes.subarray(0, bytes.length - 1)),
      'bad-index-bytes',
    );
    expect(e.message).toMatch(/read error|truncated/);
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);
    expectFaissError(() => faiss.readIndex(longer), 'bad-index-bytes', /left over/);
    const garbage = Uint8Array.from({ length: 500 }, (_, i) => (i * 37) & 255);
    expectFaissError(() => faiss.readIndex(garbage), 'bad-index-bytes', /not recognized/);
    // A huge vector length: refused before allocating (memory does not grow).
    const flat = new faiss.IndexFlatIP(D);
    flat.add(data.vectors.subarray(0, D));
    const huge = faiss.writeIndex(flat);
    flat.delete();
    // 2^28 floats (1 GiB) announced, 64 present
    new DataView(huge.buffer).setBigUint64(4 + 4 + 8 + 8 + 8 + 1 + 4, 1n << 28n, true);
    const memory = faiss.memoryBytes();
    expectFaissError(() => faiss.readIndex(huge), 'bad-index-bytes', /bytes left/);
    expect(faiss.memoryBytes()).toBe(memory);
  });

  it('many failing calls leave the instance working and the heap as it was', () => {
    const index = new faiss.IndexFlatIP(D);
    index.add(data.vectors);
    const ivf = new faiss.IndexIVFFlat(new faiss.IndexFlatIP(D), D, 8, faiss.METRIC_INNER_PRODUCT);
    const bytes = faiss.writeIndex(index);
    const q = data.queries.subarray(0, D);
    const before = index.search(q, 3);
    const heap = faiss.heapBytes();
    let failures = 0;
    for (let i = 0; i < 300; i++) {
      const calls = [
        () => index.search(q, 0),
        () => index.search(q, 1000),
        () => index.search(q.subarray(1), 1),
        () => ivf.search(q, 1),
        () => ivf.add(data.vectors),
        () => faiss.readIndex(bytes.subarray(0, (i * 97) % bytes.length)),
        () => index.addWithIds(q, [1]),
      ];
      for (const call of calls) {
        try {
          call();
        } catch (e) {
          if (e instanceof FaissError) failures++;
        }
      }
    }
    expect(failures).toBe(300 * 7);
    expect(faiss.heapBytes()).toBe(heap);
    expect(index.search(q, 3)).toEqual(before);
    index.delete();
    ivf.delete();
  });
});
