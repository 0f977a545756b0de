/**
 * "Not this person" on a live box, in real Chromium with a real face through
 * the fake camera: Amy's face labelled as Amy is recognised; pressing "Not
 * Amy" on her box stores a negative, the next frames no longer name her, and
 * after a reload (the negative is read back from IndexedDB) neither do they.
 */
import { expect, newProfileDir, test } from './support/app';
import { bbt } from './support/paths';
import { expectInView, labelFirstGroup, moreEmbeddings } from './support/story';

const cam = (file: string) => ({ image: bbt(file), options: { scale: 0.8 } });

test('a named live box → Not Amy → no longer Amy, also after a reload', async ({ launch }) => {
  const profileDir = newProfileDir();
  const { page } = await launch({ camera: cam('amy/amy1.png'), profileDir });
  await expectInView(page, ['Unknown']);
  await labelFirstGroup(page, 'Amy');
  await page.goto('/#/live');
  await expectInView(page, ['Amy'], 10_000);

  const button = page.getByRole('button', { name: 'Not Amy' });
  await expect(button).toBeVisible();
  const box = (await button.boundingBox())!;
  expect(box.height).toBeGreaterThanOrEqual(44);
  expect(box.width).toBeGreaterThanOrEqual(44);
  await button.focus(); // keyboard-reachable
  await page.keyboard.press('Enter');

  await expectInView(page, ['Unknown'], 10_000);
  await moreEmbeddings(page, 4); // several more embeddings of the same face
  await expect(page.getByTestId('face-box').first()).toHaveAttribute('data-name', '');

  await page.reload();
  await expectInView(page, ['Unknown'], 15_000);
  await moreEmbeddings(page, 4);
  await expect(page.getByTestId('face-box').first()).toHaveAttribute('data-name', '');
  await expect(page.getByRole('button', { name: 'Not Amy' })).toHaveCount(0);
});
