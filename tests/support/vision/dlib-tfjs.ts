/**
 * The reference the ONNX conversion is checked against (tests only): face-api's
 * FaceRecognitionNet.forwardInput written out with TensorFlow.js's own ops
 * (NHWC, TF padding rules) and weights decoded by TensorFlow.js's own
 * tf.io.decodeWeights, so neither the layer code nor the dequantisation is
 * shared with models/dlib-resnet.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { RgbaImage } from '../../../src/lib/vision/image.ts';
import type { TfjsWeightsManifest } from '../../../models/dlib-resnet.ts';

type Weights = Record<string, tf.Tensor>;

export async function loadDlibTfjs(
  manifest: TfjsWeightsManifest,
  bin: Uint8Array,
): Promise<(crop: RgbaImage) => Float32Array> {
  await tf.setBackend('cpu');
  const specs = manifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[];
  const w: Weights = tf.io.decodeWeights(bin.slice().buffer, specs);

  // convLayer.ts + scaleLayer.ts
  const convLayer = (
    x: tf.Tensor4D,
    p: string,
    strides: 1 | 2,
    relu: boolean,
    padding: 'same' | 'valid',
  ): tf.Tensor4D => {
    let out: tf.Tensor4D = tf.conv2d(x, w[`${p}/conv/filters`] as tf.Tensor4D, strides, padding);
    out = tf.add(out, w[`${p}/conv/bias`]!) as tf.Tensor4D;
    out = tf.add(tf.mul(out, w[`${p}/scale/weights`]!), w[`${p}/scale/biases`]!) as tf.Tensor4D;
    return relu ? tf.relu(out) : out;
  };
  const conv = (x: tf.Tensor4D, p: string) => convLayer(x, p, 1, true, 'same');
  const convNoRelu = (x: tf.Tensor4D, p: string) => convLayer(x, p, 1, false, 'same');
  const convDown = (x: tf.Tensor4D, p: string) => convLayer(x, p, 2, true, 'valid');

  // residualLayer.ts
  const residual = (x: tf.Tensor4D, p: string): tf.Tensor4D =>
    tf.relu(tf.add(convNoRelu(conv(x, `${p}/conv1`), `${p}/conv2`), x) as tf.Tensor4D);
  const residualDown = (x: tf.Tensor4D, p: string): tf.Tensor4D => {
    let out = convNoRelu(convDown(x, `${p}/conv1`), `${p}/conv2`);
    let pooled: tf.Tensor4D = tf.avgPool(x, 2, 2, 'valid');
    const zeros = tf.zeros<tf.Rank.R4>(pooled.shape);
    const isPad = pooled.shape[3] !== out.shape[3];
    if (pooled.shape[1] !== out.shape[1] || pooled.shape[2] !== out.shape[2]) {
      const padX = [...out.shape] as [number, number, number, number];
      padX[1] = 1;
      out = tf.concat([out, tf.zeros<tf.Rank.R4>(padX)], 1);
      const padY = [...out.shape] as [number, number, number, number];
      padY[2] = 1;
      out = tf.concat([out, tf.zeros<tf.Rank.R4>(padY)], 2);
    }
    pooled = isPad ? tf.concat([pooled, zeros], 3) : pooled;
    return tf.relu(tf.add(pooled, out) as tf.Tensor4D);
  };

  // FaceRecognitionNet.forwardInput (the crop is already 150×150: no resize).
  return (crop) =>
    tf.tidy(() => {
      const rgb = new Float32Array(crop.width * crop.height * 3);
      for (let i = 0; i < crop.width * crop.height; i++)
        for (let c = 0; c < 3; c++) rgb[i * 3 + c] = crop.data[i * 4 + c]!;
      const batch = tf.tensor4d(rgb, [1, crop.height, crop.width, 3]);
      const mean = tf.tensor1d([122.782, 117.001, 104.298]);
      let out = tf.sub(batch, mean).div(255) as tf.Tensor4D;
      out = convDown(out, 'conv32_down');
      out = tf.maxPool(out, 3, 2, 'valid');
      for (const p of ['conv32_1', 'conv32_2', 'conv32_3']) out = residual(out, p);
      out = residualDown(out, 'conv64_down');
      for (const p of ['conv64_1', 'conv64_2', 'conv64_3']) out = residual(out, p);
      out = residualDown(out, 'conv128_down');
      for (const p of ['conv128_1', 'conv128_2']) out = residual(out, p);
      out = residualDown(out, 'conv256_down');
      for (const p of ['conv256_1', 'conv256_2']) out = residual(out, p);
      out = residualDown(out, 'conv256_down_out');
      const avg = out.mean([1, 2]) as tf.Tensor2D;
      return tf.matMul(avg, w.fc as tf.Tensor2D).dataSync() as Float32Array;
    });
}
