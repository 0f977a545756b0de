/**
 * Turns an image into a `.y4m` file Chromium can play as a fake camera
 * (`--use-file-for-fake-video-capture`). Made with ffmpeg at test time and
 * cached by content, so each test can "show" any face to the camera.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tmpDir } from './paths';

const run = promisify(execFile);

export interface FakeCameraOptions {
  width?: number;
  height?: number;
  /** Length of the clip (Chromium loops it). */
  seconds?: number;
  fps?: number;
  /** Scale of the image inside the frame (1 = as large as fits). */
  scale?: number;
}

function ffmpegFilter(w: number, h: number, scale: number): string {
  const sw = Math.round(w * scale);
  const sh = Math.round(h * scale);
  return (
    `scale=${sw}:${sh}:force_original_aspect_ratio=decrease,` +
    `pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:color=0x303030,format=yuv420p`
  );
}

/** Path of a y4m clip showing `image` centred on a grey frame of width×height. */
export async function fakeCameraFile(image: string, opts: FakeCameraOptions = {}): Promise<string> {
  const { width = 640, height = 480, seconds = 2, fps = 10, scale = 1 } = opts;
  const key = createHash('sha256')
    .update(readFileSync(image))
    .update(JSON.stringify({ width, height, seconds, fps, scale }))
    .digest('hex')
    .slice(0, 16);
  const dir = join(tmpDir, 'cameras');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${key}.y4m`);
  if (existsSync(out)) return out;
  const part = `${out}.${process.pid}.part.y4m`;
  // -loop 1 repeats the still image; yuv420p is what Chromium's y4m reader takes.
  await run('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-loop',
    '1',
    '-i',
    image,
    '-t',
    String(seconds),
    '-r',
    String(fps),
    '-vf',
    ffmpegFilter(width, height, scale),
    '-pix_fmt',
    'yuv420p',
    '-f',
    'yuv4mpegpipe',
    part,
  ]);
  renameSync(part, out);
  return out;
}

/** The first frame of a y4m clip as RGB bytes (what the page should see, ±a few levels). */
export async function firstFrameRgb(
  y4m: string,
): Promise<{ width: number; height: number; rgb: Buffer }> {
  const header = readFileSync(y4m).subarray(0, 200).toString('latin1').split('\n')[0] ?? '';
  const width = Number(/ W(\d+)/.exec(header)?.[1]);
  const height = Number(/ H(\d+)/.exec(header)?.[1]);
  const { stdout } = await run(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      y4m,
      '-frames:v',
      '1',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-',
    ],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  return { width, height, rgb: stdout };
}
