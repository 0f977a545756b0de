/**
 * Visitors, end to end: a stranger seen, away longer than the visit gap, and
 * back is one visitor with two visits (one queue card); naming it moves both
 * visits to the person (person page, Visits page, CSV export); retention
 * forgets an old unnamed visitor after showing what it will delete.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, newProfileDir, test, memoryWorker } from './support/app';
import { bbt } from './support/paths';
import { expectInView, labelFirstGroup, queueCount } from './support/story';

/** The smallest gap settings accept (0.1 min = 6 s), so "away" is short. */
const GAP_MINUTES = 0.1;

type Api = Record<string, (...a: unknown[]) => Promise<unknown>>;

/**
 * Waits until the last visit ended more than the gap (and a margin) ago. Its
 * end is read from the memory (flushed), not from when the live view closed: on
 * a busy machine a frame grabbed before may still be recognised a while after.
 */
async function awayLongerThanGap(page: Page): Promise<void> {
  const w = await memoryWorker(page);
  const sinceLastMs = () =>
    w.evaluate(async () => {
      const api = (self as unknown as { memoryApi: Api }).memoryApi;
      const [last] = (await api.visitLog!({ limit: 1 })) as Array<{ endMs: number }>;
      return Date.now() - last!.endMs;
    });
  await expect
    .poll(sinceLastMs, { timeout: 60_000, intervals: [1000] })
    .toBeGreaterThan(GAP_MINUTES * 60_000 + 3000);
}

test('a stranger twice is one visitor with two visits; named, the person has them; retention forgets an old visitor', async ({
  launch,
}) => {
  test.setTimeout(180_000);
  const { page } = await launch({
    camera: { image: bbt('amy/amy1.png'), options: { scale: 0.8 } },
    profileDir: newProfileDir(),
    path: '/#/settings',
  });
  await page.evaluate((gap) => {
    const key = 'visio.settings';
    const s = JSON.parse(localStorage.getItem(key) ?? '{}') as Record<string, unknown>;
    localStorage.setItem(key, JSON.stringify({ ...s, version: 2, visitGapMinutes: gap }));
  }, GAP_MINUTES);
  await page.goto('/#/live');
  await page.reload();

  // First visit: an unknown face, queued as a visitor.
  await expectInView(page, ['Unknown']);
  await expect.poll(() => queueCount(page)).toBe(1);

  // Away (the camera is off outside the live view) for longer than the gap, then back.
  await page.goto('/#/visits');
  await expect(page.getByTestId('visit')).toHaveCount(1, { timeout: 15_000 });
  await expect(page.getByTestId('visit-who')).toHaveText(/^Visitor \d+$/);
  // A visitor in the log opens its card in the queue, ready to be named.
  await page.getByTestId('visit-who').click();
  await expect(page).toHaveURL(/#\/queue\/\d+$/);
  await expect(page.getByTestId('queue-group').getByTestId('name-input')).toBeFocused();
  await page.goto('/#/visits');
  await awayLongerThanGap(page);
  await page.goto('/#/live');
  await expectInView(page, ['Unknown']);

  // The log (it writes batched sightings first) has the second visit; then one card:
  // the same visitor, seen twice. No reload here: that would drop sightings still batched.
  await page.goto('/#/visits');
  await expect(page.getByTestId('visit')).toHaveCount(2, { timeout: 15_000 });
  await expect(page.getByTestId('visit-who')).toHaveText([/^Visitor \d+$/, /^Visitor \d+$/]);
  await page.goto('/#/queue');
  const card = page.getByTestId('queue-group');
  await expect(card).toHaveAttribute('data-visits', '2');
  await expect(card).toHaveCount(1);
  await expect(card.getByRole('heading')).toContainText(/Visitor \d+/);
  await expect(card.getByTestId('visitor-seen')).toContainText('seen twice today');
  await page.screenshot({ path: 'tests/.tmp/visitors-queue.png', fullPage: true });

  // Named: its two visits are the person's.
  await labelFirstGroup(page, 'Amy');
  await page.goto('/#/people');
  await page.getByTestId('person-link').filter({ hasText: 'Amy' }).click();
  await expect(page.getByTestId('person-name')).toHaveText('Amy');
  await expect(page.getByText(/^2 visits/).first()).toBeVisible();
  await expect(page.getByTestId('person-visits').getByTestId('visit')).toHaveCount(2);

  // The Visits page shows them under her name, and its CSV has them.
  await page.goto('/#/visits');
  await expect(page.getByTestId('visit')).toHaveCount(2);
  await expect(page.getByTestId('visit-who')).toHaveText(['Amy', 'Amy']);
  await page.screenshot({ path: 'tests/.tmp/visitors-log.png', fullPage: true });
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('visits-export').click(),
  ]);
  expect(file.suggestedFilename()).toMatch(/^visits-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = readFileSync((await file.path())!, 'utf8')
    .trim()
    .split(/\r\n/);
  expect(csv[0]).toBe('who,visitor_number,start,end,sightings');
  expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(['Amy', 'Amy']);
  // Filtered to her, linked to her page.
  await page.getByTestId('visits-person').selectOption({ label: 'Amy' });
  await expect(page.getByTestId('visit')).toHaveCount(2);
  await page.getByTestId('visit-who').first().click();
  await expect(page.getByTestId('person-name')).toHaveText('Amy');

  // Retention: a visitor last seen three days ago goes once "1 day" is saved.
  const w = await memoryWorker(page);
  await w.evaluate(async () => {
    const api = (self as unknown as { memoryApi: Api }).memoryApi;
    const { dim } = (await api.stats!()) as { dim: number };
    const v = new Float32Array(dim).fill(0);
    v[0] = 1;
    await api.queueUnlabeled!(null, v, { timestampMs: Date.now() - 3 * 86_400_000 });
  });
  await page.goto('/#/queue');
  await expect(page.getByTestId('queue-group')).toHaveCount(1);
  await page.goto('/#/settings');
  const section = page.getByTestId('retention-section');
  await section.getByTestId('retention-visitorDays-on').check();
  await section.getByTestId('retention-visitorDays').fill('1');
  await expect(section.getByTestId('retention-preview')).toHaveText(
    'Saving deletes 1 visitor (1 picture).',
  );
  await page.screenshot({ path: 'tests/.tmp/visitors-retention.png', fullPage: true });
  await section.getByTestId('retention-save').click();
  await expect(page.getByText(/Retention on\. Deleted 1 visitor/)).toBeVisible();
  await expect(section.getByTestId('retention-state')).toHaveText('On.');
  await page.goto('/#/queue');
  await expect(page.getByTestId('queue-empty')).toBeVisible();
  // Amy's visits stay (named people are never forgotten by the visitor rule).
  await page.goto('/#/visits');
  await expect(page.getByTestId('visit')).toHaveCount(2);
});
