import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBundledModel, readImage } from '../../../tests/support/vision/vision-node.ts';
import { bbtCrops } from '../../../tests/fixtures/vision/bbt.ts';
import type { Point } from './align';
import { createRgba, resize, type RgbaImage } from './image';
import { FaceLocator, type LocatedFace } from './locator';
import { wasmEnv } from './ort-session';
import {
  cropQuality,
  DEFAULT_GATE,
  describeRejection,
  judge,
  pose,
  type CropQuality,
} from './quality';

let locator: FaceLocator;
beforeAll(async () => {
  locator = await FaceLocator.load(
    await readBundledModel('fr_detect.onnx'),
    await readBundledModel('fr_landmark.onnx'),
    wasmEnv,
  );
});
afterAll(() => locator.release());

/** A 9×9 box blur on the 150 px crop (a face out of focus, or moving at a walk). */
function blur(img: RgbaImage, r = 4): RgbaImage {
  const out = createRgba(img.width, img.height);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      for (let c = 0; c < 4; c++) {
        let s = 0;
        let n = 0;
        for (let dy = -r; dy <= r; dy++) {
          for (let dx = -r; dx <= r; dx++) {
            const xx = Math.min(img.width - 1, Math.max(0, x + dx));
            const yy = Math.min(img.height - 1, Math.max(0, y + dy));
            s += img.data[(yy * img.width + xx) * 4 + c]!;
            n++;
          }
        }
        out.data[(y * img.width + x) * 4 + c] = c === 3 ? 255 : s / n;
      }
    }
  }
  return out;
}

function darken(img: RgbaImage, k: number): RgbaImage {
  const out = createRgba(img.width, img.height);
  img.data.forEach((v, i) => (out.data[i] = i % 4 === 3 ? 255 : v * k));
  return out;
}

/** The largest face of an image and its quality. */
async function measure(img: RgbaImage): Promise<CropQuality | null> {
  const faces: LocatedFace[] = await locator.locate(img);
  const f = faces.sort((a, b) => b.x2 - b.x1 - (a.x2 - a.x1))[0];
  if (!f) return null;
  return cropQuality(img, { box: f, score: f.score, five: f.five });
}

const range = (xs: number[]) => [Math.min(...xs), Math.max(...xs)].map((v) => +v.toFixed(2));

describe('the quality gate on the bbt crops and degraded copies', () => {
  it('passes every real crop; rejects blurred, dark and small copies, saying why', async () => {
    const crops = bbtCrops();
    const real: CropQuality[] = [];
    const blurred: CropQuality[] = [];
    const dark: CropQuality[] = [];
    const small: CropQuality[] = [];
    for (const c of crops) {
      const img = await readImage(c.path);
      real.push((await measure(img))!);
      const b = await measure(blur(img));
      if (b) blurred.push(b);
      const d = await measure(darken(img, 0.15));
      if (d) dark.push(d);
      // 150 px → 36 px: a face across a hallway (found by the detector or not at all).
      const s = await measure(resize(img, 36, 36));
      if (s) small.push(s);
    }
    const table = {
      real: {
        sharpness: range(real.map((q) => q.sharpness)),
        brightness: range(real.map((q) => q.brightness)),
        clipped: range(real.map((q) => q.clipped)),
        yaw: range(real.map((q) => Math.abs(q.yaw))),
        roll: range(real.map((q) => Math.abs(q.rollDeg))),
        score: range(real.map((q) => q.score)),
      },
      blurred: { n: blurred.length, sharpness: range(blurred.map((q) => q.sharpness)) },
      dark: { n: dark.length, brightness: range(dark.map((q) => q.brightness)) },
      small: { n: small.length, side: range(small.map((q) => q.sidePx)) },
    };
    console.log('quality gate measurements', JSON.stringify(table));
    // Every real crop passes.
    expect(real.filter((q) => !q.ok).map((q) => describeRejection(q))).toEqual([]);
    // Blur lowers sharpness (median to less than 60 %), and the worst blur is rejected as such.
    const median = (xs: number[]) => xs.sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;
    expect(median(blurred.map((q) => q.sharpness))).toBeLessThan(
      0.6 * median(real.map((q) => q.sharpness)),
    );
    const tooBlurred = blurred.filter((q) => q.sharpness < DEFAULT_GATE.minSharpness);
    expect(tooBlurred.length).toBeGreaterThanOrEqual(3);
    expect(tooBlurred.every((q) => !q.ok && q.reasons.includes('blurred'))).toBe(true);
    expect(describeRejection(tooBlurred[0]!)).toContain('blurred');
    expect(dark.length).toBeGreaterThan(10);
    expect(dark.every((q) => !q.ok && q.reasons.includes('dark'))).toBe(true);
    expect(small.length).toBeGreaterThan(30);
    expect(small.every((q) => !q.ok && q.reasons.includes('small'))).toBe(true);
  }, 120_000);
});

describe('pose and judge', () => {
  const frontal: Point[] = [
    [38, 52],
    [74, 52],
    [56, 72],
    [42, 92],
    [70, 92],
  ];
  it('frontal: no yaw, no roll; a nose off to one side is yaw; a tilted eye line is roll', () => {
    expect(pose(frontal).yaw).toBeCloseTo(0);
    expect(pose(frontal).rollDeg).toBeCloseTo(0);
    const turned = frontal.map((p, i) => (i === 2 ? ([p[0] + 18, p[1]] as Point) : p));
    expect(pose(turned).yaw).toBeCloseTo(0.5);
    const tilted: Point[] = [[38, 52], [74, 70], ...frontal.slice(2)];
    expect(pose(tilted).rollDeg).toBeCloseTo((Math.atan2(18, 36) * 180) / Math.PI);
  });

  it('each gate rejects on its own, with its reason', () => {
    const good = {
      sidePx: 120,
      score: 0.9,
      sharpness: 1500,
      yaw: 0,
      rollDeg: 0,
      brightness: 120,
      clipped: 0,
    };
    expect(judge(good).ok).toBe(true);
    const cases: [Partial<typeof good>, string][] = [
      [{ sidePx: DEFAULT_GATE.minSidePx - 1 }, 'small'],
      [{ score: 0.3 }, 'low-score'],
      [{ sharpness: 100 }, 'blurred'],
      [{ yaw: -0.6 }, 'turned'],
      [{ rollDeg: 40 }, 'tilted'],
      [{ brightness: 10 }, 'dark'],
      [{ brightness: 250 }, 'bright'],
      [{ clipped: 0.6 }, 'bright'],
    ];
    for (const [change, reason] of cases) {
      expect(judge({ ...good, ...change }).reasons).toEqual([reason]);
    }
  });
});
