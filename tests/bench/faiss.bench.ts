/**
 * FAISS-wasm speed: one 768-d query against n = 1k, 10k, 100k clustered,
 * normalised vectors. Flat search is compared with a plain WASM SIMD
 * streaming sum of the same stored floats (the memory-speed limit), with a
 * plain TypeScript loop and with native Python FAISS (Debian python3-faiss,
 * single thread), all measured in the same run. IVF: nlist 100 at 10k,
 * 1000 at 100k, nprobe 10, time and recall@1 against flat.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { loadFaiss, type FaissModule, type Index } from '../../src/lib/faiss/index.ts';
import { clustered, hasPythonFaiss, runReference } from '../reference/faiss-data.ts';
import { median, type BenchRow, type BenchSuite } from './types.ts';

const D = 768;
const PER_ID = 20;
const N_QUERIES = 200;
const WASM = fileURLToPath(new URL('../../src/lib/faiss/dist/faiss.wasm', import.meta.url));

const label = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));

/** Plain TypeScript exhaustive inner-product top-k (what one would write without FAISS). */
function tsTopK(x: Float32Array, q: Float32Array, k: number): number[] {
  const best: { s: number; i: number }[] = [];
  for (let i = 0, off = 0; off < x.length; i++, off += D) {
    let s = 0;
    for (let j = 0; j < D; j++) s += x[off + j]! * q[j]!;
    if (best.length < k || s > best[best.length - 1]!.s) {
      if (best.length === k) best.pop();
      let p = best.length;
      while (p > 0 && best[p - 1]!.s < s) p--;
      best.splice(p, 0, { s, i });
    }
  }
  return best.map((b) => b.i);
}

/** Times each function once per round, round-robin, so machine noise hits all alike. */
function interleaved(fns: Record<string, () => unknown>, reps: number): Record<string, number> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(fns).map((k) => [k, []]));
  for (let r = -2; r < reps; r++) {
    for (const [name, fn] of Object.entries(fns)) {
      const t0 = performance.now();
      fn();
      if (r >= 0) times[name]!.push(performance.now() - t0);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, t]) => [k, median(t)]));
}

function recallAt1(a: Index, b: Index, queries: Float32Array): number {
  const x = a.search(queries, 1).labels;
  const y = b.search(queries, 1).labels;
  let hits = 0;
  for (let i = 0; i < x.length; i++) if (x[i] === y[i]) hits++;
  return hits / x.length;
}

async function sizeRows(): Promise<BenchRow[]> {
  const wasm = readFileSync(WASM);
  const gz = gzipSync(wasm, { level: 9 }).length;
  return [
    {
      suite: 'faiss',
      name: '.wasm size',
      value: wasm.length / 1024,
      unit: 'KiB',
      goal: '≤ 3 MB',
      met: wasm.length <= 3e6,
    },
    {
      suite: 'faiss',
      name: '.wasm size gzip -9',
      value: gz / 1024,
      unit: 'KiB',
      goal: '≤ 700 KB',
      met: gz <= 700e3,
    },
  ];
}

