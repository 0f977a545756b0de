/**
 * Tablet use, at an iPad Air's 820×1180 held upright and 1180×820 on its
 * side: the live picture uses the screen (a portrait tablet's camera gives a
 * portrait picture), every visible control is at least 44×44 CSS pixels on
 * every page, the camera switch goes front ↔ back (or to the next camera)
 * and is remembered, and iPad's Safari (no install prompt) gets the Add to
 * Home Screen steps. Screenshots go to test-results/tablet/ to be looked at.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, newProfileDir, test } from './support/app';
import { bbt } from './support/paths';
import { expectInView, labelFirstGroup } from './support/story';
import {
  cameraLayoutInPage,
  pictureProblems,
  smallTargetsInPage,
  TOUCH_PX,
} from './support/tablet';

const shots = join('test-results', 'tablet');

const smallTargets = (page: Page) => page.evaluate(smallTargetsInPage, TOUCH_PX);

async function rect(page: Page, testId: string) {
  const box = await page.getByTestId(testId).boundingBox();
  expect(box, testId).not.toBeNull();
  return box!;
}

const sizes = [
  // A portrait tablet's camera gives a portrait picture; on its side, a landscape one.
  { label: '820x1180', viewport: { width: 820, height: 1180 }, cam: { width: 480, height: 640 } },
  { label: '1180x820', viewport: { width: 1180, height: 820 }, cam: { width: 640, height: 480 } },
] as const;

test('tablet portrait and landscape: the live view uses the screen; every control is ≥ 44 px', async ({
  launch,
}) => {
  test.setTimeout(300_000);
  mkdirSync(shots, { recursive: true });
  const profileDir = newProfileDir();
  let app = await launch({
    camera: { image: bbt('penny/penny1.png'), options: { scale: 0.8 } },
    profileDir,
  });
  await expectInView(app.page, ['Unknown']);
  await labelFirstGroup(app.page, 'Penny');
  await app.close();

  for (const { label, viewport, cam } of sizes) {
    app = await launch({
      camera: { image: bbt('groups/bbt2.jpg'), options: cam },
      profileDir,
      viewport,
    });
    const { page } = app;
    await expect(page.getByTestId('face-box').first()).toBeVisible({ timeout: 60_000 });
    const stage = await rect(page, 'camera-stage');
    const video = await page.getByTestId('camera-video').evaluate((v: HTMLVideoElement) => ({
      w: v.videoWidth,
      h: v.videoHeight,
    }));
    expect(video).toEqual({ w: cam.width, h: cam.height });
    // The picture as shown (object-fit: contain inside the stage).
    const k = Math.min(stage.width / video.w, stage.height / video.h);
    const picture = { width: video.w * k, height: video.h * k };
    console.log(
      `${label}: stage ${Math.round(stage.width)}×${Math.round(stage.height)}, picture ${Math.round(picture.width)}×${Math.round(picture.height)}`,
    );
    if (viewport.height > viewport.width) {
      expect(stage.width).toBeGreaterThanOrEqual(0.8 * viewport.width);
      expect(stage.height).toBeGreaterThanOrEqual(0.45 * viewport.height);
      expect(picture.width).toBeGreaterThanOrEqual(0.8 * viewport.width);
      expect(picture.height).toBeGreaterThanOrEqual(0.45 * viewport.height);
    } else {
      expect(stage.height).toBeGreaterThanOrEqual(0.6 * viewport.height);
      expect(picture.width * picture.height).toBeGreaterThanOrEqual(
        0.35 * viewport.width * viewport.height,
      );
    }
    // The overlay boxes sit on the picture: the picture rectangle is the video as shown.
    expect(pictureProblems(await page.evaluate(cameraLayoutInPage)), label).toEqual([]);

    for (const [view, path, ready] of [
      ['live', '/#/live', 'live-status'],
      ['queue', '/#/queue', 'queue-group'],
      ['people', '/#/people', 'person-link'],
      ['visits', '/#/visits', 'visit'],
      ['stats', '/#/stats', 'stats'],
      ['settings', '/#/settings', 'settings'],
      ['data', '/#/data', 'export-button'],
    ] as const) {
      await page.goto(path);
      await expect(page.getByTestId(ready).first()).toBeVisible();
      await page.screenshot({ path: join(shots, `${view}-${label}.png`), fullPage: true });
      expect(await smallTargets(page), `controls under 44 px on ${view} (${label})`).toEqual([]);
    }
    await page.goto('/#/people');
    await page.getByTestId('person-link').first().click();
    await expect(page.getByTestId('person-name')).toBeVisible();
    await page.screenshot({ path: join(shots, `person-${label}.png`), fullPage: true });
    expect(await smallTargets(page), `controls under 44 px on person (${label})`).toEqual([]);
    await app.close();
  }
});

test('the camera switch goes to the other camera and is remembered', async ({ launch }) => {
  const profileDir = newProfileDir();
  const running = (page: Page) =>
    page
      .getByTestId('camera-video')
      .evaluate(
        (v: HTMLVideoElement) =>
          (v.srcObject as MediaStream | null)?.getVideoTracks()[0]?.getSettings().deviceId ?? '',
      );
  let app = await launch({
    camera: { patternDevices: 2 },
    profileDir,
    viewport: { width: 820, height: 1180 },
  });
  let page = app.page;
  const sw = page.getByTestId('camera-switch');
  await expect(sw).toBeVisible({ timeout: 30_000 });
  await expect.poll(() => running(page)).not.toBe('');
  const first = await running(page);
  await sw.click();
  await expect.poll(() => running(page)).not.toBe(first);
  const second = await running(page);
  const saved = await page.evaluate(
    () =>
      (JSON.parse(localStorage.getItem('visio.settings') ?? '{}') as { cameraId?: string })
        .cameraId,
  );
  expect(saved).toBe(second);
  await app.close();

  app = await launch({ camera: { patternDevices: 2 }, profileDir });
  page = app.page;
  await expect.poll(() => running(page), { timeout: 30_000 }).toBe(second);
});

test('on iPad (no install prompt) the introduction gives the Add to Home Screen steps', async ({
  launch,
}) => {
  mkdirSync(shots, { recursive: true });
  const app = await launch({
    camera: { image: bbt('amy/amy1.png') },
    onboarded: false,
    path: null,
    viewport: { width: 820, height: 1180 },
  });
  // iPadOS Safari: a Mac by its user agent, with a touch screen.
  await app.context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'platform', { get: () => 'MacIntel' });
    Object.defineProperty(Navigator.prototype, 'maxTouchPoints', { get: () => 5 });
  });
  const { page } = app;
  await page.goto('/');
  await expect(page.getByTestId('onboarding')).toBeVisible();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: 'Next' }).click();
  const steps = page.getByTestId('install-ios');
  await expect(steps).toBeVisible();
  await expect(steps).toContainText('Share');
  await expect(steps).toContainText('Add to Home Screen');
  await expect(page.getByTestId('install')).toHaveCount(0);
  await page.screenshot({ path: join(shots, 'onboarding-install-820x1180.png') });
  expect(await smallTargets(page), 'controls under 44 px in the introduction').toEqual([]);
});
