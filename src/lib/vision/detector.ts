/**
 * UltraFace RFB-320 (`fr_detect.onnx`): input `input` float32 [1,3,240,320],
 * RGB, (x − 127) / 128; outputs `scores` [1,N,2] (background, face) and
 * `boxes` [1,N,4], already decoded to normalised corners (x1,y1,x2,y2 in
 * 0..1 of the input), so no prior boxes are needed here.
 */
import { clipRect, nms, type Detection } from './box';
import { resizeRegion, type RgbaImage, type Rect } from './image';
import { toNchw } from './preprocess';

export const DETECTOR_WIDTH = 320;
export const DETECTOR_HEIGHT = 240;
/** Mid grey: 0 after the detector's (x − 127) / 128. */
const PAD_FILL = [127, 127, 127] as const;

export interface DetectOptions {
  /** Face probability a box needs (UltraFace's own demo uses 0.7). */
  scoreMin: number;
  /** NMS overlap above which the weaker box is dropped. */
  iouMax: number;
  /** Boxes whose shorter side is below this many source pixels are dropped. */
  minFacePx: number;
  /**
   * Margin added on every side, as a fraction of the image's longer side,
   * before detection, filled with mid grey. A face that fills a tight crop
   * is found far more reliably with some context around it. Measured on
   * shared/faces/bbt: no margin → 37 of 40 crops give exactly one face;
   * 0.1 grey → 40 of 40, the 23 faces of the group photos, and a face cut by
   * the frame edge in 19 of 20 cuts (as without a margin). Repeating the
   * edge pixels instead found only ~half of the cut faces.
   */
  padFrac: number;
}

export const defaultDetectOptions: DetectOptions = {
  scoreMin: 0.7,
  iouMax: 0.3,
  minFacePx: 20,
  padFrac: 0.1,
};

/** The region of the source that the detector sees (the image plus its margin). */
function detectorRegion(img: { width: number; height: number }, padFrac: number): Rect {
  const pad = padFrac * Math.max(img.width, img.height);
  return { x1: -pad, y1: -pad, x2: img.width + pad, y2: img.height + pad };
}

/** The detector's input tensor data for `img` (stretched to 320×240 as UltraFace was trained). */
export function detectorInput(img: RgbaImage, padFrac = 0): Float32Array {
  const region = detectorRegion(img, padFrac);
  const small = resizeRegion(img, region, DETECTOR_WIDTH, DETECTOR_HEIGHT, PAD_FILL);
  return toNchw(small, { mean: [127, 127, 127], std: [128, 128, 128] });
}

/**
 * Turns the raw outputs into face boxes in source pixels: threshold, map
 * back through the margin, clip to the image, NMS, drop small faces.
 */
export function decodeDetections(
  scores: Float32Array,
  boxes: Float32Array,
  img: { width: number; height: number },
  opts: DetectOptions = defaultDetectOptions,
): Detection[] {
  const region = detectorRegion(img, opts.padFrac);
  const rw = region.x2 - region.x1;
  const rh = region.y2 - region.y1;
  const n = scores.length / 2;
  const found: Detection[] = [];
  for (let i = 0; i < n; i++) {
    const score = scores[i * 2 + 1]!;
    if (score < opts.scoreMin) continue;
    const box = clipRect(
      {
        x1: region.x1 + boxes[i * 4]! * rw,
        y1: region.y1 + boxes[i * 4 + 1]! * rh,
        x2: region.x1 + boxes[i * 4 + 2]! * rw,
        y2: region.y1 + boxes[i * 4 + 3]! * rh,
        score,
      },
      img.width,
      img.height,
    );
    found.push(box);
  }
  // Size after NMS: a small face must not survive through a bigger, weaker box of itself.
  return nms(found, opts.iouMax).filter(
    (b) => Math.min(b.x2 - b.x1, b.y2 - b.y1) >= opts.minFacePx,
  );
}
