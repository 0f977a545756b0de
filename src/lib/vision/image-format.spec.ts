import { describe, expect, it } from 'vitest';
import {
  encodeImage,
  withExifOrientation,
  type EncodedFormat,
} from '../../../tests/support/image-bytes';
import { jpegOrientation, orientationSwapsSides, sniffImageFormat } from './image-format';

const enc = new TextEncoder();

/** An ISO-BMFF ftyp box: major brand, minor version 0, compatible brands. */
function ftyp(major: string, ...compatible: string[]): Uint8Array {
  const size = 16 + 4 * compatible.length;
  const b = new Uint8Array(size + 8);
  new DataView(b.buffer).setUint32(0, size);
  b.set(enc.encode('ftyp'), 4);
  b.set(enc.encode(major), 8);
  compatible.forEach((c, i) => b.set(enc.encode(c), 16 + 4 * i));
  return b;
}

describe('sniffImageFormat', () => {
  const formats: EncodedFormat[] = ['jpeg', 'png', 'webp', 'avif', 'gif', 'bmp'];
  it.each(formats)('tells %s from the bytes ffmpeg wrote', async (format) => {
    const bytes = await encodeImage(format);
    expect(bytes.length).toBeGreaterThan(20);
    expect(sniffImageFormat(bytes)).toBe(format);
    // The first 64 bytes are enough.
    expect(sniffImageFormat(bytes.subarray(0, 64))).toBe(format);
  });

  it('reads HEIF brands: HEIC major brands, and mif1 with a codec brand', () => {
    expect(sniffImageFormat(ftyp('heic', 'mif1', 'heic'))).toBe('heic');
    expect(sniffImageFormat(ftyp('heix', 'mif1'))).toBe('heic');
    expect(sniffImageFormat(ftyp('mif1', 'miaf', 'heic'))).toBe('heic');
    expect(sniffImageFormat(ftyp('mif1', 'miaf', 'avif'))).toBe('avif');
    expect(sniffImageFormat(ftyp('avis', 'msf1'))).toBe('avif');
    // A video (mp4) is an ftyp box too, but not a picture.
    expect(sniffImageFormat(ftyp('isom', 'iso2', 'mp41'))).toBeUndefined();
    expect(sniffImageFormat(ftyp('mif1', 'miaf'))).toBeUndefined();
  });

  it('says undefined for what is not a picture, whatever it is named', () => {
    expect(sniffImageFormat(enc.encode('These are my notes, not a photo.'))).toBeUndefined();
    expect(sniffImageFormat(new Uint8Array(0))).toBeUndefined();
    expect(sniffImageFormat(Uint8Array.of(0xff, 0xd8))).toBeUndefined();
    expect(sniffImageFormat(enc.encode('RIFF\0\0\0\0WAVEfmt '))).toBeUndefined();
    expect(sniffImageFormat(enc.encode('BM this is text, really'))).toBeUndefined();
    expect(sniffImageFormat(enc.encode('%PDF-1.7\n'))).toBeUndefined();
  });
});

describe('jpegOrientation', () => {
  it('is 1 for a JPEG without EXIF and for other formats', async () => {
    expect(jpegOrientation(await encodeImage('jpeg'))).toBe(1);
    expect(jpegOrientation(await encodeImage('png'))).toBe(1);
  });

  it.each([1, 3, 6, 8])('reads orientation %i from an APP1 Exif segment', async (o) => {
    const jpeg = withExifOrientation(await encodeImage('jpeg'), o);
    expect(sniffImageFormat(jpeg)).toBe('jpeg');
    expect(jpegOrientation(jpeg)).toBe(o);
  });

  it('reads little-endian TIFF too, and survives a truncated segment', async () => {
    const jpeg = withExifOrientation(await encodeImage('jpeg'), 6);
    // Rewrite the TIFF header and the entry as little-endian ("II").
    const tiff = 2 + 4 + 6;
    const le = jpeg.slice();
    le.set([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00], tiff);
    le.set([0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00], tiff + 10);
    expect(jpegOrientation(le)).toBe(6);
    expect(jpegOrientation(jpeg.subarray(0, 20))).toBe(1);
  });

  it('knows which orientations swap the sides', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(orientationSwapsSides)).toEqual([
      false,
      false,
      false,
      false,
      true,
      true,
      true,
      true,
    ]);
  });
});
