/**
 * The live evaluation's clips: the same seed gives the same frames, another
 * seed other ones, and each frame shows the face as planned (size, place,
 * missing frames show only the background).
 */
import { describe, expect, it } from 'vitest';
import { createRgba } from '../../../src/lib/vision/image.ts';
import { clipFrames, DEFAULT_CLIP, planClip, renderFrame } from './live-clips.ts';

/** A 150×150 white square: easy to find on the grey background. */
function square() {
  const img = createRgba(150, 150);
  img.data.fill(255);
  return img;
}

/** Bounding box of pixels brighter than the background by a clear margin. */
function brightBox(img: ReturnType<typeof createRgba>) {
  let [x1, y1, x2, y2] = [Infinity, Infinity, -1, -1];
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (img.data[(y * img.width + x) * 4]! > 0x30 + 60) {
        x1 = Math.min(x1, x);
        y1 = Math.min(y1, y);
        x2 = Math.max(x2, x);
        y2 = Math.max(y2, y);
      }
    }
  }
  return { x1, y1, x2, y2 };
}

describe('live clips', () => {
  it('plans 30 frames within the stated ranges, smaller than 70 px at one end', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const plans = planClip(seed);
      expect(plans).toHaveLength(30);
      expect(plans.filter((p) => !p.visible)).toHaveLength(DEFAULT_CLIP.missingFrames);
      expect(plans[0]!.visible && plans.at(-1)!.visible).toBe(true);
      const sides = plans.map((p) => p.sidePx);
      expect(Math.min(...sides)).toBeLessThan(70);
      expect(Math.min(...sides)).toBeGreaterThanOrEqual(60);
      expect(Math.max(...sides)).toBeLessThanOrEqual(DEFAULT_CLIP.maxSidePx * 1.15);
      for (const p of plans) expect(Math.abs(p.rotationDeg)).toBeLessThanOrEqual(15);
      expect(plans.some((p) => p.blurPx > 0)).toBe(true);
    }
  });

  it('is deterministic in the seed', () => {
    const face = square();
    const a = [...clipFrames(face, 7)].map((f) => f.image.data);
    const b = [...clipFrames(face, 7)].map((f) => f.image.data);
    const c = [...clipFrames(face, 8)].map((f) => f.image.data);
    expect(a.every((d, i) => Buffer.from(d).equals(Buffer.from(b[i]!)))).toBe(true);
    expect(a.some((d, i) => !Buffer.from(d).equals(Buffer.from(c[i]!)))).toBe(true);
  });

  it('draws the face where and as large as planned, and nothing on a missing frame', () => {
    const face = square();
    const plan = {
      visible: true,
      sidePx: 100,
      cx: 200,
      cy: 240,
      rotationDeg: 0,
      gain: 1,
      bias: 0,
      blurPx: 0,
      noise: 2,
    };
    const box = brightBox(renderFrame(face, plan, 1));
    expect(box.x2 - box.x1 + 1).toBeGreaterThanOrEqual(99);
    expect(box.x2 - box.x1 + 1).toBeLessThanOrEqual(101);
    expect(Math.abs((box.x1 + box.x2 + 1) / 2 - 200)).toBeLessThanOrEqual(1);
    expect(Math.abs((box.y1 + box.y2 + 1) / 2 - 240)).toBeLessThanOrEqual(1);
    // Rotated by 15°, the square's bounding box grows by cos 15° + sin 15° ≈ 1.225.
    const turned = brightBox(renderFrame(face, { ...plan, rotationDeg: 15 }, 1));
    expect((turned.x2 - turned.x1 + 1) / 100).toBeCloseTo(1.225, 1);
    const gone = brightBox(renderFrame(face, { ...plan, visible: false }, 1));
    expect(gone.x2).toBe(-1);
  });
});
