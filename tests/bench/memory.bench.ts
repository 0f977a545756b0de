/**
 * Memory rows of `npm run bench` (suite 'memory'), in Node: IndexedDB is
 * fake-indexeddb (values are structured-cloned, as a browser does, but kept
 * in this process), FAISS and sql.js are the real WebAssembly builds.
 *  - open with n stored 768-d embeddings from the FAISS checkpoint vs
 *    rebuilt from the stored embeddings, and the checkpoint open's ratio to
 *    reading the checkpoint bytes from IndexedDB alone (goal ≤ 1.5);
 *  - labelFace latency at 1k and at n stored embeddings (goal: ≤ 2×);
 *  - memory (JS heap + WebAssembly) per stored embedding at n.
 * n = 100k (quick: 10k).
 */
import 'fake-indexeddb/auto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createStore, del, get, getMany } from 'idb-keyval';
import { loadFaiss } from '../../src/lib/faiss/index.ts';
import { FaceDatabase } from '../../src/lib/memory/face-database.ts';
import { faissKey, faissPartKey, SQLITE_KEY } from '../../src/lib/memory/store/keys.ts';
import type { Checkpoint, CheckpointPart } from '../../src/lib/memory/store/checkpoint.ts';
import type { BenchRow, BenchSuite } from './types.ts';
import { BENCH_PASSPHRASE, encryptedRows } from './memory-encrypted.ts';
import { median } from './types.ts';

const DIM = 768;
const MODEL = 'bench-768';
const PER_PERSON = 10;
const BATCH = 10_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let seed = 12345;
function random(): number {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 4294967296 - 0.5;
}

/** Random vectors (the memory normalises them); no need for Gaussian ones here. */
function vectors(n: number): Float32Array {
  const out = new Float32Array(n * DIM);
  for (let i = 0; i < out.length; i++) out[i] = random();
  return out;
}

function openDb(name: string, unlock = false): Promise<FaceDatabase> {
  return FaceDatabase.open({
    name,
    modelId: MODEL,
    dim: DIM,
    locks: null,
    maintenanceDelayMs: Infinity,
    ...(unlock ? { unlock: { passphrase: BENCH_PASSPHRASE } } : {}),
  });
}

/**
 * A memory of n embeddings: n/10 people of 10 samples, imported in 10k batches, then flushed;
 * `encrypted`: encryption turned on first (default Argon2id), so every record is written sealed.
 */
async function populate(
  name: string,
  n: number,
  log: (m: string) => void,
  encrypted = false,
): Promise<FaceDatabase> {
  const db = await openDb(name);
  if (encrypted) await db.enableEncryption({ passphrase: BENCH_PASSPHRASE });
  for (let at = 0; at < n; at += BATCH) {
    const m = Math.min(BATCH, n - at);
    const all = vectors(m);
    const entries = [];
    for (let p = 0; p < m; p += PER_PERSON) {
      entries.push({
        name: `person ${(at + p) / PER_PERSON}`,
        embeddings: all.subarray(p * DIM, (p + PER_PERSON) * DIM),
      });
    }
    await db.importPersons(entries);
    log(`${name}: ${at + m} embeddings`);
  }
  await db.flush(); // snapshot + checkpoint
  return db;
}

/** The checkpoint's bytes read from IndexedDB alone (its header, then its parts); their length. */
async function readCheckpoint(name: string): Promise<number> {
  const store = createStore(name, 'memory');
  const header = (await get<Checkpoint>(faissKey(MODEL), store))!;
  const keys = Array.from({ length: header.parts }, (_, i) => faissPartKey(MODEL, i));
  const parts = await getMany<CheckpointPart>(keys, store);
  return parts.reduce((n, p) => n + p!.bytes.length, 0);
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const out = await fn();
  return [performance.now() - t0, out];
}

