/**
 * The bundled embedders recognise the bbt people through the real pipeline
 * (detect → landmarks → align → embed) on onnxruntime-web's WASM backend.
 * These are the figures models/README.md publishes ("Quality"), asserted as
 * published: the pipeline is deterministic, so there is no noise to leave
 * room for. Each shipped upper threshold was chosen on all eight people, so
 * the pairs figures at it are on the tuning set; the held-out test chooses a
 * threshold on four people with the app's own calibration and measures the
 * other four.
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
import { BUNDLED_EMBEDDER_ID, DLIB_EMBEDDER_ID, getEmbedderSpec } from './registry';
import { VisionService } from './service';

/** models/README.md, "Quality on shared/faces/bbt", one column per embedder. */
const PUBLISHED = [
  {
    id: BUNDLED_EMBEDDER_ID,
    dim: 512,
    threshold: 0.314,
    accuracy: '1.000',
    auc: '1.00000',
    minSame: '0.381',
    maxDifferent: '0.253',
    heldOutUpper: 0.208,
    heldOutAccuracy: '0.989',
    heldOutAuc: '1.00000',
  },
  {
    id: DLIB_EMBEDDER_ID,
    dim: 128,
    threshold: 0.554,
    accuracy: '0.995',
    auc: '0.99975',
    minSame: '0.550',
    maxDifferent: '0.593',
    heldOutUpper: 0.508,
    heldOutAccuracy: '0.989',
    heldOutAuc: '0.99867',
  },
] as const;

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

beforeAll(() => service.init(), 120_000);
afterAll(() => service.release());

describe.each(PUBLISHED)('embedder $id on shared/faces/bbt', (want) => {
  const items: { person: string; e: Float32Array; crop: RgbaImage }[] = [];

  beforeAll(async () => {
    await service.useEmbedder(want.id);
    for (const c of bbtCrops()) {
      const face = await service.embedStill(await readImage(c.path));
      expect(face, c.path).toBeDefined();
      items.push({ person: c.person, e: face!.embedding, crop: face!.crop });
    }
  }, 120_000);

  it('unit vectors of the model’s dimension', () => {
    expect(service.info()).toMatchObject({ id: want.id, dim: want.dim, provider: 'wasm' });
    for (const { e } of items) expect(Math.hypot(...e)).toBeCloseTo(1, 4);
  });

  it('same-person pairs are closer than different-person pairs (accuracy at the shipped threshold, AUC)', () => {
    const pairs = allPairs(items);
    const threshold = getEmbedderSpec(want.id)!.thresholdCosine;
    expect(threshold).toBe(want.threshold);
    const m = pairsMetrics(pairs, threshold);
    expect(m.pairs).toBe(780);
    expect(m.accuracy.toFixed(3)).toBe(want.accuracy);
    expect(m.auc.toFixed(5)).toBe(want.auc);
    const same = pairs.filter((p) => p.same).map((p) => p.cos);
    const different = pairs.filter((p) => !p.same).map((p) => p.cos);
    expect(Math.min(...same).toFixed(3)).toBe(want.minSame);
    expect(Math.max(...different).toFixed(3)).toBe(want.maxDifferent);
  });

  it('held out: a threshold calibrated on four people, measured on the other four', () => {
    const tunedOn = ['amy', 'bernadette', 'howard', 'leonard'];
    const heldOut = ['penny', 'raj', 'sheldon', 'stuart'];
    const byPerson = (names: string[]) =>
      names.map((n) => items.filter((i) => i.person === n).map((i) => i.e));
    const cal = calibrate(byPerson(tunedOn));
    const test = items.filter((i) => heldOut.includes(i.person));
    const m = pairsMetrics(allPairs(test), cal.upper);
    expect(cal.separable).toBe(true);
    expect(m.pairs).toBe(190);
    expect(+cal.upper.toFixed(3)).toBe(want.heldOutUpper);
    expect(m.accuracy.toFixed(3)).toBe(want.heldOutAccuracy);
    expect(m.auc.toFixed(5)).toBe(want.heldOutAuc);
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
    const r = await evalIdentify(service, BBT_DIR, want.id);
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
    // Below 1 because the crop is a resampled copy and detection and landmarks run
    // again on it; far above any different-person pair.
    expect(cos[cos.length >> 1]).toBeGreaterThan(0.93);
    expect(cos[0]).toBeGreaterThan(0.7);
  });
});
