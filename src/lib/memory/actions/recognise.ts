/**
 * The live view's one call per frame: identifies every embedded face (one
 * FAISS search), decides what each means (decision/decide.ts: known or unknown,
 * sighting, queue, announcement), records the sightings and queues the
 * unknown crops so decided, and says what the page must show and announce.
 */
import type { MemoryCore } from '../store/core';
import { MemoryError } from '../base/errors';
import {
  announcement,
  decideFrame,
  faceQuality,
  type QueuePolicy,
  type Thresholds,
  type TrackMemory,
  type TrackState,
  type VotePolicy,
} from '../../decision/decide';
import { secondOpinion, tieOf, type SecondVerdict } from '../../decision/second-opinion';
import { identify } from './search';
import { bestSimilarities, secondVectors, type SecondModel } from './second-opinion';
import { rememberTrack } from './negatives';
import { observe } from './sightings';
import { matchVisitorVector, queueUnknown } from './unknowns';
import { observeVisitor } from './sightings';
import { thresholdsOf } from './thresholds';
import { scalar } from '../../sqlite/sql';
import { isCropInput, type CropInput } from '../store/crop';
import type { Identification } from '../base/types';
import type { VisitInfo } from '../../alerts/rules';
import { unitVector, type EmbeddingInput } from '../base/validate';

/** One embedded face of a live frame, as the page sends it. */
export interface RecogniseFace {
  embedding: EmbeddingInput;
  /** The face image to queue if it is unknown (as queueUnknown takes it). */
  crop?: CropInput | null;
  /** Detector confidence, and the longer side of the face box in pixels. */
  score: number;
  boxSidePx: number;
  /** What the page remembers of this face's track (null: a new track). */
  track: TrackMemory | null;
  /**
   * The page's id for this face's track: the memory keeps the track's last
   * embedding (bounded, see actions/negatives.ts) so that "Not this person"
   * on its box can be stored as notThisPerson({ trackId }, personId).
   */
  trackId?: number | null;
  /** The vision worker's quality gate passed the crop (absent: passed); a rejected one neither votes nor queues. */
  gateOk?: boolean;
  /**
   * The second model's embedding of the same face (asked for by `askSecond`),
   * with the same track as in the call that asked: see decision/second-opinion.ts.
   */
  second?: { modelId: string; embedding: EmbeddingInput } | null;
}

/**
 * `personId`/`name` are the VOTE's (null unless `state` is 'named'); `similarity`
 * and `topK` are this embedding's own search.
 */
export interface RecognisedFace extends Identification {
  /** 'identifying' ("…"), 'named', 'not-sure' (shown as such, never queued) or 'stranger'. */
  state: TrackState;
  /** The vote's confidence in the name, 0…1 (0 unless named). */
  confidence: number;
  /** The track had a name and later evidence withdrew it. */
  withdrawn: boolean;
  /** The track as the page should remember it from now on. */
  track: TrackMemory;
  /** A sighting was recorded and it started a new visit. */
  newVisit: boolean;
  /** The visit that sighting is part of (its start and number), or null when none was recorded. */
  visit: VisitInfo | null;
  /** The crop joined the unlabeled queue. */
  queued: boolean;
  /** The anonymous visitor a stranger is (its visit recorded), or null. */
  visitorId: number | null;
  /** What to say (aria-live), or null. */
  announce: string | null;
  /**
   * Not sure between these people (the primary's best first), and the second
   * model has vectors for each: embed the face with it and call again with
   * `second` (and the same track). Null otherwise, and always when off.
   */
  askSecond: number[] | null;
  /** The second model's verdict, when the face came with `second`, with its similarity to each candidate. */
  secondOpinion: (SecondVerdict & { similarity?: number[] }) | null;
}

export interface RecogniseOptions {
  /** Candidates per face. */
  k?: number;
  policy?: QueuePolicy;
  vote?: VotePolicy;
  /** Default: the memory's (setThreshold). */
  thresholds?: Thresholds;
  /** The second model for look-alikes (absent: off). */
  secondOpinion?: SecondModel;
  /** People other faces of this frame are already named as (a second call: see askSecond). */
  taken?: number[];
}

export { thresholdsOf };

function bad(message: string): never {
  throw new MemoryError('invalid-input', message);
}

