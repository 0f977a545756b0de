/**
 * Arrival alerts, end to end: a person's alert turned on from their page
 * survives a browser restart, and when she comes into view the banner says so
 * once (not again while she stays) with one system notification, captured by
 * wrapping window.Notification and showNotification before the app loads.
 */
import type { BrowserContext, Page } from '@playwright/test';
import { expect, newProfileDir, test, type AppLaunch } from './support/app';
import { bbt } from './support/paths';
import { expectInView, labelFirstGroup, moreEmbeddings } from './support/story';

const amyCamera = { image: bbt('amy/amy1.png'), options: { scale: 0.8 } };

/** Notifications allowed, and every one the page shows recorded in `window.__notifications`. */
async function captureNotifications(context: BrowserContext, baseURL: string): Promise<void> {
  // Granting replaces the context's grants: the camera's is given again with it.
  await context.grantPermissions(['camera', 'notifications'], { origin: baseURL });
  await context.addInitScript(() => {
    const w = window as unknown as {
      __notifications: string[];
      Notification?: typeof Notification;
    };
    w.__notifications = [];
    const Original = w.Notification;
    if (Original) {
      const Captured = function (title: string, options?: NotificationOptions) {
        w.__notifications.push(title);
        return new Original(title, options);
      } as unknown as typeof Notification;
      Object.defineProperty(Captured, 'permission', { get: () => Original.permission });
      Object.defineProperty(Captured, 'requestPermission', {
        value: () => Original.requestPermission(),
      });
      w.Notification = Captured;
    }
    const proto = window.ServiceWorkerRegistration?.prototype;
    if (proto) {
      const show = proto.showNotification;
      proto.showNotification = function (title, options) {
        w.__notifications.push(title);
        return show.call(this, title, options);
      };
    }
  });
}

const notifications = (page: Page) =>
  page.evaluate(() => (window as unknown as { __notifications: string[] }).__notifications);

test("Amy's alert survives a restart and fires once when she arrives", async ({
  launch,
  baseURL,
}) => {
  const profileDir = newProfileDir();
  const start = async (opts: AppLaunch) => {
    const app = await launch({ ...opts, profileDir, path: null });
    await captureNotifications(app.context, baseURL!);
    await app.page.goto('/');
    return app;
  };

  let app = await start({ camera: amyCamera });
  await expectInView(app.page, ['Unknown']);
  await labelFirstGroup(app.page, 'Amy');
  await app.page.goto('/#/people');
  await app.page.getByTestId('person-link').filter({ hasText: 'Amy' }).click();
  const toggle = app.page.getByTestId('person-alert');
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  expect(await app.page.evaluate(() => Notification.permission)).toBe('granted');
  await app.close();

  // A browser restart with the same profile: the alert is still on, and Amy comes into view.
  app = await start({ camera: amyCamera });
  const { page } = app;
  await expectInView(page, ['Amy'], 60_000);
  const banner = page.getByTestId('alert-banner');
  await expect(banner).toHaveCount(1);
  await expect(banner).toContainText('Amy arrived');
  await expect.poll(() => notifications(page)).toEqual(['Amy arrived']);

  // She stays in view: no second banner, no second notification.
  await moreEmbeddings(page, 3);
  await expect(banner).toHaveCount(1);
  expect(await notifications(page)).toEqual(['Amy arrived']);

  // The banner can be dismissed; the person page shows the alert is on.
  await page.getByRole('button', { name: 'Dismiss: Amy arrived' }).click();
  await expect(banner).toHaveCount(0);
  await page.goto('/#/people');
  await page.getByTestId('person-link').filter({ hasText: 'Amy' }).click();
  await expect(page.getByTestId('person-alert')).toHaveAttribute('aria-pressed', 'true');
  await page.goto('/#/settings');
  await expect(page.getByTestId('alert-rule')).toHaveText(/Amy arrives/);

  // The rules that name no one, and quiet hours, are kept too.
  await page.getByLabel('Alert when a stranger stays longer than (minutes)').fill('15');
  await page.getByTestId('add-stranger-stays').click();
  await page.getByTestId('quiet-on').click();
  await page.locator('#quiet-from').fill('22:30');
  await page.getByTestId('save-quiet').click();
  await expect(page.getByText('Quiet from 22:30 to 07:00.')).toBeVisible();
  await page.reload();
  const rules = page.getByTestId('alert-rule');
  await expect(rules).toHaveCount(2);
  await expect(rules.nth(1)).toContainText('A stranger stays longer than 15 minutes');
  await expect(page.getByTestId('quiet-on')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('#quiet-from')).toHaveValue('22:30');
  await page.getByTestId('alerts-section').screenshot({ path: 'tests/.tmp/alerts-section.png' });
});
