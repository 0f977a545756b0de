/**
 * `npm run bench [-- suite...] [--quick]`: runs the benchmark suites in
 * tests/bench/*.bench.ts, prints a table and then the rows as JSON
 * (also written to bench-results.json).
 */
import { readdir, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import type { BenchRow, BenchSuite } from './types.ts';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.filter((a) => !a.startsWith('--'));

function fmt(x: number | undefined): string {
  if (x === undefined || Number.isNaN(x)) return '';
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

function table(rows: BenchRow[]): string {
  const head = ['suite', 'measure', 'value', 'unit', 'baseline', 'ratio', 'goal', 'met'];
  const body = rows.map((r) => [
    r.suite,
    r.name,
    fmt(r.value),
    r.unit,
    r.baseline ? `${r.baseline.name} ${fmt(r.baseline.value)} ${r.baseline.unit}` : '',
    fmt(r.ratio),
    r.goal ?? '',
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(w[i]!)).join(' | ') + ' |';
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...body.map(line)].join('\n');
}

const files = (await readdir(here)).filter((f) => f.endsWith('.bench.ts')).sort();
const rows: BenchRow[] = [];
for (const f of files) {
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { default: BenchSuite };
  const suite = mod.default;
  if (only.length && !only.includes(suite.name)) continue;
  console.error(`# ${suite.name}`);
  const got = await suite.run({ quick, log: (m) => console.error(`  ${m}`) });
  rows.push(...got);
}
console.log(table(rows));
console.log(JSON.stringify({ date: new Date().toISOString(), quick, rows }, null, 2));
await writeFile(
  join(here, '..', '..', 'bench-results.json'),
  JSON.stringify({ quick, rows }, null, 2),
);
