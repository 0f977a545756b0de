/**
 * Follows faces across frames by box overlap and decides when a face needs a
 * (new) embedding: when it is new, when it moved or changed size enough
 * since its last embedding, or when that embedding is old. So one person in
 * front of the camera is embedded a few times, not 30 times a second.
 */
import { iou, type Detection } from './box';
import type { Rect } from './image';

export interface TrackerOptions {
  /** A detection continues a track if their boxes overlap at least this much (IoU). */
  iouMatch: number;
  /** A track not seen for this long is dropped (the person left). */
  maxMissingMs: number;
  /** Re-embed when the box's IoU with the box at the last embedding falls below this. */
  reembedIou: number;
  /** Re-embed when the box's side changed by more than this factor since the last embedding. */
  reembedScale: number;
  /** Re-embed at least this often while the face stays (pose and light change slowly). */
  refreshMs: number;
  /**
   * Embed a new track's first this-many frames back to back: the live vote
   * (decision/decide.ts) names a track only after several agreeing embeddings, and a
   * still face would otherwise be re-embedded only every refreshMs.
   */
  eagerEmbeds: number;
}

export const defaultTrackerOptions: TrackerOptions = {
  iouMatch: 0.3,
  maxMissingMs: 700,
  reembedIou: 0.5,
  reembedScale: 1.3,
  refreshMs: 3000,
  eagerEmbeds: 3,
};

export interface Track {
  readonly id: number;
  box: Detection;
  firstSeenMs: number;
  lastSeenMs: number;
  /** Box and time of the last embedding; undefined until the first. */
  embedded?: { box: Rect; atMs: number };
  /** How many times the track was embedded. */
  embeds?: number;
}

export interface TrackedFace<T extends Detection> {
  trackId: number;
  face: T;
  /** True on the frame that started the track. */
  isNew: boolean;
  needsEmbedding: boolean;
}

function side(r: Rect): number {
  return Math.sqrt(Math.max(0, r.x2 - r.x1) * Math.max(0, r.y2 - r.y1));
}

export class FaceTracker {
  readonly #opts: TrackerOptions;
  #tracks = new Map<number, Track>();
  #nextId = 1;

  constructor(opts: Partial<TrackerOptions> = {}) {
    this.#opts = { ...defaultTrackerOptions, ...opts };
  }

  get tracks(): readonly Track[] {
    return [...this.#tracks.values()];
  }

  /** Matches this frame's detections to tracks (greedy, highest IoU first). */
  update<T extends Detection>(detections: readonly T[], nowMs: number): TrackedFace<T>[] {
    const o = this.#opts;
    const pairs: { t: Track; d: number; v: number }[] = [];
    for (const t of this.#tracks.values()) {
      detections.forEach((det, d) => {
        const v = iou(t.box, det);
        if (v >= o.iouMatch) pairs.push({ t, d, v });
      });
    }
    pairs.sort((a, b) => b.v - a.v);
    const trackOf = new Map<number, Track>();
    const used = new Set<Track>();
    for (const p of pairs) {
      if (used.has(p.t) || trackOf.has(p.d)) continue;
      used.add(p.t);
      trackOf.set(p.d, p.t);
    }
    const result = detections.map((face, d): TrackedFace<T> => {
      let t = trackOf.get(d);
      const isNew = !t;
      if (!t) {
        t = { id: this.#nextId++, box: face, firstSeenMs: nowMs, lastSeenMs: nowMs };
        this.#tracks.set(t.id, t);
      }
      t.box = face;
      t.lastSeenMs = nowMs;
      return { trackId: t.id, face, isNew, needsEmbedding: this.#needsEmbedding(t, nowMs) };
    });
    for (const [id, t] of this.#tracks) {
      if (nowMs - t.lastSeenMs > o.maxMissingMs) this.#tracks.delete(id);
    }
    return result;
  }

  #needsEmbedding(t: Track, nowMs: number): boolean {
    const e = t.embedded;
    if (!e) return true;
    const o = this.#opts;
    if ((t.embeds ?? 0) < o.eagerEmbeds) return true;
    if (nowMs - e.atMs >= o.refreshMs) return true;
    if (iou(e.box, t.box) < o.reembedIou) return true;
    const ratio = side(t.box) / Math.max(1e-9, side(e.box));
    return ratio > o.reembedScale || ratio < 1 / o.reembedScale;
  }

  /** Records that the track's face was embedded now, at its current box. */
  markEmbedded(trackId: number, nowMs: number): void {
    const t = this.#tracks.get(trackId);
    if (!t) return;
    t.embedded = { box: { ...t.box }, atMs: nowMs };
    t.embeds = (t.embeds ?? 0) + 1;
  }

  reset(): void {
    this.#tracks.clear();
  }
}
