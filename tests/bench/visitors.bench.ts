/**
 * Visitor rows of `npm run bench` (suite 'visitors'), in Node (fake-indexeddb,
 * real sql.js and FAISS). Each figure is compared with the same measure on a
 * memory 100× smaller made in the same run (the ratio is what size costs), and
 * judged against 30 ms (a frame at 30 fps):
 *  - `queue 10k visitors`: open the queue (its first page of cards) and name one;
 *  - `log day view at 1M sightings`: one day of the visit log (the same visits
 *    per day in both memories, so the ratio is what the table's size costs);
 *  - `visitor match at 10k`: one stranger's embedding against every visitor's faces.
 * The memories are seeded by writing rows into the stored SQLite snapshot and
 * the faces' vectors under their keys (one action per row would take minutes).
 */
import 'fake-indexeddb/auto';
import { createStore, get, set, setMany } from 'idb-keyval';
import { FaceDatabase } from '../../src/lib/memory/face-database.ts';
import { SQLITE_KEY, unlabeledEmbKey } from '../../src/lib/memory/store/keys.ts';
import { loadSqlJs } from '../../src/lib/sqlite/sql.ts';
import type { BenchRow, BenchSuite } from './types.ts';
import { median } from './types.ts';

const DIM = 512;
const MODEL = 'bench-512';
const FACES = 3;
const DAY = 86_400_000;

let seed = 99;
function random(): number {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 4294967296 - 0.5;
}

function unitVector(): Float32Array {
  const v = new Float32Array(DIM);
  for (let i = 0; i < DIM; i++) v[i] = random();
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

const openDb = (name: string) =>
  FaceDatabase.open({ name, modelId: MODEL, dim: DIM, locks: null, maintenanceDelayMs: Infinity });

/** A memory of 100 people, `visitors` visitors of 3 faces, `sightings` visits over `days` days. */
async function seeded(name: string, visitors: number, sightings: number, days: number) {
  const db = await openDb(name);
  await db.importPersons(
    Array.from({ length: 100 }, (_, i) => ({ name: `p${i}`, embeddings: [unitVector()] })),
  );
  await db.close();
  const store = createStore(name, 'memory');
  const SQL = await loadSqlJs();
  const sql = new SQL.Database(await get<Uint8Array>(SQLITE_KEY, store));
  const t0 = Date.UTC(2025, 0, 1);
  const span = days * DAY;
  sql.exec('BEGIN');
  const v = sql.prepare(
    'INSERT INTO visitors (id, first_seen, last_seen, visit_count) VALUES (?, ?, ?, 1)',
  );
  const u = sql.prepare(
    `INSERT INTO unlabeled (id, timestamp, reviewed, model_id, has_crop, group_key, quality, visitor_id)
     VALUES (?, ?, 0, ?, 0, ?, 0.5, ?)`,
  );
  const vectors: Array<[string, Float32Array]> = [];
  for (let i = 1; i <= visitors; i++) {
    const at = t0 + Math.floor((i / visitors) * span);
    v.run([i, at, at]);
    const base = unitVector();
    for (let f = 0; f < FACES; f++) {
      const id = (i - 1) * FACES + f + 1;
      u.run([id, at, MODEL, `g${i}`, i]);
      vectors.push([unlabeledEmbKey(id), base]);
    }
  }
  v.free();
  u.free();
  const s = sql.prepare(
    `INSERT INTO sightings (person_id, visitor_id, timestamp, similarity, confidence, ended, frames)
     VALUES (?, ?, ?, 0.9, 0.9, ?, 12)`,
  );
  for (let i = 0; i < sightings; i++) {
    const at = t0 + Math.floor((i / sightings) * span);
    const person = i % 4 !== 0;
    s.run([person ? (i % 100) + 1 : null, person ? null : (i % visitors) + 1, at, at + 60_000]);
  }
  s.free();
  sql.exec('COMMIT');
  await set(SQLITE_KEY, sql.export(), store);
  sql.close();
  for (let at = 0; at < vectors.length; at += 5000) {
    await setMany(vectors.slice(at, at + 5000), store);
  }
  return { db: await openDb(name), t0 };
}

async function timed(fn: () => Promise<unknown>, times = 7): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

interface Figures {
  queue: number;
  day: number;
  dayRows: number;
  match: number;
}

async function measure(name: string, visitors: number, sightings: number, days: number) {
  const { db, t0 } = await seeded(name, visitors, sightings, days);
  try {
    let label = 0;
    const queue = await timed(async () => {
      const cards = await db.listVisitors({ limit: 50 });
      await db.labelVisitor(cards[0]!.id, `named ${label++}`);
    });
    const from = t0 + Math.floor(days / 2) * DAY;
    let dayRows = 0;
    const day = await timed(async () => {
      dayRows = (await db.visitLog({ fromMs: from, toMs: from + DAY, limit: 0 })).length;
    });
    const q = unitVector();
    await db.matchVisitor(q); // the first call reads the faces' vectors once
    const match = await timed(() => db.matchVisitor(unitVector()), 21);
    return { queue, day, dayRows, match } satisfies Figures;
  } finally {
    await db.close({ flush: false });
  }
}

async function run({ quick, log }: { quick: boolean; log: (m: string) => void }) {
  const tag = `${process.pid}-${Date.now()}`;
  const nv = quick ? 1000 : 10_000;
  const ns = quick ? 100_000 : 1_000_000;
  const days = 365;
  log(`seeding ${nv} visitors, ${ns} sightings`);
  const big = await measure(`bench-visitors-big-${tag}`, nv, ns, days);
  log('seeding the baseline');
  const small = await measure(`bench-visitors-small-${tag}`, nv / 100, ns / 100, days / 100);
  const rows: BenchRow[] = [];
  const row = (name: string, value: number, base: number, baseName: string, note: string) =>
    rows.push({
      suite: 'visitors',
      name,
      value,
      unit: 'ms',
      baseline: { name: baseName, value: base, unit: 'ms' },
      ratio: value / base,
      goal: '≤ 30 ms',
      met: value <= 30,
      note,
    });
  const k = (n: number) => `${n / 1000}k`;
  row(
    `queue ${k(nv)} visitors`,
    big.queue,
    small.queue,
    `queue ${nv / 100} visitors`,
    'first page of 50 cards + labelVisitor',
  );
  row(
    `log day view at ${ns >= 1e6 ? `${ns / 1e6}M` : k(ns)} sightings`,
    big.day,
    small.day,
    `day view at ${k(ns / 100)} sightings`,
    `${big.dayRows} vs ${small.dayRows} visits that day`,
  );
  row(
    `visitor match at ${k(nv)}`,
    big.match,
    small.match,
    `visitor match at ${nv / 100}`,
    `${nv * FACES} faces × ${DIM}-d, exact scan`,
  );
  return rows;
}

const suite: BenchSuite = { name: 'visitors', run };
export default suite;
