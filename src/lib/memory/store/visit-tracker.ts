/** One person's batched presence, waiting to be written. */
interface PendingPresence {
  personId: number;
  /**
   * Visits that started since the last flush (one sightings row each).
   * `counted: false` is the visit in which the person was labelled: it
   * already counts (a new person starts with one visit) but has no row yet.
   */
  visits: Array<{ atMs: number; similarity: number; confidence: number; counted: boolean }>;
  lastSeenMs: number;
}

/**
 * Turns a stream of per-frame recognitions into visits: a person seen
 * continuously counts once; a new visit starts after they have been absent
 * for more than `gapMs`. Pure bookkeeping; the database writes what
 * `take()` returns.
 */
export class VisitTracker {
  readonly #lastSeenMs = new Map<number, number>();
  #pending = new Map<number, PendingPresence>();

  constructor(readonly gapMs: number) {}

  /**
   * Records one recognition. The stored state is consulted the first time a
   * person is seen in this session, so a reload mid-visit does not count a
   * second visit; a person recognised in the visit they were labelled in
   * (no sightings row yet) gets that visit's row without a second count.
   * Returns whether this started a visit (or gave the labelling visit its row).
   */
  observe(
    personId: number,
    similarity: number,
    atMs: number,
    stored: () => { lastSeenMs: number | null; hasSightings: boolean },
    confidence = similarity,
  ) {
    let last = this.#lastSeenMs.get(personId);
    let uncounted = false;
    if (last === undefined) {
      const s = stored();
      last = s.lastSeenMs ?? undefined;
      uncounted = !s.hasSightings && last !== undefined && atMs - last <= this.gapMs;
    }
    const newVisit = uncounted || last === undefined || atMs - last > this.gapMs;
    this.#lastSeenMs.set(personId, Math.max(atMs, last ?? atMs));
    const p = this.#pending.get(personId) ?? { personId, visits: [], lastSeenMs: atMs };
    if (newVisit) p.visits.push({ atMs, similarity, confidence, counted: !uncounted });
    p.lastSeenMs = Math.max(p.lastSeenMs, atMs);
    this.#pending.set(personId, p);
    return newVisit;
  }

  /** A sighting written directly (recordSighting) also marks presence. */
  markSeen(personId: number, atMs: number): void {
    this.#lastSeenMs.set(personId, Math.max(atMs, this.#lastSeenMs.get(personId) ?? atMs));
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
      const now = this.#pending.get(item.personId);
      if (!now) {
        this.#pending.set(item.personId, item);
        continue;
      }
      now.visits = [...item.visits, ...now.visits];
      now.lastSeenMs = Math.max(now.lastSeenMs, item.lastSeenMs);
    }
  }

  /** After a merge, presence of `from` continues as `into`. */
  rename(from: number, into: number): void {
    const last = this.#lastSeenMs.get(from);
    this.#lastSeenMs.delete(from);
    if (last !== undefined) this.markSeen(into, last);
    const p = this.#pending.get(from);
    this.#pending.delete(from);
    if (p) this.restore([{ ...p, personId: into }]);
  }

  forget(personId: number): void {
    this.#lastSeenMs.delete(personId);
    this.#pending.delete(personId);
  }
}
