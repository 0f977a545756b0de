/**
 * Test and benchmark helpers for src/lib/faiss: clustered vectors like face
 * embeddings (identities × noisy samples, L2-normalised) and the Python
 * FAISS reference (tests/reference/faiss_ref.py, Debian python3-faiss).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { rng } from '../../src/lib/random.ts';

export const PYTHON = process.env.FAISS_REF_PYTHON ?? '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./faiss_ref.py', import.meta.url));

function gaussian(r: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

function normaliseRows(x: Float32Array, d: number): Float32Array {
  for (let i = 0; i < x.length; i += d) {
    let s = 0;
    for (let j = i; j < i + d; j++) s += x[j]! * x[j]!;
    const inv = 1 / Math.sqrt(s);
    for (let j = i; j < i + d; j++) x[j]! *= inv;
  }
  return x;
}

interface Clustered {
  /** nIds × perId samples (identity i owns rows i*perId …), normalised. */
  vectors: Float32Array;
  /** One fresh noisy sample per query, normalised, and its identity. */
  queries: Float32Array;
  queryIds: number[];
}

/**
 * Identities as random unit centres; each sample is its centre plus
 * Gaussian noise of total norm ≈ `noise` (0.8: samples of one identity
 * have cosine ≈ 0.6 with each other, as face embeddings do), normalised.
 */
export function clustered(
  nIds: number,
  perId: number,
  d: number,
  nQueries: number,
  seed = 1,
  noise = 0.8,
): Clustered {
  const r = rng(seed);
  const g = gaussian(r);
  const centres = normaliseRows(Float32Array.from({ length: nIds * d }, g), d);
  const sigma = noise / Math.sqrt(d);
  const sample = (out: Float32Array, row: number, id: number) => {
    for (let j = 0; j < d; j++) out[row * d + j] = centres[id * d + j]! + sigma * g();
  };
  const vectors = new Float32Array(nIds * perId * d);
  for (let i = 0; i < nIds * perId; i++) sample(vectors, i, Math.floor(i / perId));
  const queries = new Float32Array(nQueries * d);
  const queryIds: number[] = [];
  for (let q = 0; q < nQueries; q++) {
    const id = Math.floor(r() * nIds);
    queryIds.push(id);
    sample(queries, q, id);
  }
  return { vectors: normaliseRows(vectors, d), queries: normaliseRows(queries, d), queryIds };
}

/** Whether Debian's python3-faiss (and numpy) can be imported. */
export function hasPythonFaiss(): boolean {
  const r = spawnSync(PYTHON, ['-c', 'import faiss, numpy'], { stdio: 'ignore' });
  return r.status === 0;
}

/** Runs faiss_ref.py CMD DIR and returns its stdout (throws on failure). */
export function runReference(cmd: 'write' | 'search' | 'bench', dir: string): string {
  const r = spawnSync(PYTHON, [SCRIPT, cmd, dir], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    // Single-threaded, like the WebAssembly build, and quiet.
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  if (r.status !== 0) throw new Error(`faiss_ref.py ${cmd} failed: ${r.stderr || r.error}`);
  return r.stdout;
}

export function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export function readI64(path: string): BigInt64Array {
  const b = readFileSync(path);
  return new BigInt64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Byte equality, fast on large arrays (vitest's toEqual compares element by element). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}
