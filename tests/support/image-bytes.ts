/**
 * Real picture bytes for tests, made at test time: ffmpeg encodes any image
 * (or a test pattern) to JPEG, PNG, WebP, AVIF, GIF or BMP, and
 * `withExifOrientation` writes an EXIF APP1 segment into a JPEG the way a
 * phone does for a portrait photo stored sideways.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type EncodedFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'gif' | 'bmp';

const ARGS: Record<EncodedFormat, { ext: string; args: string[] }> = {
  jpeg: { ext: 'jpg', args: ['-c:v', 'mjpeg', '-pix_fmt', 'yuvj420p', '-q:v', '3'] },
  png: { ext: 'png', args: ['-c:v', 'png'] },
  webp: { ext: 'webp', args: ['-c:v', 'libwebp', '-quality', '90'] },
  avif: { ext: 'avif', args: ['-c:v', 'libaom-av1', '-still-picture', '1', '-pix_fmt', 'yuv420p'] },
  gif: { ext: 'gif', args: ['-c:v', 'gif'] },
  bmp: { ext: 'bmp', args: ['-c:v', 'bmp'] },
};

/**
 * `input` (a file, or undefined for a 32×24 test pattern) encoded as `format`;
 * `filter` is an ffmpeg video filter applied first (e.g. 'transpose=2').
 */
export async function encodeImage(
  format: EncodedFormat,
  input?: string,
  filter?: string,
): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'visio-img-'));
  try {
    const out = join(dir, `out.${ARGS[format].ext}`);
    const source = input ? ['-i', input] : ['-f', 'lavfi', '-i', 'testsrc=size=32x24:rate=1'];
    await run('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      ...source,
      ...(filter ? ['-vf', filter] : []),
      '-frames:v',
      '1',
      ...ARGS[format].args,
      out,
    ]);
    return new Uint8Array(await readFile(out));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The JPEG with an APP1 Exif segment (big-endian TIFF, IFD0 holding only Orientation) after SOI. */
export function withExifOrientation(jpeg: Uint8Array, orientation: number): Uint8Array {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG');
  const tiff = [
    0x4d,
    0x4d,
    0x00,
    0x2a,
    0x00,
    0x00,
    0x00,
    0x08, // "MM", 42, IFD0 at 8
    0x00,
    0x01, // one entry
    0x01,
    0x12,
    0x00,
    0x03,
    0x00,
    0x00,
    0x00,
    0x01, // Orientation, SHORT, count 1
    0x00,
    orientation,
    0x00,
    0x00, // value (left-justified)
    0x00,
    0x00,
    0x00,
    0x00, // no next IFD
  ];
  const payload = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00, ...tiff]; // "Exif\0\0"
  const length = payload.length + 2;
  const app1 = [0xff, 0xe1, length >> 8, length & 0xff, ...payload];
  const out = new Uint8Array(jpeg.length + app1.length);
  out.set(jpeg.subarray(0, 2));
  out.set(app1, 2);
  out.set(jpeg.subarray(2), 2 + app1.length);
  return out;
}
