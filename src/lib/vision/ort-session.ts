/**
 * One ONNX Runtime session with the checks and the fallback the app needs:
 * the file is inspected before ORT sees it (clear errors), external data is
 * passed along, and a session on WebGPU that fails (at load, at the probe
 * run or later) is reopened on WASM once, with a message instead of a crash.
 *
 * The `ort` module is a parameter so that tools can run the same code on
 * onnxruntime-node ('cpu'); the app and the tests use onnxruntime-web.
 */
import { describeError } from '../errors';
import * as ortWeb from 'onnxruntime-web';
import type { InferenceSession } from 'onnxruntime-web';
import { ModelError } from './errors';
import { checkExternalData, inspectOnnx } from './onnx-inspect';

export type OrtModule = Pick<typeof ortWeb, 'InferenceSession' | 'Tensor'>;

/** 'webgpu' and 'wasm' are onnxruntime-web's; 'cpu' is onnxruntime-node's (tools only). */
export type Provider = 'webgpu' | 'wasm' | 'cpu';

export interface ModelFiles {
  /** For messages: the file name or model id. */
  name: string;
  /** The .onnx file. */
  model: Uint8Array;
  /** External-data files by the location the model names (usually `model.onnx_data`). */
  externalData?: ReadonlyMap<string, Uint8Array>;
}

export interface ValueInfo {
  name: string;
  type: string;
  /** Fixed sizes as numbers, symbolic ones (batch) as strings. */
  shape: readonly (number | string)[];
}

interface FloatTensor {
  data: Float32Array;
  dims: readonly number[];
}

export interface SessionEnv {
  ort: OrtModule;
  /** Providers to try in order, e.g. ['webgpu', 'wasm']; the last one is the fallback. */
  providers: readonly Provider[];
  /** Told (once per fallback) when a provider failed and the next one is used. */
  onFallback?: (message: string, error: unknown) => void;
  /** onnxruntime-node only: intra-op threads. */
  cpuThreads?: number;
}

/** onnxruntime-web's default env, for Node tests and the worker (after ort-browser.ts configured it). */
export const wasmEnv: SessionEnv = { ort: ortWeb, providers: ['wasm'] };

function metadata(list: readonly InferenceSession.ValueMetadata[]): ValueInfo[] {
  return list.map((m) =>
    m.isTensor
      ? { name: m.name, type: m.type, shape: [...m.shape] }
      : { name: m.name, type: 'non-tensor', shape: [] },
  );
}

/** Inspects `files` and throws a ModelError if ORT would refuse them for a reason we can name. */
export function preflight(files: ModelFiles): void {
  const summary = inspectOnnx(files.model, files.name);
  const sizes = new Map<string, number>();
  for (const [k, v] of files.externalData ?? []) sizes.set(k, v.byteLength);
  checkExternalData(summary, sizes);
}

async function create(
  env: SessionEnv,
  provider: Provider,
  files: ModelFiles,
): Promise<InferenceSession> {
  const opts: InferenceSession.SessionOptions = {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
  };
  if (files.externalData?.size) {
    opts.externalData = [...files.externalData].map(([path, data]) => ({ path, data }));
  }
  if (provider === 'cpu') {
    opts.intraOpNumThreads = env.cpuThreads ?? 1;
    opts.interOpNumThreads = 1;
  }
  try {
    return await env.ort.InferenceSession.create(files.model, opts);
  } catch (e) {
    throw new ModelError(
      'model-load-failed',
      `ONNX Runtime (${provider}) could not load ${files.name}: ${describeError(e)}`,
      { cause: e },
    );
  }
}

export class OrtSession {
  #session: InferenceSession;
  #provider: Provider;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];

  private constructor(
    session: InferenceSession,
    provider: Provider,
    private readonly env: SessionEnv,
    private readonly files: ModelFiles,
  ) {
    this.#session = session;
    this.#provider = provider;
    this.inputs = metadata(session.inputMetadata);
    this.outputs = metadata(session.outputMetadata);
  }

  get provider(): Provider {
    return this.#provider;
  }

  get name(): string {
    return this.files.name;
  }

  /**
   * Preflight, then the first provider that loads the model and passes
   * `probe` (a real inference, so a WebGPU shader that fails to compile is
   * caught here). Keeps `files` for a later fallback, so drop other copies.
   */
  static async open(
    files: ModelFiles,
    env: SessionEnv,
    probe?: (s: OrtSession) => Promise<void>,
  ): Promise<OrtSession> {
    preflight(files);
    for (let i = 0; i < env.providers.length; i++) {
      const provider = env.providers[i]!;
      let s: OrtSession | undefined;
      try {
        s = new OrtSession(await create(env, provider, files), provider, env, files);
        await probe?.(s);
        return s;
      } catch (e) {
        await s?.release();
        // What the last provider refuses, or a wrong signature, is the model's fault.
        if (e instanceof ModelError && e.code === 'model-signature') throw e;
        if (i === env.providers.length - 1) {
          if (e instanceof ModelError) throw e;
          throw new ModelError(
            'model-load-failed',
            `${files.name} failed its test run on ${provider}: ${describeError(e)}`,
            { cause: e },
          );
        }
        env.onFallback?.(
          `${provider} could not run ${files.name}; using ${env.providers[i + 1]} instead.`,
          e,
        );
      }
    }
    throw new ModelError('model-load-failed', `No execution provider for ${files.name}.`);
  }

  /** Runs float32 feeds; on a WebGPU failure reopens on the next provider once and retries. */
  async run(feeds: Record<string, FloatTensor>): Promise<Record<string, FloatTensor>> {
    try {
      return await this.#run(feeds);
    } catch (e) {
      const i = this.env.providers.indexOf(this.#provider);
      const next = this.env.providers[i + 1];
      if (this.#provider !== 'webgpu' || next === undefined) throw e;
      this.env.onFallback?.(`WebGPU failed while running ${this.name}; using ${next} instead.`, e);
      const old = this.#session;
      this.#session = await create(this.env, next, this.files);
      this.#provider = next;
      await old.release().catch(() => undefined);
      return this.#run(feeds);
    }
  }

  async #run(feeds: Record<string, FloatTensor>): Promise<Record<string, FloatTensor>> {
    const { Tensor } = this.env.ort;
    const input: Record<string, ortWeb.Tensor> = {};
    for (const [k, v] of Object.entries(feeds)) input[k] = new Tensor('float32', v.data, v.dims);
    const out = await this.#session.run(input);
    const result: Record<string, FloatTensor> = {};
    for (const [k, t] of Object.entries(out)) {
      if (t.type !== 'float32') continue;
      result[k] = { data: t.data as Float32Array, dims: t.dims };
    }
    return result;
  }

  async release(): Promise<void> {
    await this.#session.release();
  }
}
