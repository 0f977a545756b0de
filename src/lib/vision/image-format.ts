/**
 * What kind of picture a file holds, told from its first bytes (its magic
 * number), never from its name or the type the browser guessed: a WebP saved
 * as `.jpg`, or a `.png` that is really a text file, are common. Also the
 * EXIF orientation of a JPEG, so a portrait phone photo can be turned upright
 * before detection. Pure: bytes in, answers out (runs in Node and browsers).
 */

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'heic' | 'gif' | 'bmp';

/** How a format is named to the user. */
export const FORMAT_NAMES: Record<ImageFormat, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  avif: 'AVIF',
  heic: 'HEIC',
  gif: 'GIF',
  bmp: 'BMP',
};

/** Bytes enough for sniffImageFormat (an ISO-BMFF `ftyp` box lists its brands in its first 64 bytes). */
export const SNIFF_BYTES = 64;

const ascii = (b: Uint8Array, at: number, n: number): string =>
  String.fromCharCode(...b.subarray(at, at + n));

const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs']);
/** Generic HEIF brands: the compatible brands then say which codec. */
const HEIF_BRANDS = new Set(['mif1', 'msf1', 'miaf']);

/** The ISO-BMFF (HEIF family) brand list: major brand, then compatible brands. */
function ftypBrands(b: Uint8Array): string[] | undefined {
  if (b.length < 16 || ascii(b, 4, 4) !== 'ftyp') return undefined;
  const size = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  const end = Math.min(b.length, size >= 16 ? size : 16);
  const brands = [ascii(b, 8, 4)];
  for (let at = 16; at + 4 <= end; at += 4) brands.push(ascii(b, at, 4));
  return brands;
}

/** The picture format of these bytes (the file's start suffices), or undefined when it is none of them. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  const b = bytes;
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (
    b.length >= 8 &&
    b[0] === 0x89 &&
    ascii(b, 1, 3) === 'PNG' &&
    b[4] === 0x0d &&
    b[5] === 0x0a &&
    b[6] === 0x1a &&
    b[7] === 0x0a
  )
    return 'png';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'webp';
  if (b.length >= 6 && (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a')) return 'gif';
  // BMP: "BM", then the header size at 14 is one of the known DIB header sizes.
  if (b.length >= 18 && b[0] === 0x42 && b[1] === 0x4d) {
    const dib = b[14]! | (b[15]! << 8) | (b[16]! << 16) | (b[17]! << 24);
    if ([12, 40, 52, 56, 64, 108, 124].includes(dib)) return 'bmp';
  }
  const brands = ftypBrands(b);
  if (brands) {
    const [major] = brands;
    if (AVIF_BRANDS.has(major!)) return 'avif';
    if (HEIC_BRANDS.has(major!)) return 'heic';
    if (HEIF_BRANDS.has(major!)) {
      if (brands.some((x) => AVIF_BRANDS.has(x))) return 'avif';
      if (brands.some((x) => HEIC_BRANDS.has(x))) return 'heic';
    }
  }
  return undefined;
}

/**
 * The EXIF orientation (1–8; 1 = upright as stored) of a JPEG, from its APP1
 * Exif segment; 1 when there is none or it cannot be read. 6 is the usual
 * portrait phone photo: stored sideways, to be turned 90° clockwise.
 */
export function jpegOrientation(bytes: Uint8Array): number {
  const b = bytes;
  if (sniffImageFormat(b) !== 'jpeg') return 1;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = 2;
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) return 1;
    const marker = b[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    // Start of scan or end of image: the metadata segments are over.
    if (marker === 0xda || marker === 0xd9) return 1;
    const length = view.getUint16(at + 2);
    if (length < 2) return 1;
    const start = at + 4;
    if (marker === 0xe1 && start + 14 <= b.length && ascii(b, start, 6) === 'Exif\0\0') {
      return exifOrientation(view, start + 6, Math.min(b.length, at + 2 + length));
    }
    at += 2 + length;
  }
  return 1;
}

/** Tag 0x0112 of IFD0 in the TIFF structure at `tiff`; 1 when absent or malformed. */
function exifOrientation(view: DataView, tiff: number, end: number): number {
  if (tiff + 8 > end) return 1;
  const order = view.getUint16(tiff);
  const little = order === 0x4949;
  if (!little && order !== 0x4d4d) return 1;
  if (view.getUint16(tiff + 2, little) !== 42) return 1;
  const ifd = tiff + view.getUint32(tiff + 4, little);
  if (ifd + 2 > end) return 1;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > end) return 1;
    if (view.getUint16(entry, little) !== 0x0112) continue;
    const value = view.getUint16(entry + 8, little);
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

/** Orientations 5–8 swap width and height when the picture is turned upright. */
export const orientationSwapsSides = (orientation: number): boolean => orientation >= 5;
