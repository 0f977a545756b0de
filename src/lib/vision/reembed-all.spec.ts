/**
 * Re-embedding for a model switch, end to end in Node with the real parts:
 * the bundled detector and embedder make the stored samples and their crops
 * (as the live view does), a generated DINOv3-signature model is the new
 * model, and the real memory (sql.js, FAISS, fake-indexeddb) stores and
 * adopts the vectors.
 */
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeImage,
  nodeModelSource,
  readImage,
} from '../../../tests/support/vision/vision-node.ts';
import { bbtCrops } from '../../../tests/fixtures/vision/bbt.ts';
import type { FaceDatabase } from '../memory/face-database';
import {
  openTest,
  randomUnit,
  rng,
  uniqueName,
} from '../../../tests/support/memory/memory-fixtures';
import { createRgba, type RgbaImage } from './image';
import { wasmEnv } from './ort-session';
import { VisionService } from './service';
import { writeDinov3SignatureModel } from '../diagnostics/probe-model/dinov3-probe';
import { describeLeftBehind, reembedAll, type ReembedDeps } from './reembed-all';

const NEXT = 'dinov3-vits16';
const PEOPLE = ['amy', 'howard', 'penny', 'raj'];
const current = new VisionService(wasmEnv, nodeModelSource());
const staged = new VisionService(wasmEnv, nodeModelSource());
let nextDim = 0;
/** person → crops (PNG blobs, as the app stores them) of their first two images. */
const crops = new Map<string, Blob[]>();
const open: FaceDatabase[] = [];

function png(img: RgbaImage): Blob {
  const p = new PNG({ width: img.width, height: img.height });
  p.data = Buffer.from(img.data);
  return new Blob([new Uint8Array(PNG.sync.write(p))], { type: 'image/png' });
}

beforeAll(async () => {
  await current.init();
  const w = writeDinov3SignatureModel({ dim: 48, heads: 3, layers: 1 });
  nextDim = (await staged.useEmbedderFiles(NEXT, [{ name: 'model.onnx', bytes: w.model }])).dim;
  await staged.init();
}, 120_000);
afterAll(async () => {
  await Promise.all(open.splice(0).map((db) => db.close()));
  await Promise.all([current.release(), staged.release()]);
});

/** A memory on the bundled model with two samples (and crops) per person, as labelling makes them. */
async function enrolled(name: string): Promise<{ db: FaceDatabase; ids: Map<string, number> }> {
  const db = await openTest({ name, modelId: 'face-fr512', dim: 512 });
  open.push(db);
  const entries = [];
  for (const person of PEOPLE) {
    const files = bbtCrops()
      .filter((c) => c.person === person)
      .slice(0, 2);
    const faces = [];
    for (const f of files) faces.push((await current.embedStill(await readImage(f.path)))!);
    const blobs = faces.map((f) => png(f.crop));
    crops.set(person, blobs);
    entries.push({
      name: person,
      embeddings: faces.map((f) => f.embedding),
      crops: blobs,
      source: 'enrol' as const,
    });
  }
  const personIds = await db.importPersons(entries);
  return { db, ids: new Map(PEOPLE.map((p, i) => [p, personIds[i]!])) };
}

function depsFor(db: FaceDatabase): ReembedDeps<RgbaImage> {
  return {
    plan: () => db.planReembed(NEXT, nextDim),
    sampleCrop: (id) => db.getSampleCrop(id),
    queuedCrop: (id) => db.getUnlabeledCrop(id),
    decode: async (blob) => decodeImage(new Uint8Array(await blob.arrayBuffer())),
    embed: async (img) => (await staged.embedStill(img))?.embedding,
    store: (entries) => db.storeReembedded(NEXT, nextDim, entries),
  };
}

describe('reembedAll (a model switch with the real detector, embedders and memory)', () => {
  it('embeds every stored crop again, then the memory adopts the new model and recognises with it', async () => {
    const name = uniqueName('switch');
    const { db, ids } = await enrolled(name);
    // A queued face (its crop from the camera) follows the switch too.
    const amy3 = (await current.embedStill(await readImage(bbtCrops()[2]!.path)))!;
    const queued = await db.queueUnlabeled(png(amy3.crop), amy3.embedding);
    const seen: number[] = [];
    const run = await reembedAll(depsFor(db), {
      batchSize: 3,
      onProgress: (p) => seen.push(p.done),
    });
    expect(run.plan.total).toBe(8);
    expect(run.embedded).toBe(8); // the detector finds every face again in its stored crop
    expect(run.notFound).toEqual([]);
    expect(run.queued.map((q) => q.unlabeledId)).toEqual([queued]);
    expect(run.queued[0]!.embedding).toHaveLength(nextDim);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const adopted = await db.adoptModel(NEXT, nextDim, run.queued);
    expect(adopted).toMatchObject({ adopted: 8, searchable: 8, queuedAdopted: 1, leftBehind: [] });
    await Promise.all(open.splice(0).map((d) => d.close()));

    const next = await openTest({ name, modelId: NEXT, dim: nextDim });
    open.push(next);
    expect(await next.stats()).toMatchObject({
      modelId: NEXT,
      dim: nextDim,
      samples: 8,
      ntotal: 8,
    });
    // Each person's crop, embedded by the new model, finds that person first.
    for (const person of PEOPLE) {
      const img = decodeImage(new Uint8Array(await crops.get(person)![1]!.arrayBuffer()));
      const v = (await staged.embedStill(img))!.embedding;
      expect((await next.findTopK(v, 1))[0]!.personId).toBe(ids.get(person));
    }
  });

  it('cancelled half way: throws AbortError, the model in use still recognises, and the next run resumes', async () => {
    const { db, ids } = await enrolled(uniqueName('switch'));
    const abort = new AbortController();
    const err = await reembedAll(depsFor(db), {
      batchSize: 2,
      signal: abort.signal,
      onProgress: (p) => p.done === 5 && abort.abort(),
    }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    const probe = (await current.embedStill(await readImage(bbtCrops()[3]!.path)))!; // amy4
    expect((await db.findMatch(probe.embedding)).personId).toBe(ids.get('amy'));
    const plan = await db.planReembed(NEXT, nextDim);
    expect(plan.ready).toBe(4); // two full batches were stored before the abort
    const rest = await reembedAll(depsFor(db));
    expect(rest.embedded).toBe(4);
    expect(rest.plan).toMatchObject({ ready: 8, todo: [] });
  });

  it('reports crops whose face is not found again, by person, and unreadable ones the same way', async () => {
    const { db, ids } = await enrolled(uniqueName('switch'));
    const grey = createRgba(160, 160);
    grey.data.fill(127);
    const [nobody, broken] = await db.importPersons([
      {
        name: 'nobody',
        embeddings: [randomUnit(512, rng(1))],
        crops: [png(grey)],
      },
      {
        name: 'broken',
        embeddings: [randomUnit(512, rng(2))],
        crops: [new Blob([new Uint8Array([1, 2, 3])], { type: 'image/png' })],
      },
    ]);
    const run = await reembedAll(depsFor(db));
    expect(run.embedded).toBe(8);
    expect(run.notFound.map((s) => s.personId)).toEqual([nobody, broken]);
    const adopted = await db.adoptModel(NEXT, nextDim);
    expect(describeLeftBehind(adopted.leftBehind, 'notEmbedded')).toEqual([
      { personId: broken, name: 'broken', count: 1 },
      { personId: nobody, name: 'nobody', count: 1 },
    ]);
    expect(describeLeftBehind(adopted.leftBehind, 'noCrop')).toEqual([]);
    expect(ids.size).toBe(4);
  });
});
