/** Pixels → model input tensors, and the vector maths on embeddings. */
import type { GrayImage, RgbaImage } from './image';

/** Per-channel normalisation in 0..255 pixel units: x' = (x − mean) / std, RGB order. */
export interface Normalisation {
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/** (x − 127) / 128: UltraFace and the faceplugin embedder. */
export const SYMMETRIC_127: Normalisation = { mean: [127, 127, 127], std: [128, 128, 128] };

/** dlib's recogniser as face-api feeds it: RGB minus its mean, / 255 (FaceRecognitionNet.ts). */
export const DLIB_MEAN_255: Normalisation = {
  mean: [122.782, 117.001, 104.298],
  std: [255, 255, 255],
};

/** ImageNet mean/std (on x / 255), as DINOv3's image processor, expressed on 0..255. */
export const IMAGENET: Normalisation = {
  mean: [0.485 * 255, 0.456 * 255, 0.406 * 255],
  std: [0.229 * 255, 0.224 * 255, 0.225 * 255],
};

/** RGBA → planar float32 [3, H, W] (batch 1 NCHW data), alpha ignored. */
export function toNchw(
  img: RgbaImage,
  norm: Normalisation,
  out = new Float32Array(3 * img.width * img.height),
): Float32Array {
  const plane = img.width * img.height;
  const d = img.data;
  for (let c = 0; c < 3; c++) {
    const m = norm.mean[c]!;
    const inv = 1 / norm.std[c]!;
    const o = c * plane;
    for (let i = 0; i < plane; i++) out[o + i] = (d[i * 4 + c]! - m) * inv;
  }
  return out;
}

/** Grey → float32 [1, H, W] scaled by 1 / `divisor`. */
export function grayToTensor(img: GrayImage, divisor: number): Float32Array {
  const out = new Float32Array(img.width * img.height);
  for (let i = 0; i < out.length; i++) out[i] = img.data[i]! / divisor;
  return out;
}

/** Scales `v` to unit length in place (a zero vector stays zero) and returns it. */
export function l2Normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const n = Math.sqrt(s);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
}

/** Cosine similarity of two vectors (their dot product once both are unit length). */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`dimension ${a.length} ≠ ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}
