/**
 * The lock's everyday flows from the UI, in real Chromium with Amy in front
 * of the fake camera: the Lock button (kiosk and not), changing the
 * passphrase, turning encryption off, removing a passkey (a virtual
 * authenticator with PRF), and a second tab: it follows a lock, and, being
 * read-only (Web Locks), cannot change the lock. lock.e2e.ts covers turning
 * it on, the unlock screen, auto-lock and the stored bytes.
 */
import { expect, memoryWorker, test, type AppLaunch, type LaunchedApp } from './support/app';
import { dump } from './support/memory-state';
import {
  cam,
  NAME,
  PASSPHRASE,
  scanStorage,
  submitPassphrase,
  turnOn,
  unlock,
  WRONG,
} from './support/lock';
import { expectInView, labelFirstGroup } from './support/story';
import type { Page } from '@playwright/test';

const NEW_PASSPHRASE = 'purple staple orbit';

const lockedHeading = (page: Page) => page.getByRole('heading', { name: 'Unlock to see this' });

/** Launches with Amy in view and names her: a memory with one person, and her face known. */
async function withAmy(launch: (opts?: AppLaunch) => Promise<LaunchedApp>): Promise<LaunchedApp> {
  const app = await launch({ camera: cam('amy/amy1.png') });
  await expectInView(app.page, ['Unknown']);
  await labelFirstGroup(app.page, NAME);
  return app;
}

test('the Lock button locks the pages at once; the live view greets while kiosk is allowed, not after', async ({
  launch,
}) => {
  test.setTimeout(180_000);
  const { page } = await withAmy(launch);
  await turnOn(page);

  await page.getByTestId('lock-now').click();
  await expect(page.getByTestId('lock-now')).toHaveCount(0);
  // The page it was on locks at once, without a reload.
  await expect(lockedHeading(page)).toBeVisible();
  await expect(page.getByTestId('encryption')).toHaveCount(0);
  for (const [path, hidden] of [
    ['/#/people', 'person-link'],
    ['/#/settings', 'settings'],
    ['/#/data', 'encryption'],
  ] as const) {
    await page.goto(path);
    await expect(lockedHeading(page), path).toBeVisible();
    await expect(page.getByTestId('unlock-page'), path).toContainText('keeps greeting people');
    await expect(page.getByTestId(hidden), path).toHaveCount(0);
  }
  await page.goto('/#/live');
  await expect(lockedHeading(page)).toHaveCount(0);
  await expectInView(page, [NAME]);

  // A wrong passphrase on a locked page: said, and the page stays locked.
  await page.goto('/#/people');
  await submitPassphrase(page, 'not the passphrase');
  await expect(page.getByTestId('unlock-error')).toHaveText(WRONG);
  await expect(page.getByTestId('person-link')).toHaveCount(0);
  await unlock(page);
  await expect(page.getByTestId('person-link').filter({ hasText: NAME })).toBeVisible();
  await expect(page.getByTestId('lock-now')).toBeVisible();

  // Kiosk not allowed: the Lock button locks the live view too (and stops the camera).
  await page.goto('/#/data');
  await page.getByTestId('kiosk-live').uncheck();
  await page.getByTestId('lock-now').click();
  await page.goto('/#/live');
  await expect(lockedHeading(page)).toBeVisible();
  await expect(page.getByTestId('unlock-page')).toContainText('the live view included');
  await expect(page.getByTestId('face-box')).toHaveCount(0);
  await unlock(page);
  await expectInView(page, [NAME]);
});

