/**
 * One latency measurement in a fresh process (onnxruntime-web fixes its
 * thread count when its WASM starts, so each thread count needs its own):
 *
 *   tsx scripts/ort-latency.ts --backend wasm|cpu --threads N --model DIR/model.onnx
 *       --input NAME --dims 1,3,224,224 [--reps 9]
 *
 * Prints {"medianMs": …}. External data beside the model (model.onnx_data) is used.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ortWeb from 'onnxruntime-web';
import { OrtSession } from '../src/lib/vision/ort-session.ts';
import { inferenceLatencyMs } from '../tests/support/vision/perf.ts';
import { nodeSessionEnv } from '../tests/support/vision/vision-node.ts';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    threads: { type: 'string', default: '1' },
    model: { type: 'string' },
    input: { type: 'string', default: 'input' },
    dims: { type: 'string', default: '1,3,112,112' },
    reps: { type: 'string', default: '9' },
  },
});
const threads = Number(values.threads);
const backend = values.backend === 'cpu' ? 'cpu' : 'wasm';
if (!values.model) throw new Error('--model is required');
if (backend === 'wasm') ortWeb.env.wasm.numThreads = threads;

const model = new Uint8Array(await readFile(values.model));
const externalData = new Map<string, Uint8Array>();
const dataPath = join(dirname(values.model), `${basename(values.model)}_data`);
const data = await readFile(dataPath).catch(() => undefined);
if (data) externalData.set(basename(dataPath), new Uint8Array(data));

const session = await OrtSession.open(
  { name: basename(values.model), model, externalData },
  nodeSessionEnv(backend, threads),
);
const dims = values.dims.split(',').map(Number);
const medianMs = await inferenceLatencyMs(session, values.input, dims, Number(values.reps));
await session.release();
console.log(JSON.stringify({ backend, threads, medianMs }));
process.exit(0);
