/**
 * The live evaluation (`npm run eval -- --live <dir>`): camera-like clips
 * (live-clips.ts) of known people and strangers, run through the app's own
 * parts in Node: vision-api's processFrame (detector, tracker cadence,
 * embedder), the memory's FaceDatabase (fake-indexeddb, real FAISS and
 * sql.js) with people labelled through the queue → labelFace path, and one
 * recognise() call per frame with the same track bookkeeping as the live
 * page (TrackIdentities, through the page's own live/frame-glue.ts). What a
 * frame "shows" is read by displayedName().
 *
 * Layout of <dir>: one folder per person, 2+ images each (read by content;
 * unreadable files are counted and skipped). Sorted by folder name, people at
 * even positions are known (first image enrolled), odd ones are strangers.
 * Every image not enrolled becomes one clip of 30 frames at 10 fps.
 */
import { lowerFor } from '../../../src/lib/decision/decide.ts';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { FaceDatabase } from '../../../src/lib/memory/face-database.ts';
import type { RecognisedFace } from '../../../src/lib/memory/actions/recognise.ts';
import { frameSeen, recogniseFrame, rememberRecognised } from '../../../src/lib/live/frame-glue.ts';
import type { RecogniseOptions } from '../../../src/lib/memory/actions/recognise.ts';
import { reembedAll } from '../../../src/lib/vision/reembed-all.ts';
import { TrackIdentities } from '../../../src/lib/live/track-identities.ts';
import type { RgbaImage } from '../../../src/lib/vision/image.ts';
import type { SessionEnv } from '../../../src/lib/vision/ort-session.ts';
import { getEmbedderSpec } from '../../../src/lib/vision/registry.ts';
import { createVisionApi, type EncodedFace } from '../../../src/lib/vision/vision-api.ts';
import type { ModelStore } from '../../../src/lib/vision/model-store.ts';
import { median } from '../../bench/types.ts';
import { InProcessLockManager } from '../memory/in-process-lock-manager.ts';
import { clipFrames, DEFAULT_CLIP, type ClipOptions } from './live-clips.ts';
import { decodeImage, nodeModelSource } from './vision-node.ts';

/** Frames are 100 ms apart (10 fps), as the timestamps the live view passes. */
const FRAME_MS = 100;

interface LiveEvalOptions {
  dir: string;
  modelId: string;
  seed: number;
  env: SessionEnv;
  store?: ModelStore;
  /** Only these people (folder names); default all. */
  people?: readonly string[];
  /** People reported separately (e.g. those the threshold was not tuned on). */
  heldOut?: readonly string[];
  /** At most this many clips per person (default all images). */
  clipsPerPerson?: number;
  clip?: ClipOptions;
  /** Memory threshold; default the model's shipped one. */
  threshold?: number;
  /**
   * The live vote's lower threshold ("Not sure" between it and `threshold`);
   * default as the app sets it: the model's band kept below the threshold.
   */
  lower?: number;
  /**
   * A second opinion for look-alikes (decision/second-opinion.ts) from this
   * bundled embedder: the known people's samples are embedded with it from their
   * stored crops (as a model switch's re-embedding stores them), and it runs on
   * the faces the memory is not sure about. Its threshold: default its shipped one.
   */
  secondOpinion?: { modelId: string; upper?: number; minMargin: number };
  log?: (msg: string) => void;
}

/** What one face's box shows, as recognise() said it (the one place to adapt to new fields). */
function displayedName(face: RecognisedFace): string | null {
  const state = (face as { state?: string }).state;
  if (state !== undefined) return state === 'named' ? face.name : null;
  return face.personId !== null ? face.name : null;
}

/** The plain single threshold on this one embedding (what the app did before the track decision). */
function thresholdName(face: RecognisedFace): string | null {
  return face.personId !== null ? face.name : null;
}

