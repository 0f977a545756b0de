import { test, expect } from './support/app';
import { bbt } from './support/paths';

test('the camera shows a face: its box is drawn and it is queued as unknown', async ({
  launch,
}) => {
  const { page } = await launch({
    camera: { image: bbt('amy/amy1.png'), options: { scale: 0.8 } },
  });
  const box = page.getByTestId('face-box');
  await expect(box).toHaveCount(1, { timeout: 60_000 });
  await expect(box).toContainText('Unknown');
  await expect(page.getByTestId('queue-count')).toHaveText(/1/);
  // The box sits over the face: the face image is centred in the frame.
  const b = await box.boundingBox();
  const v = await page.getByTestId('camera-video').boundingBox();
  const cx = b!.x + b!.width / 2 - v!.x;
  expect(cx / v!.width).toBeGreaterThan(0.35);
  expect(cx / v!.width).toBeLessThan(0.65);
});
