/** The bundled UltraFace + landmark models on the real bbt images (onnxruntime-web, WASM). */
import { describe, expect, it } from 'vitest';
import { readImage } from '../../../tests/support/vision/vision-node.ts';
import { bundledLocatorForSpec } from '../../../tests/support/vision/locator.ts';
import { bbtCrops, bbtGroups } from '../../../tests/fixtures/vision/bbt.ts';
import { iou } from './box';

const loaded = bundledLocatorForSpec();

describe('face detection on shared/faces/bbt', () => {
  it('finds exactly one face in each of the 40 crops, with five points inside it', async () => {
    const crops = bbtCrops();
    expect(crops).toHaveLength(40);
    const counts: string[] = [];
    for (const c of crops) {
      const img = await readImage(c.path);
      const faces = await loaded.locator.locate(img);
      if (faces.length !== 1) counts.push(`${c.path}: ${faces.length}`);
      for (const f of faces) {
        // The face fills most of a crop; its eyes are above its mouth.
        expect(f.x2 - f.x1).toBeGreaterThan(img.width * 0.4);
        for (const [x, y] of f.five) {
          expect(x).toBeGreaterThan(f.x1 - 10);
          expect(x).toBeLessThan(f.x2 + 10);
          expect(y).toBeGreaterThan(f.y1 - 10);
          expect(y).toBeLessThan(f.y2 + 10);
        }
        expect(f.five[0]![1]).toBeLessThan(f.five[3]![1]);
        expect(f.five[0]![0]).toBeLessThan(f.five[1]![0]);
      }
    }
    expect(counts).toEqual([]);
  });

  it('finds several faces in each group photo, none overlapping', async () => {
    const perPhoto: number[] = [];
    for (const path of bbtGroups()) {
      const img = await readImage(path);
      const faces = await loaded.locator.detect(img);
      perPhoto.push(faces.length);
      for (const a of faces)
        for (const b of faces) if (a !== b) expect(iou(a, b)).toBeLessThan(0.3);
      for (const f of faces) {
        expect(f.x1).toBeGreaterThanOrEqual(0);
        expect(f.y2).toBeLessThanOrEqual(img.height);
      }
    }
    expect(perPhoto).toHaveLength(5);
    // As README.md publishes: 4, 3, 5, 6, 5 (all 23 people visible in the photos).
    expect(perPhoto).toEqual([4, 3, 5, 6, 5]);
  });

  it('drops faces below the minimum size and finds a face cut by the frame edge', async () => {
    const img = await readImage(bbtGroups()[0]!);
    const all = await loaded.locator.detect(img);
    const side = (f: (typeof all)[number]) => Math.min(f.x2 - f.x1, f.y2 - f.y1);
    const minFacePx = Math.min(...all.map(side)) + 1;
    const big = await loaded.locator.detect(img, { minFacePx });
    expect(big.length).toBeLessThan(all.length);
    expect(big.length).toBe(all.filter((f) => side(f) >= minFacePx).length);
    // Cut the photo through the middle of its leftmost face: it is still found, clipped to the frame.
    const f = [...all].sort((a, b) => a.x1 - b.x1)[0]!;
    const cutX = Math.round((f.x1 + f.x2) / 2 - (f.x2 - f.x1) * 0.15);
    const w = img.width - cutX;
    const cut = new Uint8ClampedArray(w * img.height * 4);
    for (let y = 0; y < img.height; y++) {
      cut.set(
        img.data.subarray((y * img.width + cutX) * 4, (y * img.width + img.width) * 4),
        y * w * 4,
      );
    }
    const found = await loaded.locator.detect({ width: w, height: img.height, data: cut });
    const edge = found.filter((d) => d.x1 === 0 && d.y1 < f.y2 && d.y2 > f.y1);
    expect(edge).toHaveLength(1);
  });
});
