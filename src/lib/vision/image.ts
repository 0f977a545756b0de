/**
 * Pixel buffers without a DOM: RGBA images (4 bytes a pixel, like ImageData)
 * and the resampling the pipeline needs. Everything here runs in Node, in a
 * worker and on the main thread alike.
 */

export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  /** width × height × 4 bytes, row-major RGBA (ImageData layout). */
  readonly data: Uint8Array | Uint8ClampedArray;
}

export interface GrayImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export function createRgba(width: number, height: number): RgbaImage {
  return { width, height, data: new Uint8ClampedArray(width * height * 4) };
}

/** Luma (BT.601 weights, as OpenCV's RGB2GRAY). */
export function toGray(img: RgbaImage): GrayImage {
  const n = img.width * img.height;
  const out = new Uint8Array(n);
  const d = img.data;
  for (let i = 0; i < n; i++) {
    out[i] = Math.round(0.299 * d[i * 4]! + 0.587 * d[i * 4 + 1]! + 0.114 * d[i * 4 + 2]!);
  }
  return { width: img.width, height: img.height, data: out };
}

/**
 * A 2×3 affine map [a, b, c, d, e, f]: x' = a·x + b·y + c, y' = d·x + e·y + f.
 * `warpAffine` takes the map from OUTPUT pixels to SOURCE pixels.
 */
export type Affine = readonly [number, number, number, number, number, number];

/**
 * Samples `src` at the source point of every output pixel (bilinear, pixel
 * centres at integer coordinates, as OpenCV's warpAffine). Outside the
 * source the pixel is `border` (black by default, as the aligned crops the
 * face embedders were trained on).
 */
export function warpAffine(
  src: RgbaImage,
  outToSrc: Affine,
  width: number,
  height: number,
  border: readonly [number, number, number] = [0, 0, 0],
): RgbaImage {
  const out = createRgba(width, height);
  const [a, b, c, d, e, f] = outToSrc;
  const sw = src.width;
  const sh = src.height;
  const s = src.data;
  const o = out.data;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sx = a * x + b * y + c;
      const sy = d * x + e * y + f;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const oi = (y * width + x) * 4;
      for (let ch = 0; ch < 3; ch++) {
        let acc = 0;
        for (let k = 0; k < 4; k++) {
          const px = x0 + (k & 1);
          const py = y0 + (k >> 1);
          const w = (k & 1 ? fx : 1 - fx) * (k >> 1 ? fy : 1 - fy);
          if (w === 0) continue;
          const v =
            px >= 0 && py >= 0 && px < sw && py < sh ? s[(py * sw + px) * 4 + ch]! : border[ch]!;
          acc += w * v;
        }
        o[oi + ch] = acc;
      }
      o[oi + 3] = 255;
    }
  }
  return out;
}

/** An axis-aligned rectangle in pixels; x2/y2 exclusive edges (x2 − x1 = width). */
export interface Rect {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/**
 * Resamples the region `rect` of `src` to width × height. Triangle filter
 * whose support widens when shrinking, i.e. bilinear with antialias (PIL /
 * torchvision `antialias=True`), so a 1280×720 frame shrunk for the detector
 * does not alias. The region may reach outside the image: there pixels are
 * `fill` if given, else the nearest edge pixel repeated.
 */
export function resizeRegion(
  src: RgbaImage,
  rect: Rect,
  width: number,
  height: number,
  fill?: readonly [number, number, number],
): RgbaImage {
  const clamp = !fill;
  const xs = weights(rect.x1, rect.x2, width, src.width, clamp);
  const ys = weights(rect.y1, rect.y2, height, src.height, clamp);
  const f = fill ?? [0, 0, 0];
  // Horizontal pass over only the source rows the vertical pass needs, plus one row of fill.
  const rowLo = ys.lo;
  const rows = ys.hi - ys.lo + 1;
  const tmp = new Float32Array((rows + 1) * width * 3);
  const s = src.data;
  for (let r = 0; r < rows; r++) {
    const base = (rowLo + r) * src.width;
    for (let x = 0; x < width; x++) {
      let r0 = 0;
      let g0 = 0;
      let b0 = 0;
      for (let k = xs.start[x]!; k < xs.start[x + 1]!; k++) {
        const w = xs.w[k]!;
        const j = xs.idx[k]!;
        if (j < 0) {
          r0 += w * f[0];
          g0 += w * f[1];
          b0 += w * f[2];
          continue;
        }
        const si = (base + j) * 4;
        r0 += w * s[si]!;
        g0 += w * s[si + 1]!;
        b0 += w * s[si + 2]!;
      }
      const ti = (r * width + x) * 3;
      tmp[ti] = r0;
      tmp[ti + 1] = g0;
      tmp[ti + 2] = b0;
    }
  }
  for (let x = 0; x < width; x++) tmp.set(f, (rows * width + x) * 3);
  const out = createRgba(width, height);
  const o = out.data;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r0 = 0;
      let g0 = 0;
      let b0 = 0;
      for (let k = ys.start[y]!; k < ys.start[y + 1]!; k++) {
        const w = ys.w[k]!;
        const j = ys.idx[k]!;
        const ti = ((j < 0 ? rows : j - rowLo) * width + x) * 3;
        r0 += w * tmp[ti]!;
        g0 += w * tmp[ti + 1]!;
        b0 += w * tmp[ti + 2]!;
      }
      const oi = (y * width + x) * 4;
      o[oi] = r0;
      o[oi + 1] = g0;
      o[oi + 2] = b0;
      o[oi + 3] = 255;
    }
  }
  return out;
}

/** The whole image resized (see resizeRegion). */
export function resize(src: RgbaImage, width: number, height: number): RgbaImage {
  return resizeRegion(src, { x1: 0, y1: 0, x2: src.width, y2: src.height }, width, height);
}

/**
 * Per output sample: the source indices and normalised weights, CSR-style.
 * Indices outside the image are clamped to the edge, or −1 (fill) when !clamp.
 */
function weights(lo: number, hi: number, n: number, size: number, clamp: boolean) {
  const scale = (hi - lo) / n;
  const support = Math.max(1, scale);
  const start = new Int32Array(n + 1);
  const idx: number[] = [];
  const w: number[] = [];
  let minIdx = size - 1;
  let maxIdx = 0;
  for (let i = 0; i < n; i++) {
    start[i] = idx.length;
    const centre = lo + (i + 0.5) * scale - 0.5;
    const from = Math.floor(centre - support) + 1;
    const to = Math.ceil(centre + support) - 1;
    let sum = 0;
    const first = w.length;
    for (let j = from; j <= to; j++) {
      const t = 1 - Math.abs(j - centre) / support;
      if (t <= 0) continue;
      const inside = j >= 0 && j < size;
      const jj = inside ? j : clamp ? Math.min(size - 1, Math.max(0, j)) : -1;
      idx.push(jj);
      w.push(t);
      sum += t;
      if (jj >= 0 && jj < minIdx) minIdx = jj;
      if (jj > maxIdx) maxIdx = jj;
    }
    for (let k = first; k < w.length; k++) w[k]! /= sum;
  }
  start[n] = idx.length;
  if (minIdx > maxIdx) minIdx = maxIdx = 0;
  return { start, idx: Int32Array.from(idx), w: Float32Array.from(w), lo: minIdx, hi: maxIdx };
}
