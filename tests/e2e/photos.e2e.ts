/**
 * Enrolling from photos: every face of a group photo is queued; a
 * 50-megapixel photo is decoded small (no out-of-memory), a file that is not
 * a picture is refused with a clear message and changes nothing. Pictures are
 * told by their bytes (a WebP named .jpg, an AVIF named .png), a portrait
 * phone photo stored sideways with EXIF orientation 6 is read upright, and
 * an unreadable file in a batch is a counted, named skip.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeImage, withExifOrientation } from '../support/image-bytes';
import { expect, test } from './support/app';
import { bbt, tmpDir } from './support/paths';
import { queueCount } from './support/story';

function fiftyMegapixelPhoto(): string {
  const dir = join(tmpDir, 'photos');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'bbt1-50mp.jpg');
  if (!existsSync(out)) {
    execFileSync('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-i',
      bbt('groups/bbt1.jpg'),
      '-vf',
      'scale=8660:5774',
      '-q:v',
      '4',
      out,
    ]);
  }
  return out;
}

test('faces in photos are queued; a huge photo works; a non-picture is refused', async ({
  launch,
}) => {
  const { page } = await launch({ camera: 'none', path: '/#/queue' });
  await expect(page.getByTestId('queue-empty')).toBeVisible();
  await expect(page.getByTestId('add-photos')).toBeEnabled({ timeout: 60_000 });

  await page.getByTestId('add-photos').setInputFiles(bbt('groups/bbt3.jpg'));
  await expect(page.getByText(/5 faces added to label/)).toBeVisible({ timeout: 60_000 });
  await expect.poll(() => queueCount(page)).toBe(5);
  await expect(page.getByTestId('queue-group')).toHaveCount(5);

  // 8660×5774 = 50 megapixels: decoded at 1600 px, its four faces found.
  await page.getByTestId('add-photos').setInputFiles(fiftyMegapixelPhoto());
  await expect(page.getByText(/4 faces added to label/)).toBeVisible({ timeout: 60_000 });
  await expect.poll(() => queueCount(page)).toBe(9);

  const notAPicture = join(tmpDir, 'photos', 'notes.png');
  writeFileSync(notAPicture, 'these are not pixels');
  await page.getByTestId('add-photos').setInputFiles(notAPicture);
  await expect(page.getByText(/notes\.png is not a picture this browser can read/)).toBeVisible();
  expect(await queueCount(page)).toBe(9);
});

test('one batch: WebP named .jpg, AVIF named .png, EXIF-rotated JPEG, and an unreadable file skipped', async ({
  launch,
}) => {
  const dir = join(tmpDir, 'photos');
  mkdirSync(dir, { recursive: true });
  const files = {
    // bbt3: five faces, as WebP under a JPEG name.
    'group.jpg': await encodeImage('webp', bbt('groups/bbt3.jpg')),
    // bbt2: three faces, as AVIF under a PNG name.
    'group.png': await encodeImage('avif', bbt('groups/bbt2.jpg')),
    // bbt1 stored turned 90° anticlockwise, tagged "turn clockwise": four faces
    // upright, none sideways (measured in Node with the same models: 4 vs 0).
    'portrait.jpg': withExifOrientation(
      await encodeImage('jpeg', bbt('groups/bbt1.jpg'), 'transpose=2'),
      6,
    ),
    'notes.jpg': new TextEncoder().encode('these are not pixels'),
  };
  const paths = Object.entries(files).map(([name, bytes]) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  });

  const { page } = await launch({ camera: 'none', path: '/#/queue' });
  await expect(page.getByTestId('add-photos')).toBeEnabled({ timeout: 60_000 });
  await page.getByTestId('add-photos').setInputFiles(paths);
  // 12 faces are found in the three pictures; the quality gate may skip a few (each skip is
  // its own toast), so the batch summary says how many were added, and the queue holds them.
  const summary = page.getByText(
    /\d+ faces? added to label; 1 file skipped: notes\.jpg is not a picture this browser can read\./,
  );
  await expect(summary).toBeVisible({ timeout: 90_000 });
  const added = Number(/(\d+) face/.exec((await summary.first().textContent()) ?? '')?.[1]);
  expect(added).toBeGreaterThanOrEqual(9);
  expect(added).toBeLessThanOrEqual(12);
  await expect.poll(() => queueCount(page)).toBe(added);
});
