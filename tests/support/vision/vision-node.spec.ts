/**
 * The Node image reader and the evaluation read pictures by their content:
 * JPEG (turned upright by EXIF), PNG and WebP, whatever their names; a file
 * that is none of them is a named skip, never the end of the run.
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BBT_DIR } from '../../fixtures/vision/bbt.ts';
import { wasmEnv } from '../../../src/lib/vision/ort-session.ts';
import { VisionService } from '../../../src/lib/vision/service.ts';
import { encodeImage, withExifOrientation } from '../image-bytes.ts';
import { evalIdentify } from './eval-core.ts';
import { decodeImage, nodeModelSource, readImage, UnreadableImageError } from './vision-node.ts';

const penny = join(BBT_DIR, 'penny', 'penny1.png');

describe('decodeImage', () => {
  it('decodes JPEG, PNG and WebP by content to the same picture', async () => {
    const png = decodeImage(await encodeImage('png', penny));
    for (const format of ['jpeg', 'webp'] as const) {
      const img = decodeImage(await encodeImage(format, penny), `penny.${format}`);
      expect([img.width, img.height]).toEqual([png.width, png.height]);
      // Lossy, but the same picture: mean absolute difference of a few levels.
      let diff = 0;
      for (let i = 0; i < img.data.length; i += 4) diff += Math.abs(img.data[i]! - png.data[i]!);
      expect(diff / (img.width * img.height)).toBeLessThan(6);
    }
  });

  it('turns a JPEG upright by its EXIF orientation', async () => {
    // Stored turned 90° anticlockwise, tagged 6 ("turn clockwise to show").
    const upright = decodeImage(await encodeImage('jpeg', penny));
    const sideways = await encodeImage('jpeg', penny, 'transpose=2');
    const tagged = decodeImage(withExifOrientation(sideways, 6));
    expect([tagged.width, tagged.height]).toEqual([upright.width, upright.height]);
    let diff = 0;
    for (let i = 0; i < tagged.data.length; i += 4)
      diff += Math.abs(tagged.data[i]! - upright.data[i]!);
    expect(diff / (tagged.width * tagged.height)).toBeLessThan(6);
    const untagged = decodeImage(sideways);
    expect([untagged.width, untagged.height]).toEqual([upright.height, upright.width]);
  });

  it('names the file it cannot read and says why', async () => {
    expect(() => decodeImage(new TextEncoder().encode('notes'), 'notes.jpg')).toThrow(
      new UnreadableImageError('notes.jpg: not a picture (not JPEG, PNG or WebP by its content)'),
    );
    const gif = await encodeImage('gif');
    expect(() => decodeImage(gif, 'a.gif')).toThrow(/a\.gif: GIF pictures/);
    const png = await encodeImage('png');
    expect(() => decodeImage(png.subarray(0, 40), 'cut.png')).toThrow(/cut\.png: a damaged PNG/);
  });
});

describe('evalIdentify', () => {
  const service = new VisionService(wasmEnv, nodeModelSource());
  let dir: string;
  beforeAll(async () => {
    await service.init();
    dir = await mkdtemp(join(tmpdir(), 'visio-eval-'));
    for (const name of ['penny', 'sheldon']) {
      await mkdir(join(dir, name));
      for (const i of [1, 2]) {
        const src = join(BBT_DIR, name, `${name}${i}.png`);
        // The second picture of each is a WebP named .jpg.
        const bytes = i === 1 ? await encodeImage('png', src) : await encodeImage('webp', src);
        await writeFile(join(dir, name, `${name}${i}.${i === 1 ? 'png' : 'jpg'}`), bytes);
      }
    }
    await writeFile(join(dir, 'penny', 'penny3.jpg'), 'not a picture');
  });
  afterAll(async () => {
    await service.release();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a WebP named .jpg and skips, counts and names an unreadable file', async () => {
    const report = await evalIdentify(service, dir, 'test');
    expect(report.unreadable).toEqual(['penny3.jpg']);
    expect(report.people).toBe(2);
    expect(report.facesNotFound).toBe(0);
    expect(report.queries).toBe(2);
    expect(report.correct).toBe(2);
  });

  it('readImage reads the WebP by content', async () => {
    const img = await readImage(join(dir, 'penny', 'penny2.jpg'));
    expect(img.width).toBeGreaterThan(0);
  });
});
