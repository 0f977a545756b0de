/** Face boxes: overlap, non-maximum suppression, clipping. Pixel units throughout. */
import type { Rect } from './image';

export interface Detection extends Rect {
  /** Detector confidence in [0, 1]. */
  score: number;
}

export function area(r: Rect): number {
  return Math.max(0, r.x2 - r.x1) * Math.max(0, r.y2 - r.y1);
}

/** Intersection over union; 0 for disjoint or empty boxes. */
export function iou(a: Rect, b: Rect): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (area(a) + area(b) - inter);
}

/**
 * Greedy NMS: keep the best-scoring box, drop every other box that overlaps
 * it by more than `iouMax`, repeat. Returns boxes best first.
 */
export function nms<T extends Detection>(boxes: readonly T[], iouMax: number): T[] {
  const sorted = [...boxes].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const box of sorted) {
    if (kept.every((k) => iou(k, box) <= iouMax)) kept.push(box);
  }
  return kept;
}

export function clipRect<T extends Rect>(r: T, width: number, height: number): T {
  return {
    ...r,
    x1: Math.min(width, Math.max(0, r.x1)),
    y1: Math.min(height, Math.max(0, r.y1)),
    x2: Math.min(width, Math.max(0, r.x2)),
    y2: Math.min(height, Math.max(0, r.y2)),
  };
}

/** The square of side `scale` × max(w, h) centred on the box (it may reach past the image). */
export function squareAround(r: Rect, scale = 1): Rect {
  const cx = (r.x1 + r.x2) / 2;
  const cy = (r.y1 + r.y2) / 2;
  const half = (Math.max(r.x2 - r.x1, r.y2 - r.y1) * scale) / 2;
  return { x1: cx - half, y1: cy - half, x2: cx + half, y2: cy + half };
}
