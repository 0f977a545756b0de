/**
 * Face alignment: 68 landmarks (`fr_landmark.onnx`) → 5 points → the
 * least-squares similarity transform onto the ArcFace template → a warped
 * crop. Without it the bundled embedder's rank-1 on bbt drops from 100% to
 * about a third (FACTS.md).
 */
import { squareAround } from './box';
import { resizeRegion, toGray, warpAffine, type Affine, type Rect, type RgbaImage } from './image';
import { grayToTensor } from './preprocess';

export type Point = readonly [number, number];

/** ArcFace's five reference points (eyes, nose tip, mouth corners) in a 112×112 crop. */
export const ARCFACE_TEMPLATE_112: readonly Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

export const LANDMARK_SIZE = 64;

/**
 * The square the landmark model sees: side = the box's height (as the
 * faceplugin code crops), centred on the box. It may reach past the image;
 * the outside repeats the edge rather than stretching the face.
 */
export function landmarkRegion(box: Rect): Rect {
  const h = box.y2 - box.y1;
  const w = box.x2 - box.x1;
  return squareAround(box, h / Math.max(w, h));
}

/** Input for `fr_landmark.onnx`: grey 64×64 of the region, /256, [1,1,64,64]. */
export function landmarkInput(img: RgbaImage, region: Rect): Float32Array {
  const crop = resizeRegion(img, region, LANDMARK_SIZE, LANDMARK_SIZE);
  return grayToTensor(toGray(crop), 256);
}

/** The model's 136 outputs (x, y relative to the region) as 68 source-pixel points. */
export function decodeLandmarks(out: Float32Array, region: Rect): Point[] {
  const w = region.x2 - region.x1;
  const h = region.y2 - region.y1;
  const pts: Point[] = [];
  for (let i = 0; i + 1 < out.length; i += 2) {
    pts.push([region.x1 + out[i]! * w, region.y1 + out[i + 1]! * h]);
  }
  return pts;
}

function mean(pts: readonly Point[], idx: readonly number[]): Point {
  let x = 0;
  let y = 0;
  for (const i of idx) {
    x += pts[i]![0];
    y += pts[i]![1];
  }
  return [x / idx.length, y / idx.length];
}

/** iBUG 68 → eye centres, nose tip, mouth corners (the template's order). */
export function fivePoints(pts68: readonly Point[]): Point[] {
  if (pts68.length !== 68) throw new RangeError(`expected 68 landmarks, got ${pts68.length}`);
  return [
    mean(pts68, [37, 38, 40, 41]),
    mean(pts68, [43, 44, 46, 47]),
    pts68[30]!,
    mean(pts68, [48, 60]),
    mean(pts68, [54, 64]),
  ];
}

/**
 * Least-squares similarity (rotation, uniform scale, translation; no
 * reflection) taking `src` onto `dst` (Umeyama 1991 in 2-D, where it has a
 * closed form). Returns the affine map src → dst.
 */
export function similarityTransform(src: readonly Point[], dst: readonly Point[]): Affine {
  const n = src.length;
  if (n < 2 || dst.length !== n) throw new RangeError('need ≥ 2 matching points');
  const [sx, sy] = mean(src, [...src.keys()]);
  const [dx, dy] = mean(dst, [...dst.keys()]);
  let a = 0; // Σ (s · d)
  let b = 0; // Σ (s × d)
  let ss = 0; // Σ |s|²
  for (let i = 0; i < n; i++) {
    const px = src[i]![0] - sx;
    const py = src[i]![1] - sy;
    const qx = dst[i]![0] - dx;
    const qy = dst[i]![1] - dy;
    a += px * qx + py * qy;
    b += px * qy - py * qx;
    ss += px * px + py * py;
  }
  if (ss === 0) throw new RangeError('source points coincide');
  // x' = c·x − s·y + tx, y' = s·x + c·y + ty with (c, s) = scale·(cos θ, sin θ).
  const c = a / ss;
  const s = b / ss;
  return [c, -s, dx - c * sx + s * sy, s, c, dy - s * sx - c * sy];
}

export function invertAffine(m: Affine): Affine {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (det === 0) throw new RangeError('singular transform');
  const ia = e / det;
  const ib = -b / det;
  const id = -d / det;
  const ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

export function applyAffine(m: Affine, p: Point): Point {
  return [m[0] * p[0] + m[1] * p[1] + m[2], m[3] * p[0] + m[4] * p[1] + m[5]];
}

/** The face warped so its five points land on the ArcFace template scaled to `size`. */
export function alignFace(img: RgbaImage, five: readonly Point[], size = 112): RgbaImage {
  const k = size / 112;
  const template = ARCFACE_TEMPLATE_112.map(([x, y]) => [x * k, y * k] as const);
  const srcToOut = similarityTransform(five, template);
  return warpAffine(img, invertAffine(srcToOut), size, size);
}
