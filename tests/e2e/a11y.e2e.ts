/**
 * Every page at laptop and tablet sizes: an automated accessibility check
 * (axe-core: no serious or critical violations) and a screenshot for people
 * to look at (tests/.tmp/screenshots/).
 */
import { expectAccessible } from './support/axe';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, newProfileDir, test } from './support/app';
import { bbt, tmpDir } from './support/paths';
import { expectInView, labelFirstGroup, queueCount } from './support/story';

const shots = join(tmpDir, 'screenshots');
const sizes = {
  laptop: { width: 1280, height: 800 },
  'tablet-portrait': { width: 800, height: 1280 },
  'tablet-landscape': { width: 1280, height: 800 },
} as const;

test('every page passes axe and is photographed at laptop and tablet sizes', async ({ launch }) => {
  test.setTimeout(240_000);
  mkdirSync(shots, { recursive: true });
  const profileDir = newProfileDir();
  // Some content first: a known person with a visit, and a face waiting.
  let app = await launch({
    camera: { image: bbt('penny/penny1.png'), options: { scale: 0.8 } },
    profileDir,
  });
  await expectInView(app.page, ['Unknown']);
  await labelFirstGroup(app.page, 'Penny');
  await app.close();
  // A stranger close to the camera: the quality gate keeps the small faces of a group photo
  // out of the queue, so the waiting face comes from a face of camera size.
  app = await launch({
    camera: { image: bbt('raj/raj1.png'), options: { scale: 0.8 } },
    profileDir,
  });
  await expect(app.page.getByTestId('face-box')).toHaveCount(1, { timeout: 60_000 });
  await expect.poll(() => queueCount(app.page), { timeout: 30_000 }).toBeGreaterThan(0);
  await app.close();

  for (const [label, viewport] of Object.entries(sizes)) {
    app = await launch({ camera: { image: bbt('groups/bbt2.jpg') }, profileDir, viewport });
    const { page } = app;
    await expect(page.getByTestId('face-box').first()).toBeVisible({ timeout: 60_000 });
    for (const [view, path, ready] of [
      ['live', '/#/live', 'live-status'],
      ['queue', '/#/queue', 'queue-group'],
      ['people', '/#/people', 'person-link'],
      ['visits', '/#/visits', 'visit'],
      ['stats', '/#/stats', 'stats'],
      // Settings is ready once the memory's figures (index-facts) and the model in use show.
      ['settings', '/#/settings', 'index-facts'],
    ] as const) {
      await page.goto(path);
      await expect(page.getByTestId(ready).first()).toBeVisible();
      if (view === 'settings') await expect(page.getByTestId('in-use')).toBeVisible();
      await expectAccessible(page, `${view} (${label})`);
      await page.screenshot({ path: join(shots, `${view}-${label}.png`), fullPage: true });
    }
    await page.getByRole('link', { name: 'People' }).click();
    await page.getByTestId('person-link').first().click();
    await expect(page.getByTestId('person-name')).toBeVisible();
    await expectAccessible(page, `person (${label})`);
    await page.screenshot({ path: join(shots, `person-${label}.png`), fullPage: true });
    await app.close();
  }

  // The first-start introduction, as a new user sees it.
  app = await launch({ camera: { image: bbt('amy/amy1.png') }, onboarded: false });
  await expect(app.page.getByTestId('onboarding')).toBeVisible();
  await expectAccessible(app.page, 'onboarding');
  await app.page.screenshot({ path: join(shots, 'onboarding-laptop.png') });
  await app.page.getByRole('button', { name: 'Next' }).click();
  await app.page.getByRole('button', { name: 'Next' }).click();
  await app.page.getByRole('button', { name: 'Start' }).click();
  await expect(app.page.getByTestId('onboarding')).toBeHidden();
  await app.page.reload();
  await expect(app.page.getByTestId('onboarding')).toHaveCount(0);
});
