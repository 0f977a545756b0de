/**
 * The bundled embedder recognises the bbt people through the real pipeline
 * (detect → landmarks → align → embed) on onnxruntime-web's WASM backend.
 * These are the figures README.md publishes ("Models"), asserted as published:
 * the pipeline is deterministic, so there is no noise to leave room for.
 * The shipped threshold (0.314) was chosen on all eight people, so the pairs
 * figures at it are on the tuning set; the held-out test chooses a threshold
 * on four people with the app's own calibration and measures the other four.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalIdentify } from '../../../tests/support/vision/eval-core.ts';
import { nodeModelSource, readImage } from '../../../tests/support/vision/vision-node.ts';
import { bbtCrops, BBT_DIR } from '../../../tests/fixtures/vision/bbt.ts';
import type { RgbaImage } from './image';
import { pairsMetrics } from './metrics';
import { wasmEnv } from './ort-session';
import { cosine } from './preprocess';
import { calibrate } from '../decision/calibrate';
import { BUNDLED_EMBEDDER_ID, getEmbedderSpec } from './registry';
import { VisionService } from './service';

/** README.md publishes these two (Models: held-out pairs). */
const HELD_OUT_UPPER = 0.208;
const HELD_OUT_ACCURACY = 0.989;

const service = new VisionService(wasmEnv, nodeModelSource());

/** Every unordered pair of crops: their cosine, and whether they show one person. */
function allPairs(of: ReadonlyArray<{ person: string; e: Float32Array }>) {
  const pairs: { cos: number; same: boolean }[] = [];
  for (let i = 0; i < of.length; i++) {
    for (let j = i + 1; j < of.length; j++) {
      pairs.push({ cos: cosine(of[i]!.e, of[j]!.e), same: of[i]!.person === of[j]!.person });
    }
  }
  return pairs;
}
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
    const pairs = allPairs(items);
    const threshold = getEmbedderSpec(BUNDLED_EMBEDDER_ID)!.thresholdCosine;
    expect(threshold).toBe(0.314);
    const m = pairsMetrics(pairs, threshold);
    expect(m.pairs).toBe(780);
    expect(m.accuracy).toBe(1);
    expect(m.auc).toBe(1);
    // README: lowest same-person cosine 0.381, highest different-person 0.253.
    const same = pairs.filter((p) => p.same).map((p) => p.cos);
    const different = pairs.filter((p) => !p.same).map((p) => p.cos);
    expect(Math.min(...same).toFixed(3)).toBe('0.381');
    expect(Math.max(...different).toFixed(3)).toBe('0.253');
  });

  it('held out: a threshold calibrated on four people, measured on the other four', () => {
    const tunedOn = ['amy', 'bernadette', 'howard', 'leonard'];
    const heldOut = ['penny', 'raj', 'sheldon', 'stuart'];
    const byPerson = (names: string[]) =>
      names.map((n) => items.filter((i) => i.person === n).map((i) => i.e));
    const cal = calibrate(byPerson(tunedOn));
    const test = items.filter((i) => heldOut.includes(i.person));
    const pairs = allPairs(test);
    const m = pairsMetrics(pairs, cal.upper);
    expect(cal.separable).toBe(true);
    expect(m.pairs).toBe(190);
    expect(+cal.upper.toFixed(3)).toBe(HELD_OUT_UPPER);
    expect(+m.accuracy.toFixed(3)).toBe(HELD_OUT_ACCURACY);
    expect(m.auc).toBe(1);
  });

  it('the nearest other crop is the same person for every crop', () => {
    let right = 0;
    for (const a of items) {
      const others = items.filter((b) => b !== a);
      const best = others.reduce((x, y) => (cosine(a.e, y.e) > cosine(a.e, x.e) ? y : x));
      if (best.person === a.person) right++;
    }
    expect(right).toBe(40);
  });

  it('rank-1 with one enrolment image per person', async () => {
    const r = await evalIdentify(service, BBT_DIR, BUNDLED_EMBEDDER_ID);
    expect(r.people).toBe(8);
    expect(r.queries).toBe(32);
    expect(r.facesNotFound).toBe(0);
    expect(r.rank1).toBe(1);
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
