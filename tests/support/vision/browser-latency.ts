/**
 * The Chromium side of the embedding-latency benchmark (tests/bench/
 * browser.bench.ts loads this module into a page of the Vite dev server):
 * the app's own ORT setup and session code, with a chosen thread count.
 */
import { OrtSession } from '../../../src/lib/vision/ort-session';
import { browserSessionEnv } from '../../../src/lib/vision/ort-browser';
import * as ort from 'onnxruntime-web';
import { inferenceLatencyMs } from './perf';

async function bytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Median ms of a batch-1 WASM inference with `threads` threads (call once per page). */
export async function browserLatencyMs(opts: {
  modelUrl: string;
  /** External data file, named as the model refers to it. */
  data?: { url: string; name: string };
  input: string;
  dims: number[];
  threads: number;
  reps: number;
}): Promise<{ medianMs: number; threads: number; isolated: boolean }> {
  const env = await browserSessionEnv(() => undefined, 'wasm');
  ort.env.wasm.numThreads = opts.threads; // before the first session: ORT fixes it then
  const externalData = new Map<string, Uint8Array>();
  if (opts.data) externalData.set(opts.data.name, await bytes(opts.data.url));
  const session = await OrtSession.open(
    { name: opts.modelUrl, model: await bytes(opts.modelUrl), externalData },
    env,
  );
  try {
    // Browsers start wasm on a baseline compiler and optimise hot code a little
    // later: warm up long enough that the median measures the optimised code.
    const warmup = Math.max(5, opts.reps);
    const medianMs = await inferenceLatencyMs(session, opts.input, opts.dims, opts.reps, warmup);
    return { medianMs, threads: opts.threads, isolated: crossOriginIsolated };
  } finally {
    await session.release();
  }
}
