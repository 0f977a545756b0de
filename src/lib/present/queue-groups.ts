/**
 * The labelling queue's grouping: one card per visitor (the faces of one
 * stranger), else per face group; the most recently seen first.
 */
import type { Candidate, UnlabeledFace, Visitor } from '../memory/base/types';

export interface QueueGroup {
  key: string;
  faces: UnlabeledFace[];
  /** Newest face's time: groups are shown newest first. */
  newestMs: number;
  /** The best face (highest quality, else newest) is the group's cover. */
  cover: UnlabeledFace;
  /** The visitor these faces are (its number and visits), or null for faces of none. */
  visitor: Visitor | null;
}

/** The card of a face: its visitor's, else its group's, else its own. */
function cardKey(f: UnlabeledFace): string {
  return f.visitorId !== null ? `visitor-${f.visitorId}` : (f.groupKey ?? `face-${f.id}`);
}

export function groupQueue(
  faces: readonly UnlabeledFace[],
  visitors: readonly Visitor[] = [],
): QueueGroup[] {
  const visitorById = new Map(visitors.map((v) => [v.id, v]));
  const byKey = new Map<string, UnlabeledFace[]>();
  for (const f of faces) {
    const key = cardKey(f);
    const list = byKey.get(key) ?? [];
    list.push(f);
    byKey.set(key, list);
  }
  const groups = [...byKey].map(([key, list]) => {
    const newest = [...list].sort((a, b) => b.timestampMs - a.timestampMs || b.id - a.id);
    // The best crops first (quality: detector score × size), then the newest.
    const best = [...newest].sort((a, b) => (b.quality ?? 0) - (a.quality ?? 0));
    const visitor = visitorById.get(list[0]!.visitorId ?? -1) ?? null;
    // A visitor seen again without a new crop is still the most recent card.
    const newestMs = Math.max(newest[0]!.timestampMs, visitor?.lastSeenMs ?? -Infinity);
    return { key, faces: best, newestMs, cover: best[0]!, visitor };
  });
  return groups.sort((a, b) => b.newestMs - a.newestMs || b.cover.id - a.cover.id);
}

/**
 * One suggestion list per group from its faces' own lists: each person once,
 * with the best similarity any face of the group had to them.
 */
export function groupSuggestions(lists: readonly Candidate[][], k: number): Candidate[] {
  const best = new Map<number, Candidate>();
  for (const list of lists) {
    for (const c of list) {
      const had = best.get(c.personId);
      if (!had || c.similarity > had.similarity) best.set(c.personId, c);
    }
  }
  return [...best.values()].sort((a, b) => b.similarity - a.similarity).slice(0, k);
}
