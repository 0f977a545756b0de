/**
 * What the live view knows about each face track between embeddings: the
 * vision worker embeds a face only now and then (new, moved, or every few
 * seconds), so the name shown on the frames in between comes from here.
 * Pure: the decisions (announce? queue this unknown face?) are made here and
 * carried out by the live state.
 */
import type { Candidate, Identification } from '../memory/types';

export interface TrackIdentity {
  personId: number | null;
  name: string | null;
  similarity: number;
  topK: Candidate[];
  /** How many of this track's crops were queued as unknown. */
  queued: number;
  /** Quality of the best crop queued for this track. */
  bestQueuedQuality: number;
  lastSeenMs: number;
}

export interface UnknownPolicy {
  /** At most this many crops of one unknown track go to the queue. */
  maxQueuedPerTrack: number;
  /** A further crop must be this much better than the best one queued. */
  qualityGain: number;
  /** Tracks unseen for this long are forgotten. */
  forgetAfterMs: number;
}

export const DEFAULT_UNKNOWN_POLICY: UnknownPolicy = {
  maxQueuedPerTrack: 3,
  qualityGain: 1.2,
  forgetAfterMs: 10_000,
};

export interface Decision {
  identity: TrackIdentity;
  /** First time this track is known as this person: say so (aria-live). */
  announceKnown: boolean;
  /** Queue this crop as an unknown face. */
  queueUnknown: boolean;
}

/** A crop's quality: detector confidence × how close the face is to the embedder's size. */
export function faceQuality(score: number, boxSidePx: number, inputPx = 112): number {
  return score * Math.min(1, boxSidePx / inputPx);
}

export class TrackIdentities {
  #tracks = new Map<number, TrackIdentity>();
  constructor(private readonly policy: UnknownPolicy = DEFAULT_UNKNOWN_POLICY) {}

  get(trackId: number): TrackIdentity | undefined {
    return this.#tracks.get(trackId);
  }

  /** A face of this track was just embedded and identified. */
  identified(trackId: number, id: Identification, quality: number, nowMs: number): Decision {
    const prev = this.#tracks.get(trackId);
    const identity: TrackIdentity = {
      personId: id.personId,
      name: id.name,
      similarity: id.similarity,
      topK: id.topK,
      queued: prev?.queued ?? 0,
      bestQueuedQuality: prev?.bestQueuedQuality ?? 0,
      lastSeenMs: nowMs,
    };
    const announceKnown = id.personId !== null && prev?.personId !== id.personId;
    let queueUnknown = false;
    if (id.personId === null) {
      queueUnknown =
        identity.queued === 0 ||
        (identity.queued < this.policy.maxQueuedPerTrack &&
          quality >= identity.bestQueuedQuality * this.policy.qualityGain);
      if (queueUnknown) {
        identity.queued++;
        identity.bestQueuedQuality = Math.max(identity.bestQueuedQuality, quality);
      }
    }
    this.#tracks.set(trackId, identity);
    return { identity, announceKnown, queueUnknown };
  }

  /** The track was on this frame (without a new embedding). */
  seen(trackId: number, nowMs: number): void {
    const t = this.#tracks.get(trackId);
    if (t) t.lastSeenMs = nowMs;
  }

  /** Forgets tracks gone for a while, so the map does not grow for ever. */
  prune(nowMs: number): void {
    for (const [id, t] of this.#tracks) {
      if (nowMs - t.lastSeenMs > this.policy.forgetAfterMs) this.#tracks.delete(id);
    }
  }

  /** The memory changed (a label, a merge, a delete): what was known may be wrong now. */
  clear(): void {
    this.#tracks.clear();
  }
}
