import { describe, expect, it } from 'vitest';
import { readImage } from '../../../tests/support/vision/vision-node.ts';
import { bundledLocatorForSpec } from '../../../tests/support/vision/locator.ts';
import { bbtCrops, bbtGroups } from '../../../tests/fixtures/vision/bbt.ts';
import { renderFrame, type FramePlan } from '../../../tests/support/vision/live-clips.ts';
import type { Point } from './align';
import { createRgba, resize, type RgbaImage } from './image';
import type { LocatedFace } from './locator';
import {
  cropQuality,
  DEFAULT_GATE,
  describeRejection,
  judge,
  pose,
  type CropQuality,
} from './quality';

const loaded = bundledLocatorForSpec();

function darken(img: RgbaImage, k: number): RgbaImage {
  const out = createRgba(img.width, img.height);
  img.data.forEach((v, i) => (out.data[i] = i % 4 === 3 ? 255 : v * k));
  return out;
}

/** The largest face of an image and its quality. */
async function measure(img: RgbaImage): Promise<CropQuality | null> {
  const faces: LocatedFace[] = await loaded.locator.locate(img);
  const f = faces.sort((a, b) => b.x2 - b.x1 - (a.x2 - a.x1))[0];
  if (!f) return null;
  return cropQuality(img, { box: f, score: f.score, five: f.five });
}

const range = (xs: number[]) => [Math.min(...xs), Math.max(...xs)].map((v) => +v.toFixed(2));

describe('the quality gate on the bbt crops and degraded copies', () => {
  it('passes every real crop; rejects blurred, dark and small copies, saying why', async () => {
    const crops = bbtCrops();
    const real: CropQuality[] = [];
    const dark: CropQuality[] = [];
    const small: CropQuality[] = [];
    for (const c of crops) {
      const img = await readImage(c.path);
      real.push((await measure(img))!);
      const d = await measure(darken(img, 0.15));
      if (d) dark.push(d);
      // 150 px → 36 px: a face across a hallway (found by the detector or not at all).
      const s = await measure(resize(img, 36, 36));
      if (s) small.push(s);
    }
    // Every other crop drawn on a 320×240 frame at 60 and 150 px, sharp or
    // behind a 9×9 box blur, with and without sensor noise (σ 6 levels).
    const drawn: Record<string, CropQuality[]> = {};
    for (const [i, c] of crops.entries()) {
      if (i % 2) continue;
      const img = await readImage(c.path);
      for (const side of [60, 150])
        for (const blurPx of [0, 4])
          for (const noise of [0, 6]) {
            const plan: FramePlan = {
              visible: true,
              sidePx: side,
              cx: 160,
              cy: 120,
              rotationDeg: 0,
              gain: 1,
              bias: 0,
              blurPx,
              noise,
            };
            const q = await measure(renderFrame(img, plan, i, { width: 320, height: 240 }));
            if (q) (drawn[`${blurPx ? 'blurred' : 'sharp'} ${side}px σ${noise}`] ??= []).push(q);
          }
    }
    const groups: CropQuality[] = [];
    for (const path of bbtGroups()) {
      const img = await readImage(path);
      for (const f of await loaded.locator.locate(img))
        groups.push(cropQuality(img, { box: f, score: f.score, five: f.five }));
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
      ...Object.fromEntries(
        Object.entries(drawn).map(([k, v]) => [
          k,
          { n: v.length, sharpness: range(v.map((q) => q.sharpness)) },
        ]),
      ),
      groups: { n: groups.length, sharpness: range(groups.map((q) => q.sharpness)) },
      dark: { n: dark.length, brightness: range(dark.map((q) => q.brightness)) },
      small: { n: small.length, side: range(small.map((q) => q.sidePx)) },
    };
    console.log('quality gate measurements', JSON.stringify(table));
    // Every real crop passes, and every sharp face drawn small or large, noisy or not, is sharp.
    expect(real.filter((q) => !q.ok).map((q) => describeRejection(q))).toEqual([]);
    const sharp = Object.entries(drawn).filter(([k]) => k.startsWith('sharp'));
    const blurred = Object.entries(drawn).filter(([k]) => k.startsWith('blurred'));
    expect(sharp.map(([, v]) => v.length)).toEqual([20, 20, 20, 20]);
    for (const [k, v] of sharp)
      expect(v.filter((q) => q.reasons.includes('blurred')).length, k).toBe(0);
    // The group photos' faces (some small, some soft): at most one is too blurred.
    expect(groups.length).toBeGreaterThanOrEqual(23);
    expect(groups.filter((q) => q.reasons.includes('blurred')).length).toBeLessThanOrEqual(1);
    // Blur is caught at any size, noise or no noise: at least 90 % of the blurred copies found.
    const allBlurred = blurred.flatMap(([, v]) => v);
    expect(allBlurred.length).toBeGreaterThan(40);
    const caught = allBlurred.filter((q) => !q.ok && q.reasons.includes('blurred'));
    expect(caught.length / allBlurred.length).toBeGreaterThanOrEqual(0.9);
    expect(describeRejection(caught[0]!)).toContain('blurred');
    expect(dark.length).toBeGreaterThan(10);
    expect(dark.every((q) => !q.ok && q.reasons.includes('dark'))).toBe(true);
    expect(small.length).toBeGreaterThan(30);
    expect(small.every((q) => !q.ok && q.reasons.includes('small'))).toBe(true);
  }, 180_000);
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
      sharpness: 1,
      yaw: 0,
      rollDeg: 0,
      brightness: 120,
      clipped: 0,
    };
    expect(judge(good).ok).toBe(true);
    const cases: [Partial<typeof good>, string][] = [
      [{ sidePx: DEFAULT_GATE.minSidePx - 1 }, 'small'],
      [{ score: 0.3 }, 'low-score'],
      [{ sharpness: 0.1 }, 'blurred'],
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
