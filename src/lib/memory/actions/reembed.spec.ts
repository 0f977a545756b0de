/**
 * Changing the model: plan, store in batches (resumable), adopt, reopen.
 * Real sql.js, FAISS and (fake-)IndexedDB. The "new model" is a second set
 * of vectors per person (its own dimension), as a real embedder would give.
 */
import { describe, expect, it } from 'vitest';
import { MemoryError } from '../base/errors';
import {
  countWriteTransactions,
  dumpStore,
  near,
  pngBlob,
  randomUnit,
  rng,
  uniqueName,
  openedAfterEach,
} from '../../../../tests/support/memory/memory-fixtures';

const OLD = { modelId: 'old-model', dim: 32 };
const NEW = { modelId: 'new-model', dim: 16 };
const { open, opened } = openedAfterEach();

const openAs = (name: string, model: { modelId: string; dim: number }) => open({ name, ...model });

async function closeAll(): Promise<void> {
  await Promise.all(opened.splice(0).map((db) => db.close()));
}

/** A memory on OLD: Amy and Raj with 3 samples each (crops), Sheldon with 2 imported without crops. */
async function seeded(name: string) {
  const r = rng(7);
  const people = {
    Amy: { old: randomUnit(OLD.dim, r), next: randomUnit(NEW.dim, r) },
    Raj: { old: randomUnit(OLD.dim, r), next: randomUnit(NEW.dim, r) },
    Sheldon: { old: randomUnit(OLD.dim, r), next: randomUnit(NEW.dim, r) },
  };
  const db = await openAs(name, OLD);
  const ids = await db.importPersons([
    {
      name: 'Amy',
      embeddings: [0, 1, 2].map(() => near(people.Amy.old, 0.3, r)),
      crops: [pngBlob(), pngBlob(), pngBlob()],
    },
    {
      name: 'Raj',
      embeddings: [0, 1, 2].map(() => near(people.Raj.old, 0.3, r)),
      crops: [pngBlob(), pngBlob(), pngBlob()],
    },
    { name: 'Sheldon', embeddings: [0, 1].map(() => near(people.Sheldon.old, 0.3, r)) },
  ]);
  const byPerson = new Map(ids.map((id, i) => [id, Object.values(people)[i]!]));
  /** The "new model" on a sample's crop: near its person's NEW vector. */
  const embedNew = (personId: number) => near(byPerson.get(personId)!.next, 0.3, r);
  return { db, people, ids, embedNew, r };
}

