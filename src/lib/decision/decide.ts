/**
 * What the live view does with each embedded face of a frame: who it is, whether
 * to record a sighting, whether to queue its crop for labelling, and what to
 * announce. Pure: the memory worker's recognise action carries the decisions
 * out, in one call per frame, and the page renders what comes back.
 *
 * The decision is per TRACK, not per embedding: every embedding of a track is one
 * vote (kept: the last MAX_EVIDENCE), and the track gets a name only when the
 * weighted vote says so — "…" (identifying) until then. Each embedding is judged
 * against two thresholds: at or above `upper` it votes for its best person, below
 * `lower` it votes "stranger", in between it votes nobody but still counts in the
 * total ("not sure"). A name once given is withdrawn when later evidence turns
 * against it. Sightings are recorded only for named tracks, strangers are queued
 * only once the vote says stranger, and a crop the quality gate rejected does not
 * vote at all. Two faces of one frame are never the same person (decideFrame).
 *
 * Why the evidence travels with the track (TrackMemory, remembered by the page
 * and sent back with each recognise call) rather than living in the memory
 * worker: it is a dozen small plain records, the memory worker stays free of
 * per-camera state (two tabs, a restarted worker), and the page already forgets
 * every track when the memory changes (a label, a merge), which is exactly when
 * the old votes may be wrong.
 */
import type { Identification } from './identification';

/** One embedding's vote, as kept in the track. */
export interface Evidence {
  /** The best candidate's person (null: the memory had no candidate). */
  personId: number | null;
  similarity: number;
  /** Similarity over the second-best person (1 when there is none). */
  margin: number;
  /** The crop's quality (faceQuality), 0…1. */
  quality: number;
  /**
   * A second embedder agreed that this face is `personId` where this one was
   * not sure (second-opinion.ts): the embedding votes for that person.
   */
  confirmed?: boolean;
}

export type TrackState = 'identifying' | 'named' | 'not-sure' | 'stranger';

/** What the live view remembers of a face track between its embeddings. */
export interface TrackMemory {
  /** Who the vote says the track is (null: nobody yet, not sure, or a stranger). */
  personId: number | null;
  /** How many of this track's crops were queued as unknown. */
  queued: number;
  /** Quality of the best crop queued for this track. */
  bestQueuedQuality: number;
  /** The vote's state after the last embedding (absent: 'identifying'). */
  state?: TrackState;
  /** The track's recent votes, oldest first, at most MAX_EVIDENCE. */
  evidence?: Evidence[];
  /** The person last announced for this track (null: none). */
  announced?: number | null;
}

export interface Thresholds {
  /** Below: a stranger vote. */
  lower: number;
  /** At or above: a vote for the best person. */
  upper: number;
}

export interface QueuePolicy {
  /** At most this many crops of one unknown track go to the queue. */
  maxQueuedPerTrack: number;
  /** A further crop must be this much better than the best one queued. */
  qualityGain: number;
}

export const DEFAULT_QUEUE_POLICY: QueuePolicy = { maxQueuedPerTrack: 3, qualityGain: 1.2 };

export interface VotePolicy {
  /** At most this many embeddings are kept per track (Frigate keeps a dozen attempts). */
  maxEvidence: number;
  /** A name (or "stranger") needs at least this many agreeing embeddings. */
  minVotes: number;
  /** The winner's weight must be more than this share of all the weight, "not sure" included. */
  minShare: number;
  /** A margin over the second-best person below this scales the vote down (0 margin: no vote). */
  fullMargin: number;
}

export const DEFAULT_VOTE_POLICY: VotePolicy = {
  maxEvidence: 12,
  minVotes: 2,
  minShare: 0.7,
  fullMargin: 0.05,
};

/** One embedded face of a frame, identified. */
export interface FaceInput {
  identification: Identification;
  /** The crop's quality (faceQuality). */
  quality: number;
  /** What the page knew of this face's track; null for a track not seen (or forgotten). */
  track: TrackMemory | null;
  /** The vision worker sent a crop to queue. */
  hasCrop: boolean;
  /** The quality gate passed the crop (absent: passed). A rejected crop neither votes nor queues. */
  gateOk?: boolean;
  /** A second embedder agreed on this embedding's best person (second-opinion.ts). */
  confirmed?: boolean;
}

/** What the memory and the page allow. */
export interface DecideContext {
  /** Another tab holds the memory: nothing is written (the faces are still named). */
  readOnly: boolean;
  thresholds: Thresholds;
  /**
   * People other faces of this frame were already named as (a second call for
   * some faces of a frame): nobody here is named as them (decideFrame).
   */
  taken?: readonly number[];
}

