/**
 * Vision rows of `npm run bench`, the ones Node can measure:
 *  - per-face embedding latency, batch 1, onnxruntime-web WASM in Node vs
 *    onnxruntime-node, 1 and 2 threads, same model file (each in a fresh
 *    process: ORT-web fixes its thread count at start), for the bundled
 *    embedder and for a random-weight ViT-B/16 of DINOv3's shape;
 *  - detection per frame (UltraFace), WASM vs native;
 *  - recognition quality of the bundled embedder on shared/faces/bbt;
 *  - the live loop on ORT-web WASM in Node (a stand-in until the Chromium
 *    rows come from the e2e harness).
 * The Chromium rows (ORT-web in the browser, live loop fps, time to first
 * embedding) come from tests/e2e with the functions in tests/support/vision/perf.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { allPairs, evalIdentify } from '../support/vision/eval-core.ts';
import { bundledModelDir } from '../../models/bundled-models.ts';
import { nodeModelSource, readImage } from '../support/vision/vision-node.ts';
import { resize } from '../../src/lib/vision/image.ts';
import { pairsMetrics } from '../../src/lib/vision/metrics.ts';
import { wasmEnv } from '../../src/lib/vision/ort-session.ts';
import { BUNDLED_EMBEDDER_ID, getEmbedderSpec } from '../../src/lib/vision/registry.ts';
import { VisionService } from '../../src/lib/vision/service.ts';
import { writeDinov3SignatureModel } from '../../src/lib/diagnostics/probe-model/dinov3-probe.ts';
import { liveLoop } from '../support/vision/perf.ts';
import { BBT_DIR, bbtGroups } from '../fixtures/vision/bbt.ts';
import type { BenchRow, BenchSuite } from './types.ts';

const run = promisify(execFile);
const tsx = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');
const latencyScript = join(import.meta.dirname, '..', '..', 'scripts', 'ort-latency.ts');

/** One ORT latency in a fresh Node process (web WASM or native CPU). */
export async function latencyMs(
  backend: 'wasm' | 'cpu',
  threads: number,
  model: string,
  input: string,
  dims: string,
  reps: number,
): Promise<number> {
  const { stdout } = await run(
    tsx,
    [
      latencyScript,
      '--backend',
      backend,
      '--threads',
      String(threads),
      '--model',
      model,
      '--input',
      input,
      '--dims',
      dims,
      '--reps',
      String(reps),
    ],
    { maxBuffer: 1 << 20, timeout: 30 * 60_000 },
  );
  return (JSON.parse(stdout.trim().split('\n').pop()!) as { medianMs: number }).medianMs;
}

async function webVsNative(
  label: string,
  model: string,
  input: string,
  dims: string,
  reps: number,
  log: (m: string) => void,
  note?: string,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const threads of [1, 2]) {
    const native = await latencyMs('cpu', threads, model, input, dims, reps);
    const web = await latencyMs('wasm', threads, model, input, dims, reps);
    log(`${label} ${threads}t: web ${web.toFixed(1)} ms, native ${native.toFixed(1)} ms`);
    const ratio = web / native;
    rows.push({
      suite: 'vision',
      name: `${label}, batch 1, ${threads} thread${threads > 1 ? 's' : ''}: ORT-web WASM (Node) vs onnxruntime-node`,
      value: web,
      unit: 'ms',
      baseline: { name: 'onnxruntime-node', value: native, unit: 'ms' },
      ratio,
      goal: '≤ 2.5',
      met: ratio <= 2.5,
      ...(note ? { note } : {}),
    });
  }
  return rows;
}

const suite: BenchSuite = {
  name: 'vision',
  async run({ quick, log }) {
    const rows: BenchRow[] = [];
    const dir = bundledModelDir();
    rows.push(
      ...(await webVsNative(
        'bundled embedder fr_feature 112×112',
        join(dir, 'fr_feature.onnx'),
        'input',
        '1,3,112,112',
        quick ? 10 : 30,
        log,
      )),
      ...(await webVsNative(
        'detector UltraFace 320×240, per frame',
        join(dir, 'fr_detect.onnx'),
        'input',
        '1,3,240,320',
        quick ? 10 : 30,
        log,
      )),
    );

    // A random-weight ViT-B/16 of DINOv3's shape, external-data layout like the real export.
    const layers = quick ? 2 : 12;
    const tmp = await mkdtemp(join(tmpdir(), 'vm-vitb-'));
    try {
      const w = writeDinov3SignatureModel({ dim: 768, heads: 12, layers, externalData: true });
      await writeFile(join(tmp, 'model.onnx'), w.model);
      await writeFile(join(tmp, 'model.onnx_data'), w.externalData.get('model.onnx_data')!);
      const note = quick ? `quick mode: ${layers} of ViT-B's 12 layers` : undefined;
      rows.push(
        ...(await webVsNative(
          `ViT-B/16 DINOv3-shape random weights (${layers} layers, 768-d)`,
          join(tmp, 'model.onnx'),
          'pixel_values',
          '1,3,224,224',
          quick ? 3 : 5,
          log,
          note,
        )),
      );
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }

    // Recognition quality through the app's pipeline on ORT-web WASM.
    const service = new VisionService(wasmEnv, nodeModelSource());
    await service.init();
    const threshold = getEmbedderSpec(BUNDLED_EMBEDDER_ID)!.thresholdCosine;
    const id = await evalIdentify(service, BBT_DIR, BUNDLED_EMBEDDER_ID);
    const pm = pairsMetrics(await allPairs(service, BBT_DIR), threshold);
    log(
      `bbt rank-1 ${id.correct}/${id.queries}; pairs ${pm.pairs} accuracy ${pm.accuracy} AUC ${pm.auc}`,
    );
    rows.push(
      {
        suite: 'vision',
        name: 'bundled embedder: bbt rank-1, one enrolment image',
        value: id.rank1,
        unit: 'fraction',
        note: `${id.correct}/${id.queries}, faces not found ${id.facesNotFound}`,
      },
      {
        suite: 'vision',
        name: `bundled embedder: bbt all-pairs accuracy at ${threshold}`,
        value: pm.accuracy,
        unit: 'fraction',
        note: `${pm.pairs} pairs, AUC ${pm.auc.toFixed(4)}, best ${pm.bestAccuracy.toFixed(4)} at ${pm.bestThreshold.toFixed(3)}`,
      },
    );

    // Live loop stand-in: a 640×480 camera showing a group photo (5 faces), latest frame wins.
    const frame = resize(await readImage(bbtGroups()[2]!), 640, 480);
    const live = await liveLoop(service, frame, quick ? 3000 : 8000);
    await service.release();
    log(
      `live loop (Node WASM): ${live.fps.toFixed(1)} fps, first embeddings ${live.firstEmbeddingMs.toFixed(0)} ms`,
    );
    rows.push(
      {
        suite: 'vision',
        name: 'live loop 640×480, 5 faces, ORT-web WASM in Node: processed fps',
        value: live.fps,
        unit: 'fps',
        goal: '≥ 10 (Chromium row from e2e)',
        met: live.fps >= 10,
        note: `median detection ${live.medianDetectMs.toFixed(1)} ms; ${live.embeddings} embeddings in ${live.processed} frames`,
      },
      {
        suite: 'vision',
        name: 'live loop: face appears → embeddings of all 5 faces ready',
        value: live.firstEmbeddingMs,
        unit: 'ms',
        goal: '≤ 500 (Chromium row from e2e)',
        met: live.firstEmbeddingMs <= 500,
      },
    );
    return rows;
  },
};

export default suite;
