import { expect, it } from 'vitest';
import { pairsMetrics, rank1 } from './metrics';

it('pairsMetrics: accuracy at a threshold, best threshold, AUC; a missing face is wrong', () => {
  const pairs = [
    { cos: 0.9, same: true },
    { cos: 0.6, same: true },
    { cos: 0.5, same: false },
    { cos: 0.2, same: false },
    { cos: undefined, same: true },
  ];
  const m = pairsMetrics(pairs, 0.7);
  expect(m.accuracy).toBeCloseTo(3 / 5); // 0.6 same is missed, undefined is wrong
  expect(m.bestAccuracy).toBeCloseTo(4 / 5);
  expect(m.bestThreshold).toBeCloseTo(0.55);
  expect(m.auc).toBe(1);
  expect(
    pairsMetrics(
      [
        { cos: 0.5, same: true },
        { cos: 0.5, same: false },
      ],
      0.5,
    ).auc,
  ).toBe(0.5);
});

it('rank1 picks the nearest enrolled face', () => {
  const v = (...x: number[]) => Float32Array.from(x);
  const r = rank1(
    [
      { label: 'a', embedding: v(1, 0) },
      { label: 'b', embedding: v(0, 1) },
    ],
    [
      { label: 'a', embedding: v(0.9, 0.1) },
      { label: 'b', embedding: v(0.8, 0.2) },
      { label: 'b', embedding: undefined },
    ],
  );
  expect(r).toEqual({ queries: 3, correct: 1, rank1: 1 / 3 });
});
