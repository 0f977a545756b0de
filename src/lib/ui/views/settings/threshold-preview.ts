/**
 * What a new threshold would change, from similarities the app already has:
 * the best match of each queued face (suggestForUnlabeled) and of each face
 * in view when the live view was last open. No new search, no per-frame work.
 */
import type { Candidate } from '../../../memory/base/types';

type PreviewSource = 'queued' | 'in-view';

export interface PreviewFace {
  source: PreviewSource;
  /** The closest known person, or null when the memory knows nobody. */
  best: Candidate | null;
}

interface PreviewChange {
  source: PreviewSource;
  name: string;
  similarity: number;
}

interface ThresholdPreview {
  faces: number;
  /** Faces that count as a known person at the threshold in use, and at the proposed one. */
  matchedNow: number;
  matchedNext: number;
  /** Would be recognised at the proposed threshold, are not now (best first). */
  gained: PreviewChange[];
  /** Are recognised now, would not be. */
  lost: PreviewChange[];
}

export function previewThreshold(
  faces: readonly PreviewFace[],
  nowCosine: number,
  nextCosine: number,
): ThresholdPreview {
  const matched = (f: PreviewFace, t: number) => !!f.best && f.best.similarity >= t;
  const change = (f: PreviewFace): PreviewChange => ({
    source: f.source,
    name: f.best!.name,
    similarity: f.best!.similarity,
  });
  const gained = faces.filter((f) => matched(f, nextCosine) && !matched(f, nowCosine));
  const lost = faces.filter((f) => matched(f, nowCosine) && !matched(f, nextCosine));
  return {
    faces: faces.length,
    matchedNow: faces.filter((f) => matched(f, nowCosine)).length,
    matchedNext: faces.filter((f) => matched(f, nextCosine)).length,
    gained: gained.map(change).sort((a, b) => b.similarity - a.similarity),
    lost: lost.map(change).sort((a, b) => a.similarity - b.similarity),
  };
}

/** Snaps a typed or slid value to the control's grid (0…1, step 0.01). */
export function clampThreshold(v: number): number {
  if (!Number.isFinite(v)) return NaN;
  return Math.min(1, Math.max(0, Math.round(v * 100) / 100));
}