test('change passphrase: the old one stops unlocking, the new one unlocks, Amy is still known', async ({
  launch,
}) => {
  test.setTimeout(180_000);
  const { page } = await withAmy(launch);
  await turnOn(page);

  await page.getByTestId('lock-passphrase').fill(NEW_PASSPHRASE);
  await page.getByTestId('lock-passphrase-again').fill('purple staple orbiT');
  await expect(page.getByTestId('passphrase-change')).toBeDisabled();
  await page.getByTestId('lock-passphrase-again').fill(NEW_PASSPHRASE);
  await page.getByTestId('passphrase-change').click();
  await expect(page.getByTestId('passphrase-changed')).toContainText(
    'the old one no longer unlocks',
    { timeout: 30_000 },
  );
  await expect(page.getByTestId('lock-passphrase')).toHaveValue('');

  await page.reload();
  await expect(page.getByRole('heading', { name: 'Unlock the memory' })).toBeVisible();
  await submitPassphrase(page, PASSPHRASE);
  await expect(page.getByTestId('unlock-error')).toHaveText(WRONG);
  await expect(page.getByRole('heading', { name: 'Unlock the memory' })).toBeVisible();
  await unlock(page, NEW_PASSPHRASE);
  await expect(page.getByTestId('encryption-on')).toBeVisible();
  await page.goto('/#/people');
  await expect(page.getByTestId('person-link')).toHaveCount(1);
  await expect(page.getByTestId('person-link').filter({ hasText: NAME })).toBeVisible();
  await page.goto('/#/live');
  await expectInView(page, [NAME]);
});

test('turn encryption off: stored in plaintext again, the same people and faces, no unlock screen', async ({
  launch,
}) => {
  test.setTimeout(180_000);
  const { page } = await withAmy(launch);
  // What is stored before (plaintext): people, samples, vectors and face images.
  const before = await dump(await memoryWorker(page));
  await turnOn(page);
  await page.reload();
  await unlock(page);

  await page.getByTestId('encryption-off').click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('stored in plaintext again');
  await dialog.getByRole('button', { name: 'Turn it off' }).click();
  await expect(page.getByTestId('encryption-warning')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('encryption-on')).toHaveCount(0);
  await expect(page.getByTestId('lock-now')).toHaveCount(0);

  // Readable again, in the browser's own storage: the name and the face images.
  const readable = await page.evaluate(scanStorage, [NAME]);
  expect(readable.some((f) => f.endsWith(`name ${NAME}`))).toBe(true);
  expect(readable.some((f) => /^idb crop\/.*: (PNG|JPEG|WebP)$/.test(f))).toBe(true);

  await page.reload();
  await expect(page.getByTestId('encryption-warning')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('unlock')).toHaveCount(0);
  const after = await dump(await memoryWorker(page));
  for (const t of ['persons', 'samples'] as const) {
    expect(after.tables[t], t).toEqual(before.tables[t]);
  }
  const faceKeys = (d: typeof before) =>
    Object.fromEntries(Object.entries(d.keys).filter(([k]) => /^(emb|crop)\//.test(k)));
  expect(faceKeys(after)).toEqual(faceKeys(before));
  await page.goto('/#/people');
  await expect(page.getByTestId('person-link').filter({ hasText: NAME })).toBeVisible();
  await page.goto('/#/live');
  await expectInView(page, [NAME]);
});

test('remove a passkey: afterwards only the passphrase unlocks, and the page says so', async ({
  launch,
  baseURL,
}) => {
  test.setTimeout(180_000);
  const { page, context } = await launch({ camera: 'none', path: null });
  // WebAuthn refuses an IP address as the relying party: the same server, by name.
  const origin = baseURL!.replace('127.0.0.1', 'localhost');
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      hasPrf: true,
    },
  });
  await turnOn(page, origin);
  await expect(page.getByTestId('passphrase-only')).toBeVisible();
  await page.getByTestId('passkey-label').fill('Desk key');
  await page.getByTestId('passkey-add').click();
  const passkeys = page.getByTestId('passkeys').getByRole('listitem');
  await expect(passkeys).toHaveCount(1);
  await expect(passkeys).toContainText('Desk key');
  await expect(page.getByTestId('passphrase-only')).toHaveCount(0);

  // The passkey works (as lock.e2e.ts shows), then goes.
  await page.reload();
  await page.getByTestId('unlock-passkey').click();
  await expect(page.getByTestId('unlock')).toHaveCount(0);
  await page.getByRole('button', { name: 'Remove the passkey Desk key' }).click();
  await expect(passkeys).toHaveCount(0);
  await expect(page.getByTestId('passphrase-only')).toContainText(
    'only the passphrase unlocks this memory',
  );

  await page.reload();
  await expect(page.getByRole('heading', { name: 'Unlock the memory' })).toBeVisible();
  await expect(page.getByTestId('unlock-passkey')).toHaveCount(0);
  await expect(page.getByTestId('unlock')).not.toContainText('or use a passkey');
  await unlock(page);
  await expect(page.getByTestId('encryption-on')).toBeVisible();
  await expect(page.getByTestId('passphrase-only')).toBeVisible();
});

