/** One measured figure. Speeds are reported as ratios against a baseline measured in the same run. */
export interface BenchRow {
  /** Which suite produced it: 'faiss', 'memory', 'vision', 'transfer'. */
  suite: string;
  /** What was measured, e.g. 'flat search n=100k k=1'. */
  name: string;
  value: number;
  unit: string;
  /** The baseline this row is compared against (same run), if any. */
  baseline?: { name: string; value: number; unit: string };
  /** value / baseline.value (or another stated ratio). */
  ratio?: number;
  /** A goal the ratio or value should meet, in words ('≤ 1.25'). */
  goal?: string;
  /** Whether the goal was met, when there is one. */
  met?: boolean;
  note?: string;
}

export interface BenchSuite {
  name: string;
  run(opts: { quick: boolean; log: (msg: string) => void }): Promise<BenchRow[]>;
}

/** Median of a list of numbers. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
