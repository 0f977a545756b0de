/**
 * `npm run bench -- embedders`: the two bundled embedders side by side on the
 * same bbt crops, through the app's own pipeline (detect → landmarks → each
 * model's alignment → embed) on onnxruntime-web WASM: rank-1 with one
 * enrolment image, all-pairs accuracy at the shipped threshold and AUC, the
 * held-out accuracy (threshold calibrated by the app on four people,
 * measured on the other four), and ms per face: the model alone in headless
 * Chromium (ORT-web WASM, 1 thread, the browser bench's harness) and the
 * whole embed step (alignment + preprocessing + model) in Node's WASM.
 */
import { calibrate } from '../../src/lib/decision/calibrate.ts';
import { area } from '../../src/lib/vision/box.ts';
import { Embedder } from '../../src/lib/vision/embedder.ts';
import { FaceLocator } from '../../src/lib/vision/locator.ts';
import { pairsMetrics } from '../../src/lib/vision/metrics.ts';
import { wasmEnv } from '../../src/lib/vision/ort-session.ts';
import { cosine } from '../../src/lib/vision/preprocess.ts';
import {
  BUNDLED_EMBEDDER_ID,
  bundledUrl,
  DLIB_EMBEDDER_ID,
  getEmbedderSpec,
  type BundledFile,
} from '../../src/lib/vision/registry.ts';
import { VisionService } from '../../src/lib/vision/service.ts';
import { bbtCrops, BBT_DIR } from '../fixtures/vision/bbt.ts';
import { evalIdentify } from '../support/vision/eval-core.ts';
import { nodeModelSource, readBundledModel, readImage } from '../support/vision/vision-node.ts';
import { chromiumLatency, withDevChromium } from './browser.bench.ts';
import { median, type BenchRow, type BenchSuite } from './types.ts';

const TUNED_ON = ['amy', 'bernadette', 'howard', 'leonard'];
const HELD_OUT = ['penny', 'raj', 'sheldon', 'stuart'];

type Item = { person: string; e: Float32Array };

function pairsOf(items: readonly Item[]) {
  const out: { cos: number; same: boolean }[] = [];
  for (let i = 0; i < items.length; i++)
    for (let j = i + 1; j < items.length; j++)
      out.push({
        cos: cosine(items[i]!.e, items[j]!.e),
        same: items[i]!.person === items[j]!.person,
      });
  return out;
}

async function quality(service: VisionService, id: string, log: (m: string) => void) {
  await service.useEmbedder(id);
  const spec = getEmbedderSpec(id)!;
  const items: Item[] = [];
  const embedMs: number[] = [];
  for (const c of bbtCrops()) {
    const img = await readImage(c.path);
    const face = await service.embedStill(img);
    if (!face) throw new Error(`${id}: no face in ${c.path}`);
    items.push({ person: c.person, e: face.embedding });
  }
  // The embed step alone (alignment + preprocessing + model), on located faces.
  const locator = await FaceLocator.load(
    await readBundledModel('fr_detect.onnx'),
    await readBundledModel('fr_landmark.onnx'),
    wasmEnv,
  );
  const source = spec.source;
  if (source.kind !== 'bundled') throw new Error(`${id} is not bundled`);
  const emb = await Embedder.load(spec, await readBundledModel(source.file), wasmEnv);
  try {
    for (const c of bbtCrops().slice(0, 10)) {
      const img = await readImage(c.path);
      const face = (await locator.locate(img)).sort((a, b) => area(b) - area(a))[0]!;
      for (let k = 0; k < 3; k++) {
        const t = performance.now();
        await emb.embed(img, face);
        if (k > 0) embedMs.push(performance.now() - t);
      }
    }
  } finally {
    await Promise.all([locator.release(), emb.release()]);
  }
  const all = pairsMetrics(pairsOf(items), spec.thresholdCosine);
  const cal = calibrate(TUNED_ON.map((n) => items.filter((i) => i.person === n).map((i) => i.e)));
  const held = pairsMetrics(pairsOf(items.filter((i) => HELD_OUT.includes(i.person))), cal.upper);
  const rank = await evalIdentify(service, BBT_DIR, id);
  log(
    `${id}: rank-1 ${rank.correct}/${rank.queries}; all pairs ${all.accuracy.toFixed(4)} at ${spec.thresholdCosine}, AUC ${all.auc.toFixed(5)}; held out ${held.accuracy.toFixed(4)} at ${cal.upper}, AUC ${held.auc.toFixed(5)}; embed ${median(embedMs).toFixed(1)} ms`,
  );
  return { spec, rank, all, cal, held, embedMs: median(embedMs) };
}

const suite: BenchSuite = {
  name: 'embedders',
  async run({ quick, log }) {
    const rows: BenchRow[] = [];
    const service = new VisionService(wasmEnv, nodeModelSource());
    await service.init();
    const models: [string, BundledFile, number][] = [
      [BUNDLED_EMBEDDER_ID, 'fr_feature.onnx', 112],
      [DLIB_EMBEDDER_ID, 'dlib_resnet128.onnx', 150],
    ];
    const results = [];
    try {
      for (const [id] of models) results.push(await quality(service, id, log));
    } finally {
      await service.release();
    }
    for (const r of results) {
      const id = r.spec.id;
      rows.push(
        {
          suite: 'embedders',
          name: `${id}: bbt rank-1, one enrolment image`,
          value: r.rank.rank1,
          unit: 'fraction',
          note: `${r.rank.correct}/${r.rank.queries}`,
        },
        {
          suite: 'embedders',
          name: `${id}: bbt all-pairs accuracy at the shipped ${r.spec.thresholdCosine}`,
          value: r.all.accuracy,
          unit: 'fraction',
          note: `${r.all.pairs} pairs, AUC ${r.all.auc.toFixed(5)}`,
        },
        {
          suite: 'embedders',
          name: `${id}: bbt held out (calibrated on ${TUNED_ON.join(', ')}) accuracy at ${r.cal.upper}`,
          value: r.held.accuracy,
          unit: 'fraction',
          note: `${r.held.pairs} pairs, AUC ${r.held.auc.toFixed(5)}`,
        },
        {
          suite: 'embedders',
          name: `${id}: embed step per face (align + preprocess + model), ORT-web WASM in Node, 1 thread`,
          value: r.embedMs,
          unit: 'ms',
        },
      );
    }

    await withDevChromium(async (browser, origin) => {
      for (const [id, file, n] of models) {
        const opts = { modelUrl: bundledUrl(file, '/'), input: 'input', dims: [1, 3, n, n] };
        const ms = await chromiumLatency(browser, origin, opts, 1, quick ? 10 : 30);
        log(`${id}: model alone in Chromium ${ms.toFixed(1)} ms`);
        rows.push({
          suite: 'embedders',
          name: `${id}: model per face, ORT-web WASM in headless Chromium, 1 thread`,
          value: ms,
          unit: 'ms',
        });
      }
    });
    return rows;
  },
};

export default suite;
