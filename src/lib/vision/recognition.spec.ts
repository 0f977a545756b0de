/**
 * The bundled embedder recognises the bbt people through the real pipeline
 * (detect → landmarks → align → embed) on onnxruntime-web's WASM backend.
 * Measured when written: pairs accuracy 1.000 at the shipped threshold,
 * AUC 1.000, rank-1 32/32, nearest other crop the same person 40/40,
 * same-person cosines ≥ 0.38 and different-person ≤ 0.25.
 * The bounds below leave room for backend and platform differences.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalIdentify } from '../../../tests/support/vision/eval-core.ts';
import { nodeModelSource, readImage } from '../../../tests/support/vision/vision-node.ts';
import { bbtCrops, BBT_DIR } from '../../../tests/fixtures/vision/bbt.ts';
import type { RgbaImage } from './image';
import { pairsMetrics } from './metrics';
import { wasmEnv } from './ort-session';
import { cosine } from './preprocess';
import { BUNDLED_EMBEDDER_ID, getEmbedderSpec } from './registry';
import { VisionService } from './service';

const service = new VisionService(wasmEnv, nodeModelSource());
const items: { person: string; e: Float32Array; crop: RgbaImage }[] = [];

beforeAll(async () => {
  await service.init();
  for (const c of bbtCrops()) {
    const face = await service.embedStill(await readImage(c.path));
    expect(face, c.path).toBeDefined();
    items.push({ person: c.person, e: face!.embedding, crop: face!.crop });
  }
}, 120_000);
afterAll(() => service.release());

describe('bundled embedder on shared/faces/bbt', () => {
  it('512-d unit vectors', () => {
    expect(service.info()).toMatchObject({ id: BUNDLED_EMBEDDER_ID, dim: 512, provider: 'wasm' });
    for (const { e } of items) expect(Math.hypot(...e)).toBeCloseTo(1, 4);
  });

  it('same-person pairs are closer than different-person pairs (accuracy at the shipped threshold, AUC)', () => {
    const pairs = [];
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        pairs.push({
          cos: cosine(items[i]!.e, items[j]!.e),
          same: items[i]!.person === items[j]!.person,
        });
      }
    }
    const m = pairsMetrics(pairs, getEmbedderSpec(BUNDLED_EMBEDDER_ID)!.thresholdCosine);
    expect(m.pairs).toBe(780);
    expect(m.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(m.auc).toBeGreaterThanOrEqual(0.98);
  });

  it('the nearest other crop is the same person for most crops', () => {
    let right = 0;
    for (const a of items) {
      const others = items.filter((b) => b !== a);
      const best = others.reduce((x, y) => (cosine(a.e, y.e) > cosine(a.e, x.e) ? y : x));
      if (best.person === a.person) right++;
    }
    expect(right / items.length).toBeGreaterThanOrEqual(0.9);
  });

  it('rank-1 with one enrolment image per person', async () => {
    const r = await evalIdentify(service, BBT_DIR, BUNDLED_EMBEDDER_ID);
    expect(r.people).toBe(8);
    expect(r.queries).toBe(32);
    expect(r.facesNotFound).toBe(0);
    expect(r.rank1).toBeGreaterThanOrEqual(0.9);
  });

  it('a stored crop embeds again to nearly the same vector (re-embedding after a model change)', async () => {
    const cos: number[] = [];
    for (const it of items) {
      const again = await service.embedStill(it.crop);
      expect(again).toBeDefined();
      cos.push(cosine(it.e, again!.embedding));
    }
    cos.sort((a, b) => a - b);
    // Measured: median 0.984, minimum 0.876. Below 1 because the crop is a resampled copy
    // and detection and landmarks run again on it; far above any different-person pair.
    expect(cos[cos.length >> 1]).toBeGreaterThan(0.93);
    expect(cos[0]).toBeGreaterThan(0.7);
  });
});
