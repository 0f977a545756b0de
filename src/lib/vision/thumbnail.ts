/**
 * The face image kept in the database with every sample. It must be enough
 * to embed the face again with another model later (the detector finds the
 * face in it again: see DetectOptions.padFrac), so it keeps some context
 * around the box rather than the aligned 112×112 crop.
 */
import { squareAround } from './box';
import { resizeRegion, type Rect, type RgbaImage } from './image';

const THUMBNAIL_SIZE = 160;
/** The square crop's side as a multiple of the box's longer side. */
const THUMBNAIL_CONTEXT = 1.5;

export function faceThumbnail(img: RgbaImage, box: Rect, size = THUMBNAIL_SIZE): RgbaImage {
  // Grey beyond the frame: the detector pads with the same grey, so a face at the edge is found again.
  return resizeRegion(img, squareAround(box, THUMBNAIL_CONTEXT), size, size, [127, 127, 127]);
}

/**
 * Encodes RGBA pixels (WebP by default, PNG where the browser cannot write
 * WebP) with OffscreenCanvas: browser main thread or worker, not Node.
 */
export async function encodeImage(
  img: RgbaImage,
  type = 'image/webp',
  quality = 0.9,
): Promise<Blob> {
  if (typeof OffscreenCanvas === 'undefined')
    throw new Error('OffscreenCanvas is not available here');
  const canvas = new OffscreenCanvas(img.width, img.height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2d context');
  // ImageData wants its own ArrayBuffer-backed Uint8ClampedArray (a copy; thumbnails are small).
  const pixels = new Uint8ClampedArray(img.data);
  ctx.putImageData(new ImageData(pixels, img.width, img.height), 0, 0);
  const blob = await canvas.convertToBlob({ type, quality });
  // Browsers without a WebP encoder silently return PNG; that is fine to store.
  return blob;
}
