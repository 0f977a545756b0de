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

/** How the frame's faces reach the memory and, for a second opinion, the second embedder. */
export interface RecogniseDeps {
  /** The memory's recognise call (with the page's options); `taken` as RecogniseOptions.taken. */
  recognise(faces: RecogniseFace[], taken?: number[]): Promise<RecognisedFace[]>;
  /**
   * The second model's embedding of this track's face on the frame just
   * processed (undefined: the face is gone or the model is not loaded).
   * Absent: the second opinion is off.
   */
  second?(trackId: number): Promise<{ modelId: string; embedding: Float32Array } | undefined>;
}

/**
 * The frame's recognise call, and a second call for the faces it found not
 * sure between two people (RecognisedFace.askSecond), each now with the second
 * model's embedding of the same face and the same track as before; the names
 * the other faces got are taken. The second embedder runs only on those faces.
 */
export async function recogniseFrame(
  faces: readonly EmbeddedFace[],
  identities: TrackIdentities,
  deps: RecogniseDeps,
): Promise<RecognisedFace[]> {
  const input = recogniseInput(faces, identities);
  // recognise may take the embeddings' buffers (transfer): keep copies for a second call.
  const kept = deps.second ? input.map((f) => ({ ...f, embedding: f.embedding.slice() })) : [];
  const first = await deps.recognise(input);
  if (!deps.second || !first.some((r) => r.askSecond)) return first;
  const again: RecogniseFace[] = [];
  const at: number[] = [];
  for (const [i, r] of first.entries()) {
    if (!r.askSecond) continue;
    const second = await deps.second(faces[i]!.trackId);
    if (!second) continue;
    again.push({ ...kept[i]!, second });
    at.push(i);
  }
  if (!again.length) return first;
  const taken = first.flatMap((r, i) =>
    !at.includes(i) && r.state === 'named' && r.personId !== null ? [r.personId] : [],
  );
  const decided = await deps.recognise(again, taken);
  const out = [...first];
  at.forEach((i, j) => (out[i] = decided[j]!));
  return out;
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
