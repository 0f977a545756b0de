/**
 * What the live view does with each embedded face of a frame: who it is (or
 * "unknown"), whether to record a sighting, whether to queue its crop for
 * labelling, and what to announce. Pure: the memory worker's recognise action
 * carries the decisions out, in one call per frame, and the page renders what
 * comes back.
 *
 * The vision worker embeds a face only now and then (new, moved, or every few
 * seconds), so what the page remembers of the face's track is an input here:
 * a known person is announced once per track (again when the track becomes
 * someone else), and an unknown track queues its first crop and then only
 * clearly better ones, a few at most.
 */
import type { Identification } from '../memory/types';

/** What the live view remembers of a face track between its embeddings. */
export interface TrackMemory {
  /** Who the track was at its last embedding (null: unknown). */
  personId: number | null;
  /** How many of this track's crops were queued as unknown. */
  queued: number;
  /** Quality of the best crop queued for this track. */
  bestQueuedQuality: number;
}

export interface QueuePolicy {
  /** At most this many crops of one unknown track go to the queue. */
  maxQueuedPerTrack: number;
  /** A further crop must be this much better than the best one queued. */
  qualityGain: number;
}

export const DEFAULT_QUEUE_POLICY: QueuePolicy = { maxQueuedPerTrack: 3, qualityGain: 1.2 };

/** One embedded face of a frame, identified. */
export interface FaceInput {
  identification: Identification;
  /** The crop's quality (faceQuality). */
  quality: number;
  /** What the page knew of this face's track; null for a track not seen (or forgotten). */
  track: TrackMemory | null;
  /** The vision worker sent a crop to queue. */
  hasCrop: boolean;
}

/** What the memory and the page allow. */
export interface DecideContext {
  /** Another tab holds the memory: nothing is written (the faces are still named). */
  readOnly: boolean;
}

export interface FaceDecision {
  /** Above the threshold: `identification.personId` is who this is. */
  known: boolean;
  /** The track as the page should remember it from now on. */
  track: TrackMemory;
  /** Record a sighting of the known person (a visit when it starts a new one). */
  observe: boolean;
  /** Queue this crop as an unknown face. */
  queue: boolean;
  /** First time this track is this person: say so (aria-live). */
  announceKnown: boolean;
}

/** A crop's quality: detector confidence × how close the face is to the embedder's size. */
export function faceQuality(score: number, boxSidePx: number, inputPx = 112): number {
  return score * Math.min(1, boxSidePx / inputPx);
}

export function decideFace(
  face: FaceInput,
  ctx: DecideContext,
  policy: QueuePolicy = DEFAULT_QUEUE_POLICY,
): FaceDecision {
  const { personId } = face.identification;
  const prev = face.track;
  const track: TrackMemory = {
    personId,
    queued: prev?.queued ?? 0,
    bestQueuedQuality: prev?.bestQueuedQuality ?? 0,
  };
  const known = personId !== null;
  const announceKnown = known && prev?.personId !== personId;
  let wantQueue = false;
  if (!known) {
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
    track,
    observe: known && !ctx.readOnly,
    queue: wantQueue && face.hasCrop && !ctx.readOnly,
    announceKnown,
  };
}

/** Every embedded face of one frame (each on its own track). */
export function decideFrame(
  faces: readonly FaceInput[],
  ctx: DecideContext,
  policy: QueuePolicy = DEFAULT_QUEUE_POLICY,
): FaceDecision[] {
  return faces.map((face) => decideFace(face, ctx, policy));
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
