/**
 * Photos the user picks (to enrol people from): recognised by their bytes
 * (not their name or MIME type), decoded by the browser at a sensible size,
 * so a 50-megapixel picture costs a 1600-pixel one's memory, turned upright
 * by their EXIF orientation, and anything that is not an image this browser
 * decodes, or absurdly large, is refused with a message naming the file.
 */
import { AppError } from '../errors';
import { FORMAT_NAMES, SNIFF_BYTES, sniffImageFormat, type ImageFormat } from './image-format';

/** Larger than any camera makes; beyond this the browser may run out of memory decoding. */
const MAX_PHOTO_PIXELS = 200_000_000;
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

/** The picture format of a file, from its first bytes; undefined when it is not a picture. */
async function photoFormat(file: Blob): Promise<ImageFormat | undefined> {
  return sniffImageFormat(new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer()));
}

const notReadable = (name: string, cause?: unknown) =>
  new AppError('photo-not-image', `${name} is not a picture this browser can read.`, { cause });

export async function decodePhoto(file: Blob, name = 'This file'): Promise<ImageBitmap> {
  const format = await photoFormat(file);
  if (!format) throw notReadable(name);
  // The browser decodes by content too, but a file named .jpg holding WebP
  // gets the right type here (some decoders go by the Blob's type).
  const typed =
    file.type === `image/${format}` ? file : file.slice(0, file.size, `image/${format}`);
  let size: { width: number; height: number };
  try {
    // Width and height as displayed: after the EXIF orientation.
    size = await dimensions(typed);
  } catch (error) {
    throw new AppError(
      'photo-not-image',
      `${name} is a ${FORMAT_NAMES[format]} picture, which this browser cannot decode.`,
      { cause: error },
    );
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
    // 'from-image' turns a JPEG upright by its EXIF orientation (a portrait
    // phone photo is stored sideways); resizeWidth/Height apply to the upright
    // picture, matching the displayed size measured above.
    return await createImageBitmap(typed, {
      imageOrientation: 'from-image',
      resizeWidth: target.width,
      resizeHeight: target.height,
      resizeQuality: 'high',
    });
  } catch (error) {
    throw new AppError(
      'photo-not-image',
      `${name} is a ${FORMAT_NAMES[format]} picture, which this browser cannot decode.`,
      { cause: error },
    );
  }
}

/** What a batch of picked photos gave: faces queued, files without a face, files skipped and why. */
export interface PhotoBatchResult {
  faces: number;
  noFace: string[];
  /** One line per file that could not be read, naming it (the decode error's message). */
  skipped: string[];
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** The one message a batch ends with, e.g. "3 faces added to label; 1 file skipped: notes.jpg is not a picture this browser can read." */
export function photoBatchSummary(r: PhotoBatchResult): string {
  const parts = [r.faces ? `${plural(r.faces, 'face')} added to label` : 'No face added'];
  if (r.noFace.length) parts.push(`no face found in ${r.noFace.join(', ')}`);
  if (r.skipped.length) {
    const reasons = r.skipped.map((s) => s.replace(/\.$/, '')).join('; ');
    parts.push(`${plural(r.skipped.length, 'file')} skipped: ${reasons}`);
  }
  return `${parts.join('; ')}.`;
}
