/** Steps of the user's story, shared by the e2e tests. */
import { expect, type Page } from '@playwright/test';

/** Waits until the live view shows exactly these names (sorted; 'Unknown' for strangers). */
export async function expectInView(page: Page, names: string[], timeoutMs = 60_000): Promise<void> {
  await expect
    .poll(
      async () => {
        const boxes = page.getByTestId('face-box');
        const texts = await boxes.evaluateAll((els) =>
          els.map(
            (e) =>
              e.getAttribute('data-name') ||
              ({ stranger: 'Unknown', 'not-sure': 'Not sure' } as Record<string, string>)[
                e.getAttribute('data-state') ?? ''
              ] ||
              '…',
          ),
        );
        return texts.sort();
      },
      { timeout: timeoutMs },
    )
    .toEqual([...names].sort());
}

/** Opens the queue and labels the first (newest) group with `name`. */
export async function labelFirstGroup(page: Page, name: string): Promise<void> {
  await page.goto('/#/queue');
  const group = page.getByTestId('queue-group').first();
  await expect(group).toBeVisible();
  await group.getByTestId('name-input').fill(name);
  await group.getByRole('button', { name: 'Save' }).click();
  // The toast isolates the name between FSI (U+2068) and PDI (U+2069).
  await expect(page.getByText(new RegExp(`as \u2068${escape(name)}\u2069\\.`))).toBeVisible();
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The number shown on the "Label faces" link (0 when there is no badge). */
export async function queueCount(page: Page): Promise<number> {
  const badge = page.getByTestId('queue-count');
  if (!(await badge.count())) return 0;
  return Number((await badge.innerText()).replace(/\D+/g, ''));
}

/**
 * Waits until the live view has embedded `n` more faces (a count its status
 * carries): for "nothing changes while the camera keeps looking", frames seen,
 * not seconds slept.
 */
export async function moreEmbeddings(page: Page, n: number): Promise<void> {
  const embedded = async () =>
    Number(await page.getByTestId('live-status').getAttribute('data-embedded'));
  const seen = await embedded();
  await expect.poll(embedded, { timeout: 30_000 }).toBeGreaterThanOrEqual(seen + n);
}