function checkTrack(raw: unknown): TrackMemory | null {
  if (raw === null || raw === undefined) return null;
  const t = raw as Partial<TrackMemory>;
  const personOk =
    t.personId === null || (typeof t.personId === 'number' && Number.isSafeInteger(t.personId));
  if (
    typeof raw !== 'object' ||
    !personOk ||
    typeof t.queued !== 'number' ||
    !Number.isFinite(t.queued) ||
    typeof t.bestQueuedQuality !== 'number' ||
    !Number.isFinite(t.bestQueuedQuality)
  ) {
    bad('A face track must say its person, how many crops it queued, and their best quality.');
  }
  const evidence = t.evidence ?? [];
  const num = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
  if (
    !Array.isArray(evidence) ||
    evidence.length > 64 ||
    !evidence.every(
      (e) =>
        typeof e === 'object' &&
        e !== null &&
        (e.personId === null ||
          (typeof e.personId === 'number' && Number.isSafeInteger(e.personId))) &&
        num(e.similarity) &&
        num(e.margin) &&
        num(e.quality),
    )
  ) {
    bad("A face track's evidence must be a short list of {personId, similarity, margin, quality}.");
  }
  const states = ['identifying', 'named', 'not-sure', 'stranger'];
  if (t.state !== undefined && !states.includes(t.state)) bad("A face track's state is unknown.");
  const announced = t.announced ?? null;
  if (announced !== null && !(typeof announced === 'number' && Number.isSafeInteger(announced))) {
    bad("A face track's announced person must be a person id or null.");
  }
  return {
    personId: t.personId!,
    queued: t.queued,
    bestQueuedQuality: t.bestQueuedQuality,
    state: t.state ?? 'identifying',
    evidence: evidence.map((e) => ({ ...e })),
    announced,
  };
}

function checkFaces(raw: unknown): Array<Required<RecogniseFace>> {
  if (!Array.isArray(raw)) bad('recognise takes an array of faces.');
  return raw.map((f: unknown) => {
    if (typeof f !== 'object' || f === null) bad('Each face must be an object.');
    const face = f as Partial<RecogniseFace>;
    if (typeof face.score !== 'number' || !Number.isFinite(face.score)) {
      bad("A face's score must be a number.");
    }
    if (typeof face.boxSidePx !== 'number' || !Number.isFinite(face.boxSidePx)) {
      bad("A face's box side must be a number.");
    }
    if (face.gateOk !== undefined && typeof face.gateOk !== 'boolean') {
      bad("A face's gateOk must be true or false.");
    }
    const crop = face.crop ?? null;
    if (crop !== null && !isCropInput(crop)) bad("A face's crop must be an image.");
    const second = face.second ?? null;
    if (
      second !== null &&
      (typeof second !== 'object' || typeof second.modelId !== 'string' || !second.embedding)
    ) {
      bad("A face's second embedding must say its model.");
    }
    const trackId = face.trackId ?? null;
    if (trackId !== null && (typeof trackId !== 'number' || !Number.isSafeInteger(trackId))) {
      bad("A face's track id must be a whole number.");
    }
    return {
      trackId,
      embedding: face.embedding as EmbeddingInput,
      crop,
      score: face.score,
      boxSidePx: face.boxSidePx,
      track: checkTrack(face.track),
      gateOk: face.gateOk ?? true,
      second,
    };
  });
}

function checkSecondModel(raw: unknown): SecondModel | null {
  if (raw === undefined || raw === null) return null;
  const m = raw as Partial<SecondModel>;
  const num = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
  if (
    typeof m.modelId !== 'string' ||
    !m.modelId ||
    !Number.isSafeInteger(m.dim) ||
    !num(m.upper) ||
    !num(m.minMargin)
  ) {
    bad('A second model needs its id, dimension, threshold and margin.');
  }
  return m as SecondModel;
}

function checkTaken(raw: unknown): number[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || !raw.every((x) => Number.isSafeInteger(x))) {
    bad('Taken people must be a list of person ids.');
  }
  return raw as number[];
}

/**
 * Recognises the embedded faces of one live frame at `nowMs` (epoch ms):
 * sightings of known faces (batched, see observe) and queued unknown crops
 * are written before it resolves; a read-only memory only identifies.
 */
