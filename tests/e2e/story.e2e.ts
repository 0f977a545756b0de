/**
 * The user's story, end to end, in real Chromium with real faces through
 * the fake camera: an unknown face is queued, labelled, recognised, its
 * visit recorded, recognised again offline; another person is queued apart.
 */
import { expect, newProfileDir, test } from './support/app';
import { bbt } from './support/paths';
import { expectInView, labelFirstGroup, moreEmbeddings, queueCount } from './support/story';

const cam = (file: string) => ({ image: bbt(file), options: { scale: 0.8 } });

test('unknown → queued → labelled → recognised → visit recorded → offline → another person queued apart', async ({
  launch,
}) => {
  const profileDir = newProfileDir();
  let { page, context } = await launch({ camera: cam('amy/amy1.png'), profileDir });

  // An unknown face: a box saying "Unknown", and exactly one face queued.
  await expectInView(page, ['Unknown']);
  await expect.poll(() => queueCount(page)).toBe(1);
  // The tracker embeds the still face again every few seconds: two more
  // embeddings of the same track queue nothing more.
  await moreEmbeddings(page, 2);
  expect(await queueCount(page)).toBe(1);

  await labelFirstGroup(page, 'Amy');
  await expect(page.getByTestId('queue-empty')).toBeVisible();
  await page.goto('/#/live');
  await expectInView(page, ['Amy'], 10_000);
  await expect(page.getByTestId('announcer')).toContainText('Amy recognised');

  // The visit is recorded (batched sightings reach storage within 2 s).
  await page.goto('/#/stats');
  await expect(page.getByTestId('stat-sightings')).toHaveText('1', { timeout: 10_000 });
  await page.goto('/#/people');
  await page.getByTestId('person-link').filter({ hasText: 'Amy' }).click();
  await expect(page.getByTestId('person-name')).toHaveText('Amy');
  await expect(page.getByText(/1 visit/).first()).toBeVisible();

  // Offline, after a reload: still recognised (service worker + IndexedDB).
  await expect
    .poll(() => page.evaluate(() => navigator.serviceWorker.controller?.state ?? 'none'))
    .toBe('activated');
  // Offline at the network layer: every request that leaves the browser (the
  // service worker's own included) is aborted and recorded; none may be needed.
  const reachedNetwork: string[] = [];
  await context.route('**/*', (route) => {
    reachedNetwork.push(route.request().url());
    return route.abort('internetdisconnected');
  });
  await context.setOffline(true);
  const fromNetwork: string[] = [];
  context.on('response', (r) => {
    if (!r.fromServiceWorker()) fromNetwork.push(r.url());
  });
  await page.goto('/#/live');
  await page.reload();
  await expectInView(page, ['Amy']);
  expect(fromNetwork, 'responses not from the service worker').toEqual([]);
  console.log(`offline: ${reachedNetwork.length} requests tried the network and were refused`);
  await context.close();

  // Someone else: unknown, and queued on their own.
  ({ page, context } = await launch({ camera: cam('penny/penny1.png'), profileDir }));
  await expectInView(page, ['Unknown']);
  await expect.poll(() => queueCount(page)).toBe(1);
  await page.goto('/#/queue');
  await expect(page.getByTestId('queue-group')).toHaveCount(1);
  await expect(page.getByTestId('queue-group')).toHaveAttribute('data-size', '1');
});

test('suggestions list the enrolled people in similarity order', async ({ launch }) => {
  const profileDir = newProfileDir();
  for (const [file, name] of [
    ['penny/penny1.png', 'Penny'],
    ['raj/raj1.png', 'Raj'],
    ['bernadette/bernadette1.png', 'Bernadette'],
  ] as const) {
    const { page, close } = await launch({ camera: cam(file), profileDir });
    await expectInView(page, ['Unknown']);
    await labelFirstGroup(page, name);
    await close();
  }
  const { page } = await launch({ camera: cam('amy/amy2.png'), profileDir });
  await expectInView(page, ['Unknown']);
  await page.goto('/#/queue');
  const chips = page.getByTestId('suggestion');
  await expect(chips).toHaveCount(3);
  const sims = (await chips.allInnerTexts()).map((t) => Number(/(-?\d+\.\d+)\s*$/.exec(t)![1]));
  expect(sims).toEqual([...sims].sort((a, b) => b - a));
  const names = (await chips.allInnerTexts()).map((t) =>
    t.replace(/^\d\s*/, '').replace(/\s*-?\d+\.\d+$/, ''),
  );
  expect(names.sort()).toEqual(['Bernadette', 'Penny', 'Raj']);
});

