import { describe, expect, it } from 'vitest';
import {
  openedAfterEach,
  openTest,
  randomUnit,
  rng,
  uniqueName,
} from '../../../tests/support/memory/memory-fixtures';
import { isClean, storageInventory, wipeAll, type StorageEnv } from './wipe';

// Node has IndexedDB here (fake-indexeddb); Cache Storage, OPFS and localStorage are proven
// in the browser by tests/e2e/privacy.e2e.ts.
const env: StorageEnv = { indexedDB };
const { open } = openedAfterEach();

describe('wipeAll (IndexedDB)', () => {
  it('refuses while the memory is still open elsewhere, and changes nothing', async () => {
    const name = uniqueName('wipe');
    const db = await open({ name });
    await db.importPersons([{ name: 'Ada', embeddings: [randomUnit(32, rng(1))] }]);
    await expect(wipeAll(env, { blockedMs: 200 })).rejects.toMatchObject({ code: 'wipe-blocked' });
    expect(await db.stats()).toMatchObject({ persons: 1 });
  });

  it('deletes every database once the memory is closed; reopening starts empty', async () => {
    const names = [uniqueName('wipe'), uniqueName('wipe')];
    for (const name of names) {
      const db = await openTest({ name });
      await db.importPersons([{ name: 'Ada', embeddings: [randomUnit(32, rng(2))] }]);
      await db.close();
    }
    expect((await storageInventory(env)).databases).toEqual(expect.arrayContaining(names));
    const left = await wipeAll(env);
    expect(left.databases).toEqual([]);
    expect(isClean(left)).toBe(true);
    const again = await open({ name: names[0] });
    expect(await again.stats()).toMatchObject({ persons: 0, samples: 0 });
  });
});