interface LiveFigures {
  people: number;
  knownClips: number;
  strangerClips: number;
  frames: number;
  /** Frames on which a box shows a name that is not the clip's person. */
  wrongNameFrames: number;
  /** Known clips whose last frame shows the right name. */
  knownNamedRate: number;
  /** Median over known clips named at all: frames until the right name first shows (1-based). */
  medianFramesToName: number | null;
  /** Frames on which a box shows "not sure" (recognise's `state`; 0 while it has none). */
  notSureFrames: number;
  /** Rows added to the unlabeled queue per stranger clip. */
  strangerQueueRowsPerClip: number;
  /** Sightings recorded for a person other than the clip's (read back from the memory). */
  sightingsWrong: number;
}

/** What the second opinion did (LiveEvalOptions.secondOpinion), over every clip. */
interface SecondOpinionFigures {
  modelId: string;
  upper: number;
  minMargin: number;
  /** Enrolled samples that got a vector of the second model. */
  samplesEmbedded: number;
  /** Faces the second embedder ran on (each one not sure between two people). */
  asked: number;
  /** Of those, the faces both embedders agreed on (an embedding voting for a person). */
  agreed: number;
  /** Agreements on a person who is not the clip's (must stay 0). */
  agreedWrong: number;
  /** Verdicts that stayed not sure, by reason. */
  notAgreed: Record<string, number>;
  /** Median ms of the second embedder per face it ran on (alignment + preprocessing + model). */
  msPerFace: number | null;
  /** All its ms over all frames. */
  msTotal: number;
}

interface LiveReport extends LiveFigures {
  mode: 'live';
  model: string;
  seed: number;
  thresholdCosine: number;
  /** The live vote's lower threshold used. */
  lowerCosine: number;
  known: string[];
  strangers: string[];
  unreadableFiles: number;
  enrolFailed: string[];
  /** The same clips and embeddings judged by the plain threshold per embedding. */
  baselineThreshold: Pick<LiveFigures, 'wrongNameFrames' | 'knownNamedRate' | 'medianFramesToName'>;
  heldOut?: { names: string[] } & LiveFigures;
  tuned?: { names: string[] } & LiveFigures;
  /** The vision worker's own time on all frames (detect + landmarks + primary embeds). */
  processMsTotal: number;
  secondOpinion?: SecondOpinionFigures;
  elapsedMs: number;
}

/** What one clip's second opinions were (see SecondOpinionFigures). */
interface SecondTally {
  asked: number;
  agreed: number;
  agreedWrong: number;
  notAgreed: Record<string, number>;
  ms: number[];
}

interface ClipResult {
  person: string;
  known: boolean;
  frames: number;
  wrong: number;
  notSure: number;
  lastRight: boolean;
  framesToName: number | null;
  baseWrong: number;
  baseLastRight: boolean;
  baseFramesToName: number | null;
  queueRows: number;
  sightingsWrong: number;
  processMs: number;
  second: SecondTally;
}

