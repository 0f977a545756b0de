/**
 * diagnostics.worker: the "Check this device" tests of the settings, in a
 * worker of their own (started when asked for, ended after), so that they
 * exercise FAISS and ONNX Runtime exactly as the app's workers do without
 * touching their state. A thin Comlink shell over ../diagnostics.
 */
import { loadFaiss } from '../faiss';
import { deviceInfo } from '../diagnostics/device-info';
import { faissSelfTest } from '../diagnostics/faiss-self-test';
import { modelSelfTest, type ModelLayout } from '../diagnostics/model-self-test';
import { browserSessionEnv, buildForEveryProvider } from '../vision/ort-browser';
import { exposeWorker } from './worker-boundary';

const api = {
  deviceInfo,
  async faissSelfTest() {
    const t0 = performance.now();
    const faiss = await loadFaiss();
    const loadMs = performance.now() - t0;
    return { ...faissSelfTest(faiss), loadMs };
  },
  /**
   * WebGPU is forced (with WASM after it, so a failure says why), and a
   * fallback adapter counts: the question is whether the path works here.
   * Both providers run in this one worker, so it loads ORT's WebGPU build
   * wherever there is an adapter (ORT keeps the build its first session loaded).
   */
  async modelSelfTest(layout: ModelLayout, provider: 'wasm' | 'webgpu') {
    const build = await buildForEveryProvider();
    const env = await browserSessionEnv(() => undefined, provider, undefined, { build });
    return modelSelfTest(env, layout, provider);
  },
};

exposeWorker(api);
export type DiagnosticsApi = typeof api;
