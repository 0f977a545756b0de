/**
 * File compatibility with native FAISS: Debian's python3-faiss (1.7.3)
 * writes indexes that this build reads and searches the same, and reads
 * the ones written here. The reference data is generated at test time.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hasPythonFaiss,
  PYTHON,
  readF32,
  readI64,
  runReference,
  sameBytes,
} from '../../../tests/reference/faiss-data';
import { loadFaiss, type FaissModule, type Index } from './index';

const available = hasPythonFaiss();
const required = process.env.CI === 'true';

if (!available) {
  const why = `python3-faiss is not importable by ${PYTHON} (apt-get install python3-faiss)`;
  if (required) {
    it('has the Python FAISS reference (required when CI=true)', () => {
      expect.fail(`${why}: the FAISS compatibility tests cannot run`);
    });
  } else {
    console.warn(`Skipping FAISS compatibility tests: ${why}.`);
  }
}

interface RefMeta {
  d: number;
  nq: number;
  indexes: Record<string, { k: number; ntotal: number; fourcc: string; lists: string | null }>;
}

interface PySearch {
  fourcc: string;
  ntotal: number;
  distances: number[];
  labels: number[];
  reserialisedIdentical: boolean;
}

const CLASSES: Record<string, string> = {
  flat_ip: 'IndexFlatIP',
  flat_l2: 'IndexFlatL2',
  ivf_full: 'IndexIVFFlat',
  ivf_sparse: 'IndexIVFFlat',
  idmap_flat: 'IndexIDMap',
  idmap2_ivf: 'IndexIDMap2',
};

/** FAISS's tag for each class in its file format. */
const FOURCC: Record<string, string> = {
  flat_ip: 'IxFI',
  ivf_full: 'IwFl',
  ivf_sparse: 'IwFl',
  idmap2_ivf: 'IxM2',
};

describe.skipIf(!available)('FAISS file compatibility with Python FAISS', () => {
  let faiss: FaissModule;
  let dir: string;
  let meta: RefMeta;
  let xq: Float32Array;

  beforeAll(async () => {
    faiss = await loadFaiss({ onWarning: () => {} });
    dir = mkdtempSync(join(tmpdir(), 'faiss-ref-'));
    runReference('write', dir);
    meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as RefMeta;
    xq = readF32(join(dir, 'xq.f32'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('Python wrote both inverted-list layouts ("full" and "sprs")', () => {
    expect(meta.indexes.ivf_full!.lists).toBe('full');
    expect(meta.indexes.ivf_sparse!.lists).toBe('sprs');
  });

  it.each(Object.keys(CLASSES))(
    '%s written by Python loads, searches the same and writes the same bytes',
    (name) => {
      const ref = meta.indexes[name]!;
      const bytes = new Uint8Array(readFileSync(join(dir, `${name}.index`)));
      const index = faiss.readIndex(bytes);
      try {
        expect(index.constructor.name).toBe(CLASSES[name]);
        expect([index.d, index.ntotal]).toEqual([meta.d, ref.ntotal]);
        const { distances, labels } = index.search(xq, ref.k);
        expect(labels).toEqual(readI64(join(dir, `${name}.I.i64`)));
        const want = readF32(join(dir, `${name}.D.f32`));
        expect(maxAbsDiff(distances, want)).toBeLessThanOrEqual(1e-5);
        expect(sameBytes(faiss.writeIndex(index), bytes)).toBe(true);
      } finally {
        index.delete();
      }
    },
  );

  it('indexes written here load in Python and search the same there', () => {
    const d = meta.d;
    const xb = readF32(join(dir, 'xb.f32'));
    const out = join(dir, 'wasm');
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'xq.f32'), xq);

    const made: Record<string, Index> = {};
    const flat = new faiss.IndexFlatIP(d);
    flat.add(xb);
    made.flat_ip = flat;

    const ivf = new faiss.IndexIVFFlat(new faiss.IndexFlatIP(d), d, 16, faiss.METRIC_INNER_PRODUCT);
    ivf.train(xb);
    ivf.add(xb);
    ivf.nprobe = 4;
    made.ivf_full = ivf;

    const sparse = new faiss.IndexIVFFlat(
      new faiss.IndexFlatIP(d),
      d,
      64,
      faiss.METRIC_INNER_PRODUCT,
    );
    sparse.train(xb);
    sparse.add(xb.subarray(0, 5 * d));
    sparse.nprobe = 64;
    made.ivf_sparse = sparse;

    // The memory layer's layout, after removals (patches/0002 keeps it consistent).
    const inner = new faiss.IndexIVFFlat(
      new faiss.IndexFlatIP(d),
      d,
      16,
      faiss.METRIC_INNER_PRODUCT,
    );
    inner.train(xb);
    inner.nprobe = 16;
    const map = new faiss.IndexIDMap2(inner);
    const nb = xb.length / d;
    map.addWithIds(
      xb,
      Array.from({ length: nb }, (_, i) => 50 + 2 * i),
    );
    map.removeIds(Array.from({ length: 300 }, (_, i) => 50 + 2 * (3 * i)));
    made.idmap2_ivf = map;

    const k: Record<string, number> = {};
    for (const [name, index] of Object.entries(made)) {
      k[name] = name === 'ivf_sparse' ? 5 : 8;
      writeFileSync(join(out, `${name}.index`), faiss.writeIndex(index));
    }
    expect(readFileSync(join(out, 'ivf_sparse.index')).includes('sprs')).toBe(true);
    expect(readFileSync(join(out, 'ivf_full.index')).includes('full')).toBe(true);
    writeFileSync(join(out, 'spec.json'), JSON.stringify({ d, k }));

    const py = JSON.parse(runReference('search', out)) as Record<string, PySearch>;
    for (const [name, index] of Object.entries(made)) {
      const got = py[name]!;
      const mine = index.search(xq, k[name]!);
      expect(got.fourcc).toBe(FOURCC[name]);
      expect(got.ntotal).toBe(index.ntotal);
      expect(got.labels).toEqual(Array.from(mine.labels, Number));
      expect(maxAbsDiff(mine.distances, got.distances)).toBeLessThanOrEqual(1e-5);
      expect(got.reserialisedIdentical).toBe(true);
      index.delete();
    }
  });
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