test('merge and delete update the live view at once', async ({ launch }) => {
  const profileDir = newProfileDir();
  let app = await launch({ camera: cam('howard/howard1.png'), profileDir });
  await expectInView(app.page, ['Unknown']);
  await labelFirstGroup(app.page, 'Howard');
  await app.close();
  app = await launch({ camera: cam('stuart/stuart1.png'), profileDir });
  const { page } = app;
  await expectInView(page, ['Unknown']);
  await labelFirstGroup(page, 'Stuart');
  await page.goto('/#/live');
  await expectInView(page, ['Stuart'], 10_000);

  // Merge Stuart into Howard: the face in front of the camera is now Howard's.
  await page.goto('/#/people');
  await page.getByTestId('person-link').filter({ hasText: 'Stuart' }).click();
  await page.getByLabel('Merge into').selectOption({ label: 'Howard' });
  await page.getByRole('button', { name: 'Merge…' }).click();
  await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Merge' }).click();
  await expect(page.getByTestId('person-name')).toHaveText('Howard');
  await page.goto('/#/live');
  await expectInView(page, ['Howard'], 10_000);

  // Delete Howard: the face is unknown again at once.
  await page.goto('/#/people');
  await page.getByTestId('person-link').filter({ hasText: 'Howard' }).click();
  await page.getByRole('button', { name: /Delete Howard/ }).click();
  const dialog = page
    .getByTestId('confirm-dialog')
    .filter({ hasText: 'Delete \u2068Howard\u2069?' });
  await expect(dialog).toContainText('2 pictures');
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByTestId('people-empty')).toBeVisible();
  await page.goto('/#/live');
  await expectInView(page, ['Unknown'], 10_000);
});

test('a name with HTML and script in it is shown as text', async ({ launch }) => {
  const { page } = await launch({ camera: cam('leonard/leonard1.png') });
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs++;
    void d.dismiss();
  });
  const evil = '<img src=x onerror="alert(1)"><script>alert(2)</script>Leo';
  await expectInView(page, ['Unknown']);
  await labelFirstGroup(page, evil);
  await page.goto('/#/live');
  await expectInView(page, [evil], 10_000);
  await expect(page.getByTestId('in-view')).toContainText(evil);
  await page.goto('/#/people');
  await expect(page.getByTestId('person-link')).toContainText(evil);
  expect(await page.locator('main img[src="x"]').count()).toBe(0);
  expect(dialogs).toBe(0);
});

test('keyboard only: label with the name field, accept a suggestion with a key', async ({
  launch,
}) => {
  const profileDir = newProfileDir();
  let app = await launch({ camera: cam('sheldon/sheldon1.png'), profileDir });
  await expectInView(app.page, ['Unknown']);
  await app.page.goto('/#/queue');
  // Tab from the top of the page to the name field, type, Enter.
  await app.page.keyboard.press('Tab');
  for (let i = 0; i < 30; i++) {
    const onInput = await app.page.evaluate(
      () => (document.activeElement as HTMLElement | null)?.dataset.testid === 'name-input',
    );
    if (onInput) break;
    await app.page.keyboard.press('Tab');
  }
  await app.page.keyboard.type('Sheldon');
  await app.page.keyboard.press('Enter');
  await expect(app.page.getByText('as \u2068Sheldon\u2069.')).toBeVisible();
  await app.close();

  // A second picture of him, queued at a strict threshold, accepted with "1".
  app = await launch({ camera: cam('sheldon/sheldon3.png'), profileDir });
  await app.page.evaluate(() => {
    const key = 'visio.settings';
    const s = JSON.parse(localStorage.getItem(key) ?? '{}');
    s.thresholds = { 'face-fr512': 0.99 };
    localStorage.setItem(key, JSON.stringify(s));
  });
  await app.page.reload();
  await expectInView(app.page, ['Unknown']);
  await app.page.goto('/#/queue');
  const card = app.page.getByTestId('queue-group').first();
  await expect(card.getByTestId('suggestion').first()).toContainText('Sheldon');
  await card.getByTestId('suggestion').first().focus();
  await app.page.keyboard.press('1');
  await expect(app.page.getByText('as \u2068Sheldon\u2069.')).toBeVisible();
});
