import * as Comlink from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { keepErrorCodes } from '../../workers/worker-boundary';
import { createMemoryService, type MemoryService } from '../service';
import type { RecogniseFace, RecognisedFace } from './recognise';
import type { FaceDatabase } from '../face-database';
import { InProcessLockManager } from '../../../../tests/support/memory/in-process-lock-manager';
import {
  openedAfterEach,
  errorOf,
  dumpStore,
  near,
  pngBlob,
  randomUnit,
  rng,
  uniqueName,
} from '../../../../tests/support/memory/memory-fixtures';

const DIM = 32;
const MIN = 60_000;
const { open } = openedAfterEach({ dim: DIM }, { flush: false });

/** Ada and Bo labelled at time 0. */
async function withPeople(opts: { name?: string; locks?: InProcessLockManager } = {}) {
  const db = await open({ sightingFlushMs: 60_000, ...opts });
  const r = rng(71);
  const ada = randomUnit(DIM, r);
  const bo = randomUnit(DIM, r);
  const idAda = await db.labelFace(await db.queueUnlabeled(null, ada, { timestampMs: 0 }), 'Ada');
  const idBo = await db.labelFace(await db.queueUnlabeled(null, bo, { timestampMs: 0 }), 'Bo');
  return { db, r, ada, bo, idAda, idBo };
}

const face = (embedding: Float32Array, track: RecogniseFace['track'] = null): RecogniseFace => ({
  embedding,
  crop: pngBlob(),
  score: 0.9,
  boxSidePx: 200,
  track,
});

/** The next frame's faces, carrying each face's track as the live view does. */
const again = (faces: RecogniseFace[], got: RecognisedFace[]): RecogniseFace[] =>
  faces.map((f, i) => ({ ...f, track: got[i]!.track }));

/** A track's first frame only identifies ("…"); the second, 100 ms later, is what the vote decides. */
async function twice(
  db: { recognise: (f: RecogniseFace[], t: number) => Promise<RecognisedFace[]> },
  faces: RecogniseFace[],
  atMs: number,
): Promise<{ first: RecognisedFace[]; got: RecognisedFace[]; faces: RecogniseFace[] }> {
  const first = await db.recognise(faces, atMs - 100);
  const next = again(faces, first);
  return { first, got: await db.recognise(next, atMs), faces: next };
}

