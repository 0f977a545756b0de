import { describe, expect, it } from 'vitest';
import { applyAffine, type Point } from './align';
import {
  alignFaceDlib,
  dlibChipToImage,
  dlibFivePoints,
  DLIB_FIVE_TEMPLATE,
  DLIB_PADDING,
} from './align-dlib';
import { createRgba } from './image';

/** The padded template × size: where dlib puts the five points in a chip. */
const chipPoints = (size: number): Point[] =>
  DLIB_FIVE_TEMPLATE.map(([x, y]) => [
    ((DLIB_PADDING + x) / (1 + 2 * DLIB_PADDING)) * size,
    ((DLIB_PADDING + y) / (1 + 2 * DLIB_PADDING)) * size,
  ]);

describe('dlib alignment', () => {
  it('takes points 45, 42, 36, 39, 33 of the 68', () => {
    const pts68: Point[] = Array.from({ length: 68 }, (_, i) => [i, -i]);
    expect(dlibFivePoints(pts68)).toEqual([
      [45, -45],
      [42, -42],
      [36, -36],
      [39, -39],
      [33, -33],
    ]);
    expect(() => dlibFivePoints(pts68.slice(1))).toThrow(RangeError);
  });

  it('an image already at chip scale: the chip spans size·scale − 1 pixels, centred (dlib’s centered_drect)', () => {
    // Points exactly where the chip wants them: scale 1, angle 0.
    const m = dlibChipToImage(chipPoints(150), 150);
    // Chip pixel 0 → centre − (150 − 1)/2 = 75 − 74.5; pixel 149 → 75 + 74.5; step 1.
    const tl = applyAffine(m, [0, 0]);
    expect(tl[0]).toBeCloseTo(0.5, 12);
    expect(tl[1]).toBeCloseTo(0.5, 12);
    expect(applyAffine(m, [149, 149])[0]).toBeCloseTo(149.5, 12);
    expect(m[1]).toBeCloseTo(0, 12);
  });

  it('follows a rotated, scaled, shifted face', () => {
    // The face twice as big, turned 30°, moved: chip pixels land on the same image points
    // (up to dlib's half-pixel and (size·s − 1)/(size − 1) conventions).
    const th = Math.PI / 6;
    const s = 2;
    const warp = (p: Point): Point => [
      s * (Math.cos(th) * p[0] - Math.sin(th) * p[1]) + 40,
      s * (Math.sin(th) * p[0] + Math.cos(th) * p[1]) + 7,
    ];
    const m = dlibChipToImage(chipPoints(150).map(warp), 150);
    const step = (150 * s - 1) / 149;
    expect(Math.hypot(m[0], m[3])).toBeCloseTo(step, 10);
    expect(Math.atan2(m[3], m[0])).toBeCloseTo(th, 10);
    // The chip's centre (pixel 74.5) is the image of template point 75.
    const c = applyAffine(m, [74.5, 74.5]);
    const want = warp([75, 75]);
    expect(c[0]).toBeCloseTo(want[0], 10);
    expect(c[1]).toBeCloseTo(want[1], 10);
  });

  it('a 150 × 150 chip, black outside the image', () => {
    const img = createRgba(10, 10);
    img.data.fill(200);
    // A face 5 px wide whose chip starts 2.5 px left of and above the image.
    const chip = alignFaceDlib(
      img,
      chipPoints(150).map(([x, y]) => [x / 30 - 3, y / 30 - 3]),
    );
    expect([chip.width, chip.height]).toEqual([150, 150]);
    expect(chip.data[0]).toBe(0);
    expect(chip.data[(149 * 150 + 149) * 4]).toBe(200);
  });
});
