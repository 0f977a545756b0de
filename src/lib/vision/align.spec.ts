import { describe, expect, it } from 'vitest';
import {
  alignFace,
  applyAffine,
  ARCFACE_TEMPLATE_112,
  fivePoints,
  invertAffine,
  similarityTransform,
  type Point,
} from './align';
import { createRgba, type Affine } from './image';

const rot = (deg: number, s: number, tx: number, ty: number): Affine => {
  const c = s * Math.cos((deg * Math.PI) / 180);
  const n = s * Math.sin((deg * Math.PI) / 180);
  return [c, -n, tx, n, c, ty];
};

describe('similarityTransform', () => {
  it('recovers an exact rotation + scale + translation', () => {
    const m = rot(23, 1.7, 12, -4);
    const src: Point[] = [
      [10, 20],
      [40, 22],
      [25, 40],
      [12, 55],
      [38, 57],
    ];
    const dst = src.map((p) => applyAffine(m, p));
    const got = similarityTransform(src, dst);
    got.forEach((v, i) => expect(v).toBeCloseTo(m[i]!, 9));
  });

  it('is the least-squares fit under noise (no reflection, residual below the noise)', () => {
    const m = rot(-10, 0.5, 3, 7);
    const src: Point[] = [
      [100, 120],
      [160, 118],
      [130, 150],
      [108, 185],
      [155, 183],
    ];
    const noise = [
      [1, -1],
      [-1, 0.5],
      [0.5, 1],
      [-0.5, -1],
      [1, 0.5],
    ];
    const dst = src.map((p, i) => {
      const q = applyAffine(m, p);
      return [q[0] + noise[i]![0]!, q[1] + noise[i]![1]!] as const;
    });
    const got = similarityTransform(src, dst);
    expect(got[0]).toBeCloseTo(got[4], 12); // a = e: no shear, no reflection
    const rms = Math.sqrt(
      src.reduce((s, p, i) => {
        const q = applyAffine(got, p);
        return s + (q[0] - dst[i]![0]) ** 2 + (q[1] - dst[i]![1]) ** 2;
      }, 0) / src.length,
    );
    expect(rms).toBeLessThan(1.2);
  });

  it('inverts', () => {
    const m = rot(40, 2, 5, 6);
    const p = applyAffine(invertAffine(m), applyAffine(m, [3, 4]));
    expect(p[0]).toBeCloseTo(3, 9);
    expect(p[1]).toBeCloseTo(4, 9);
  });
});

it('fivePoints averages the eye contours and mouth corners of the 68-point layout', () => {
  const pts: Point[] = Array.from({ length: 68 }, (_, i) => [i, 2 * i]);
  const five = fivePoints(pts);
  expect(five[0]).toEqual([(37 + 38 + 40 + 41) / 4, (2 * (37 + 38 + 40 + 41)) / 4]);
  expect(five[1]![0]).toBe((43 + 44 + 46 + 47) / 4);
  expect(five[2]).toEqual([30, 60]);
  expect(five[3]![0]).toBe((48 + 60) / 2);
  expect(five[4]![0]).toBe((54 + 64) / 2);
  expect(() => fivePoints(pts.slice(1))).toThrow(RangeError);
});

it('alignFace moves marked points onto the template', () => {
  const img = createRgba(200, 200);
  const m = rot(15, 1.6, 30, 20);
  const src = ARCFACE_TEMPLATE_112.map((p) => applyAffine(m, p));
  // A 5×5 white dot at each point (a single pixel would blur away when shrunk by 1.6).
  for (const [x, y] of src) {
    for (let dy = -2; dy <= 2; dy++) {
      for (let dx = -2; dx <= 2; dx++) {
        img.data.set([255, 255, 255, 255], ((Math.round(y) + dy) * 200 + Math.round(x) + dx) * 4);
      }
    }
  }
  const out = alignFace(img, src, 112);
  for (const [x, y] of ARCFACE_TEMPLATE_112) {
    let best = 0;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        best = Math.max(best, out.data[((Math.round(y) + dy) * 112 + Math.round(x) + dx) * 4]!);
      }
    }
    expect(best).toBe(255);
  }
});
