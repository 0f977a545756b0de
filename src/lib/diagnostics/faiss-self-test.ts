/**
 * "Is FAISS working on this device?": builds the two index kinds the memory
 * uses on random clustered data (many noisy samples per identity, like
 * faces), searches them, checks flat search against a plain loop, IVF
 * against flat, and a writeIndex → readIndex round trip; also that FAISS's
 * errors come back as exceptions and that deleting frees the heap.
 */
import { FaissError, type FaissModule, type Index } from '../faiss';
import { rng } from '../random';

interface FaissSelfTestOptions {
  identities: number;
  perIdentity: number;
  dim: number;
  queries: number;
  nlist: number;
  nprobe: number;
  /** Seed of the random data: same seed, same figures (timings aside). */
  seed: number;
}

export const defaultFaissSelfTest: FaissSelfTestOptions = {
  identities: 400,
  perIdentity: 10,
  dim: 64,
  queries: 200,
  nlist: 100, // the memory's policy, min(100, n / 10); 40 training points per list
  nprobe: 10,
  seed: 1,
};

export interface FaissSelfTestResult {
  ok: boolean;
  /** What failed, in words, when !ok. */
  problems: string[];
  vectors: number;
  dim: number;
  /** Top-1 of IndexFlatIP = a plain inner-product loop (fraction of queries). */
  flatExact: number;
  /** Queries whose top-1 is a sample of their own identity. */
  flatIdentityAccuracy: number;
  flatSearchMsPerQuery: number;
  nlist: number;
  nprobe: number;
  ivfTrainMs: number;
  ivfSearchMsPerQuery: number;
  /** IVF top-1 equal to flat top-1 (fraction of queries). */
  ivfRecallAt1: number;
  flatBytes: number;
  ivfBytes: number;
  /** readIndex(writeIndex(x)) searches exactly as x, for both kinds. */
  roundTripSame: boolean;
  /** A wrong-dimension query raised a FaissError (instead of crashing the module). */
  errorsAreExceptions: boolean;
  /** WebAssembly heap in use after every index was deleted, minus before. */
  heapLeakBytes: number;
  totalMs: number;
}

function normalise(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const k = 1 / Math.sqrt(s);
  for (let i = 0; i < v.length; i++) v[i]! *= k;
  return v;
}

/** n noisy unit vectors around each of `identities` random unit centres. */
export function clusteredData(o: FaissSelfTestOptions) {
  const r = rng(o.seed);
  const gauss = () => Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r());
  const centres = Array.from({ length: o.identities }, () =>
    normalise(Float32Array.from({ length: o.dim }, gauss)),
  );
  const noisy = (c: Float32Array) =>
    normalise(c.map((x) => x + (gauss() * 0.6) / Math.sqrt(o.dim)));
  const n = o.identities * o.perIdentity;
  const base = new Float32Array(n * o.dim);
  for (let i = 0; i < n; i++) base.set(noisy(centres[Math.floor(i / o.perIdentity)]!), i * o.dim);
  const queryOf = Array.from({ length: o.queries }, (_, q) => q % o.identities);
  const queries = new Float32Array(o.queries * o.dim);
  queryOf.forEach((id, q) => queries.set(noisy(centres[id]!), q * o.dim));
  return { base, queries, queryOf, n };
}

function bruteTop1(base: Float32Array, q: Float32Array, dim: number): number {
  let best = -1;
  let bestS = -Infinity;
  for (let i = 0; i < base.length / dim; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += base[i * dim + j]! * q[j]!;
    if (s > bestS) [best, bestS] = [i, s];
  }
  return best;
}

function top1(index: Index, queries: Float32Array): { labels: number[]; ms: number } {
  const t0 = performance.now();
  const { labels } = index.search(queries, 1);
  return { labels: Array.from(labels, Number), ms: performance.now() - t0 };
}

const agree = (a: readonly number[], b: readonly number[]) =>
  a.filter((x, i) => x === b[i]).length / a.length;