export interface FaceDecision {
  /** The vote named the track: `personId` is who this is. */
  known: boolean;
  state: TrackState;
  /** The named person (null unless known). */
  personId: number | null;
  /** The vote's confidence in the name (winner's share of the weight, 0…1); 0 unless known. */
  confidence: number;
  /** The track as the page should remember it from now on. */
  track: TrackMemory;
  /** Record a sighting of the named person (a visit when it starts a new one). */
  observe: boolean;
  /** Queue this crop as an unknown face. */
  queue: boolean;
  /** First time this track is this person: say so (aria-live). */
  announceKnown: boolean;
  /** The track had a name and the evidence turned against it. */
  withdrawn: boolean;
}

/**
 * The lower threshold that goes with a user's upper one: the model's band
 * (thresholdCosine − lowerCosine) kept below it, never above it.
 */
export function lowerFor(
  spec: { thresholdCosine: number; lowerCosine: number },
  upper: number,
): number {
  return Math.max(-1, Math.min(upper, upper - (spec.thresholdCosine - spec.lowerCosine)));
}

/** A crop's quality: detector confidence × how close the face is to the embedder's size. */
export function faceQuality(score: number, boxSidePx: number, inputPx = 112): number {
  return score * Math.min(1, boxSidePx / inputPx);
}

/** This embedding as a vote. */
export function evidenceOf(id: Identification, quality: number, confirmed = false): Evidence {
  const [best, second] = id.topK;
  if (!best) return { personId: null, similarity: id.similarity, margin: 1, quality };
  return {
    personId: best.personId,
    similarity: best.similarity,
    margin: second ? best.similarity - second.similarity : 1,
    quality,
    ...(confirmed ? { confirmed: true } : {}),
  };
}

type Ballot = { kind: 'person'; personId: number } | { kind: 'stranger' } | { kind: 'unsure' };

/** What one embedding votes for, and with what weight. */
export function ballot(
  e: Evidence,
  t: Thresholds,
  policy: VotePolicy = DEFAULT_VOTE_POLICY,
): { ballot: Ballot; weight: number; full: number } {
  const band = Math.max(1e-6, t.upper - t.lower);
  const q = Math.max(0, Math.min(1, e.quality));
  // Not sure alone, but a second embedder agreed (second-opinion.ts): a plain vote,
  // as one just at the upper threshold and clear of the runner-up.
  if (e.confirmed && e.personId !== null && e.similarity >= t.lower) {
    return { ballot: { kind: 'person', personId: e.personId }, weight: q, full: q };
  }
  if (e.personId !== null && e.similarity >= t.upper) {
    // How far above the band (1…2), times how clear of the runner-up (0…1).
    const above = 1 + Math.min(1, (e.similarity - t.upper) / band);
    const clear = Math.max(0, Math.min(1, e.margin / policy.fullMargin));
    // The margin's shortfall still counts in the total: look-alikes dilute the vote.
    if (clear === 0) return { ballot: { kind: 'unsure' }, weight: q * above, full: q * above };
    const full = q * above;
    return { ballot: { kind: 'person', personId: e.personId }, weight: full * clear, full };
  }
  if (e.personId === null || e.similarity < t.lower) {
    const below = e.personId === null ? 2 : 1 + Math.min(1, (t.lower - e.similarity) / band);
    return { ballot: { kind: 'stranger' }, weight: q * below, full: q * below };
  }
  return { ballot: { kind: 'unsure' }, weight: q, full: q };
}

export interface VoteResult {
  state: TrackState;
  personId: number | null;
  confidence: number;
}

/** The weighted vote over a track's evidence. */
export function vote(
  evidence: readonly Evidence[],
  t: Thresholds,
  policy: VotePolicy = DEFAULT_VOTE_POLICY,
): VoteResult {
  const tally = new Map<string, { weight: number; count: number; personId: number | null }>();
  let total = 0;
  for (const e of evidence) {
    const { ballot: b, weight, full } = ballot(e, t, policy);
    total += full;
    if (b.kind === 'unsure') continue;
    const key = b.kind === 'person' ? `p${b.personId}` : 'stranger';
    const entry = tally.get(key) ?? {
      weight: 0,
      count: 0,
      personId: b.kind === 'person' ? b.personId : null,
    };
    entry.weight += weight;
    entry.count++;
    tally.set(key, entry);
  }
  const ranked = [...tally.entries()].sort((a, b) => b[1].weight - a[1].weight);
  const [winner, runnerUp] = ranked;
  const enough = evidence.length >= policy.minVotes;
  if (!winner || total <= 0) {
    return { state: enough ? 'not-sure' : 'identifying', personId: null, confidence: 0 };
  }
  const [key, w] = winner;
  const share = w.weight / total;
  const tie = runnerUp !== undefined && runnerUp[1].weight >= w.weight;
  if (w.count >= policy.minVotes && share > policy.minShare && !tie) {
    if (key === 'stranger') return { state: 'stranger', personId: null, confidence: 0 };
    return { state: 'named', personId: w.personId, confidence: share };
  }
  return { state: enough ? 'not-sure' : 'identifying', personId: null, confidence: 0 };
}

