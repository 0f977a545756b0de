/**
 * The ONNX conversion of dlib's recogniser (models/dlib-resnet.ts) computes
 * what TensorFlow.js computes from face-api's weights: the same dlib-aligned
 * bbt crops through both, onnxruntime-web WASM against TensorFlow.js's CPU
 * backend (tests/support/vision/dlib-tfjs.ts: face-api's layers on TF.js ops,
 * weights decoded by tf.io.decodeWeights). models/README.md publishes the
 * largest difference.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeTfjsWeights,
  dlibResnetOnnx,
  type TfjsWeightsManifest,
} from '../../models/dlib-resnet.ts';
import manifest from '../../models/manifest.json' with { type: 'json' };
import { readBundledBytes } from '../../models/bundled-models.ts';
import { Embedder } from '../../src/lib/vision/embedder.ts';
import { FaceLocator } from '../../src/lib/vision/locator.ts';
import { wasmEnv } from '../../src/lib/vision/ort-session.ts';
import { area } from '../../src/lib/vision/box.ts';
import type { RgbaImage } from '../../src/lib/vision/image.ts';
import { DLIB_EMBEDDER_ID, getEmbedderSpec } from '../../src/lib/vision/registry.ts';
import { bbtCrops } from '../fixtures/vision/bbt.ts';
import { loadDlibTfjs } from '../support/vision/dlib-tfjs.ts';
import { readBundledModel, readImage } from '../support/vision/vision-node.ts';

/** models/README.md: the largest |ONNX − TF.js| over the 40 × 128 values. */
const PUBLISHED_MAX_ABS_DIFF = '4.0e-7';

const from = manifest.files['dlib_resnet128.onnx'].convertedFrom;
let weightsManifest: TfjsWeightsManifest;
let bin: Uint8Array;
let locator: FaceLocator;
let embedder: Embedder;

beforeAll(async () => {
  const dir = join(
    dirname(createRequire(import.meta.url).resolve(`${from.package}/package.json`)),
    from.dir,
  );
  weightsManifest = JSON.parse(await readFile(join(dir, from.manifest.file), 'utf8'));
  bin = new Uint8Array(await readFile(join(dir, from.weights.file)));
  locator = await FaceLocator.load(
    await readBundledModel('fr_detect.onnx'),
    await readBundledModel('fr_landmark.onnx'),
    wasmEnv,
  );
  const spec = getEmbedderSpec(DLIB_EMBEDDER_ID)!;
  embedder = await Embedder.load(spec, await readBundledModel('dlib_resnet128.onnx'), wasmEnv);
});
afterAll(() => Promise.all([locator.release(), embedder.release()]));

describe('dlib ResNet converted to ONNX', () => {
  it('equals TensorFlow.js on the dlib-aligned bbt crops (within 1e-4; the figure README publishes)', async () => {
    const tfjs = await loadDlibTfjs(weightsManifest, bin);
    let maxDiff = 0;
    let n = 0;
    for (const c of bbtCrops()) {
      const img = await readImage(c.path);
      const face = (await locator.locate(img)).sort((a, b) => area(b) - area(a))[0]!;
      const crop: RgbaImage = embedder.cropFace(img, face);
      expect([crop.width, crop.height]).toEqual([150, 150]);
      const onnx = await embedder.rawEmbedding(embedder.inputFor(crop));
      const ref = tfjs(crop);
      expect(onnx.length).toBe(128);
      for (let i = 0; i < 128; i++) maxDiff = Math.max(maxDiff, Math.abs(onnx[i]! - ref[i]!));
      n++;
    }
    expect(n).toBe(40);
    expect(maxDiff).toBeLessThan(1e-4);
    expect(maxDiff.toExponential(1)).toBe(PUBLISHED_MAX_ABS_DIFF);
  }, 120_000);

  it('is the file models/manifest.json pins (deterministic conversion)', async () => {
    const bytes = await readBundledBytes('dlib_resnet128.onnx');
    // Buffer.equals, not toEqual: a deep comparison of 22 MB exhausts the worker's heap.
    expect(Buffer.from(bytes).equals(dlibResnetOnnx(weightsManifest, bin))).toBe(true);
    expect(bytes.byteLength).toBe(manifest.files['dlib_resnet128.onnx'].bytes);
  });

  it('refuses weights that do not fit the network', () => {
    const renamed = structuredClone(weightsManifest);
    renamed[0]!.weights[0]!.name = 'conv32_down/conv/filterz';
    expect(() => dlibResnetOnnx(renamed, bin)).toThrow(/no conv32_down\/conv\/filters/);
    const reshaped = structuredClone(weightsManifest);
    const fc = reshaped[0]!.weights.find((w) => w.name === 'fc')!;
    fc.shape = [128, 256];
    expect(() => dlibResnetOnnx(reshaped, bin)).toThrow(/fc: shape \[128,256\]/);
    expect(() => decodeTfjsWeights(weightsManifest, bin.subarray(0, bin.length - 1))).toThrow(
      /too short/,
    );
    const longer = new Uint8Array(bin.length + 1);
    longer.set(bin);
    expect(() => decodeTfjsWeights(weightsManifest, longer)).toThrow(/1 bytes left/);
  });

  it('decodes 8-bit weights as q · scale + min', () => {
    const spec = weightsManifest[0]!.weights.find((w) => w.name === 'fc')!;
    const w = decodeTfjsWeights(weightsManifest, bin).get('fc')!;
    // fc is the last tensor: its bytes end the file.
    const q = bin[bin.length - 256 * 128]!;
    expect(w.data[0]).toBe(Math.fround(q * spec.quantization!.scale + spec.quantization!.min));
  });
});
