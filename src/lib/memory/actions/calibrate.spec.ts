import { describe, expect, it } from 'vitest';
import {
  openedAfterEach,
  near,
  randomUnit,
  rng,
} from '../../../../tests/support/memory/memory-fixtures';

const DIM = 32;
const { open } = openedAfterEach({ dim: DIM }, { flush: false });

describe('calibrate (the memory facade)', () => {
  it('suggests thresholds from the stored samples of the labelled people', async () => {
    const db = await open();
    expect((await db.calibrate()).enough).toBe(false);
    const r = rng(5);
    for (const name of ['Ada', 'Bo', 'Cy']) {
      const centre = randomUnit(DIM, r);
      for (let i = 0; i < 3; i++) {
        await db.labelFace(await db.queueUnlabeled(null, near(centre, 0.1, r)), name);
      }
    }
    const c = await db.calibrate();
    // 3 people × 3 samples: 9 same-person and 9 different-person scores.
    expect(c).toMatchObject({ enough: true, separable: true, sameCount: 9, differentCount: 9 });
    expect(c.lower).toBeLessThanOrEqual(c.upper);
    expect(c.upper).toBeLessThan(0.9);
  });
});
