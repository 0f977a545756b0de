/**
 * Build-time conversion of dlib's face recognition ResNet (128-d), as
 * face-api.js ships it (TensorFlow.js weights: a JSON manifest + one .bin,
 * most tensors stored as 8-bit with a scale and a minimum), to an ONNX graph
 * for onnxruntime-web. No second ML runtime in the app: the layers are
 * written out here from face-api's source (src/faceRecognitionNet/:
 * FaceRecognitionNet.ts, convLayer.ts, residualLayer.ts, scaleLayer.ts) and
 * every tensor's name and shape is checked against the manifest.
 *
 * Pure (bytes in, bytes out) and deterministic: the same weights always give
 * the same file, whose SHA-256 models/manifest.json pins.
 */
import { GraphWriter } from '../src/lib/diagnostics/probe-model/onnx-writer.ts';

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale: number; min: number };
}

export type TfjsWeightsManifest = { paths: string[]; weights: TfjsWeightSpec[] }[];

interface Tensor {
  shape: number[];
  data: Float32Array;
}

/** The input side and the embedding length the graph is written for. */
export const DLIB_INPUT_SIZE = 150;
export const DLIB_DIM = 128;

/**
 * Decodes the weights as tf.io.decodeWeights does for these two storage
 * kinds: float32 as is; uint8-quantised as q · scale + min, rounded to float32.
 */
export function decodeTfjsWeights(
  manifest: TfjsWeightsManifest,
  bin: Uint8Array,
): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  let at = 0;
  for (const spec of manifest.flatMap((g) => g.weights)) {
    if (spec.dtype !== 'float32') throw new Error(`${spec.name}: dtype ${spec.dtype}`);
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const q = spec.quantization;
    if (q) {
      if (q.dtype !== 'uint8') throw new Error(`${spec.name}: quantised as ${q.dtype}`);
      if (at + n > bin.byteLength) throw new Error(`${spec.name}: weights file too short`);
      for (let i = 0; i < n; i++) data[i] = bin[at + i]! * q.scale + q.min;
      at += n;
    } else {
      if (at + 4 * n > bin.byteLength) throw new Error(`${spec.name}: weights file too short`);
      const view = new DataView(bin.buffer, bin.byteOffset + at, 4 * n);
      for (let i = 0; i < n; i++) data[i] = view.getFloat32(4 * i, true);
      at += 4 * n;
    }
    out.set(spec.name, { shape: spec.shape, data });
  }
  if (at !== bin.byteLength) throw new Error(`weights file has ${bin.byteLength - at} bytes left`);
  return out;
}

/** Residual blocks in order (FaceRecognitionNet.forwardInput): name, output channels, downsampling. */
const BLOCKS: readonly [string, number, boolean][] = [
  ['conv32_1', 32, false],
  ['conv32_2', 32, false],
  ['conv32_3', 32, false],
  ['conv64_down', 64, true],
  ['conv64_1', 64, false],
  ['conv64_2', 64, false],
  ['conv64_3', 64, false],
  ['conv128_down', 128, true],
  ['conv128_1', 128, false],
  ['conv128_2', 128, false],
  ['conv256_down', 256, true],
  ['conv256_1', 256, false],
  ['conv256_2', 256, false],
  ['conv256_down_out', 256, true],
];

/**
 * The ONNX model: input `input` float32 [batch, 3, 150, 150] (RGB, minus the
 * mean [122.782, 117.001, 104.298], / 255: the app's preprocessing does that,
 * as for the other models) → `descriptor` [batch, 128], the raw dlib vector.
 */
