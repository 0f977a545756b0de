import { expect, it } from 'vitest';
import { readBundledModel } from '../../../tests/support/vision/vision-node.ts';
import type { ModelError } from './errors';
import { checkExternalData, inspectOnnx } from './onnx-inspect';
import { writeDinov3SignatureModel } from '../diagnostics/probe-model/dinov3-probe';

it('reads the bundled models as complete single-file ONNX', async () => {
  for (const f of ['fr_detect.onnx', 'fr_landmark.onnx', 'fr_feature.onnx'] as const) {
    const s = inspectOnnx((await readBundledModel(f)).model, f);
    expect(s.irVersion).toBeGreaterThanOrEqual(3);
    expect(s.external).toEqual([]);
  }
});

it('lists external data with the bytes it must hold, and checks the files given', () => {
  const w = writeDinov3SignatureModel({ dim: 32, heads: 2, layers: 1, externalData: true });
  const size = w.externalData.get('model.onnx_data')!.byteLength;
  const s = inspectOnnx(w.model);
  expect(s.external).toEqual([{ location: 'model.onnx_data', endByte: size }]);
  expect(() => checkExternalData(s, new Map([['model.onnx_data', size]]))).not.toThrow();
  const code = (f: () => void) => {
    try {
      f();
    } catch (e) {
      return (e as ModelError).code;
    }
  };
  expect(code(() => checkExternalData(s, new Map()))).toBe('model-external-data-missing');
  expect(code(() => checkExternalData(s, new Map([['model.onnx_data', size - 1]])))).toBe(
    'model-external-data-truncated',
  );
});

it('tells a cut file from a file that is not ONNX at all', () => {
  const { model } = writeDinov3SignatureModel({ dim: 32, heads: 2, layers: 1 });
  const code = (b: Uint8Array) => {
    try {
      inspectOnnx(b);
    } catch (e) {
      return (e as ModelError).code;
    }
    return 'ok';
  };
  expect(code(model)).toBe('ok');
  // Cut anywhere: inside the graph, or just before opset_import at the very end.
  for (const n of [10, 1000, model.length >> 1, model.length - 3])
    expect(code(model.subarray(0, n))).toBe('model-truncated');
  expect(code(new TextEncoder().encode('<!doctype html><title>404</title>'))).toBe(
    'model-not-onnx',
  );
  expect(code(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe('model-not-onnx');
  expect(code(new Uint8Array())).toBe('model-not-onnx');
});