describe('recognise (one call per live frame)', () => {
  it('names, records and queues the faces of a frame, and says what to announce', async () => {
    const { db, r, ada, bo, idAda, idBo } = await withPeople();
    const stranger = randomUnit(DIM, r);
    const faces = [face(near(ada, 0.2, r)), face(stranger), face(near(bo, 0.2, r))];
    const t0 = 10 * MIN;
    const ids = await db.identify(
      faces.map((f) => f.embedding as Float32Array),
      3,
    );
    const { first, got } = await twice(db, faces, t0);
    // The first embedding of each track only identifies: "…", nothing written or said.
    expect(first.map((g) => [g.state, g.name, g.newVisit, g.queued, g.announce])).toEqual([
      ['identifying', null, false, false, null],
      ['identifying', null, false, false, null],
      ['identifying', null, false, false, null],
    ]);
    // Who each face is: the vote's name agrees with what identify says of this embedding.
    expect(got.map(({ personId, name }) => ({ personId, name }))).toEqual(
      ids.map(({ personId, name }) => ({ personId, name })),
    );
    expect(got.map((g) => g.state)).toEqual(['named', 'stranger', 'named']);
    expect(got[0]!.confidence).toBeCloseTo(1);
    expect(got.map((g) => g.topK)).toEqual(ids.map((i) => i.topK));
    expect(got.map((g) => [g.name, g.newVisit, g.queued, g.announce])).toEqual([
      ['Ada', true, false, 'Ada recognised'],
      [null, true, true, 'A new face was queued for labelling'], // a new visitor's first visit
      ['Bo', true, false, 'Bo recognised'],
    ]);
    expect(got[1]!.track).toMatchObject({ personId: null, queued: 1, bestQueuedQuality: 0.9 });
    const waiting = await db.getUnlabeled();
    expect(waiting).toHaveLength(1);
    expect(waiting[0]!.timestampMs).toBe(t0);
    expect(waiting[0]!.quality).toBeCloseTo(0.9);
    expect(waiting[0]!.hasCrop).toBe(true);

    // The next frames of the same tracks: one visit, nothing more said or queued.
    let next = again(
      faces.map((f, i) => ({ ...f, track: first[i]!.track })),
      got,
    );
    for (let ms = t0 + 500; ms < t0 + 3000; ms += 500) {
      const more = await db.recognise(next, ms);
      expect(more.map((g) => [g.newVisit, g.queued, g.announce])).toEqual([
        [false, false, null],
        [false, false, null],
        [false, false, null],
      ]);
      next = again(next, more);
    }
    await db.flush();
    for (const id of [idAda, idBo]) {
      const p = await db.getPerson(id);
      expect(p.visitCount).toBe(2); // labelled, then this visit
      expect(p.lastSeenMs).toBe(t0 + 2500);
    }
    expect(await db.getUnlabeled()).toHaveLength(1);
  });

  it('two faces of one stranger in one frame join one group', async () => {
    const { db, r } = await withPeople();
    const stranger = randomUnit(DIM, r);
    const { got } = await twice(
      db,
      [face(near(stranger, 0.1, r)), face(near(stranger, 0.1, r))],
      MIN,
    );
    expect(got.map((g) => g.queued)).toEqual([true, true]);
    const waiting = await db.getUnlabeled();
    expect(waiting).toHaveLength(2);
    expect(new Set(waiting.map((w) => w.groupKey)).size).toBe(1);
  });

  it('a face without a crop is named but not queued', async () => {
    const { db, r } = await withPeople();
    const { got } = await twice(db, [{ ...face(randomUnit(DIM, r)), crop: null }], MIN);
    expect(got[0]!.state).toBe('stranger');
    expect(got[0]!.queued).toBe(false);
    expect(got[0]!.announce).toBeNull();
    expect(await db.getUnlabeled()).toHaveLength(0);
  });

  it('a read-only memory names and announces, and writes nothing', async () => {
    const name = uniqueName();
    const locks = new InProcessLockManager();
    const { db, r, ada } = await withPeople({ name, locks });
    await db.flush();
    const second = await open({ name, locks });
    expect(second.readOnly).toBe(true);
    const before = await dumpStore(name);
    const { got } = await twice(second, [face(near(ada, 0.2, r)), face(randomUnit(DIM, r))], MIN);
    expect(got.map((g) => [g.name, g.newVisit, g.queued, g.announce])).toEqual([
      ['Ada', false, false, 'Ada recognised'],
      [null, false, false, null],
    ]);
    await second.flush();
    expect(await dumpStore(name)).toEqual(before);
  });

  it('an empty frame is nothing; bad faces are refused before anything is written', async () => {
    const { db, r } = await withPeople();
    expect(await db.recognise([], MIN)).toEqual([]);
    const bad = [
      db.recognise('nope' as unknown as RecogniseFace[], MIN),
      db.recognise([null as unknown as RecogniseFace], MIN),
      db.recognise([{ ...face(randomUnit(DIM, r)), score: Number.NaN }], MIN),
      db.recognise([{ ...face(randomUnit(DIM, r)), crop: 'x' as unknown as Blob }], MIN),
      db.recognise([face(randomUnit(DIM, r), { personId: null } as RecogniseFace['track'])], MIN),
      db.recognise([face(randomUnit(DIM, r))], Number.NaN),
      db.recognise(
        [
          face(randomUnit(DIM, r), {
            personId: null,
            queued: 0,
            bestQueuedQuality: 0,
            evidence: [{ personId: 1, similarity: 'x' }],
          } as unknown as RecogniseFace['track']),
        ],
        MIN,
      ),
      db.recognise([{ ...face(randomUnit(DIM, r)), gateOk: 'yes' as unknown as boolean }], MIN),
    ];
    for (const p of bad) expect((await errorOf(p)).code).toBe('invalid-input');
    const wrongDim = db.recognise([face(randomUnit(DIM, r)), face(randomUnit(DIM + 1, r))], MIN);
    expect((await errorOf(wrongDim)).code).toBe('invalid-embedding');
    expect(await db.getUnlabeled()).toHaveLength(0);
  });
});

describe('recognise over the worker boundary', () => {
  const ports: MessagePort[] = [];
  afterEach(() => ports.splice(0).forEach((p) => p.close()));

  it('takes transferred embeddings and Blob crops through a MessageChannel, as the page sends them', async () => {
    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    keepErrorCodes(Comlink.transferHandlers);
    Comlink.expose(createMemoryService(), port1);
    const api = Comlink.wrap<MemoryService>(port2);
    await api.open({ name: uniqueName(), modelId: 'm', dim: DIM, maintenanceDelayMs: Infinity });
    const r = rng(72);
    const ada = randomUnit(DIM, r);
    await api.labelFace(await api.queueUnlabeled(null, ada), 'Ada');
    const embeddings = [near(ada, 0.2, r), randomUnit(DIM, r)];
    const faces = embeddings.map((embedding) => face(embedding));
    const first = await api.recognise(
      faces.map((f) => ({ ...f, embedding: (f.embedding as Float32Array).slice() })),
      MIN - 100,
    );
    const got = await api.recognise(
      Comlink.transfer(
        faces.map((f, i) => ({ ...f, track: first[i]!.track })),
        embeddings.map((e) => e.buffer),
      ),
      MIN,
    );
    expect(embeddings[0]!.length).toBe(0); // transferred, not copied
    expect(got.map((g) => [g.name, g.queued, g.announce])).toEqual([
      ['Ada', false, 'Ada recognised'],
      [null, true, 'A new face was queued for labelling'],
    ]);
    const waiting = await api.getUnlabeled();
    expect(waiting.filter((w) => w.hasCrop)).toHaveLength(1);
    const err = await api.recognise([face(randomUnit(DIM + 1, r))], MIN).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('invalid-embedding');
    await api.close();
  });
});