export async function recognise(
  core: MemoryCore,
  frameFaces: unknown,
  nowMs: unknown = Date.now(),
  opts: RecogniseOptions = {},
): Promise<RecognisedFace[]> {
  const faces = checkFaces(frameFaces);
  if (typeof nowMs !== 'number' || !Number.isFinite(nowMs)) bad('Bad time.');
  const secondModel = checkSecondModel(opts.secondOpinion);
  const taken = checkTaken(opts.taken);
  if (!faces.length) return [];
  const thresholds = opts.thresholds ?? thresholdsOf(core);
  const ids = await core.serial(() =>
    identify(
      core,
      faces.map((f) => f.embedding),
      opts.k ?? 3,
    ),
  );
  faces.forEach((f) => {
    if (f.trackId !== null)
      rememberTrack(core, f.trackId, unitVector(f.embedding, core.config.dim), nowMs);
  });
  const inputs = faces.map((f, i) => ({
    identification: ids[i]!,
    quality: faceQuality(f.score, f.boxSidePx),
    track: f.track,
    hasCrop: f.crop !== null,
    gateOk: f.gateOk,
    confirmed: false,
  }));
  // The second opinion (off unless configured): who each face is not sure between,
  // and the second model's vectors of those people, read once for the frame.
  const ties = inputs.map((f) =>
    secondModel && f.gateOk ? tieOf(f.identification, f.quality, thresholds, opts.vote) : null,
  );
  const tied = ties.flatMap((t) => t ?? []);
  const vectors =
    secondModel && tied.length
      ? await core.serial(() => secondVectors(core, secondModel.modelId, secondModel.dim, tied))
      : new Map<number, Float32Array[]>();
  const verdicts = faces.map((f, i): RecognisedFace['secondOpinion'] => {
    const tie = ties[i];
    if (!secondModel || !f.second || !tie) return null;
    if (f.second.modelId !== secondModel.modelId) return { agree: false, why: 'missing' };
    const sims = bestSimilarities(
      pick(vectors, tie),
      unitVector(f.second.embedding, secondModel.dim),
    );
    return {
      ...secondOpinion(tie, sims, secondModel),
      similarity: tie.map((p) => sims.get(p) ?? NaN),
    };
  });
  verdicts.forEach((v, i) => (inputs[i]!.confirmed = v?.agree === true));
  const decisions = decideFrame(
    inputs,
    { readOnly: core.readOnly, thresholds, taken },
    opts.policy,
    opts.vote,
  );
  const out: RecognisedFace[] = [];
  for (const [i, d] of decisions.entries()) {
    const id = ids[i]!;
    const face = faces[i]!;
    let newVisit = false;
    let visit: VisitInfo | null = null;
    let queued = false;
    let visitorId: number | null = null;
    const named = d.known ? id.topK.find((c) => c.personId === d.personId) : undefined;
    if (d.observe && named) {
      // The one place a decision's confidence reaches the stored sighting: the
      // vote's confidence when it gives one, else the match's similarity.
      const confidence = d.confidence > 0 ? d.confidence : named.similarity;
      ({ newVisit, visit } = await observe(
        core,
        named.personId,
        named.similarity,
        nowMs,
        confidence,
      ));
    }
    if (d.state === 'stranger' && !core.readOnly) {
      ({ queued, visitorId, newVisit, visit } = await strangerSeen(core, face, d.queue, {
        quality: inputs[i]!.quality,
        nowMs,
      }));
    }
    const name = named?.name ?? null;
    out.push({
      ...id,
      personId: named ? named.personId : null,
      name,
      state: d.state,
      confidence: d.confidence,
      withdrawn: d.withdrawn,
      track: d.track,
      newVisit,
      visit,
      queued,
      visitorId,
      announce: announcement(d, name, queued),
      // Asked only where this call had no effect (no name, no stranger), so that the
      // second call for the face is its whole decision.
      askSecond:
        !face.second &&
        (d.state === 'not-sure' || d.state === 'identifying') &&
        ties[i]?.every((p) => vectors.has(p))
          ? ties[i]!
          : null,
      secondOpinion: verdicts[i]!,
    });
  }
  return out;
}

function pick<V>(m: ReadonlyMap<number, V>, keys: readonly number[]): Map<number, V> {
  return new Map(keys.flatMap((k) => (m.has(k) ? [[k, m.get(k)!] as [number, V]] : [])));
}

/** Each live track's visitor, once known, so later frames of it need no matching (bounded). */
const trackVisitors = new WeakMap<MemoryCore, Map<number, number>>();
const MAX_TRACKS = 256;

/**
 * A face the vote calls a stranger: which visitor it is (its track's, or
 * matched against the visitors: see unknowns.ts), its crop queued when the
 * decision asks for it (a new visitor is made by its first crop), and a
 * sighting of that visitor: the same visit rule as a person's.
 */
async function strangerSeen(
  core: MemoryCore,
  face: Required<RecogniseFace>,
  queue: boolean,
  at: { quality: number; nowMs: number },
): Promise<{
  queued: boolean;
  visitorId: number | null;
  newVisit: boolean;
  visit: VisitInfo | null;
}> {
  const vector = unitVector(face.embedding, core.config.dim);
  const tracks = trackVisitors.get(core) ?? new Map<number, number>();
  trackVisitors.set(core, tracks);
  const known = face.trackId === null ? undefined : tracks.get(face.trackId);
  const match = await core.serial(async () => {
    if (known !== undefined && scalar(core.db, 'SELECT 1 FROM visitors WHERE id = ?', [known])) {
      return { visitorId: known as number | null, similarity: 1, notSure: false };
    }
    const m = await matchVisitorVector(core, vector);
    return {
      visitorId: m.decision === 'same' ? m.visitorId : null,
      similarity: m.similarity,
      notSure: m.decision === 'not-sure',
    };
  });
  if (match.notSure) return { queued: false, visitorId: null, newVisit: false, visit: null };
  let { visitorId } = match;
  let queued = false;
  // A new visitor is made only by a crop the decision queues (a good enough face).
  if (queue) {
    const q = await queueUnknown(core, face.crop, vector, {
      quality: at.quality,
      timestampMs: at.nowMs,
      visitorId,
    });
    queued = q.queued;
    visitorId = q.visitorId;
  }
  if (visitorId === null) return { queued, visitorId, newVisit: false, visit: null };
  if (face.trackId !== null) {
    tracks.delete(face.trackId);
    tracks.set(face.trackId, visitorId);
    if (tracks.size > MAX_TRACKS) tracks.delete(tracks.keys().next().value!);
  }
  const { newVisit, visit } = await observeVisitor(core, visitorId, match.similarity, at.nowMs);
  return { queued, visitorId, newVisit, visit };
}
