import { describe, expect, it } from 'vitest';
import { clipRect, iou, nms, squareAround } from './box';

const box = (x1: number, y1: number, x2: number, y2: number, score = 1) => ({
  x1,
  y1,
  x2,
  y2,
  score,
});

describe('iou', () => {
  it('is 1 for the same box, 0 for disjoint ones, and the overlap ratio otherwise', () => {
    expect(iou(box(0, 0, 10, 10), box(0, 0, 10, 10))).toBe(1);
    expect(iou(box(0, 0, 10, 10), box(10, 0, 20, 10))).toBe(0);
    expect(iou(box(0, 0, 10, 10), box(5, 0, 15, 10))).toBeCloseTo(50 / 150);
  });
});

describe('nms', () => {
  it('keeps the best of overlapping boxes and every separate box, best first', () => {
    const kept = nms(
      [
        box(0, 0, 10, 10, 0.8),
        box(1, 1, 11, 11, 0.9),
        box(50, 50, 60, 60, 0.7),
        box(0, 0, 10, 9, 0.85),
      ],
      0.3,
    );
    expect(kept.map((b) => b.score)).toEqual([0.9, 0.7]);
  });

  it('keeps boxes overlapping less than the limit', () => {
    expect(nms([box(0, 0, 10, 10, 0.9), box(8, 0, 18, 10, 0.8)], 0.3)).toHaveLength(2);
  });
});

it('clipRect and squareAround', () => {
  expect(clipRect(box(-5, 3, 120, 90), 100, 80)).toMatchObject({ x1: 0, y1: 3, x2: 100, y2: 80 });
  expect(squareAround({ x1: 0, y1: 0, x2: 10, y2: 20 })).toEqual({ x1: -5, y1: 0, x2: 15, y2: 20 });
});