export function dlibResnetOnnx(manifest: TfjsWeightsManifest, bin: Uint8Array): Uint8Array {
  const w = decodeTfjsWeights(manifest, bin);
  const used = new Set<string>();
  const take = (name: string, shape: number[]): Float32Array => {
    const t = w.get(name);
    if (!t) throw new Error(`weights manifest has no ${name}`);
    if (t.shape.join() !== shape.join()) {
      throw new Error(`${name}: shape [${t.shape}] in the manifest, the network needs [${shape}]`);
    }
    used.add(name);
    return t.data;
  };
  const g = new GraphWriter();
  let x = g.input('input', ['batch', 3, DLIB_INPUT_SIZE, DLIB_INPUT_SIZE]);
  let side = DLIB_INPUT_SIZE;
  let channels = 3;

  /**
   * convLayer: conv2d + bias, then the scale layer (· weights + biases), then
   * maybe ReLU. Bias and scale fold into the convolution (W·s, b·s + β): one
   * op instead of three, the same function.
   */
  const conv = (
    prefix: string,
    input: string,
    cin: number,
    cout: number,
    k: number,
    stride: number,
    relu: boolean,
  ): string => {
    const filters = take(`${prefix}/conv/filters`, [k, k, cin, cout]); // TF: HWIO
    const bias = take(`${prefix}/conv/bias`, [cout]);
    const s = take(`${prefix}/scale/weights`, [cout]);
    const beta = take(`${prefix}/scale/biases`, [cout]);
    const oihw = new Float32Array(cout * cin * k * k);
    for (let o = 0; o < cout; o++)
      for (let i = 0; i < cin; i++)
        for (let y = 0; y < k; y++)
          for (let xx = 0; xx < k; xx++)
            oihw[((o * cin + i) * k + y) * k + xx] =
              filters[((y * k + xx) * cin + i) * cout + o]! * s[o]!;
    const b = Float32Array.from(bias, (v, o) => v * s[o]! + beta[o]!);
    // Stride 1 is TF's 'same' (pad 1 each side for 3×3); stride 2 is 'valid'.
    const pad = stride === 1 ? (k - 1) / 2 : 0;
    const y = g.node(
      'Conv',
      [
        input,
        g.initFloat(`${prefix}_w`, [cout, cin, k, k], oihw),
        g.initFloat(`${prefix}_b`, [cout], b),
      ],
      {
        kernel_shape: [k, k],
        strides: [stride, stride],
        dilations: [1, 1],
        pads: [pad, pad, pad, pad],
      },
    );
    return relu ? g.node('Relu', [y]) : y;
  };

  // conv32_down: 7×7 stride 2 valid, then max pool 3 stride 2 valid.
  x = conv('conv32_down', x, 3, 32, 7, 2, true);
  side = Math.floor((side - 7) / 2) + 1;
  x = g.node('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [0, 0, 0, 0] });
  side = Math.floor((side - 3) / 2) + 1;
  channels = 32;

  for (const [name, cout, down] of BLOCKS) {
    const stride = down ? 2 : 1;
    let out = conv(`${name}/conv1`, x, channels, cout, 3, stride, true);
    out = conv(`${name}/conv2`, out, cout, cout, 3, 1, false);
    let shortcut = x;
    if (down) {
      // residualDown: the shortcut is a 2×2 average pool; where the strided conv came
      // out one row/column short, face-api appends zeros (bottom, right); where the
      // channels grow, the pooled shortcut gets zero channels appended.
      shortcut = g.node('AveragePool', [x], {
        kernel_shape: [2, 2],
        strides: [2, 2],
        pads: [0, 0, 0, 0],
      });
      const pooled = Math.floor(side / 2);
      const convSide = Math.floor((side - 3) / 2) + 1;
      if (convSide !== pooled) {
        const d = pooled - convSide;
        out = g.node('Pad', [out, g.initInt64('pad', [0, 0, 0, 0, 0, 0, d, d])], {});
      }
      if (cout !== channels) {
        shortcut = g.node('Pad', [
          shortcut,
          g.initInt64('pad', [0, 0, 0, 0, 0, cout - channels, 0, 0]),
        ]);
      }
      side = pooled;
    }
    x = g.node('Relu', [g.node('Add', [out, shortcut])]);
    channels = cout;
  }

  const pooled = g.node('Flatten', [g.node('GlobalAveragePool', [x])], { axis: 1 });
  const fc = take('fc', [256, DLIB_DIM]);
  g.nodeTo('MatMul', [pooled, g.initFloat('fc', [256, DLIB_DIM], fc)], ['descriptor']);
  g.output('descriptor', ['batch', DLIB_DIM]);

  const unused = [...w.keys()].filter((k) => !used.has(k));
  if (unused.length) throw new Error(`weights the network does not use: ${unused.join(', ')}`);
  return g.write({ producer: 'visio-memoria dlib-resnet converter' }).model;
}