describe('recognise with a second opinion (decision/second-opinion.ts)', () => {
  const DIM2 = 8;
  // A band wide enough that a face between Ada and Bo lands in it: "not sure" alone.
  const thresholds = { lower: 0.5, upper: 0.9 };
  const secondOpinion = { modelId: 'second', dim: DIM2, upper: 0.6, minMargin: 0.05 };

  /** Ada and Bo with crops, and (for `withSecond`) their samples embedded with the second model too. */
  async function lookAlikes(withSecond: ('Ada' | 'Bo')[]) {
    const db = await open({ sightingFlushMs: 60_000 });
    const r = rng(5);
    const ada = randomUnit(DIM, r);
    const bo = randomUnit(DIM, r);
    const idAda = await db.labelFace(await db.queueUnlabeled(pngBlob(), ada), 'Ada');
    const idBo = await db.labelFace(await db.queueUnlabeled(pngBlob(), bo), 'Bo');
    const second = { Ada: randomUnit(DIM2, r), Bo: randomUnit(DIM2, r) };
    const plan = await db.planReembed('second', DIM2);
    const ids = { Ada: idAda, Bo: idBo };
    await db.storeReembedded(
      'second',
      DIM2,
      plan.todo
        .filter((s) => withSecond.some((n) => ids[n] === s.personId))
        .map((s) => ({
          sampleId: s.sampleId,
          embedding: s.personId === idAda ? second.Ada : second.Bo,
        })),
    );
    // Closer to Ada than to Bo, but both in the band.
    const between = new Float32Array(DIM).map((_, i) => ada[i]! + 0.9 * bo[i]!);
    return { db, r, idAda, idBo, second, between: near(between, 0, r) };
  }

  /** One track over frames, each with the second call the glue makes when asked. */
  async function frames(
    db: FaceDatabase,
    embedding: Float32Array,
    secondEmbedding: Float32Array,
    n: number,
  ) {
    let track: RecogniseFace['track'] = null;
    const out: { first: RecognisedFace; final: RecognisedFace }[] = [];
    for (let i = 0; i < n; i++) {
      const opts = { thresholds, secondOpinion };
      const [first] = await db.recognise(
        [{ ...face(embedding, track), trackId: 1 }],
        i * 100,
        opts,
      );
      let final = first!;
      if (first!.askSecond) {
        const f = { ...face(embedding, track), trackId: 1 };
        const again = await db.recognise(
          [{ ...f, second: { modelId: 'second', embedding: secondEmbedding } }],
          i * 100,
          { ...opts, taken: [] },
        );
        final = again[0]!;
      }
      track = final.track;
      out.push({ first: first!, final });
    }
    return out;
  }

  it('names the look-alike when the second model agrees, where the primary alone stays not sure', async () => {
    const { db, r, idAda, idBo, second, between } = await lookAlikes(['Ada', 'Bo']);
    const got = await frames(db, between, near(second.Ada, 0.1, r), 3);
    expect(got[0]!.first.askSecond).toEqual([idAda, idBo]);
    expect(got[0]!.final.secondOpinion).toMatchObject({ agree: true, personId: idAda });
    expect(got.map((g) => g.final.state)).toEqual(['identifying', 'named', 'named']);
    expect(got[2]!.final.name).toBe('Ada');
    const alone = await db.recognise([face(between, null)], 1000, { thresholds });
    expect(alone[0]!.askSecond).toBeNull(); // off without a second model
  });

  it('stays not sure when the second model prefers the other person', async () => {
    const { db, r, second, between } = await lookAlikes(['Ada', 'Bo']);
    const got = await frames(db, between, near(second.Bo, 0.1, r), 3);
    expect(got.map((g) => g.final.secondOpinion?.agree)).toEqual([false, false, false]);
    expect(got.map((g) => g.final.state)).toEqual(['identifying', 'not-sure', 'not-sure']);
    expect(got.every((g) => g.final.name === null)).toBe(true);
  });

  it('does not ask when the second model has no vectors for one of the two', async () => {
    const { db, r, second, between } = await lookAlikes(['Ada']);
    const got = await frames(db, between, near(second.Ada, 0.1, r), 2);
    expect(got.map((g) => [g.first.askSecond, g.final.state])).toEqual([
      [null, 'identifying'],
      [null, 'not-sure'],
    ]);
  });
});
