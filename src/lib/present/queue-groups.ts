/** The labelling queue's grouping: faces of one stranger together, newest group first. */
import type { Candidate, UnlabeledFace } from '../memory/base/types';

export interface QueueGroup {
  key: string;
  faces: UnlabeledFace[];
  /** Newest face's time: groups are shown newest first. */
  newestMs: number;
  /** The best face (highest quality, else newest) is the group's cover. */
  cover: UnlabeledFace;
}

export function groupQueue(faces: readonly UnlabeledFace[]): QueueGroup[] {
  const byKey = new Map<string, UnlabeledFace[]>();
  for (const f of faces) {
    const key = f.groupKey ?? `face-${f.id}`;
    const list = byKey.get(key) ?? [];
    list.push(f);
    byKey.set(key, list);
  }
  const groups = [...byKey].map(([key, list]) => {
    const newest = [...list].sort((a, b) => b.timestampMs - a.timestampMs || b.id - a.id);
    // The best crops first (quality: detector score × size), then the newest.
    const best = [...newest].sort((a, b) => (b.quality ?? 0) - (a.quality ?? 0));
    return { key, faces: best, newestMs: newest[0]!.timestampMs, cover: best[0]! };
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
