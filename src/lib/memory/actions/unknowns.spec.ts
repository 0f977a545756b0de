import { describe, expect, it } from 'vitest';
import {
  near,
  pngBlob,
  randomUnit,
  rng,
  openedAfterEach,
} from '../../../../tests/support/memory/memory-fixtures';

const DIM = 32;
const { open: fresh } = openedAfterEach({ dim: DIM });

describe('queueUnknown', () => {
  it('groups faces of one stranger and caps the group', async () => {
    const db = await fresh();
    const r = rng(11);
    const stranger = randomUnit(DIM, r);
    const results = [];
    for (let i = 0; i < 8; i++) {
      results.push(await db.queueUnknown(pngBlob(), near(stranger, 0.2, r), { maxPerGroup: 3 }));
    }
    expect(results.map((x) => x.queued)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
      false,
      false,
    ]);
    const groups = new Set(results.map((x) => x.groupKey));
    expect(groups.size).toBe(1);
    const waiting = await db.getUnlabeled();
    expect(waiting).toHaveLength(3);
    expect(new Set(waiting.map((w) => w.groupKey))).toEqual(groups);
  });

  it('keeps different strangers in different groups', async () => {
    const db = await fresh();
    const r = rng(12);
    const a = await db.queueUnknown(pngBlob(), randomUnit(DIM, r));
    const b = await db.queueUnknown(pngBlob(), randomUnit(DIM, r));
    expect(a.queued && b.queued).toBe(true);
    expect(a.groupKey).not.toBe(b.groupKey);
    expect(b.similarTo?.id).toBe(a.id);
    expect(b.similarTo!.similarity).toBeLessThan(0.65);
  });

  it('a labelled group no longer absorbs new faces; they start a new group', async () => {
    const db = await fresh();
    const r = rng(13);
    const face = randomUnit(DIM, r);
    const first = await db.queueUnknown(pngBlob(), near(face, 0.1, r), { maxPerGroup: 1 });
    expect((await db.queueUnknown(pngBlob(), near(face, 0.1, r), { maxPerGroup: 1 })).queued).toBe(
      false,
    );
    await db.labelFace(first.id!, 'Zoe');
    const again = await db.queueUnknown(pngBlob(), near(face, 0.1, r), { maxPerGroup: 1 });
    expect(again.queued).toBe(true);
    expect(again.groupKey).not.toBe(first.groupKey);
  });

  it('refuses a wrong-dimension embedding and changes nothing', async () => {
    const db = await fresh();
    await expect(db.queueUnknown(pngBlob(), new Float32Array(DIM + 1))).rejects.toThrow();
    expect(await db.getUnlabeled()).toHaveLength(0);
  });
});

describe('suggestForUnlabeled', () => {
  it('lists known people by similarity for each waiting face', async () => {
    const db = await fresh();
    const r = rng(14);
    const amy = randomUnit(DIM, r);
    const penny = randomUnit(DIM, r);
    await db.labelFace(await db.queueUnlabeled(pngBlob(), amy), 'Amy');
    await db.labelFace(await db.queueUnlabeled(pngBlob(), penny), 'Penny');
    const q1 = await db.queueUnknown(pngBlob(), near(amy, 0.3, r));
    const q2 = await db.queueUnknown(pngBlob(), near(penny, 0.3, r));
    const [s1, s2, s3] = await db.suggestForUnlabeled([q1.id!, q2.id!, 999], 2);
    expect(s1!.map((c) => c.name)).toEqual(['Amy', 'Penny']);
    expect(s2!.map((c) => c.name)).toEqual(['Penny', 'Amy']);
    expect(s1![0]!.similarity).toBeGreaterThan(s1![1]!.similarity);
    expect(s3).toEqual([]);
  });

  it('gives empty suggestions when nobody is known yet', async () => {
    const db = await fresh();
    const q = await db.queueUnknown(pngBlob(), randomUnit(DIM, rng(15)));
    expect(await db.suggestForUnlabeled([q.id!])).toEqual([[]]);
  });
});
