import { describe, expect, it } from 'vitest';
import {
  openedAfterEach,
  dumpStore,
  openTest,
  pngBlob,
  randomUnit,
  rng,
  tamper,
  uniqueName,
} from '../../../../tests/support/memory/memory-fixtures';
import { CROPS_AS_BYTES_KEY, isStoredCrop, migrateCrops, toStoredCrop } from './crop';
import { KvStore } from './kv';

const { open } = openedAfterEach();
const DIM = 32;

async function fill(name: string) {
  const db = await openTest({ name });
  const r = rng(5);
  const sample = await db.labelFace(
    await db.queueUnlabeled(pngBlob(90, 1), randomUnit(DIM, r)),
    'Ada',
  );
  await db.importPersons([
    {
      name: 'Bob',
      embeddings: [randomUnit(DIM, r)],
      crops: [new Uint8Array([0xff, 0xd8, 0xff, 9])],
    },
  ]);
  const queued = await db.queueUnlabeled(pngBlob(70, 3), randomUnit(DIM, r));
  await db.close();
  return { sample, queued };
}

/** The stored crops rewritten as Blobs, as memories written before the bytes format hold them. */
async function makeOld(name: string) {
  const store = await dumpStore(name);
  const crops = Object.entries(store).filter(([k]) => k.startsWith('crop/'));
  for (const [key, v] of crops) {
    if (!isStoredCrop(v)) throw new Error(`${key} is not bytes`);
    await tamper(name, key, new Blob([v.bytes as Uint8Array<ArrayBuffer>], { type: v.type }));
  }
  await tamper(name, CROPS_AS_BYTES_KEY, undefined);
  return Object.fromEntries(crops) as Record<string, { bytes: Uint8Array; type: string }>;
}

describe('crops are stored as bytes, never Blobs', () => {
  it('stores every crop (queued, labelled, imported) as bytes + type', async () => {
    const name = uniqueName();
    await fill(name);
    const store = await dumpStore(name);
    const crops = Object.entries(store).filter(([k]) => k.startsWith('crop/'));
    expect(crops.map(([k]) => k).sort()).toEqual(['crop/1', 'crop/2', 'crop/unl/2']);
    for (const [, v] of crops) expect(isStoredCrop(v)).toBe(true);
    expect(store['crop/1']).toEqual({ bytes: new Uint8Array(90).fill(1), type: 'image/png' });
    // Bytes without a type get one from their signature.
    expect((store['crop/2'] as { type: string }).type).toBe('image/jpeg');
    expect(store[CROPS_AS_BYTES_KEY]).toBe(1);
  });

  it('converts a memory written with Blobs on open, losing nothing', async () => {
    const name = uniqueName();
    const { queued } = await fill(name);
    const before = await makeOld(name);
    const old = await dumpStore(name);
    expect(old['crop/1']).toMatchObject({ blob: expect.any(Uint8Array) });
    expect(old[CROPS_AS_BYTES_KEY]).toBeUndefined();

    const db = await open({ name });
    const after = await dumpStore(name);
    for (const [key, v] of Object.entries(before)) expect(after[key]).toEqual(v);
    expect(after[CROPS_AS_BYTES_KEY]).toBe(1);
    const shown = await db.getSampleCrop(1);
    expect(shown?.type).toBe('image/png');
    expect(new Uint8Array(await shown!.arrayBuffer())).toEqual(new Uint8Array(90).fill(1));
    const q = await db.getUnlabeledCrop(queued);
    expect(new Uint8Array(await q!.arrayBuffer())).toEqual(new Uint8Array(70).fill(3));
    expect((await db.verify()).ok).toBe(true);
  });

  it('a conversion killed half way leaves a working memory that finishes on the next open', async () => {
    const name = uniqueName();
    const { queued } = await fill(name);
    const before = await makeOld(name);
    const kv = new KvStore(name);
    const commit = kv.commit.bind(kv);
    let calls = 0;
    kv.commit = (writes, hook) => {
      if (++calls === 2) return Promise.reject(new Error('killed'));
      return commit(writes, hook);
    };
    await expect(migrateCrops(kv, 1)).rejects.toThrow('killed');
    await kv.close();
    const half = await dumpStore(name);
    const kinds = Object.keys(before).map((k) => (isStoredCrop(half[k]) ? 'bytes' : 'blob'));
    expect(kinds).toContain('bytes');
    expect(kinds).toContain('blob');
    expect(half[CROPS_AS_BYTES_KEY]).toBeUndefined();

    // The next open reads both forms and converts the rest.
    const db = await open({ name });
    const q = await db.getUnlabeledCrop(queued);
    expect(new Uint8Array(await q!.arrayBuffer())).toEqual(new Uint8Array(70).fill(3));
    const after = await dumpStore(name);
    for (const [key, v] of Object.entries(before)) expect(after[key]).toEqual(v);
    expect(after[CROPS_AS_BYTES_KEY]).toBe(1);
  });

  it('a backup export and import carries the crops as bytes', async () => {
    const name = uniqueName();
    await fill(name);
    await makeOld(name); // export reads either form
    const src = await open({ name });
    const { file } = await src.exportArchive({ settings: {} });
    const dstName = uniqueName();
    const dst = await open({ name: dstName });
    await dst.applyImport((await dst.previewImport(file)).id);
    const people = await dst.listPersons();
    expect(people.map((p) => p.name).sort()).toEqual(['Ada', 'Bob']);
    const store = await dumpStore(dstName);
    const crops = Object.entries(store).filter(([k]) => k.startsWith('crop/'));
    expect(crops.length).toBe(3);
    for (const [, v] of crops) expect(isStoredCrop(v)).toBe(true);
  });

  it('toStoredCrop copies a view out of a bigger buffer', async () => {
    const big = new Uint8Array(1000).fill(4);
    const c = await toStoredCrop(big.subarray(10, 20));
    expect(c.bytes.buffer.byteLength).toBe(10);
    const fromBlob = await toStoredCrop(pngBlob(5, 2));
    expect(fromBlob).toEqual({ bytes: new Uint8Array(5).fill(2), type: 'image/png' });
  });
});
