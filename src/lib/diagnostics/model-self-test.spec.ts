import { describe, expect, it } from 'vitest';
import { wasmEnv } from '../vision/ort-session';
import { modelSelfTest } from './model-self-test';

describe('modelSelfTest (the device check, here on onnxruntime-web WASM in Node)', () => {
  for (const layout of ['single', 'external'] as const) {
    it(`${layout} layout runs through the real loader and passes`, async () => {
      const r = await modelSelfTest(wasmEnv, layout, 'wasm');
      expect(r.problems).toEqual([]);
      expect(r).toMatchObject({ ok: true, layout, provider: 'wasm', dim: 64, expectedDim: 64 });
      expect(r.norm).toBeCloseTo(1, 4);
      expect(r.embedMs).toBeGreaterThan(0);
    });
  }

  it('says when the model did not run on the provider asked for', async () => {
    const r = await modelSelfTest(wasmEnv, 'single', 'webgpu');
    expect(r.ok).toBe(false);
    expect(r.problems.join(' ')).toMatch(/ran on wasm, not webgpu/);
  });

  it('reports a loader failure as a problem, not an exception', async () => {
    const r = await modelSelfTest(wasmEnv, 'single', 'wasm', { dim: 64, poolerName: 'nope' });
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatch(/pooler_output/);
  });
});
