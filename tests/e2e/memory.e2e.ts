/**
 * The face memory in real Chromium, through the app: what is labelled
 * survives a browser restart and a crash (SIGKILL), and a second tab is
 * read-only and says why (Web Locks).
 */
import { expect, killBrowser, newProfileDir, test } from './support/app';
import { bbt } from './support/paths';
import { expectInView, labelFirstGroup } from './support/story';

const amy = { image: bbt('amy/amy1.png'), options: { scale: 0.8 } };

test('a label survives a browser restart, and a crash', async ({ launch }) => {
  const profileDir = newProfileDir();
  let app = await launch({ camera: amy, profileDir });
  await expectInView(app.page, ['Unknown']);
  await labelFirstGroup(app.page, 'Amy');
  await app.close();

  app = await launch({
    camera: { image: bbt('amy/amy2.png'), options: { scale: 0.8 } },
    profileDir,
  });
  await expectInView(app.page, ['Amy']);

  // Label a second person, then kill the browser without letting anything close.
  await app.close();
  app = await launch({
    camera: { image: bbt('raj/raj1.png'), options: { scale: 0.8 } },
    profileDir,
  });
  await expectInView(app.page, ['Unknown']);
  await labelFirstGroup(app.page, 'Raj');
  expect(await killBrowser(profileDir)).toBe(true);
  await app.close();

  app = await launch({
    camera: { image: bbt('raj/raj2.png'), options: { scale: 0.8 } },
    profileDir,
  });
  await expectInView(app.page, ['Raj']);
  await app.page.goto('/#/people');
  await expect(app.page.getByTestId('person-link')).toHaveCount(2);
});

test('a second tab is read-only and says why', async ({ launch }) => {
  const { page, context } = await launch({ camera: amy });
  await expectInView(page, ['Unknown']);
  const second = await context.newPage();
  await second.goto('/#/queue');
  await expect(second.getByTestId('read-only')).toContainText('open in another tab');
  await expect(second.getByTestId('name-input').first()).toBeDisabled();
  // The first tab still writes.
  await expect(page.getByTestId('read-only')).toHaveCount(0);
  await labelFirstGroup(page, 'Amy');
});
