/**
 * Latest-frame-wins: a frame is taken only when the previous one is done, so
 * frames are dropped while inference is busy and never queue up (a queue
 * would make the picture and the names drift seconds apart).
 */

interface FramePumpOptions<F> {
  /** Takes the current frame; null when none is ready yet. */
  grab: () => F | null | Promise<F | null>;
  /** Handles one frame; the pump does not grab another until it settles. */
  process: (frame: F) => Promise<void>;
  /** Calls back at the next display/video frame; returns a cancel function. */
  schedule: (tick: () => void) => () => void;
  /** Errors of `process`; the pump keeps running. */
  onError?: (error: unknown) => void;
  now?: () => number;
}

/** Processed frames per second over the last `windowMs`. */
export class RateMeter {
  #times: number[] = [];
  constructor(private readonly windowMs = 2000) {}

  mark(atMs: number): void {
    this.#times.push(atMs);
    const from = atMs - this.windowMs;
    while (this.#times.length && this.#times[0]! < from) this.#times.shift();
  }

  rate(atMs: number): number {
    const from = atMs - this.windowMs;
    const recent = this.#times.filter((t) => t >= from);
    if (recent.length < 2) return 0;
    return ((recent.length - 1) * 1000) / Math.max(1, recent.at(-1)! - recent[0]!);
  }
}

export class FramePump<F> {
  #opts: FramePumpOptions<F>;
  #cancel: (() => void) | null = null;
  #busy = false;
  #running = false;
  #meter = new RateMeter();
  /** Ticks that found the pump busy: frames dropped, not queued. */
  dropped = 0;
  processed = 0;

  constructor(opts: FramePumpOptions<F>) {
    this.#opts = opts;
  }

  get running(): boolean {
    return this.#running;
  }

  fps(): number {
    return this.#meter.rate(this.#now());
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#arm();
  }

  stop(): void {
    this.#running = false;
    this.#cancel?.();
    this.#cancel = null;
  }

  #now(): number {
    return this.#opts.now?.() ?? performance.now();
  }

  #arm(): void {
    if (!this.#running) return;
    this.#cancel = this.#opts.schedule(() => void this.#tick());
  }

  async #tick(): Promise<void> {
    this.#cancel = null;
    if (!this.#running) return;
    if (this.#busy) {
      this.dropped++;
      this.#arm();
      return;
    }
    this.#busy = true;
    this.#arm(); // keep ticking (and dropping) while this frame is processed
    try {
      const frame = await this.#opts.grab();
      if (frame !== null && this.#running) {
        await this.#opts.process(frame);
        this.processed++;
        this.#meter.mark(this.#now());
      }
    } catch (error) {
      this.#opts.onError?.(error);
    } finally {
      this.#busy = false;
    }
  }
}