export function faissSelfTest(
  faiss: FaissModule,
  options: Partial<FaissSelfTestOptions> = {},
): FaissSelfTestResult {
  const o = { ...defaultFaissSelfTest, ...options };
  const t0 = performance.now();
  const heapBefore = faiss.heapBytes();
  const { base, queries, queryOf, n } = clusteredData(o);
  const made: Index[] = [];
  const keep = <T extends Index>(x: T): T => (made.push(x), x);
  try {
    const flat = keep(new faiss.IndexFlatIP(o.dim));
    flat.add(base);
    const f = top1(flat, queries);
    const brute = Array.from({ length: o.queries }, (_, q) =>
      bruteTop1(base, queries.subarray(q * o.dim, (q + 1) * o.dim), o.dim),
    );
    const ivf = keep(
      new faiss.IndexIVFFlat(
        new faiss.IndexFlatIP(o.dim),
        o.dim,
        o.nlist,
        faiss.METRIC_INNER_PRODUCT,
      ),
    );
    const tTrain = performance.now();
    ivf.train(base);
    const ivfTrainMs = performance.now() - tTrain;
    ivf.add(base);
    ivf.nprobe = o.nprobe;
    const v = top1(ivf, queries);

    const flatBytes = faiss.writeIndex(flat);
    const ivfBytes = faiss.writeIndex(ivf);
    const flat2 = keep(faiss.readIndex(flatBytes));
    const ivf2 = keep(faiss.readIndex(ivfBytes));
    if ('nprobe' in ivf2) (ivf2 as typeof ivf).nprobe = o.nprobe;
    const roundTripSame =
      agree(top1(flat2, queries).labels, f.labels) === 1 &&
      agree(top1(ivf2, queries).labels, v.labels) === 1;

    let errorsAreExceptions = false;
    try {
      flat.search(new Float32Array(o.dim + 1), 1);
    } catch (e) {
      errorsAreExceptions = e instanceof FaissError;
    }
    // The module still works after the error.
    errorsAreExceptions &&= top1(flat, queries.subarray(0, o.dim)).labels[0] === f.labels[0];

    const flatExact = agree(f.labels, brute);
    const flatIdentityAccuracy =
      f.labels.filter((label, q) => Math.floor(label / o.perIdentity) === queryOf[q]).length /
      o.queries;
    const ivfRecallAt1 = agree(v.labels, f.labels);
    for (const x of made.splice(0).reverse()) x.delete();
    const heapLeakBytes = faiss.heapBytes() - heapBefore;

    const problems: string[] = [];
    if (flatExact < 1) problems.push('flat search disagrees with a plain loop');
    if (flatIdentityAccuracy < 0.95) problems.push('flat search misses clustered neighbours');
    if (ivfRecallAt1 < 0.9) problems.push(`IVF recall@1 is only ${ivfRecallAt1.toFixed(2)}`);
    if (!roundTripSame) problems.push('an index read back from its bytes searches differently');
    if (!errorsAreExceptions) problems.push('a FAISS error did not come back as an exception');
    if (heapLeakBytes > 0)
      problems.push(`${heapLeakBytes} bytes of WebAssembly heap were not freed`);
    return {
      ok: problems.length === 0,
      problems,
      vectors: n,
      dim: o.dim,
      flatExact,
      flatIdentityAccuracy,
      flatSearchMsPerQuery: f.ms / o.queries,
      nlist: o.nlist,
      nprobe: o.nprobe,
      ivfTrainMs,
      ivfSearchMsPerQuery: v.ms / o.queries,
      ivfRecallAt1,
      flatBytes: flatBytes.byteLength,
      ivfBytes: ivfBytes.byteLength,
      roundTripSame,
      errorsAreExceptions,
      heapLeakBytes,
      totalMs: performance.now() - t0,
    };
  } finally {
    for (const x of made) if (x.alive) x.delete();
  }
}
