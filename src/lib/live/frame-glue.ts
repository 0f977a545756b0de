/**
 * The live page's per-frame bookkeeping around the one memory call, as pure
 * functions, so the page (state/live.svelte.ts) and the live evaluation
 * (tests/support/vision/live-eval.ts) do exactly the same: send each embedded
 * face with what its track was, remember what recognise said per track, and
 * keep tracks seen without an embedding alive.
 */
import type { RecogniseFace, RecognisedFace } from '../memory/actions/recognise';
import type { Rect } from '../vision/image';
import type { TrackIdentities } from './track-identities';

/** An embedded face of a frame, as the vision worker returns it. */
export interface EmbeddedFace {
  trackId: number;
  box: Rect;
  score: number;
  embedding: Float32Array;
  crop?: Blob;
  /** The vision worker's quality gate (absent: passed). */
  quality?: { ok: boolean };
}

/** The recognise() input for this frame's embedded faces. */
export function recogniseInput(
  faces: readonly EmbeddedFace[],
  identities: TrackIdentities,
): RecogniseFace[] {
  return faces.map((f) => ({
    embedding: f.embedding,
    crop: f.crop ?? null,
    score: f.score,
    boxSidePx: Math.max(f.box.x2 - f.box.x1, f.box.y2 - f.box.y1),
    track: identities.memoryOf(f.trackId),
    trackId: f.trackId,
    gateOk: f.quality?.ok ?? true,
  }));
}

/** Keeps what recognise said about each face's track (faces and results in the same order). */
export function rememberRecognised(
  identities: TrackIdentities,
  faces: readonly { trackId: number }[],
  recognised: readonly RecognisedFace[],
  nowMs: number,
): void {
  for (const [i, r] of recognised.entries()) {
    const { name, similarity, topK } = r;
    identities.remember(faces[i]!.trackId, { ...r.track, name, similarity, topK }, nowMs);
  }
}

/** Every face of the frame was seen now; tracks gone for a while are forgotten. */
export function frameSeen(
  identities: TrackIdentities,
  faces: readonly { trackId: number }[],
  nowMs: number,
): void {
  for (const f of faces) identities.seen(f.trackId, nowMs);
  identities.prune(nowMs);
}