test('a second tab follows the lock, and, read-only, cannot change encryption', async ({
  launch,
}) => {
  test.setTimeout(180_000);
  const { page: a, context } = await launch({ camera: 'none', path: '/#/data' });
  // A has the memory open (and holds it) before B starts.
  await expect(a.getByTestId('encryption-warning')).toBeVisible({ timeout: 60_000 });
  // B opens while A holds the memory: read-only, so it cannot turn encryption on.
  const b = await context.newPage();
  await b.goto('/#/data');
  await expect(b.getByTestId('read-only')).toContainText('open in another tab', {
    timeout: 60_000,
  });
  await b.getByTestId('lock-passphrase').fill(PASSPHRASE);
  await b.getByTestId('lock-passphrase-again').fill(PASSPHRASE);
  await b.getByTestId('lock-understood').check();
  await expect(b.getByTestId('encryption-on-button')).toBeDisabled();
  await expect(b.getByTestId('encryption-read-only')).toContainText('only in the tab');

  // A turns it on: B follows (it reloads into the unlock screen), and unlocks read-only.
  await turnOn(a);
  await expect(b.getByRole('heading', { name: 'Unlock the memory' })).toBeVisible({
    timeout: 30_000,
  });
  await unlock(b);
  await expect(b.getByTestId('read-only')).toBeVisible();
  await expect(b.getByTestId('encryption-on')).toBeVisible();
  await b.getByTestId('lock-passphrase').fill(NEW_PASSPHRASE);
  await b.getByTestId('lock-passphrase-again').fill(NEW_PASSPHRASE);
  for (const id of ['passphrase-change', 'passkey-add', 'encryption-off']) {
    await expect(b.getByTestId(id), id).toBeDisabled();
  }
  await expect(b.getByTestId('encryption-read-only')).toBeVisible();

  // Lock in A: B's pages lock too.
  await b.goto('/#/people');
  await expect(b.getByRole('heading', { name: 'People' })).toBeVisible();
  await a.getByTestId('lock-now').click();
  await expect(lockedHeading(a)).toBeVisible();
  await expect(lockedHeading(b)).toBeVisible();
  await expect(b.getByTestId('lock-now')).toHaveCount(0);
  // An unlock in either tab is the owner's: both follow (B's check writes nothing).
  await unlock(b);
  await expect(b.getByRole('heading', { name: 'People' })).toBeVisible();
  await expect(lockedHeading(a)).toHaveCount(0);
  await expect(a.getByTestId('encryption-on')).toBeVisible();

  // A turns it off: B follows (it reloads: no unlock screen, nothing to lock any more).
  await b.evaluate(() => ((window as { beforeOff?: boolean }).beforeOff = true));
  await a.getByTestId('encryption-off').click();
  await a.getByRole('dialog').getByRole('button', { name: 'Turn it off' }).click();
  await expect(a.getByTestId('encryption-warning')).toBeVisible({ timeout: 60_000 });
  await expect
    .poll(() =>
      b
        .evaluate(() => (window as { beforeOff?: boolean }).beforeOff ?? false)
        // Mid-reload the page has no context to ask: not yet.
        .catch(() => true),
    )
    .toBe(false);
  await expect(b.getByRole('heading', { name: 'People' })).toBeVisible({ timeout: 60_000 });
  await expect(b.getByTestId('unlock')).toHaveCount(0);
  await b.goto('/#/data');
  await expect(b.getByTestId('encryption-warning')).toBeVisible({ timeout: 30_000 });
  await expect(b.getByTestId('lock-now')).toHaveCount(0);
});
