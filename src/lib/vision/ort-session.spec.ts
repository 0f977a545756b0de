import * as ort from 'onnxruntime-web';
import { expect, it } from 'vitest';
import { OrtSession, type SessionEnv } from './ort-session';
import { writeDinov3SignatureModel } from '../diagnostics/probe-model/dinov3-probe';

it('falls back from a provider that fails (WebGPU, absent in Node) to WASM once, with a message', async () => {
  const messages: string[] = [];
  const env: SessionEnv = {
    ort,
    providers: ['webgpu', 'wasm'],
    onFallback: (m) => messages.push(m),
  };
  const written = writeDinov3SignatureModel({ dim: 32, heads: 2, layers: 1 });
  const s = await OrtSession.open({ name: 'test.onnx', model: written.model }, env, async (x) => {
    await x.run({
      pixel_values: { data: new Float32Array(3 * 224 * 224), dims: [1, 3, 224, 224] },
    });
  });
  expect(s.provider).toBe('wasm');
  expect(messages).toEqual(['webgpu could not run test.onnx; using wasm instead.']);
  const out = await s.run({
    pixel_values: { data: new Float32Array(3 * 224 * 224).fill(0.5), dims: [1, 3, 224, 224] },
  });
  expect(out.pooler_output!.dims).toEqual([1, 32]);
  expect(out.last_hidden_state!.dims).toEqual([1, 201, 32]);
  await s.release();
});
