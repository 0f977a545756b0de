/**
 * The DINOv3 path without DINOv3's weights: a generated model of the same
 * signature goes through the real loader (user files, both layouts), the
 * registry entries and the preprocessing, on onnxruntime-web's WASM backend.
 */
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { Embedder } from './embedder';
import { filesFromPicked } from './model-store';
import { wasmEnv } from './ort-session';
import { getEmbedderSpec } from './registry';
import { writeDinov3SignatureModel } from '../diagnostics/probe-model/dinov3-probe';
import { checkDinov3Signature, syntheticFace } from '../diagnostics/probe-model/probe-check';

describe('DINOv3-signature model through the real loader (WASM)', () => {
  for (const layout of ['single', 'external'] as const) {
    it(`${layout} file layout: loads, reads the dimension from the model, embeds L2-normalised`, async () => {
      const r = await checkDinov3Signature(wasmEnv, layout, { dim: 64 });
      expect(r.provider).toBe('wasm');
      expect(r.dim).toBe(64);
      expect(r.norm).toBeCloseTo(1, 5);
      expect(r.cosSame).toBeCloseTo(1, 5);
      expect(r.cosDifferent).toBeLessThan(0.9999);
    });
  }

  it('reads a different dimension from a different model under the same registry entry', async () => {
    const r = await checkDinov3Signature(
      wasmEnv,
      'external',
      { dim: 96, heads: 3, layers: 1 },
      'dinov3-vitb16',
    );
    expect(r.dim).toBe(96);
  });

  it('feeds exactly RGB/255, ImageNet mean/std, NCHW, batch 1, and returns pooler_output', async () => {
    const spec = getEmbedderSpec('dinov3-vits16')!;
    const written = writeDinov3SignatureModel({ dim: 32, heads: 2, layers: 1, seed: 7 });
    const embedder = await Embedder.load(
      spec,
      filesFromPicked([{ name: 'm.onnx', bytes: written.model }]),
      wasmEnv,
    );
    const { img, five } = syntheticFace(3);
    const crop = embedder.cropFace(img, { box: { x1: 0, y1: 0, x2: 256, y2: 256 }, five });
    expect([crop.width, crop.height]).toEqual([224, 224]);
    // Independent preprocessing of the same crop.
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    const x = new Float32Array(3 * 224 * 224);
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < 224 * 224; i++)
        x[c * 224 * 224 + i] = (crop.data[i * 4 + c]! / 255 - mean[c]!) / std[c]!;
    }
    const input = embedder.inputFor(crop);
    for (let i = 0; i < x.length; i += 997) expect(input[i]).toBeCloseTo(x[i]!, 5);
    const got = await embedder.embedInput(input);
    const direct = await ort.InferenceSession.create(written.model);
    const out = await direct.run({ pixel_values: new ort.Tensor('float32', x, [1, 3, 224, 224]) });
    const want = out.pooler_output!.data as Float32Array;
    const n = Math.hypot(...want);
    for (let i = 0; i < 32; i++) expect(got[i]).toBeCloseTo(want[i]! / n, 4);
    await direct.release();
    await embedder.release();
  });
});
