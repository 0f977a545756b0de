import { beforeAll, describe, expect, it } from 'vitest';
import { clustered } from '../../../tests/reference/faiss-data';
import { loadFaiss, type FaissModule } from '../faiss';
import { idMap2Ids, wrapInIdMap2 } from './faiss-file';

let faiss: FaissModule;
beforeAll(async () => {
  faiss = await loadFaiss();
});

const D = 32;
const data = clustered(20, 30, D, 1, 5).vectors; // 600 unit vectors

describe('wrapInIdMap2 / idMap2Ids', () => {
  it('wraps a flat and an IVF index file: FAISS reads it as IndexIDMap2 with those labels', () => {
    const n = data.length / D;
    const ids = Array.from({ length: n }, (_, i) => 1000 + 3 * i);
    const flat = new faiss.IndexFlatIP(D);
    const ivf = new faiss.IndexIVFFlat(new faiss.IndexFlatIP(D), D, 20, faiss.METRIC_INNER_PRODUCT);
    ivf.train(data);
    ivf.nprobe = 20;
    for (const inner of [flat, ivf]) {
      inner.add(data);
      const bytes = wrapInIdMap2(faiss.writeIndex(inner), ids);
      const read = faiss.readIndex(bytes);
      expect(read).toBeInstanceOf(faiss.IndexIDMap2);
      expect(read.ntotal).toBe(n);
      const { labels, distances } = read.search(data.subarray(7 * D, 8 * D), 1);
      expect(Number(labels[0])).toBe(ids[7]);
      expect(distances[0]).toBeCloseTo(1, 5);
      // FAISS writes the wrapped index back byte for byte, and its id map reads back.
      expect(Buffer.from(faiss.writeIndex(read)).equals(Buffer.from(bytes))).toBe(true);
      expect(idMap2Ids(bytes)).toEqual(ids);
      read.delete();
      inner.delete();
    }
  });

  it('refuses a wrong number of ids and reads the labels of a FAISS-written IndexIDMap2', () => {
    const flat = new faiss.IndexFlatIP(D);
    flat.add(data.subarray(0, 4 * D));
    expect(() => wrapInIdMap2(faiss.writeIndex(flat), [1, 2, 3])).toThrow(/4 rows, not 3/);
    const map = new faiss.IndexIDMap2(new faiss.IndexFlatIP(D));
    map.addWithIds(data.subarray(0, 3 * D), [42, 7, 99]);
    expect(idMap2Ids(faiss.writeIndex(map))).toEqual([42, 7, 99]);
    expect(() => idMap2Ids(faiss.writeIndex(flat))).toThrow(/not an IndexIDMap/);
    map.delete();
    flat.delete();
  });
});
