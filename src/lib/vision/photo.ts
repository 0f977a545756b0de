/**
 * Photos the user picks (to enrol people from): decoded by the browser at a
 * sensible size, so a 50-megapixel picture costs a 1600-pixel one's memory,
 * and anything that is not an image, or absurdly large, is refused clearly.
 */
import { AppError } from '../errors';

/** Larger than any camera makes; beyond this the browser may run out of memory decoding. */
export const MAX_PHOTO_PIXELS = 200_000_000;
/** The longer side a photo is decoded to (faces stay sharp; the detector sees 320×240). */
export const PHOTO_MAX_SIDE = 1600;

/** The size to decode a w×h image to: at most `maxSide` on the longer side, never enlarged. */
export function photoSize(width: number, height: number, maxSide = PHOTO_MAX_SIDE) {
  const k = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * k)), height: Math.max(1, Math.round(height * k)) };
}

/** Width and height from the file's header (the browser does not decode the pixels for this). */
async function dimensions(file: Blob): Promise<{ width: number; height: number }> {
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('undecodable'));
    });
    return { width: img.naturalWidth, height: img.naturalHeight };
  } finally {
    URL.revokeObjectURL(url);
  }
}

export async function decodePhoto(file: Blob, name = 'This file'): Promise<ImageBitmap> {
  let size: { width: number; height: number };
  try {
    size = await dimensions(file);
  } catch (error) {
    throw new AppError('photo-not-image', `${name} is not a picture this browser can read.`, {
      cause: error,
    });
  }
  const pixels = size.width * size.height;
  if (!pixels) throw new AppError('photo-not-image', `${name} has no pixels.`);
  if (pixels > MAX_PHOTO_PIXELS) {
    const mp = Math.round(pixels / 1e6);
    throw new AppError(
      'photo-too-large',
      `${name} has ${mp} megapixels; pictures up to ${MAX_PHOTO_PIXELS / 1e6} megapixels can be used. Make it smaller first.`,
    );
  }
  const target = photoSize(size.width, size.height);
  try {
    return await createImageBitmap(file, {
      resizeWidth: target.width,
      resizeHeight: target.height,
      resizeQuality: 'high',
    });
  } catch (error) {
    throw new AppError('photo-not-image', `${name} could not be decoded.`, { cause: error });
  }
}
