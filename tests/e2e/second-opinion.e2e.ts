/**
 * The second opinion for look-alikes turned on from the settings, in real
 * Chromium: the dlib model is loaded beside the one in use, the known
 * people's stored crops get dlib vectors (without switching the model), the
 * live view still greets a known person, the choice survives a restart, and a
 * face labelled while it is on gets its dlib vector too.
 */
import type { Worker } from '@playwright/test';
import { expect, memoryWorker, newProfileDir, test } from './support/app';
import { bbt } from './support/paths';
import { expectInView, labelFirstGroup, queueCount } from './support/story';

const cam = (file: string) => ({ image: bbt(file), options: { scale: 0.8 } });

/** What re-embedding with dlib would still need: none once the second opinion prepared. */
const dlibPlan = (w: Worker) =>
  w.evaluate("self.memoryApi.planReembed('dlib-resnet128', 128)") as Promise<{
    total: number;
    ready: number;
    todo: unknown[];
  }>;

test('turning the second opinion on prepares dlib vectors, keeps the model, and a known face is still greeted', async ({
  launch,
}) => {
  test.setTimeout(240_000);
  const profileDir = newProfileDir();
  const { page, close } = await launch({ camera: cam('amy/amy1.png'), profileDir });
  await expectInView(page, ['Unknown']);
  await expect.poll(() => queueCount(page)).toBe(1);
  await labelFirstGroup(page, 'Amy');

  await page.getByRole('link', { name: 'Settings' }).click();
  const toggle = page.getByTestId('second-opinion-toggle');
  await expect(toggle).not.toBeChecked({ timeout: 60_000 }); // off by default
  await toggle.check();
  await expect(page.getByTestId('second-opinion-on')).toBeVisible({ timeout: 120_000 });

  const plan = await dlibPlan(await memoryWorker(page));
  expect(plan.total).toBeGreaterThanOrEqual(1);
  expect(plan.todo).toEqual([]);
  expect(plan.ready).toBe(plan.total);

  await page.getByRole('link', { name: 'Live' }).click();
  // The model in use is unchanged: dlib only gives a second opinion.
  await expect(page.getByTestId('model-name')).not.toContainText('dlib');
  await expectInView(page, ['Amy']);

  // After a restart it is still on, and a face labelled while it is on gets its dlib vector.
  await close();
  const again = await launch({ camera: cam('penny/penny1.png'), profileDir });
  await expectInView(again.page, ['Unknown']);
  await labelFirstGroup(again.page, 'Penny');
  const w = await memoryWorker(again.page);
  await expect
    .poll(
      async () => {
        const p = await dlibPlan(w);
        return { total: p.total, ready: p.ready, todo: p.todo.length };
      },
      { timeout: 120_000 },
    )
    .toEqual({ total: plan.total + 1, ready: plan.total + 1, todo: 0 });
  await again.page.getByRole('link', { name: 'Settings' }).click();
  await expect(again.page.getByTestId('second-opinion-toggle')).toBeChecked({ timeout: 60_000 });
  await expect(again.page.getByTestId('second-opinion-on')).toBeVisible({ timeout: 120_000 });
  await again.page.getByRole('link', { name: 'Live' }).click();
  await expectInView(again.page, ['Penny']);
});

test('with the second opinion on, switching to dlib turns it off (nothing to ask) and switching back turns it on again', async ({
  launch,
}) => {
  test.setTimeout(240_000);
  const { page } = await launch({ camera: cam('amy/amy1.png'), profileDir: newProfileDir() });
  await expectInView(page, ['Unknown']);
  await labelFirstGroup(page, 'Amy');
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByTestId('second-opinion-toggle').check({ timeout: 60_000 });
  await expect(page.getByTestId('second-opinion-on')).toBeVisible({ timeout: 120_000 });

  const status = page.getByTestId('switch-status');
  await page.getByTestId('model-dlib-resnet128').getByTestId('use-model').click();
  await expect(status).toHaveAttribute('data-phase', 'done', { timeout: 90_000 });
  const section = page.getByTestId('second-opinion-status');
  await expect(section).toContainText('is the one in use');
  await expect(page.getByTestId('second-opinion-toggle')).toBeDisabled();
  await expect(page.getByTestId('second-opinion-toggle')).toBeChecked(); // the choice is kept
  await page.getByTestId('dismiss-switch').click();

  await page.getByTestId('model-face-fr512').getByTestId('use-model').click();
  await expect(status).toHaveAttribute('data-phase', 'done', { timeout: 90_000 });
  await expect(page.getByTestId('second-opinion-on')).toBeVisible({ timeout: 120_000 });
  await page.getByTestId('dismiss-switch').click();
  await page.getByRole('link', { name: 'Live' }).click();
  await expectInView(page, ['Amy']);
});
