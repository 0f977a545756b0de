/** Verification and identification metrics over cosine similarities. */
import { cosine } from './preprocess';

export interface ScoredPair {
  /** Cosine similarity, or undefined when a face of the pair was not found (counts as wrong). */
  cos: number | undefined;
  same: boolean;
}

export interface PairsMetrics {
  pairs: number;
  threshold: number;
  /** At `threshold`: same ⇔ cos ≥ threshold. */
  accuracy: number;
  /** The best accuracy any threshold reaches on these pairs, and that threshold. */
  bestAccuracy: number;
  bestThreshold: number;
  /** Area under the ROC curve of the pairs with both faces found (ties count half). */
  auc: number;
}

export function pairsMetrics(pairs: readonly ScoredPair[], threshold: number): PairsMetrics {
  const n = pairs.length;
  const right = (t: number) =>
    pairs.filter((p) => p.cos !== undefined && p.cos >= t === p.same).length;
  const found = pairs.filter((p): p is { cos: number; same: boolean } => p.cos !== undefined);
  // Candidate thresholds: midpoints between consecutive distinct scores, and beyond both ends.
  const xs = [...new Set(found.map((p) => p.cos))].sort((a, b) => a - b);
  const candidates = [
    (xs[0] ?? 0) - 1e-6,
    ...xs.map((x, i) => (i + 1 < xs.length ? (x + xs[i + 1]!) / 2 : x + 1e-6)),
  ];
  let bestAccuracy = -1;
  let best: number[] = [];
  for (const t of candidates) {
    const acc = n ? right(t) / n : 0;
    if (acc > bestAccuracy) [bestAccuracy, best] = [acc, [t]];
    else if (acc === bestAccuracy) best.push(t);
  }
  // Of equally good thresholds (each a midpoint between two scores), the middle one.
  const bestThreshold = best[best.length >> 1] ?? threshold;
  return {
    pairs: n,
    threshold,
    accuracy: n ? right(threshold) / n : 0,
    bestAccuracy: Math.max(0, bestAccuracy),
    bestThreshold,
    auc: auc(found),
  };
}

function auc(found: readonly { cos: number; same: boolean }[]): number {
  const pos = found.filter((p) => p.same).map((p) => p.cos);
  const neg = found.filter((p) => !p.same).map((p) => p.cos);
  if (!pos.length || !neg.length) return NaN;
  let wins = 0;
  for (const a of pos) for (const b of neg) wins += a > b ? 1 : a === b ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}

export interface Rank1Result {
  queries: number;
  correct: number;
  rank1: number;
}

/** Nearest enrolled embedding by cosine for every query; a query without an embedding counts as wrong. */
export function rank1(
  enrolled: readonly { label: string; embedding: Float32Array }[],
  queries: readonly { label: string; embedding: Float32Array | undefined }[],
): Rank1Result {
  let correct = 0;
  for (const q of queries) {
    if (!q.embedding) continue;
    let best = -Infinity;
    let label = '';
    for (const e of enrolled) {
      const c = cosine(e.embedding, q.embedding);
      if (c > best) {
        best = c;
        label = e.label;
      }
    }
    if (label === q.label) correct++;
  }
  return { queries: queries.length, correct, rank1: queries.length ? correct / queries.length : 0 };
}
