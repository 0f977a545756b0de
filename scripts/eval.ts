/**
 * npm run eval -- <pairs.csv> <imagesDir> [--model ID] [--model-file PATH.onnx] [--backend cpu|wasm]
 * npm run eval -- --identify <dir-of-person-folders> [--model ID] ...
 * npm run eval -- --live <dir-of-person-folders> [--model ID] [--seed N] [--people a,b] [--held-out c,d] [--threshold T] [--lower L]
 *
 * Runs the app's real pipeline (detect → align → embed) in Node and prints
 * one JSON object. Pairs: accuracy at the model's shipped threshold (a pair
 * whose face is not found counts as wrong), the best accuracy any threshold
 * reaches and that threshold, AUC. Identify: enrols each person's first
 * image and reports rank-1 over the rest. Live: camera-like clips through the
 * live view's own per-frame path (tests/support/vision/live-eval.ts).
 *
 * --model-file uses a local .onnx (its .onnx_data beside it) as model ID;
 * otherwise a remote model is downloaded once into ~/.cache/visio-memoria.
 * --backend: onnxruntime-node 'cpu' (default, fast) or onnxruntime-web 'wasm' (what the app runs).
 */
// The --live harness opens the app's memory, which keeps its data in IndexedDB.
import 'fake-indexeddb/auto';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { BUNDLED_EMBEDDER_ID, getEmbedderSpec } from '../src/lib/vision/registry.ts';
import { VisionService } from '../src/lib/vision/service.ts';
import { evalIdentify, evalPairs } from '../tests/support/vision/eval-core.ts';
import { evalLive } from '../tests/support/vision/live-eval.ts';
import {
  FileModelStore,
  nodeModelSource,
  nodeSessionEnv,
} from '../tests/support/vision/vision-node.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    identify: { type: 'string' },
    live: { type: 'string' },
    seed: { type: 'string', default: '1' },
    people: { type: 'string' },
    'held-out': { type: 'string' },
    threshold: { type: 'string' },
    lower: { type: 'string' },
    model: { type: 'string', default: BUNDLED_EMBEDDER_ID },
    'model-file': { type: 'string' },
    backend: { type: 'string', default: 'cpu' },
    threads: { type: 'string', default: '1' },
  },
});

function usage(msg: string): never {
  console.error(
    `${msg}\nusage: npm run eval -- <pairs.csv> <imagesDir> [--model ID]\n       npm run eval -- --identify <dir> [--model ID]\n       npm run eval -- --live <dir> [--model ID] [--seed N] [--people a,b] [--held-out c,d] [--threshold T] [--lower L]`,
  );
  process.exit(2);
}

const backend =
  values.backend === 'wasm'
    ? 'wasm'
    : values.backend === 'cpu'
      ? 'cpu'
      : usage('--backend is cpu or wasm');
const spec = getEmbedderSpec(values.model) ?? usage(`unknown model ${values.model}`);
const cosineArg = (flag: string, v: string): number => {
  const x = Number(v);
  return Number.isFinite(x) && x >= -1 && x <= 1 ? x : usage(`${flag} is a cosine, -1 … 1`);
};
const list = (v: string | undefined) =>
  v
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

if (values.live) {
  const seed = Number(values.seed);
  if (!Number.isSafeInteger(seed)) usage('--seed is an integer');
  const report = await evalLive({
    dir: values.live,
    modelId: spec.id,
    seed,
    env: nodeSessionEnv(backend, Number(values.threads)),
    store: new FileModelStore(join(homedir(), '.cache', 'visio-memoria', 'models')),
    people: list(values.people),
    heldOut: list(values['held-out']),
    threshold:
      values.threshold === undefined ? undefined : cosineArg('--threshold', values.threshold),
    lower: values.lower === undefined ? undefined : cosineArg('--lower', values.lower),
    log: (m) => process.stderr.write(`${m}\n`),
  });
  console.log(JSON.stringify(report));
  process.exit(0);
}

const store = new FileModelStore(join(homedir(), '.cache', 'visio-memoria', 'models'));
const service = new VisionService(
  nodeSessionEnv(backend, Number(values.threads)),
  nodeModelSource(store),
);
await service.init();
if (values['model-file']) {
  const path = values['model-file'];
  const picked = [{ name: basename(path), bytes: new Uint8Array(await readFile(path)) }];
  const data = join(dirname(path), `${basename(path)}_data`);
  const bytes = await readFile(data).catch(() => undefined);
  if (bytes) picked.push({ name: basename(data), bytes: new Uint8Array(bytes) });
  await service.useEmbedderFiles(spec.id, picked);
} else if (spec.id !== BUNDLED_EMBEDDER_ID) {
  await service.useEmbedder(spec.id, {
    onProgress: (p) => process.stderr.write(`\r${p.file} ${(p.loadedBytes / 1e6).toFixed(1)} MB`),
  });
  process.stderr.write('\n');
}

let report: object;
if (values.identify) {
  report = await evalIdentify(service, values.identify, spec.id);
} else {
  const [pairs, imagesDir] = positionals;
  if (!pairs || !imagesDir) usage('missing <pairs.csv> <imagesDir>');
  report = await evalPairs(service, pairs, imagesDir, spec.thresholdCosine, spec.id);
}
await service.release();
console.log(JSON.stringify(report));
