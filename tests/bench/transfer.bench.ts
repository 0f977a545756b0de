/**
 * Transfer rows of `npm run bench` (suite 'transfer'), in Node: IndexedDB is fake-indexeddb,
 * FAISS and sql.js are the real WebAssembly builds, WebCrypto is Node's.
 *  - export of a memory of n samples (768-d, each with a real face crop: the 150×150 PNGs of
 *    shared/faces/bbt, 12–16 KB, cycled), plain and encrypted; the file's size against what
 *    it must hold (crops, float32 vectors and the FAISS index; goal: the container, i.e.
 *    manifest, checksums, zip headers, SQLite and sample ids, adds ≤ 10 %);
 *  - import of that file into an empty memory (read + verify + preview + one action), as a
 *    ratio to a plain read of the same file (unzip only), the baseline.
 * n = 10k (quick: 1k).
 */
import 'fake-indexeddb/auto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { FaceDatabase } from '../../src/lib/memory/face-database.ts';
import { facesDir } from '../e2e/support/paths.ts';
import type { BenchRow, BenchSuite } from './types.ts';

const DIM = 768;
const MODEL = 'bench-768';
const PER_PERSON = 10;
const PASS = 'a passphrase for the benchmark';

let seed = 4242;
function random(): number {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 4294967296 - 0.5;
}

function crops(): Blob[] {
  const dir = join(facesDir, 'bbt');
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'groups')
    .flatMap((person) =>
      readdirSync(join(dir, person.name))
        .filter((f) => f.endsWith('.png'))
        .map((f) => new Blob([readFileSync(join(dir, person.name, f))], { type: 'image/png' })),
    );
}

const open = (name: string) =>
  FaceDatabase.open({ name, modelId: MODEL, dim: DIM, locks: null, maintenanceDelayMs: Infinity });

async function populate(n: number, images: Blob[], log: (m: string) => void) {
  const db = await open(`transfer-src-${n}-${Date.now()}`);
  let payload = 0;
  const BATCH = 1000;
  for (let at = 0; at < n; at += BATCH) {
    const entries = [];
    for (let p = at; p < Math.min(n, at + BATCH); p += PER_PERSON) {
      const vectors = new Float32Array(PER_PERSON * DIM).map(() => random());
      const faces = Array.from({ length: PER_PERSON }, (_, i) => images[(p + i) % images.length]!);
      payload += vectors.byteLength + faces.reduce((s, b) => s + b.size, 0);
      entries.push({ name: `person ${p / PER_PERSON}`, embeddings: vectors, crops: faces });
    }
    await db.importPersons(entries);
  }
  log(`source memory: ${n} samples with crops`);
  return { db, payload };
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const out = await fn();
  return [performance.now() - t0, out];
}

async function run({ quick, log }: { quick: boolean; log: (m: string) => void }) {
  const n = quick ? 1000 : 10_000;
  const label = n >= 1000 ? `${n / 1000}k` : String(n);
  const { db, payload } = await populate(n, crops(), log);
  const [exportMs, exported] = await timed(() => db.exportArchive({ settings: {} }));
  const [encryptMs] = await timed(() => db.exportArchive({ settings: {}, passphrase: PASS }));
  await db.close();
  const bytes = new Uint8Array(await exported.file.arrayBuffer());
  log(`export: ${(bytes.length / 1e6).toFixed(1)} MB in ${exportMs.toFixed(0)} ms`);

  // Baseline: a plain read of the same file (unzip, no checks), median of 3.
  const reads: number[] = [];
  for (let i = 0; i < 3; i++) reads.push((await timed(async () => unzipSync(bytes)))[0]);
  const unzipMs = reads.sort((a, b) => a - b)[1]!;

  const target = await open(`transfer-dst-${n}-${Date.now()}`);
  const [previewMs, preview] = await timed(() => target.previewImport(bytes));
  const [applyMs, result] = await timed(() => target.applyImport(preview.id));
  if (result.stats.samples !== n || result.stats.ntotal !== n) {
    throw new Error(`import lost data: ${JSON.stringify(result.stats)}`);
  }
  await target.close();
  const importMs = previewMs + applyMs;
  log(`import: preview ${previewMs.toFixed(0)} ms + apply ${applyMs.toFixed(0)} ms`);

  const base = { name: `unzip the file n=${label}`, value: unzipMs, unit: 'ms' };
  // What the file must hold anyway: crops, vectors and the FAISS index (a copy of the vectors).
  const entries = unzipSync(bytes);
  const manifest = JSON.parse(new TextDecoder().decode(entries['manifest.json'])) as {
    files: Record<string, { bytes: number }>;
  };
  const indexBytes = Object.entries(manifest.files)
    .filter(([path]) => path.startsWith('faiss/') && path.endsWith('.index'))
    .reduce((sum, [, f]) => sum + f.bytes, 0);
  const overhead = bytes.length / (payload + indexBytes);
  const rows: BenchRow[] = [
    {
      suite: 'transfer',
      name: `export n=${label} (768-d, PNG crops)`,
      value: exportMs,
      unit: 'ms',
    },
    {
      suite: 'transfer',
      name: `export n=${label}, encrypted`,
      value: encryptMs,
      unit: 'ms',
      baseline: { name: 'plain export', value: exportMs, unit: 'ms' },
      ratio: encryptMs / exportMs,
    },
    {
      suite: 'transfer',
      name: `file size n=${label}`,
      value: bytes.length / 1e6,
      unit: 'MB',
      baseline: {
        name: 'crops + vectors + index',
        value: (payload + indexBytes) / 1e6,
        unit: 'MB',
      },
      ratio: overhead,
      goal: '≤ 1.10',
      met: overhead <= 1.1,
      note: `${(bytes.length / n / 1024).toFixed(1)} KiB per sample`,
    },
    { suite: 'transfer', ...base, note: 'baseline: fflate unzipSync, no checks' },
    {
      suite: 'transfer',
      name: `import n=${label} into an empty memory`,
      value: importMs,
      unit: 'ms',
      baseline: base,
      ratio: importMs / unzipMs,
      note: `read+verify+preview ${previewMs.toFixed(0)} ms, one action ${applyMs.toFixed(0)} ms (${result.transactions} transaction)`,
    },
  ];
  return rows;
}

const suite: BenchSuite = { name: 'transfer', run };
export default suite;
