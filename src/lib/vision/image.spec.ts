import { describe, expect, it } from 'vitest';
import { createRgba, resize, resizeRegion, toGray, warpAffine, type RgbaImage } from './image';

function gradient(w: number, h: number): RgbaImage {
  const img = createRgba(w, h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      img.data.set([x * 10, y * 10, (x + y) * 5, 255], i);
    }
  }
  return img;
}

describe('resize', () => {
  it('keeps pixels when the size does not change', () => {
    const img = gradient(12, 9);
    expect(Array.from(resize(img, 12, 9).data)).toEqual(Array.from(img.data));
  });

  it('averages when shrinking (antialiased), so a fine checkerboard becomes grey', () => {
    const img = createRgba(16, 16);
    for (let i = 0; i < 256; i++) {
      const v = ((i % 16) + Math.floor(i / 16)) % 2 ? 255 : 0;
      img.data.set([v, v, v, 255], i * 4);
    }
    const small = resize(img, 4, 4);
    for (let i = 0; i < 16; i++) expect(Math.abs(small.data[i * 4]! - 127.5)).toBeLessThan(8);
  });

  it('repeats edge pixels for a region reaching outside the image', () => {
    const img = gradient(10, 10);
    const out = resizeRegion(img, { x1: -10, y1: 0, x2: 0, y2: 10 }, 5, 10);
    // Everything left of the image is column 0 (x = 0 → red 0).
    for (let y = 0; y < 10; y++) expect(out.data[(y * 5 + 2) * 4]).toBe(0);
  });
});

describe('warpAffine', () => {
  it('translates by whole pixels exactly and fills outside with black', () => {
    const img = gradient(8, 8);
    const out = warpAffine(img, [1, 0, 2, 0, 1, 1], 8, 8);
    expect(out.data[(0 * 8 + 0) * 4]).toBe(img.data[(1 * 8 + 2) * 4]);
    expect(out.data[(3 * 8 + 4) * 4 + 1]).toBe(img.data[(4 * 8 + 6) * 4 + 1]);
    expect(out.data[(7 * 8 + 7) * 4]).toBe(0); // source (9, 8) is outside
  });

  it('interpolates half-pixel shifts bilinearly', () => {
    const img = gradient(8, 8);
    const out = warpAffine(img, [1, 0, 0.5, 0, 1, 0], 4, 4);
    expect(out.data[(2 * 4 + 1) * 4]).toBe(15); // between x = 1 (10) and x = 2 (20)
  });
});

it('toGray uses BT.601 luma', () => {
  const img = createRgba(1, 1);
  img.data.set([100, 200, 50, 255]);
  expect(toGray(img).data[0]).toBe(Math.round(0.299 * 100 + 0.587 * 200 + 0.114 * 50));
});
