/**
 * A bad model file gets a clear error with a code, and the model in use
 * before stays in use (and keeps working).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeModelSource, readImage } from '../../../tests/support/vision/vision-node.ts';
import { BBT_DIR } from '../../../tests/fixtures/vision/bbt.ts';
import { ModelError } from './errors';
import { wasmEnv } from './ort-session';
import { VisionService } from './service';
import { writeDinov3SignatureModel } from '../diagnostics/probe-model/dinov3-probe';

const small = { dim: 32, heads: 2, layers: 1 };

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ModelError);
    expect((e as ModelError).message.length).toBeGreaterThan(20);
    return (e as ModelError).code;
  }
  throw new Error('expected a ModelError');
}

describe('bad model files leave the previous model in use', () => {
  const service = new VisionService(wasmEnv, nodeModelSource());
  const good = writeDinov3SignatureModel(small);
  const face = readImage(`${BBT_DIR}/penny/penny1.png`);
  let before: Float32Array;

  beforeAll(async () => {
    await service.init();
    await service.useEmbedderFiles('dinov3-vits16', [{ name: 'model.onnx', bytes: good.model }]);
    before = (await service.embedStill(await face))!.embedding;
  });
  afterAll(() => service.release());

  const cases: [string, () => { name: string; bytes: Uint8Array }[], string][] = [
    [
      'wrong input name',
      () => [
        {
          name: 'model.onnx',
          bytes: writeDinov3SignatureModel({ ...small, inputName: 'image' }).model,
        },
      ],
      'model-signature',
    ],
    [
      'wrong output name',
      () => [
        {
          name: 'model.onnx',
          bytes: writeDinov3SignatureModel({ ...small, poolerName: 'embeddings' }).model,
        },
      ],
      'model-signature',
    ],
    [
      'wrong input size',
      () => [
        {
          name: 'model.onnx',
          bytes: writeDinov3SignatureModel({ ...small, imageSize: 112 }).model,
        },
      ],
      'model-signature',
    ],
    [
      'truncated file',
      () => [{ name: 'model.onnx', bytes: good.model.subarray(0, good.model.length >> 1) }],
      'model-truncated',
    ],
    [
      'a PNG renamed .onnx',
      () => [
        {
          name: 'model.onnx',
          bytes: Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, 0, 0]),
        },
      ],
      'model-not-onnx',
    ],
    [
      'a text file',
      () => [{ name: 'model.onnx', bytes: new TextEncoder().encode('{"not": "a model"}') }],
      'model-not-onnx',
    ],
    [
      'garbage after a valid ir_version',
      () => [
        { name: 'model.onnx', bytes: Uint8Array.from([0x08, 0x08, 0xff, 0xff, 0x3f, 0x7f, 1]) },
      ],
      'model-not-onnx',
    ],
    [
      'external data missing',
      () => {
        const w = writeDinov3SignatureModel({ ...small, externalData: true });
        return [{ name: 'model.onnx', bytes: w.model }];
      },
      'model-external-data-missing',
    ],
    [
      'external data truncated',
      () => {
        const w = writeDinov3SignatureModel({ ...small, externalData: true });
        const data = w.externalData.get('model.onnx_data')!;
        return [
          { name: 'model.onnx', bytes: w.model },
          { name: 'model.onnx_data', bytes: data.subarray(0, data.length - 100) },
        ];
      },
      'model-external-data-truncated',
    ],
    [
      'no .onnx chosen',
      () => [{ name: 'model.onnx_data', bytes: new Uint8Array(10) }],
      'model-not-onnx',
    ],
  ];

  for (const [what, files, code] of cases) {
    it(`${what} → ${code}`, async () => {
      expect(await codeOf(service.useEmbedderFiles('dinov3-vits16', files()))).toBe(code);
      const info = service.info()!;
      expect([info.id, info.origin, info.dim]).toEqual(['dinov3-vits16', 'file', 32]);
      const after = (await service.embedStill(await face))!.embedding;
      expect(Array.from(after)).toEqual(Array.from(before));
    });
  }

  it('an unknown model id → model-unknown', async () => {
    expect(await codeOf(service.useEmbedder('no-such-model'))).toBe('model-unknown');
    expect(service.info()!.id).toBe('dinov3-vits16');
  });
});