async function personFolders(dir: string, only?: readonly string[]) {
  const entries = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && e.name !== 'groups')
    .filter((e) => !only || only.includes(e.name))
    .map((e) => e.name)
    .sort();
  let unreadable = 0;
  const people: { name: string; images: RgbaImage[] }[] = [];
  for (const name of entries) {
    const files = (await readdir(join(dir, name), { withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    const images: RgbaImage[] = [];
    for (const f of files) {
      try {
        images.push(decodeImage(await readFile(join(dir, name, f)), f));
      } catch {
        unreadable++;
      }
    }
    if (images.length >= 2) people.push({ name, images });
  }
  return { people, unreadable };
}

function pngBlob(img: RgbaImage): Blob {
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return new Blob([new Uint8Array(PNG.sync.write(png))], { type: 'image/png' });
}

function figures(clips: readonly ClipResult[], people: number): LiveFigures {
  const known = clips.filter((c) => c.known);
  const strangers = clips.filter((c) => !c.known);
  const sum = (f: (c: ClipResult) => number, xs = clips) => xs.reduce((s, c) => s + f(c), 0);
  const toName = known.flatMap((c) => (c.framesToName === null ? [] : [c.framesToName]));
  return {
    people,
    knownClips: known.length,
    strangerClips: strangers.length,
    frames: sum((c) => c.frames),
    wrongNameFrames: sum((c) => c.wrong),
    knownNamedRate: known.length ? known.filter((c) => c.lastRight).length / known.length : 0,
    medianFramesToName: toName.length ? median(toName) : null,
    notSureFrames: sum((c) => c.notSure),
    strangerQueueRowsPerClip: strangers.length
      ? sum((c) => c.queueRows, strangers) / strangers.length
      : 0,
    sightingsWrong: sum((c) => c.sightingsWrong),
  };
}

function baseline(clips: readonly ClipResult[]): LiveReport['baselineThreshold'] {
  const known = clips.filter((c) => c.known);
  const toName = known.flatMap((c) => (c.baseFramesToName === null ? [] : [c.baseFramesToName]));
  return {
    wrongNameFrames: clips.reduce((s, c) => s + c.baseWrong, 0),
    knownNamedRate: known.length ? known.filter((c) => c.baseLastRight).length / known.length : 0,
    medianFramesToName: toName.length ? median(toName) : null,
  };
}

/** Sightings stored per person id (after a flush). */
async function sightingCounts(db: FaceDatabase): Promise<Map<number, number>> {
  await db.flush();
  const out = new Map<number, number>();
  for (const p of await db.listPersons()) {
    out.set(p.id, (await db.getPerson(p.id, 1_000_000)).recentSightings.length);
  }
  return out;
}

export async function evalLive(o: LiveEvalOptions): Promise<LiveReport> {
  const t0 = performance.now();
  const log = o.log ?? (() => {});
  const spec = getEmbedderSpec(o.modelId);
  if (!spec) throw new Error(`unknown model ${o.modelId}`);
  const clipOpts = o.clip ?? DEFAULT_CLIP;
  const vision = createVisionApi<RgbaImage>({
    sessionEnv: async () => o.env,
    modelSource: () => nodeModelSource(o.store),
    store: o.store ?? {
      get: async () => undefined,
      put: async () => {},
      delete: async () => {},
    },
    pixels: (img) => img,
    encode: async (crop) => pngBlob(crop),
  });
  let info = await vision.init('file:///', () => {});
  if (info.id !== spec.id) info = await vision.useEmbedder(spec.id);
  const threshold = o.threshold ?? info.thresholdCosine;
  const db = await FaceDatabase.open({
    name: `live-eval-${process.pid}-${Date.now()}`,
    modelId: info.id,
    dim: info.dim,
    threshold,
    maintenanceDelayMs: Infinity,
    locks: new InProcessLockManager(),
  });
  // The two thresholds as the app sets them when it opens the memory (state/app.svelte.ts).
  const lower = o.lower ?? lowerFor(info, threshold);
  await db.setThreshold(threshold, lower);
  const { people, unreadable } = await personFolders(o.dir, o.people);
  const known = people.filter((_, i) => i % 2 === 0);
  const strangers = people.filter((_, i) => i % 2 === 1);
  const enrolFailed: string[] = [];
  try {
    // Enrolment as the app labels a photo: its largest face queued, then named.
    for (const p of known) {
      const still = await vision.embedStill(p.images[0]!);
      if (!still) {
        enrolFailed.push(p.name);
        continue;
      }
      const id = await db.queueUnlabeled(still.crop, still.embedding);
      await db.labelFace(id, p.name);
    }
    let recogniseOpts: RecogniseOptions = {};
    let samplesEmbedded = 0;
    const so = o.secondOpinion;
    if (so) {
      const soSpec = getEmbedderSpec(so.modelId);
      if (!soSpec) throw new Error(`unknown model ${so.modelId}`);
      const second = (await vision.useSecondEmbedder(so.modelId))!;
      // The app's re-embedding steps 1 and 2 (no adoption): the known people's stored
      // crops embedded with the second model, kept beside the primary's vectors.
      await vision.stageEmbedder(so.modelId);
      const run = await reembedAll<RgbaImage>({
        plan: () => db.planReembed(second.id, second.dim),
        sampleCrop: (id) => db.getSampleCrop(id),
        queuedCrop: async () => undefined,
        decode: async (crop) => decodeImage(new Uint8Array(await crop.arrayBuffer()), 'crop'),
        embed: (img) => vision.embedStaged(img),
        store: (entries) => db.storeReembedded(second.id, second.dim, entries),
      });
      await vision.discardStaged();
      samplesEmbedded = run.embedded;
      recogniseOpts = {
        secondOpinion: {
          modelId: second.id,
          dim: second.dim,
          upper: so.upper ?? soSpec.thresholdCosine,
          minMargin: so.minMargin,
        },
      };
      log(`second opinion ${second.id}: ${samplesEmbedded} samples embedded`);
    }
    const clips: ClipResult[] = [];
    let clock = Date.UTC(2026, 0, 1);
    let seedN = o.seed >>> 0;
    for (const p of people) {
      const isKnown = known.includes(p);
      const images = (isKnown ? p.images.slice(1) : p.images).slice(0, o.clipsPerPerson);
      for (const image of images) {
        seedN = (seedN + 0x9e3779b9) >>> 0;
        const before = await sightingCounts(db);
        const queuedBefore = (await db.stats()).unlabeled;
        const r = await runClip(vision, db, image, seedN, clipOpts, p.name, clock, recogniseOpts);
        clock += clipOpts.frames * FRAME_MS + 60_000; // a fresh track state: time passes
        const after = await sightingCounts(db);
        const persons = new Map((await db.listPersons()).map((x) => [x.id, x.name]));
        let sightingsWrong = 0;
        for (const [id, n] of after) {
          if (persons.get(id) !== p.name) sightingsWrong += n - (before.get(id) ?? 0);
        }
        const queueRows = (await db.stats()).unlabeled - queuedBefore;
        clips.push({ ...r, known: isKnown, queueRows, sightingsWrong });
        log(
          `${p.name} ${isKnown ? 'known' : 'stranger'}: wrong ${r.wrong}, last ${r.lastRight ? 'right' : 'no'}, toName ${r.framesToName}, queue +${queueRows}`,
        );
      }
    }
    const split = (names: readonly string[]) => {
      const set = new Set(names);
      const sub = clips.filter((c) => set.has(c.person));
      return {
        names: people.filter((p) => set.has(p.name)).map((p) => p.name),
        ...figures(sub, people.filter((p) => set.has(p.name)).length),
      };
    };
    const heldOut = o.heldOut?.filter((n) => people.some((p) => p.name === n));
    const sum = (f: (c: ClipResult) => number) => clips.reduce((s, c) => s + f(c), 0);
    const secondMs = clips.flatMap((c) => c.second.ms);
    const notAgreed: Record<string, number> = {};
    for (const c of clips) {
      for (const [k, n] of Object.entries(c.second.notAgreed))
        notAgreed[k] = (notAgreed[k] ?? 0) + n;
    }
    const so2 = recogniseOpts.secondOpinion;
    return {
      mode: 'live',
      model: info.id,
      seed: o.seed,
      thresholdCosine: threshold,
      lowerCosine: lower,
      known: known.map((p) => p.name),
      strangers: strangers.map((p) => p.name),
      ...figures(clips, people.length),
      unreadableFiles: unreadable,
      enrolFailed,
      baselineThreshold: baseline(clips),
      ...(heldOut?.length
        ? {
            heldOut: split(heldOut),
            tuned: split(people.map((p) => p.name).filter((n) => !heldOut.includes(n))),
          }
        : {}),
      processMsTotal: sum((c) => c.processMs),
      ...(so2
        ? {
            secondOpinion: {
              modelId: so2.modelId,
              upper: so2.upper,
              minMargin: so2.minMargin,
              samplesEmbedded,
              asked: sum((c) => c.second.asked),
              agreed: sum((c) => c.second.agreed),
              agreedWrong: sum((c) => c.second.agreedWrong),
              notAgreed,
              msPerFace: secondMs.length ? median(secondMs) : null,
              msTotal: secondMs.reduce((a, b) => a + b, 0),
            },
          }
        : {}),
      elapsedMs: Math.round(performance.now() - t0),
    };
  } finally {
    await db.close({ flush: false });
  }
}

type Vision = ReturnType<typeof createVisionApi<RgbaImage>>;

/**
 * One clip, frame by frame, as the live page does it (live.svelte.ts #process):
 * processFrame, one recognise call for the embedded faces with each track's
 * memory, remember / seen / prune, then what each box shows.
 */
async function runClip(
  vision: Vision,
  db: FaceDatabase,
  face: RgbaImage,
  seed: number,
  clip: ClipOptions,
  truth: string,
  startMs: number,
  recogniseOpts: RecogniseOptions = {},
): Promise<Omit<ClipResult, 'known' | 'queueRows' | 'sightingsWrong'>> {
  await vision.resetTracker();
  const identities = new TrackIdentities();
  /** What each track shows under the plain threshold (the baseline), kept like the page keeps names. */
  const baseNames = new Map<number, string | null>();
  const shown = new Map<number, string | null>();
  const states = new Map<number, string | undefined>();
  let wrong = 0;
  let notSure = 0;
  let baseWrong = 0;
  let framesToName: number | null = null;
  let baseFramesToName: number | null = null;
  let lastRight = false;
  let baseLastRight = false;
  let processMs = 0;
  const second: SecondTally = { asked: 0, agreed: 0, agreedWrong: 0, notAgreed: {}, ms: [] };
  const personNames = new Map((await db.listPersons()).map((x) => [x.id, x.name]));
  let i = 0;
  for (const { image } of clipFrames(face, seed, clip)) {
    i++;
    const nowMs = startMs + i * FRAME_MS;
    const frame = await vision.processFrame(image, nowMs);
    processMs += frame.detectMs + frame.embedMs;
    const embedded = frame.faces.filter((f): f is EncodedFace & { embedding: Float32Array } =>
      Boolean(f.embedding),
    );
    if (embedded.length) {
      // The page's own glue (live/frame-glue.ts): one call, and a second one for the
      // faces not sure between two people when the second opinion is on.
      const recognised = await recogniseFrame(embedded, identities, {
        recognise: (input, taken) =>
          db.recognise(input, nowMs, { ...recogniseOpts, ...(taken ? { taken } : {}) }),
        second: recogniseOpts.secondOpinion
          ? async (trackId) => {
              const s = await vision.secondEmbedding(trackId);
              if (s) {
                second.asked++;
                second.ms.push(s.ms);
              }
              return s;
            }
          : undefined,
      });
      for (const r of recognised) {
        const v = r.secondOpinion;
        if (!v) continue;
        if (v.agree) {
          second.agreed++;
          if (personNames.get(v.personId) !== truth) second.agreedWrong++;
        } else second.notAgreed[v.why] = (second.notAgreed[v.why] ?? 0) + 1;
      }
      rememberRecognised(identities, embedded, recognised, nowMs);
      for (const [k, r] of recognised.entries()) {
        const trackId = embedded[k]!.trackId;
        shown.set(trackId, displayedName(r));
        baseNames.set(trackId, thresholdName(r));
        states.set(trackId, (r as { state?: string }).state);
      }
    }
    frameSeen(identities, frame.faces, nowMs);
    // What the boxes show on this frame: a track forgotten by the page shows nothing.
    const names = frame.faces.map((f) => (identities.get(f.trackId) ? shown.get(f.trackId) : null));
    const bases = frame.faces.map((f) =>
      identities.get(f.trackId) ? baseNames.get(f.trackId) : null,
    );
    if (names.some((n) => n && n !== truth)) wrong++;
    if (frame.faces.some((f) => identities.get(f.trackId) && states.get(f.trackId) === 'not-sure'))
      notSure++;
    if (bases.some((n) => n && n !== truth)) baseWrong++;
    lastRight = names.includes(truth);
    baseLastRight = bases.includes(truth);
    if (lastRight && framesToName === null) framesToName = i;
    if (baseLastRight && baseFramesToName === null) baseFramesToName = i;
  }
  return {
    person: truth,
    frames: i,
    wrong,
    notSure,
    lastRight,
    framesToName,
    baseWrong,
    baseLastRight,
    baseFramesToName,
    processMs,
    second,
  };
}
