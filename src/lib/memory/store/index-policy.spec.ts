import { describe, expect, it } from 'vitest';
import { loadFaiss } from '../../faiss';
import type { MemoryEvent } from '../base/types';
import { IVF_MIN_VECTORS, VectorIndex } from './vector-index';
import {
  near,
  randomMatrix,
  randomUnit,
  rng,
  uniqueName,
  openedAfterEach,
} from '../../../../tests/support/memory/memory-fixtures';

// The dimension does not matter to the policy; 64 keeps 5,000 vectors quick.
const DIM = 64;
const { open } = openedAfterEach({ dim: DIM }, { flush: false });

/** `n` stored vectors in 10-sample people, imported in one transaction. */
async function memoryWith(n: number, name = uniqueName(), events: MemoryEvent[] = []) {
  const db = await open({ name, onEvent: (e) => events.push(e) });
  const all = randomMatrix(n, DIM, rng(51));
  const entries = [];
  for (let at = 0, p = 0; at < n; at += 10, p++) {
    entries.push({ name: `P${p}`, embeddings: all.slice(at * DIM, Math.min(n, at + 10) * DIM) });
  }
  await db.importPersons(entries);
  return { db, all, events };
}

describe('index policy (invariant 4)', () => {
  it('FlatIP below 5,000; IVFFlat from 5,000 on; Flat again below', async () => {
    const events: MemoryEvent[] = [];
    const { db } = await memoryWith(IVF_MIN_VECTORS - 1, uniqueName(), events);
    expect(await db.stats()).toMatchObject({ indexType: 'IndexFlatIP', ntotal: 4999 });
    const v = randomUnit(DIM, rng(52));
    const id = await db.labelFace(await db.queueUnlabeled(null, v), 'The 5000th');
    expect(await db.stats()).toMatchObject({ indexType: 'IndexIVFFlat', ntotal: 5000 });
    expect(events.filter((e) => e.type === 'index-rebuilt').length).toBe(1);
    expect((await db.findMatch(v)).personId).toBe(id); // incremental add visible in IVF
    const w = randomUnit(DIM, rng(53));
    const id2 = await db.labelFace(await db.queueUnlabeled(null, w), 'Added to IVF');
    expect(events.filter((e) => e.type === 'index-rebuilt').length).toBe(1); // no retrain
    expect((await db.findMatch(w)).personId).toBe(id2);
    await db.deletePerson(id2);
    await db.deletePerson(id);
    expect(await db.stats()).toMatchObject({ indexType: 'IndexFlatIP', ntotal: 4999 });
    expect((await db.findMatch(v)).personId).toBeNull();
  });

  it("nlist = min(100, n/10) and nprobe = 10, the original's contract, at n around 5,000 and above", async () => {
    const faiss = await loadFaiss();
    const all = randomMatrix(20_000, DIM, rng(55));
    for (const n of [4_999, 5_000, 5_001, 5_999, 9_999, 10_000, 12_345, 20_000]) {
      const ids = Array.from({ length: n }, (_, i) => i + 1);
      const index = VectorIndex.build(faiss, DIM, ids, all.subarray(0, n * DIM));
      const ivf = n >= 5_000;
      expect(index.kind, `n = ${n}`).toBe(ivf ? 'IndexIVFFlat' : 'IndexFlatIP');
      // min(100, n/10) is 100 for every n from 1,000 on, so for every IVF index.
      expect(index.nlist, `n = ${n}`).toBe(ivf ? 100 : 0);
      expect(index.nprobe, `n = ${n}`).toBe(ivf ? 10 : 0);
      expect(index.ntotal).toBe(n);
      // A checkpoint read back keeps both (nprobe is not in FAISS's file: it is set again).
      const back = VectorIndex.fromBytes(faiss, index.toBytes(), DIM, index.kind);
      expect([back.nlist, back.nprobe], `n = ${n}, from bytes`).toEqual([
        index.nlist,
        index.nprobe,
      ]);
      back.dispose();
      index.dispose();
    }
    // And the open memory reports it.
    const { db } = await memoryWith(IVF_MIN_VECTORS + 10);
    expect(await db.stats()).toMatchObject({ indexType: 'IndexIVFFlat', nlist: 100 });
  });

  it('IVF search agrees with exact Flat search (recall@1)', async () => {
    const n = IVF_MIN_VECTORS + 500;
    const { db, all } = await memoryWith(n);
    expect((await db.stats()).indexType).toBe('IndexIVFFlat');
    const faiss = await loadFaiss();
    const flat = new faiss.IndexFlatIP(DIM);
    flat.add(all);
    const r = rng(54);
    const queries = Array.from({ length: 200 }, () =>
      near(all.subarray(Math.floor(r() * n) * DIM).subarray(0, DIM), 0.5, r),
    );
    const got = await db.identify(queries, 1);
    let agree = 0;
    for (const [i, q] of queries.entries()) {
      const exact = flat.search(q, 1);
      const row = Number(exact.labels[0]);
      const exactPerson = `P${Math.floor(row / 10)}`;
      if (got[i]!.topK[0]?.name === exactPerson) agree++;
    }
    flat.delete();
    expect(agree / queries.length).toBeGreaterThanOrEqual(0.95);
  });

  it('rebuildIndex retrains; the IVF index persists through a checkpoint', async () => {
    const name = uniqueName();
    const events: MemoryEvent[] = [];
    const { db } = await memoryWith(IVF_MIN_VECTORS, name, events);
    const rebuilt = await db.rebuildIndex();
    expect(rebuilt).toMatchObject({ indexType: 'IndexIVFFlat', ntotal: 5000 });
    expect(events.some((e) => e.type === 'index-rebuilt' && e.reason === 'requested')).toBe(true);
    await db.close();
    const again = await open({ name });
    expect(again.openReport.indexSource).toBe('checkpoint');
    expect(await again.stats()).toMatchObject({ indexType: 'IndexIVFFlat', ntotal: 5000 });
  });

  it('rebuildIndex honours an aborted signal', async () => {
    const { db } = await memoryWith(10);
    const ac = new AbortController();
    ac.abort();
    await expect(db.rebuildIndex(ac.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });
});