describe('re-embedding for another model', () => {
  it('plans the samples with crops, reports those without, and includes queued faces', async () => {
    const { db, ids } = await seeded(uniqueName());
    const queuedWithCrop = await db.queueUnlabeled(pngBlob(), randomUnit(OLD.dim, rng(1)));
    await db.queueUnlabeled(null, randomUnit(OLD.dim, rng(2)));
    const plan = await db.planReembed(NEW.modelId, NEW.dim);
    expect(plan.total).toBe(8);
    expect(plan.ready).toBe(0);
    expect(plan.todo).toHaveLength(6);
    expect(new Set(plan.todo.map((t) => t.personId))).toEqual(new Set([ids[0], ids[1]]));
    expect(plan.todo.every((t) => t.modelId === OLD.modelId)).toBe(true);
    expect(plan.noCrop).toEqual([{ personId: ids[2], name: 'Sheldon', noCrop: 2, notEmbedded: 0 }]);
    expect(plan.queued).toEqual([queuedWithCrop]);
    expect(plan.queuedNoCrop).toBe(1);
  });

  it('stores in batches of one transaction each, resumes after an interruption, and repeats harmlessly', async () => {
    const name = uniqueName();
    const { db, embedNew } = await seeded(name);
    const plan = await db.planReembed(NEW.modelId, NEW.dim);
    const first = plan.todo.slice(0, 4).map((t) => ({
      sampleId: t.sampleId,
      embedding: embedNew(t.personId),
    }));
    const writes = await countWriteTransactions(async () => {
      expect(await db.storeReembedded(NEW.modelId, NEW.dim, first.slice(0, 2))).toBe(2);
      expect(await db.storeReembedded(NEW.modelId, NEW.dim, first.slice(2))).toBe(2);
    });
    expect(writes).toBe(2);
    // The tab closes here; the next session's plan has only what is left.
    await closeAll();
    const again = await openAs(name, OLD);
    const rest = await again.planReembed(NEW.modelId, NEW.dim);
    expect(rest.ready).toBe(4);
    expect(rest.todo.map((t) => t.sampleId)).toEqual(plan.todo.slice(4).map((t) => t.sampleId));
    // A batch stored twice (say, before a crash was noticed) leaves one row per sample.
    await again.storeReembedded(NEW.modelId, NEW.dim, first);
    const store = await dumpStore(name);
    const rowsOfNew = Object.entries(store)
      .filter(([k]) => k.startsWith(`emb/${NEW.modelId}/`))
      .flatMap(([, v]) => (v as { sampleIds: number[] }).sampleIds);
    expect(rowsOfNew.sort()).toEqual(first.map((f) => f.sampleId).sort());
  });

  it('leaves the model in use fully working until adoption (a cancelled switch changes nothing it uses)', async () => {
    const { db, people, embedNew } = await seeded(uniqueName());
    const before = await db.stats();
    const plan = await db.planReembed(NEW.modelId, NEW.dim);
    await db.storeReembedded(
      NEW.modelId,
      NEW.dim,
      plan.todo.slice(0, 3).map((t) => ({ sampleId: t.sampleId, embedding: embedNew(t.personId) })),
    );
    expect(await db.stats()).toEqual(before);
    expect((await db.findMatch(near(people.Raj.old, 0.3, rng(3)))).name).toBe('Raj');
    expect((await db.findMatch(near(people.Sheldon.old, 0.3, rng(4)))).name).toBe('Sheldon');
  });

  it('adopts: samples and queued faces move, the new model recognises everyone re-embedded, the rest is reported', async () => {
    const name = uniqueName();
    const { db, people, ids, embedNew } = await seeded(name);
    const queued = await db.queueUnlabeled(pngBlob(), randomUnit(OLD.dim, rng(5)));
    const plan = await db.planReembed(NEW.modelId, NEW.dim);
    // One of Raj's crops had no face the detector could find again: not stored.
    const lost = plan.todo.filter((t) => t.personId === ids[1]).at(-1)!;
    const found = plan.todo.filter((t) => t !== lost);
    await db.storeReembedded(
      NEW.modelId,
      NEW.dim,
      found.map((t) => ({ sampleId: t.sampleId, embedding: embedNew(t.personId) })),
    );
    const queuedVector = randomUnit(NEW.dim, rng(6));
    const res = await db.adoptModel(NEW.modelId, NEW.dim, [
      { unlabeledId: queued, embedding: queuedVector },
    ]);
    expect(res).toMatchObject({ adopted: 5, searchable: 5, queuedAdopted: 1, queuedLeft: 0 });
    expect(res.leftBehind).toEqual([
      { personId: ids[1], name: 'Raj', noCrop: 0, notEmbedded: 1 },
      { personId: ids[2], name: 'Sheldon', noCrop: 2, notEmbedded: 0 },
    ]);
    // The old model's index lost them at once.
    expect((await db.stats()).ntotal).toBe(3);
    await closeAll();

    const next = await openAs(name, NEW);
    expect(next.openReport.indexSource).toBe('rebuilt');
    const s = await next.stats();
    expect(s).toMatchObject({ modelId: NEW.modelId, dim: NEW.dim, ntotal: 5, samples: 8 });
    expect((await next.findMatch(near(people.Amy.next, 0.3, rng(8)))).name).toBe('Amy');
    expect((await next.findMatch(near(people.Raj.next, 0.3, rng(9)))).name).toBe('Raj');
    const [suggestions] = await next.suggestForUnlabeled([queued], 2);
    expect(suggestions).toHaveLength(2); // the queued face is searchable with the new model
    // Labelling it after the switch makes a sample of the new model.
    const pid = await next.labelFace(queued, 'Penny');
    expect((await next.findMatch(queuedVector)).personId).toBe(pid);
  });

  it('switching back finds the old vectors kept: nothing to embed again', async () => {
    const name = uniqueName();
    const { db, people, embedNew } = await seeded(name);
    const plan = await db.planReembed(NEW.modelId, NEW.dim);
    await db.storeReembedded(
      NEW.modelId,
      NEW.dim,
      plan.todo.map((t) => ({ sampleId: t.sampleId, embedding: embedNew(t.personId) })),
    );
    await db.adoptModel(NEW.modelId, NEW.dim);
    await closeAll();
    const next = await openAs(name, NEW);
    const back = await next.planReembed(OLD.modelId, OLD.dim);
    expect(back).toMatchObject({ total: 8, ready: 8, todo: [], noCrop: [] });
    expect(await next.adoptModel(OLD.modelId, OLD.dim)).toMatchObject({
      adopted: 6,
      searchable: 8,
      leftBehind: [],
    });
    await closeAll();
    const old = await openAs(name, OLD);
    expect((await old.stats()).ntotal).toBe(8);
    expect((await old.findMatch(near(people.Amy.old, 0.3, rng(10)))).name).toBe('Amy');
  });

  it('follows moves, merges and deletes made while re-embedding', async () => {
    const name = uniqueName();
    const { db, people, ids, embedNew } = await seeded(name);
    const plan = await db.planReembed(NEW.modelId, NEW.dim);
    await db.storeReembedded(
      NEW.modelId,
      NEW.dim,
      plan.todo.map((t) => ({ sampleId: t.sampleId, embedding: embedNew(t.personId) })),
    );
    const amySample = plan.todo.find((t) => t.personId === ids[0])!.sampleId;
    const rajSamples = plan.todo.filter((t) => t.personId === ids[1]).map((t) => t.sampleId);
    await db.moveSample(amySample, ids[2]!); // a wrong label fixed: to Sheldon
    await db.deleteSample(rajSamples[0]!);
    await db.mergePersons(ids[1]!, ids[0]!); // Raj was Amy all along
    const res = await db.adoptModel(NEW.modelId, NEW.dim);
    expect(res.searchable).toBe(5);
    await closeAll();
    const store = await dumpStore(name);
    const records = Object.entries(store).filter(([k]) => k.startsWith(`emb/${NEW.modelId}/`));
    // Exactly the live samples, each once, in its owner's record.
    const owners = Object.fromEntries(
      records.flatMap(([k, v]) =>
        (v as { sampleIds: number[] }).sampleIds.map((sid) => [sid, Number(k.split('/')[2])]),
      ),
    );
    expect(Object.keys(owners)).toHaveLength(5);
    expect(owners[amySample]).toBe(ids[2]);
    expect(owners[rajSamples[0]!]).toBeUndefined();
    expect(owners[rajSamples[1]!]).toBe(ids[0]);
    const next = await openAs(name, NEW);
    expect((await next.findMatch(near(people.Raj.next, 0.2, rng(11)))).personId).toBe(ids[0]);
  });

  it('refuses wrong-length vectors, and a failed batch leaves storage as it was', async () => {
    const name = uniqueName();
    let fail = false;
    const db = await open({
      name,
      ...OLD,
      onWriteStep: (step) => {
        if (fail && step === 'commit') throw new Error('disk full');
      },
    });
    await db.importPersons([
      { name: 'Amy', embeddings: [randomUnit(OLD.dim, rng(1))], crops: [pngBlob()] },
    ]);
    const plan = await db.planReembed(NEW.modelId, NEW.dim);
    const sampleId = plan.todo[0]!.sampleId;
    const err = await db
      .storeReembedded(NEW.modelId, NEW.dim, [{ sampleId, embedding: randomUnit(OLD.dim, rng(2)) }])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MemoryError);
    expect((err as MemoryError).code).toBe('invalid-embedding');
    const before = await dumpStore(name);
    fail = true;
    await expect(
      db.storeReembedded(NEW.modelId, NEW.dim, [
        { sampleId, embedding: randomUnit(NEW.dim, rng(3)) },
      ]),
    ).rejects.toThrow();
    expect(await dumpStore(name)).toEqual(before);
    fail = false;
    expect((await db.planReembed(NEW.modelId, NEW.dim)).todo).toHaveLength(1);
  });

  it('setThreshold changes what counts as a match at once', async () => {
    const { db, people } = await seeded(uniqueName());
    const q = near(people.Amy.old, 1.2, rng(12));
    const m = await db.findMatch(q);
    await db.setThreshold(Math.min(1, m.similarity + 0.05));
    expect((await db.findMatch(q)).personId).toBeNull();
    await db.setThreshold(Math.max(-1, m.similarity - 0.05));
    expect((await db.findMatch(q)).name).toBe('Amy');
    await expect(db.setThreshold(2)).rejects.toThrow(/cosine/);
  });
});
