/**
 * Backup and import through the "Backup & privacy" view, in real Chromium: an encrypted
 * export moves a labelled person to another browser profile (merged into what is there, with
 * a preview first; a wrong passphrase or a damaged file changes nothing), and a zip of the
 * Python original's folder comes in with its people.
 */
import { expectAccessible } from './support/axe';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { pythonOriginalFixture, readFolder } from '../fixtures/python-original/fixture.ts';
import { expect, newProfileDir, test } from './support/app';
import { bbt, tmpDir } from './support/paths';
import { expectInView, labelFirstGroup } from './support/story';

const cam = (file: string) => ({ image: bbt(file), options: { scale: 0.8 } });
const PASS = 'amy-backup-passphrase';
mkdirSync(tmpDir, { recursive: true });

test('an encrypted backup merges into another browser: preview first, then Amy is recognised', async ({
  launch,
}) => {
  // Browser 1: Amy is labelled, then the memory is exported with a passphrase.
  const first = await launch({ camera: cam('amy/amy1.png'), profileDir: newProfileDir() });
  await expectInView(first.page, ['Unknown']);
  await labelFirstGroup(first.page, 'Amy');
  await first.page.goto('/#/data');
  await first.page.getByTestId('export-passphrase').fill(PASS);
  await first.page.getByTestId('export-passphrase-again').fill(PASS);
  const [download] = await Promise.all([
    first.page.waitForEvent('download'),
    first.page.getByTestId('export-button').click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^visio-memoria-\d{4}-\d{2}-\d{2}\.vmz$/);
  const file = join(tmpDir, `backup-${Date.now()}.vmz`);
  await download.saveAs(file);
  await expect(first.page.getByTestId('export-done')).toContainText('1 people');
  await first.close();
  const bytes = readFileSync(file);
  expect(bytes.subarray(0, 4).toString()).toBe('VMEX'); // encrypted container
  const damaged = join(tmpDir, `damaged-${Date.now()}.vmz`);
  writeFileSync(damaged, bytes.subarray(0, bytes.length - 1000));

  // Browser 2 already knows Raj.
  const profileDir = newProfileDir();
  const second = await launch({ camera: cam('raj/raj1.png'), profileDir });
  const { page } = second;
  await expectInView(page, ['Unknown']);
  await labelFirstGroup(page, 'Raj');
  await page.goto('/#/data');
  await page.getByTestId('backup-passphrase').fill('not the passphrase');
  await page.getByTestId('backup-file').setInputFiles(file);
  await expect(page.getByTestId('data-error')).toContainText(/passphrase/i);
  await page.getByTestId('backup-file').setInputFiles(damaged);
  await expect(page.getByTestId('data-error')).toContainText(/damaged|truncated/i);
  await expect(page.getByTestId('import-preview')).toHaveCount(0);

  await page.getByTestId('backup-passphrase').fill(PASS);
  await page.getByTestId('backup-file').setInputFiles(file);
  const preview = page.getByTestId('import-preview');
  await expect(preview).toContainText('Merge into this memory');
  await expect(page.getByTestId('preview-new-persons')).toHaveText(/1 new person: Amy/);
  await page.goto('/#/people'); // a preview writes nothing
  await expect(page.getByTestId('person-link')).toHaveCount(1);
  await page.goto('/#/data');
  await page.getByTestId('backup-passphrase').fill(PASS);
  await page.getByTestId('backup-file').setInputFiles(file);
  await page.getByTestId('import-apply').click();
  await expect(page.getByTestId('import-result')).toContainText('holds 2 people');
  await page.goto('/#/people');
  await expect(page.getByTestId('person-link')).toHaveCount(2);
  await expect(page.getByTestId('person-link').filter({ hasText: 'Amy' })).toBeVisible();
  await second.close();

  // Another picture of Amy, in front of browser 2's camera: recognised from the imported sample.
  const third = await launch({ camera: cam('amy/amy2.png'), profileDir });
  await expectInView(third.page, ['Amy']);
});

const fixture = pythonOriginalFixture();

test('a zip of the Python original’s folder: preview, import, then its people are here', async ({
  launch,
}) => {
  test.skip(!fixture, 'needs Debian python3-torch and python3-faiss to generate the fixture');
  const files = readFolder(join(fixture!, 'folder'));
  const zip = join(tmpDir, `original-${Date.now()}.zip`);
  writeFileSync(
    zip,
    zipSync(Object.fromEntries([...files].map(([k, v]) => [`visio-data/${k}`, v]))),
  );
  const { page } = await launch({ camera: 'none' });
  await page.goto('/#/stats');
  await expect(page.getByTestId('stat-people')).toHaveText('0');
  await page.goto('/#/data');
  await page.getByTestId('original-zip').setInputFiles(zip);
  const preview = page.getByTestId('import-preview');
  await expect(preview).toContainText('6 people, 18 samples');
  await expect(page.getByTestId('dinov3-note')).toContainText('DINOv3 ViT-B/16 (768-d)');
  await expect(page.getByTestId('preview-new-persons')).toContainText('6 new people: Alice, Bob');
  await expect(page.getByTestId('preview-warnings')).toContainText('cannot be embedded again');
  await expectAccessible(page, 'Backup & privacy with an import preview');
  await page.getByTestId('import-apply').click();
  await expect(page.getByTestId('import-result')).toContainText('holds 6 people');
  await page.goto('/#/people');
  await expect(page.getByTestId('person-link')).toHaveCount(6);
  for (const name of ['Alice', 'Bob', 'Chloé', "O'Brien"]) {
    await expect(page.getByTestId('person-link').filter({ hasText: name })).toBeVisible();
  }
  await page.goto('/#/stats');
  await expect(page.getByTestId('stat-people')).toHaveText('6');
  await expect(page.getByTestId('stat-samples')).toHaveText('18');
  await expect(page.getByTestId('stat-faces')).toHaveText('3');

  // The same folder picked as a folder (webkitdirectory): everything is already here.
  await page.goto('/#/data');
  await page.getByTestId('original-folder-input').setInputFiles(join(fixture!, 'folder'));
  await expect(page.getByTestId('preview-nothing')).toBeVisible();
  await expect(page.getByTestId('preview-duplicates')).toContainText('18 samples, 9 sightings');
  await expect(page.getByTestId('import-apply')).toBeDisabled();
});