async function runSize(
  faiss: FaissModule,
  n: number,
  quick: boolean,
  python: boolean,
  log: (m: string) => void,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const row = (r: Omit<BenchRow, 'suite'>) => rows.push({ suite: 'faiss', ...r });
  const tag = `n=${label(n)}`;
  const data = clustered(n / PER_ID, PER_ID, D, N_QUERIES, n);
  const q = (i: number) => data.queries.subarray((i % N_QUERIES) * D, ((i % N_QUERIES) + 1) * D);
  const reps = Math.max(9, Math.round((quick ? 2e6 : 2e7) / n));
  const flat = new faiss.IndexFlatIP(D);
  flat.add(data.vectors);

  let i1 = 0;
  let i10 = 0;
  const t = interleaved(
    {
      sum: () => flat.benchStreamSum(),
      k1: () => flat.search(q(i1++), 1),
      k10: () => flat.search(q(i10++), 10),
    },
    reps,
  );
  let j = 0;
  const tsReps = Math.max(5, Math.round((quick ? 2e5 : 2e6) / n));
  const ts = interleaved(
    { k1: () => tsTopK(data.vectors, q(j++), 1), k10: () => tsTopK(data.vectors, q(j++), 10) },
    tsReps,
  );
  const sumBase = { name: `WASM SIMD streaming sum ${tag}`, value: t.sum!, unit: 'ms' };
  row({
    name: `streaming sum ${tag} (${((n * D * 4) / 2 ** 20).toFixed(0)} MiB)`,
    value: t.sum!,
    unit: 'ms',
    note: `${((n * D * 4) / t.sum! / 1e6).toFixed(1)} GB/s`,
  });
  for (const k of [1, 10] as const) {
    const v = t[`k${k}`]!;
    const goal = n >= 100_000 ? '≤ 1.25' : undefined;
    row({
      name: `flat search ${tag} k=${k}`,
      value: v,
      unit: 'ms',
      baseline: sumBase,
      ratio: v / t.sum!,
      goal,
      met: goal ? v / t.sum! <= 1.25 : undefined,
      note: `${((v * 1e6) / n).toFixed(0)} ns/vector`,
    });
    const tv = ts[`k${k}`]!;
    row({
      name: `flat search ${tag} k=${k} vs TS loop`,
      value: v,
      unit: 'ms',
      baseline: { name: 'plain TypeScript loop', value: tv, unit: 'ms' },
      ratio: v / tv,
    });
  }
  log(
    `${tag}: sum ${t.sum!.toFixed(3)} ms, flat k=1 ${t.k1!.toFixed(3)} ms, TS ${ts.k1!.toFixed(2)} ms`,
  );

  const wasmMs: Record<string, number> = { flat_k1: t.k1!, flat_k10: t.k10! };
  let ivf: Index | undefined;
  if (n >= 10_000) {
    const nlist = n >= 100_000 ? 1000 : 100;
    const index = new faiss.IndexIVFFlat(
      new faiss.IndexFlatIP(D),
      D,
      nlist,
      faiss.METRIC_INNER_PRODUCT,
    );
    const t0 = performance.now();
    index.train(data.vectors);
    const trainMs = performance.now() - t0;
    index.add(data.vectors);
    index.nprobe = 10;
    ivf = index;
    // k=10 starts half-way through the queries: it must not find the lists
    // the k=1 search just read still in cache.
    let i = 0;
    let k = N_QUERIES / 2;
    const tIvf = interleaved(
      { k1: () => index.search(q(i++), 1), k10: () => index.search(q(k++), 10) },
      reps * 3,
    );
    wasmMs.ivf_k1 = tIvf.k1!;
    wasmMs.ivf_k10 = tIvf.k10!;
    const recall = recallAt1(index, flat, data.queries);
    const ivfTag = `${tag} nlist=${nlist} nprobe=10`;
    row({
      name: `IVF train ${tag} nlist=${nlist}`,
      value: trainMs / 1000,
      unit: 's',
      note: 'k-means, 25 iterations, SIMD sgemm',
    });
    for (const kk of [1, 10] as const) {
      const v = tIvf[`k${kk}`]!;
      const goal = n >= 100_000 ? '≤ 0.1 (≥ 10× faster)' : undefined;
      row({
        name: `IVF search ${ivfTag} k=${kk}`,
        value: v,
        unit: 'ms',
        baseline: { name: `flat search ${tag} k=${kk}`, value: t[`k${kk}`]!, unit: 'ms' },
        ratio: v / t[`k${kk}`]!,
        goal,
        met: goal ? v / t[`k${kk}`]! <= 0.1 : undefined,
      });
    }
    row({
      name: `IVF recall@1 vs flat ${ivfTag}`,
      value: recall,
      unit: 'fraction',
      goal: '≥ 0.99',
      met: recall >= 0.99,
      note: `${N_QUERIES} queries`,
    });
    log(
      `${ivfTag}: train ${(trainMs / 1000).toFixed(1)} s, search ${tIvf.k1!.toFixed(3)} ms, recall ${recall}`,
    );
  }

  if (python) rows.push(...pythonRows(faiss, data, tag, wasmMs, ivf, reps));
  flat.delete();
  ivf?.delete();
  return rows;
}

/** Native Python FAISS on the same vectors (and the same IVF index, via writeIndex). */
function pythonRows(
  faiss: FaissModule,
  data: ReturnType<typeof clustered>,
  tag: string,
  wasmMs: Record<string, number>,
  ivf: Index | undefined,
  reps: number,
): BenchRow[] {
  const dir = mkdtempSync(join(tmpdir(), 'faiss-bench-'));
  try {
    writeFileSync(join(dir, 'xb.f32'), data.vectors);
    writeFileSync(join(dir, 'xq.f32'), data.queries);
    if (ivf) writeFileSync(join(dir, 'ivf.index'), faiss.writeIndex(ivf));
    writeFileSync(join(dir, 'spec.json'), JSON.stringify({ d: D, reps, k: [1, 10] }));
    const py = JSON.parse(runReference('bench', dir)) as Record<string, number>;
    return Object.entries(wasmMs).map(([key, mine]) => {
      const [kind, k] = key.split('_');
      const theirs = py[key]!;
      return {
        suite: 'faiss',
        name: `${kind} search ${tag} ${k!.replace('k', 'k=')} vs Python FAISS`,
        value: mine,
        unit: 'ms',
        baseline: { name: `python3-faiss 1.7.3, ${py.threads} thread`, value: theirs, unit: 'ms' },
        ratio: mine / theirs,
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const suite: BenchSuite = {
  name: 'faiss',
  async run({ quick, log }) {
    const faiss = await loadFaiss({ onWarning: (m) => log(`FAISS: ${m.trim()}`) });
    const python = hasPythonFaiss();
    if (!python) log('python3-faiss not installed: no comparison with native FAISS');
    const rows = await sizeRows();
    for (const n of quick ? [1_000, 10_000] : [1_000, 10_000, 100_000]) {
      rows.push(...(await runSize(faiss, n, quick, python, log)));
    }
    return rows;
  },
};
export default suite;
