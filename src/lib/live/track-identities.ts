/**
 * What the live view knows about each face track between embeddings: the
 * vision worker embeds a face only now and then (new, moved, or every few
 * seconds), so the name shown on the frames in between comes from here. The
 * decisions about a track (announce? queue this unknown face?) are made in
 * decide.ts, inside the memory worker's recognise call; this only keeps
 * what that call said, and hands the track's part back with the next face.
 */
import type { Candidate } from '../memory/base/types';
import type { TrackMemory } from '../decision/decide';

export interface TrackIdentity extends TrackMemory {
  name: string | null;
  similarity: number;
  topK: Candidate[];
  lastSeenMs: number;
}

/** Tracks unseen for this long are forgotten. */
export const FORGET_AFTER_MS = 10_000;

export class TrackIdentities {
  #tracks = new Map<number, TrackIdentity>();
  constructor(private readonly forgetAfterMs = FORGET_AFTER_MS) {}

  get(trackId: number): TrackIdentity | undefined {
    return this.#tracks.get(trackId);
  }

  /** The track's part of the decision inputs (null when not known). */
  memoryOf(trackId: number): TrackMemory | null {
    const t = this.#tracks.get(trackId);
    if (!t) return null;
    return {
      personId: t.personId,
      queued: t.queued,
      bestQueuedQuality: t.bestQueuedQuality,
      state: t.state,
      evidence: t.evidence,
      announced: t.announced,
    };
  }

  /** A face of this track was just embedded and recognised: this is what it is now. */
  remember(trackId: number, identity: Omit<TrackIdentity, 'lastSeenMs'>, nowMs: number): void {
    this.#tracks.set(trackId, { ...identity, lastSeenMs: nowMs });
  }

  /** The track was on this frame (without a new embedding). */
  seen(trackId: number, nowMs: number): void {
    const t = this.#tracks.get(trackId);
    if (t) t.lastSeenMs = nowMs;
  }

  /** Forgets tracks gone for a while, so the map does not grow for ever. */
  prune(nowMs: number): void {
    for (const [id, t] of this.#tracks) {
      if (nowMs - t.lastSeenMs > this.forgetAfterMs) this.#tracks.delete(id);
    }
  }

  /** The memory changed (a label, a merge, a delete): what was known may be wrong now. */
  clear(): void {
    this.#tracks.clear();
  }
}
