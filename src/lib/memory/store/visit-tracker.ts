/**
 * Who a visit is of. The tracker keys both kinds by one number: a person's id,
 * or minus a visitor's id (ids are positive, so the two never meet).
 */
export type Subject = { kind: 'person'; id: number } | { kind: 'visitor'; id: number };

export const subjectKey = (s: Subject): number => (s.kind === 'person' ? s.id : -s.id);
export const subjectOf = (key: number): Subject =>
  key > 0 ? { kind: 'person', id: key } : { kind: 'visitor', id: -key };

/** A visit that started since the last flush (one sightings row). */
export interface PendingVisit {
  atMs: number;
  /** The last recognition in it so far, and how many there were. */
  endMs: number;
  frames: number;
  similarity: number;
  confidence: number;
  /**
   * `false` is the visit in which the subject was labelled or first queued: it
   * already counts (a new person or visitor starts with one visit) but has no row yet.
   */
  counted: boolean;
}

/** More recognitions in the visit whose row is already stored (its newest). */
export interface VisitExtension {
  endMs: number;
  frames: number;
}

/** One subject's batched presence, waiting to be written. */
export interface PendingPresence {
  key: number;
  visits: PendingVisit[];
  extend: VisitExtension | null;
  lastSeenMs: number;
}

function combine(a: VisitExtension | null, b: VisitExtension | null): VisitExtension | null {
  if (!a || !b) return a ?? b;
  return { endMs: Math.max(a.endMs, b.endMs), frames: a.frames + b.frames };
}

/**
 * Turns a stream of per-frame recognitions into visits: a subject seen
 * continuously counts once; a new visit starts after they have been absent
 * for more than `gapMs`. Each visit's end and recognition count grow as it
 * goes on (incrementally: a flush updates the open visit's row, never rescans).
 * Pure bookkeeping; the database writes what `take()` returns.
 */
export class VisitTracker {
  readonly #lastSeenMs = new Map<number, number>();
  /** When each subject's current visit started (arrival alerts key on it). */
  readonly #visitStartMs = new Map<number, number>();
  #pending = new Map<number, PendingPresence>();

  constructor(readonly gapMs: number) {}

  /**
   * Records one recognition of subject `key`. The stored state is consulted the
   * first time a subject is seen in this session, so a reload mid-visit does not
   * count a second visit; a subject recognised in the visit it was labelled in
   * (no sightings row yet) gets that visit's row without a second count.
   * Returns whether this started a visit (or gave the labelling visit its row).
   */
  observe(
    key: number,
    similarity: number,
    atMs: number,
    stored: () => {
      lastSeenMs: number | null;
      hasSightings: boolean;
      /** The start of the subject's newest stored visit, if it has one. */
      lastVisitStartMs?: number | null;
    },
    confidence = similarity,
  ) {
    let last = this.#lastSeenMs.get(key);
    let uncounted = false;
    let storedStart: number | null = null;
    if (last === undefined) {
      const s = stored();
      last = s.lastSeenMs ?? undefined;
      uncounted = !s.hasSightings && last !== undefined && atMs - last <= this.gapMs;
      storedStart = s.lastVisitStartMs ?? null;
    }
    const newVisit = uncounted || last === undefined || atMs - last > this.gapMs;
    if (newVisit) this.#visitStartMs.set(key, atMs);
    else if (!this.#visitStartMs.has(key)) this.#visitStartMs.set(key, storedStart ?? atMs);
    this.#lastSeenMs.set(key, Math.max(atMs, last ?? atMs));
    const p = this.#pending.get(key) ?? { key, visits: [], extend: null, lastSeenMs: atMs };
    const open = p.visits.at(-1);
    if (newVisit) {
      p.visits.push({ atMs, endMs: atMs, frames: 1, similarity, confidence, counted: !uncounted });
    } else if (open) {
      open.endMs = Math.max(open.endMs, atMs);
      open.frames++;
    } else {
      p.extend = combine(p.extend, { endMs: atMs, frames: 1 });
    }
    p.lastSeenMs = Math.max(p.lastSeenMs, atMs);
    this.#pending.set(key, p);
    return newVisit;
  }

  /** A sighting written directly (recordSighting) also marks presence. */
  markSeen(key: number, atMs: number): void {
    this.#lastSeenMs.set(key, Math.max(atMs, this.#lastSeenMs.get(key) ?? atMs));
  }

  /** When the subject's current visit started (undefined before its first observation). */
  visitStart(key: number): number | undefined {
    return this.#visitStartMs.get(key);
  }

  /** Visits of the subject not written yet that count (stored visit_count + this = its visits). */
  pendingVisits(key: number): number {
    return this.#pending.get(key)?.visits.filter((v) => v.counted).length ?? 0;
  }

  get hasPending(): boolean {
    return this.#pending.size > 0;
  }

  /** Hands over what is pending and clears it. */
  take(): PendingPresence[] {
    const out = [...this.#pending.values()];
    this.#pending = new Map();
    return out;
  }

  /** Puts back what a failed flush took, merged with anything newer. */
  restore(items: readonly PendingPresence[]): void {
    for (const item of items) {
      const now = this.#pending.get(item.key);
      if (!now) {
        this.#pending.set(item.key, item);
        continue;
      }
      // What came since extended the visit that failed to be written, if there was one.
      const older = item.visits.map((v) => ({ ...v }));
      const last = older.at(-1);
      let extend = now.extend;
      if (last && extend) {
        last.endMs = Math.max(last.endMs, extend.endMs);
        last.frames += extend.frames;
        extend = null;
      }
      now.visits = [...older, ...now.visits];
      now.extend = combine(item.extend, extend);
      now.lastSeenMs = Math.max(now.lastSeenMs, item.lastSeenMs);
    }
  }

  /** After a merge (or a visitor named), presence of `from` continues as `into`. */
  rename(from: number, into: number): void {
    const last = this.#lastSeenMs.get(from);
    this.#lastSeenMs.delete(from);
    if (last !== undefined) this.markSeen(into, last);
    const start = this.#visitStartMs.get(from);
    this.#visitStartMs.delete(from);
    if (start !== undefined && !this.#visitStartMs.has(into)) this.#visitStartMs.set(into, start);
    const p = this.#pending.get(from);
    this.#pending.delete(from);
    if (p) this.restore([{ ...p, key: into }]);
  }

  forget(key: number): void {
    this.#lastSeenMs.delete(key);
    this.#visitStartMs.delete(key);
    this.#pending.delete(key);
  }
}
