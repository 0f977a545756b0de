/**
 * Camera-like clips made from one still face image, for the live evaluation
 * (`npm run eval -- --live`). Pure and seeded: the same image and seed give
 * the same frames. A clip is what a person walking up to a webcam looks
 * like: the face placed on a larger frame (bbt crops are 150×150, so scale
 * and shift need room), its size drifting from far (about 60 px) to near,
 * moving, tilted in-plane up to ±15°, lit brighter or darker, blurred on some
 * frames (motion, focus), with sensor noise, and a few frames without it
 * (the face turned away or covered).
 */
import { rng } from '../../../src/lib/random.ts';
import { createRgba, type RgbaImage } from '../../../src/lib/vision/image.ts';

export interface ClipOptions {
  frames: number;
  width: number;
  height: number;
  /** Smallest and largest side of the face's image on the frame, px. */
  minSidePx: number;
  maxSidePx: number;
  /** Largest in-plane rotation either way, degrees. */
  maxRotationDeg: number;
  /** Frames without the face. */
  missingFrames: number;
}

export const DEFAULT_CLIP: ClipOptions = {
  frames: 30,
  width: 640,
  height: 480,
  minSidePx: 60,
  maxSidePx: 300,
  maxRotationDeg: 15,
  missingFrames: 3,
};

/** How one frame shows the face (null side: not shown). */
export interface FramePlan {
  /** Whether the face is on this frame. */
  visible: boolean;
  /** Side of the source image on the frame, px; centre (cx, cy) in frame px. */
  sidePx: number;
  cx: number;
  cy: number;
  rotationDeg: number;
  /** Pixel values × gain + bias. */
  gain: number;
  bias: number;
  /** Box blur radius in px (0: sharp). */
  blurPx: number;
  /** Standard deviation of the added Gaussian noise, in 0…255 levels. */
  noise: number;
}

const BACKGROUND = 0x30;

function lerp(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r());
}

/**
 * Per-frame parameters of one clip. They drift smoothly (a start and an end
 * value, plus a little jitter) as a face in front of a camera does, so the
 * tracker follows the face and embeds it at the cadence it would live.
 */
export function planClip(seed: number, o: ClipOptions = DEFAULT_CLIP): FramePlan[] {
  const r = rng(seed);
  const u = (a: number, b: number) => a + (b - a) * r();
  const [sideA, sideB] =
    r() < 0.5 ? [o.minSidePx, u(150, o.maxSidePx)] : [u(150, o.maxSidePx), o.minSidePx];
  const margin = o.maxSidePx / 2;
  const cxA = u(margin, o.width - margin);
  const cxB = u(margin, o.width - margin);
  const cyA = u(o.height * 0.35, o.height * 0.65);
  const cyB = u(o.height * 0.35, o.height * 0.65);
  const rotA = u(-o.maxRotationDeg, o.maxRotationDeg);
  const rotB = u(-o.maxRotationDeg, o.maxRotationDeg);
  const gainA = u(0.6, 1.4);
  const gainB = u(0.6, 1.4);
  const noise = u(2, 8);
  // One run of missing frames, not at the very start (the first frame shows the face).
  const missStart = Math.floor(u(1, Math.max(1, o.frames - o.missingFrames)));
  const plans: FramePlan[] = [];
  for (let i = 0; i < o.frames; i++) {
    const t = o.frames > 1 ? i / (o.frames - 1) : 0;
    const blurred = r() < 0.2;
    plans.push({
      visible: !(i >= missStart && i < missStart + o.missingFrames),
      sidePx: Math.max(o.minSidePx, lerp(sideA, sideB, t) * (1 + 0.03 * gauss(r))),
      cx: lerp(cxA, cxB, t) + 2 * gauss(r),
      cy: lerp(cyA, cyB, t) + 2 * gauss(r),
      rotationDeg: Math.max(
        -o.maxRotationDeg,
        Math.min(o.maxRotationDeg, lerp(rotA, rotB, t) + gauss(r)),
      ),
      gain: lerp(gainA, gainB, t),
      bias: u(-20, 20),
      blurPx: blurred ? Math.round(u(1, 3)) : 0,
      noise,
    });
  }
  return plans;
}