export function decideFace(
  face: FaceInput,
  ctx: DecideContext,
  policy: QueuePolicy = DEFAULT_QUEUE_POLICY,
  votePolicy: VotePolicy = DEFAULT_VOTE_POLICY,
): FaceDecision {
  const prev = face.track;
  const gateOk = face.gateOk ?? true;
  let evidence = prev?.evidence ?? [];
  if (gateOk) {
    evidence = [...evidence, evidenceOf(face.identification, face.quality, face.confirmed)].slice(
      -votePolicy.maxEvidence,
    );
  }
  const result = vote(evidence, ctx.thresholds, votePolicy);
  const known = result.state === 'named';
  const prevAnnounced = prev?.announced ?? null;
  const announceKnown = known && prevAnnounced !== result.personId;
  const track: TrackMemory = {
    personId: result.personId,
    queued: prev?.queued ?? 0,
    bestQueuedQuality: prev?.bestQueuedQuality ?? 0,
    state: result.state,
    evidence,
    announced: known ? result.personId : prevAnnounced,
  };
  let wantQueue = false;
  if (result.state === 'stranger' && gateOk) {
    wantQueue =
      track.queued === 0 ||
      (track.queued < policy.maxQueuedPerTrack &&
        face.quality >= track.bestQueuedQuality * policy.qualityGain);
    // The track counts the crop as taken even when it cannot be stored (read-only,
    // no crop) or the queue's group is full: it is not offered again and again.
    if (wantQueue) {
      track.queued++;
      track.bestQueuedQuality = Math.max(track.bestQueuedQuality, face.quality);
    }
  }
  return {
    known,
    state: result.state,
    personId: result.personId,
    confidence: result.confidence,
    track,
    observe: known && !ctx.readOnly,
    queue: wantQueue && face.hasCrop && !ctx.readOnly,
    announceKnown,
    withdrawn: prev?.state === 'named' && !(known && result.personId === prev.personId),
  };
}

/**
 * Every embedded face of one frame (each on its own track). Two faces of one
 * frame are never the same person: when the vote names several of them alike,
 * the one with the highest confidence (then the higher latest similarity) keeps
 * the name and the others become "not sure" for this frame (no sighting, no
 * announcement; their evidence is kept).
 */
export function decideFrame(
  faces: readonly FaceInput[],
  ctx: DecideContext,
  policy: QueuePolicy = DEFAULT_QUEUE_POLICY,
  votePolicy: VotePolicy = DEFAULT_VOTE_POLICY,
): FaceDecision[] {
  const ds = faces.map((face) => decideFace(face, ctx, policy, votePolicy));
  // -1: named by a face of this frame decided earlier (ctx.taken); it always keeps the name.
  const keeper = new Map<number, number>((ctx.taken ?? []).map((p) => [p, -1]));
  const strength = (i: number) => [ds[i]!.confidence, faces[i]!.identification.similarity];
  ds.forEach((d, i) => {
    if (!d.known || d.personId === null) return;
    const j = keeper.get(d.personId);
    if (j === undefined) return keeper.set(d.personId, i);
    if (j < 0) return;
    const [ci, si] = strength(i);
    const [cj, sj] = strength(j);
    if (ci! > cj! || (ci === cj && si! > sj!)) keeper.set(d.personId, i);
  });
  return ds.map((d, i) => {
    if (!d.known || keeper.get(d.personId!) === i) return d;
    const prevAnnounced = faces[i]!.track?.announced ?? null;
    return {
      ...d,
      known: false,
      state: 'not-sure',
      personId: null,
      confidence: 0,
      observe: false,
      announceKnown: false,
      track: { ...d.track, personId: null, state: 'not-sure', announced: prevAnnounced },
    };
  });
}

/** What to say (aria-live) for a face once its decision was carried out, or null. */
export function announcement(
  decision: FaceDecision,
  name: string | null,
  queued: boolean,
): string | null {
  if (decision.known) return decision.announceKnown ? `${name} recognised` : null;
  return queued ? 'A new face was queued for labelling' : null;
}
