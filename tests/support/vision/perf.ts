/**
 * Measurements shared by the Node benchmark and the Chromium e2e benchmark
 * (which drives the same functions in a page or worker).
 */
import type { RgbaImage } from '../../../src/lib/vision/image';
import type { OrtSession } from '../../../src/lib/vision/ort-session';
import type { VisionService } from '../../../src/lib/vision/service';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median ms of one batch-1 inference with a fixed pseudo-random float input. */
export async function inferenceLatencyMs(
  session: OrtSession,
  input: string,
  dims: readonly number[],
  reps: number,
  warmup = 2,
): Promise<number> {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.sin(i * 12.9898) * 0.8;
  const feeds = { [input]: { data, dims } };
  for (let i = 0; i < warmup; i++) await session.run(feeds);
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    t.push(performance.now() - t0);
  }
  return median(t);
}

interface LiveLoopResult {
  /** Frames processed per second of wall time. */
  fps: number;
  processed: number;
  /** Frames the camera produced that were skipped because one was being processed. */
  dropped: number;
  /** From the first frame with the face to the result carrying its embedding. */
  firstEmbeddingMs: number;
  embeddings: number;
  medianDetectMs: number;
}

/**
 * A camera at `cameraFps` showing `frame` from t = 0, processed
 * latest-frame-wins (a frame that arrives while one is processed replaces
 * the waiting one; nothing queues) for `durationMs`.
 */
export async function liveLoop(
  service: VisionService,
  frame: RgbaImage,
  durationMs: number,
  cameraFps = 30,
): Promise<LiveLoopResult> {
  service.resetTracker();
  const start = performance.now();
  let processed = 0;
  let lastFrameIndex = -1;
  let dropped = 0;
  let firstEmbeddingMs = NaN;
  let embeddings = 0;
  const detect: number[] = [];
  while (performance.now() - start < durationMs) {
    const now = performance.now() - start;
    const index = Math.floor((now * cameraFps) / 1000);
    if (index === lastFrameIndex) {
      // Wait for the camera's next frame.
      await new Promise((r) => setTimeout(r, Math.max(0, ((index + 1) * 1000) / cameraFps - now)));
      continue;
    }
    dropped += Math.max(0, index - lastFrameIndex - 1);
    lastFrameIndex = index;
    const r = await service.processFrame(frame, now);
    processed++;
    detect.push(r.detectMs);
    const got = r.faces.filter((f) => f.embedding).length;
    embeddings += got;
    if (got && Number.isNaN(firstEmbeddingMs)) firstEmbeddingMs = performance.now() - start;
  }
  const wall = performance.now() - start;
  return {
    fps: (processed * 1000) / wall,
    processed,
    dropped,
    firstEmbeddingMs,
    embeddings,
    medianDetectMs: median(detect),
  };
}