async function run({ quick, log }: { quick: boolean; log: (m: string) => void }) {
  const n = quick ? 10_000 : 100_000;
  const nk = `${n / 1000}k`;
  const tag = `${process.pid}-${Date.now()}`;
  const bigName = `bench-memory-${nk}-${tag}`;
  const smallName = `bench-memory-1k-${tag}`;
  const faiss = await loadFaiss();
  const rows: BenchRow[] = [];
  const row = (r: Omit<BenchRow, 'suite'>) => rows.push({ suite: 'memory', ...r });

  await (await populate(bigName, n, log)).close();

  // Baseline: the checkpoint bytes read from IndexedDB alone (a fresh connection each time),
  // interleaved with opens from the checkpoint; a GC before each so neither pays for the other's garbage.
  const reads: number[] = [];
  const opens: number[] = [];
  let ckBytes = 0;
  let memory = { js: 0, wasm: 0, sql: 0 };
  for (let i = 0; i < 5; i++) {
    gc();
    const [readMs, ck] = await timed(() => readCheckpoint(bigName));
    reads.push(readMs);
    ckBytes = ck;
    gc();
    const heap0 = process.memoryUsage().heapUsed;
    const wasm0 = faiss.heapBytes();
    const [ms, db] = await timed(() => openDb(bigName));
    if (db.openReport.indexSource !== 'checkpoint') {
      throw new Error(`expected the checkpoint path, got ${db.openReport.indexSource}`);
    }
    opens.push(ms);
    gc();
    const sqlBytes = (await get<Uint8Array>(SQLITE_KEY, createStore(bigName, 'memory')))!.length;
    memory = {
      js: process.memoryUsage().heapUsed - heap0,
      wasm: faiss.heapBytes() - wasm0,
      sql: sqlBytes,
    };
    await db.close({ flush: false });
  }
  const readMs = median(reads);
  const openMs = median(opens);
  const readNote = 'IndexedDB is fake-indexeddb in Node (structured clone, in-process)';
  row({
    name: `open from checkpoint, ${nk} × ${DIM}-d`,
    value: openMs,
    unit: 'ms',
    baseline: { name: 'read checkpoint bytes alone', value: readMs, unit: 'ms' },
    ratio: openMs / readMs,
    goal: '≤ 1.5 at 100k',
    // The goal is set for 100k; at quick mode's 10k, FAISS's fixed-cost copies
    // weigh more against a memcpy-fast fake read, so the row is shown, not judged.
    met: quick ? undefined : openMs / readMs <= 1.5,
    note: `${(ckBytes / 2 ** 20).toFixed(0)} MiB checkpoint; ${readNote}`,
  });

  // Open without a usable checkpoint: rebuilt from the stored embeddings (IVF retrained).
  await del(faissKey(MODEL), createStore(bigName, 'memory'));
  const [rebuildMs, big] = await timed(() => openDb(bigName));
  if (big.openReport.indexSource !== 'rebuilt') throw new Error('expected a rebuild');
  row({
    name: `open with rebuild, ${nk} × ${DIM}-d`,
    value: rebuildMs,
    unit: 'ms',
    baseline: { name: 'open from checkpoint', value: openMs, unit: 'ms' },
    ratio: rebuildMs / openMs,
    note: `${(await big.stats()).indexType}; what the checkpoint saves`,
  });

  // labelFace latency at 1k and at n, interleaved so both see the same machine load.
  const small = await populate(smallName, 1000, log);
  const reps = quick ? 9 : 15;
  const warm = 3;
  const queue = async (db: FaceDatabase, count: number) => {
    const ids: number[] = [];
    for (let i = 0; i < count; i++) ids.push(await db.queueUnlabeled(null, vectors(1)));
    return ids;
  };
  // Encrypted twins of both memories (same seed, so the same vectors), for the rows at the end.
  const seedNow = seed;
  seed = 12345;
  await (await populate(`${bigName}-sealed`, n, log, true)).close();
  const sealedSmall = await populate(`${smallName}-sealed`, 1000, log, true);
  seed = seedNow;
  const [qSmall, qBig] = [await queue(small, reps + warm), await queue(big, reps + warm)];
  // The rebuild's and the populations' garbage is collected first: the rows measure labelFace.
  gc();
  const tSmall: number[] = [];
  const tBig: number[] = [];
  for (let i = 0; i < reps + warm; i++) {
    // An existing person each time (10 samples, as at both sizes): the common case.
    const [a] = await timed(() => small.labelFace(qSmall[i]!, `person ${i * 7}`));
    const [b] = await timed(() => big.labelFace(qBig[i]!, `person ${i * 7}`));
    if (i >= warm) {
      tSmall.push(a);
      tBig.push(b);
    }
  }
  const labelSmall = median(tSmall);
  const labelBig = median(tBig);
  row({ name: 'labelFace at 1k stored', value: labelSmall, unit: 'ms', note: 'IndexFlatIP' });
  row({
    name: `labelFace at ${nk} stored`,
    value: labelBig,
    unit: 'ms',
    baseline: { name: 'labelFace at 1k', value: labelSmall, unit: 'ms' },
    ratio: labelBig / labelSmall,
    goal: '≤ 2',
    met: labelBig / labelSmall <= 2,
    note: `${(await big.stats()).indexType}; median of ${reps}, interleaved with the 1k runs`,
  });

  // Not a label-path goal, shown for what it is: FAISS's remove_ids compacts (O(n)).
  const delSmall: number[] = [];
  const delBig: number[] = [];
  for (let i = 0; i < 5; i++) {
    const sa = (await small.getPerson(i + 1)).samples[0]!.id;
    const sb = (await big.getPerson(i + 1)).samples[0]!.id;
    delSmall.push((await timed(() => small.deleteSample(sa)))[0]);
    delBig.push((await timed(() => big.deleteSample(sb)))[0]);
  }
  row({
    name: `deleteSample at ${nk} stored`,
    value: median(delBig),
    unit: 'ms',
    baseline: { name: 'deleteSample at 1k', value: median(delSmall), unit: 'ms' },
    ratio: median(delBig) / median(delSmall),
    note: 'FAISS remove_ids is linear in the index size (IndexIDMap2 + IVF lists)',
  });

  const perEmbedding = (memory.js + memory.wasm + memory.sql) / n;
  row({
    name: `memory per stored embedding at ${nk}`,
    value: perEmbedding,
    unit: 'bytes',
    baseline: { name: `${DIM} float32`, value: DIM * 4, unit: 'bytes' },
    ratio: perEmbedding / (DIM * 4),
    goal: '≤ 1.25',
    met: perEmbedding / (DIM * 4) <= 1.25,
    note:
      `JS heap ${(memory.js / n).toFixed(0)} + FAISS wasm heap ${(memory.wasm / n).toFixed(0)} ` +
      `+ SQLite ${(memory.sql / n).toFixed(0)} B per embedding, after open from checkpoint`,
  });

  await big.close(); // with a fresh checkpoint, for the encrypted rows' baseline open
  await encryptedRows({
    n,
    nk,
    quick,
    open: openDb,
    timed,
    gc,
    names: { plain: bigName, sealed: `${bigName}-sealed`, plainSmall: small, sealedSmall },
    queue,
    row,
  });
  await small.close({ flush: false });
  await sealedSmall.close({ flush: false });
  return rows;
}

const suite: BenchSuite = { name: 'memory', run };
export default suite;
