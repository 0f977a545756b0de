/**
 * dlib's face alignment, which its face recogniser was trained on:
 * `get_face_chip_details(det, size, padding)` for a 5-point detection and the
 * chip mapping of `extract_image_chip` (dlib/image_transforms/interpolation.h,
 * dlib/geometry/drectangle.h). With the ArcFace template instead, the dlib
 * recogniser's pairs accuracy fell from 0.996 to 0.88 (issue #16).
 */
import { similarityTransform, type Point } from './align';
import { warpAffine, type Affine, type RgbaImage } from './image';

/**
 * dlib's 5-point mean face on the unit square, in the order of its 5-point
 * shape predictor: one eye's outer and inner corner (the eye on the image's
 * right), the other eye's outer and inner corner, the base of the nose.
 */
export const DLIB_FIVE_TEMPLATE: readonly Point[] = [
  [0.8595674595992, 0.2134981538014],
  [0.6460604764104, 0.2289674387677],
  [0.1205750620789, 0.2137274526848],
  [0.3340850613712, 0.2290642403242],
  [0.4901123135679, 0.6277975316475],
];

/** dlib's face recognition example and its training: 150 px chips, padding 0.25. */
export const DLIB_CHIP_SIZE = 150;
export const DLIB_PADDING = 0.25;

/**
 * iBUG 68 → dlib's five points: 45, 42 (image-right eye outer, inner), 36, 39
 * (image-left eye outer, inner), 33 (nose base). These are the points dlib's
 * own 68-point mean face places at the 5-point template (within 0.004 of the
 * unit square: e.g. point 45 at (0.858516, 0.216423), point 33 at
 * (0.490127, 0.628106)).
 */
export function dlibFivePoints(pts68: readonly Point[]): Point[] {
  if (pts68.length !== 68) throw new RangeError(`expected 68 landmarks, got ${pts68.length}`);
  return [45, 42, 36, 39, 33].map((i) => pts68[i]!);
}

/**
 * The map from chip pixels to image pixels, as dlib builds it: the
 * least-squares similarity from the padded template (× size) onto the
 * points gives an angle, a scale and the image point of the chip's centre;
 * the chip then spans `centered_drect(centre, size·scale, size·scale)`
 * (whose right − left is size·scale − 1), pixel 0 on its left edge and
 * pixel size − 1 on its right, rotated by the angle about the centre.
 */
export function dlibChipToImage(
  five: readonly Point[],
  size = DLIB_CHIP_SIZE,
  padding = DLIB_PADDING,
): Affine {
  const k = size / (2 * padding + 1);
  const template = DLIB_FIVE_TEMPLATE.map(
    ([x, y]) => [(padding + x) * k, (padding + y) * k] as const,
  );
  const [a, b, c, d, e, f] = similarityTransform(template, five);
  // The transform's image of (1, 0) minus that of the origin: scale·(cos, sin) of the angle.
  const cos = a;
  const sin = d;
  const scale = Math.hypot(cos, sin);
  const cx = a * (size / 2) + b * (size / 2) + c;
  const cy = d * (size / 2) + e * (size / 2) + f;
  const half = (size * scale - 1) / 2;
  const step = (size * scale - 1) / (size - 1);
  const ux = cos / scale;
  const uy = sin / scale;
  // Chip (u, v) → rect point (cx − half + u·step, cy − half + v·step), rotated about (cx, cy).
  return [
    ux * step,
    -uy * step,
    cx + ux * -half - uy * -half,
    uy * step,
    ux * step,
    cy + uy * -half + ux * -half,
  ];
}

/** The face as dlib's recogniser expects it: a size × size chip (black outside the image). */
export function alignFaceDlib(
  img: RgbaImage,
  five: readonly Point[],
  size = DLIB_CHIP_SIZE,
): RgbaImage {
  return warpAffine(img, dlibChipToImage(five, size), size, size);
}