function sample(src: RgbaImage, x: number, y: number, c: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const at = (xx: number, yy: number) => {
    const cx = Math.min(src.width - 1, Math.max(0, xx));
    const cy = Math.min(src.height - 1, Math.max(0, yy));
    return src.data[(cy * src.width + cx) * 4 + c]!;
  };
  return (
    (at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) +
    (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy
  );
}

/** Box blur of a region, in place (horizontal then vertical pass). */
function boxBlur(img: RgbaImage, x1: number, y1: number, x2: number, y2: number, rad: number) {
  const { width, data } = img;
  const tmp = new Float32Array((x2 - x1) * (y2 - y1) * 3);
  const w = x2 - x1;
  for (let y = y1; y < y2; y++) {
    for (let x = x1; x < x2; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        let n = 0;
        for (let k = Math.max(x1, x - rad); k <= Math.min(x2 - 1, x + rad); k++, n++) {
          s += data[(y * width + k) * 4 + c]!;
        }
        tmp[((y - y1) * w + (x - x1)) * 3 + c] = s / n;
      }
    }
  }
  for (let y = y1; y < y2; y++) {
    for (let x = x1; x < x2; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        let n = 0;
        for (let k = Math.max(y1, y - rad); k <= Math.min(y2 - 1, y + rad); k++, n++) {
          s += tmp[((k - y1) * w + (x - x1)) * 3 + c]!;
        }
        data[(y * width + x) * 4 + c] = s / n;
      }
    }
  }
}

/** One frame: the face drawn as planned on a grey background, then blur and noise. */
export function renderFrame(
  face: RgbaImage,
  plan: FramePlan,
  seed: number,
  o: Pick<ClipOptions, 'width' | 'height'> = DEFAULT_CLIP,
): RgbaImage {
  const img = createRgba(o.width, o.height);
  img.data.fill(BACKGROUND);
  for (let i = 3; i < img.data.length; i += 4) img.data[i] = 255;
  const half = (plan.sidePx * Math.SQRT2) / 2;
  const x1 = Math.max(0, Math.floor(plan.cx - half));
  const x2 = Math.min(o.width, Math.ceil(plan.cx + half));
  const y1 = Math.max(0, Math.floor(plan.cy - half));
  const y2 = Math.min(o.height, Math.ceil(plan.cy + half));
  if (plan.visible) {
    // Inverse mapping: frame pixel → source pixel (rotate back, then scale).
    const a = (-plan.rotationDeg * Math.PI) / 180;
    const cos = Math.cos(a);
    const sin = Math.sin(a);
    const k = Math.max(face.width, face.height) / plan.sidePx;
    const sx0 = face.width / 2;
    const sy0 = face.height / 2;
    for (let y = y1; y < y2; y++) {
      for (let x = x1; x < x2; x++) {
        const dx = x + 0.5 - plan.cx;
        const dy = y + 0.5 - plan.cy;
        const sx = (dx * cos - dy * sin) * k + sx0 - 0.5;
        const sy = (dx * sin + dy * cos) * k + sy0 - 0.5;
        if (sx < -0.5 || sy < -0.5 || sx > face.width - 0.5 || sy > face.height - 0.5) continue;
        const p = (y * o.width + x) * 4;
        for (let c = 0; c < 3; c++) {
          img.data[p + c] = sample(face, sx, sy, c) * plan.gain + plan.bias;
        }
      }
    }
    if (plan.blurPx > 0 && x2 > x1 && y2 > y1) boxBlur(img, x1, y1, x2, y2, plan.blurPx);
  }
  // Grey sensor noise from a table of Gaussian draws (a draw per pixel costs 10× more).
  const r = rng(seed);
  const table = Float32Array.from({ length: 4096 }, () => gauss(r) * plan.noise);
  let h = seed >>> 0;
  for (let p = 0; p < img.data.length; p += 4) {
    h = (Math.imul(h, 1664525) + 1013904223) >>> 0;
    const n = table[h >>> 20]!;
    for (let c = 0; c < 3; c++) img.data[p + c] = img.data[p + c]! + n;
  }
  return img;
}

/** The whole clip (frames rendered lazily, one at a time, to keep memory small). */
export function* clipFrames(
  face: RgbaImage,
  seed: number,
  o: ClipOptions = DEFAULT_CLIP,
): Generator<{ plan: FramePlan; image: RgbaImage }> {
  const plans = planClip(seed, o);
  for (const [i, plan] of plans.entries()) {
    yield { plan, image: renderFrame(face, plan, (seed * 31 + i) >>> 0, o) };
  }
}
