/**
 * A second opinion for look-alikes. When one embedding lands in "not sure"
 * (between the two thresholds, or too close to the runner-up: decide.ts's
 * 'unsure' ballot), another embedder, run on the same face of the same frame
 * with its own alignment, may break the tie between the primary's two best
 * people (both at or above the lower threshold). The face gets a name only when both agree: the second model's best
 * of those people is the primary's best, at or above the second model's own
 * threshold, and clear of the other by its own margin. Anything else (it
 * prefers the runner-up, it is below its threshold, too close, or the memory
 * holds no vector of that model for one of them) leaves it not sure.
 *
 * Pure: the memory worker reads the second model's stored vectors and gives
 * the similarities (memory/actions/second-opinion.ts); decide.ts turns an
 * agreement into a vote (Evidence.confirmed).
 */
import { ballot, evidenceOf, type Thresholds, type VotePolicy } from './decide';
import type { Identification } from './identification';

/**
 * The margin the app's second opinion asks of the second model (cosine): the
 * second-opinion bench's setting (tests/bench/second-opinion.bench.ts).
 */
export const SECOND_OPINION_MIN_MARGIN = 0.05;

export interface SecondOpinionPolicy {
  /** The second model's own upper threshold (cosine): its best must reach it. */
  upper: number;
  /** The second model's best must beat the other candidate by at least this (cosine). */
  minMargin: number;
}

export type SecondVerdict =
  | { agree: true; personId: number }
  | {
      agree: false;
      /**
       * missing: no vector of the second model for a candidate; disagree: it
       * prefers the primary's runner-up; below: under its threshold; margin:
       * too close to the other candidate.
       */
      why: 'missing' | 'disagree' | 'below' | 'margin';
    };

/**
 * The two people the primary embedding is not sure between (its best first),
 * or null when there is no such tie: its ballot is not 'unsure' (a clear name
 * or a stranger), or the runner-up is below the lower threshold. The latter is
 * "this person or a stranger?", which a second embedder does not answer safely:
 * on the bbt clips a stranger (raj) in the band for sheldon, with penny far
 * below, got dlib's agreement on sheldon at 0.595 (dlib's different-person
 * cosines reach 0.593 on bbt stills), so a second opinion is only asked
 * between two people who are both plausible.
 */
export function tieOf(
  id: Identification,
  quality: number,
  t: Thresholds,
  policy?: VotePolicy,
): [number, number] | null {
  const e = evidenceOf(id, quality);
  if (e.personId === null || ballot(e, t, policy).ballot.kind !== 'unsure') return null;
  const [best, runnerUp] = id.topK;
  if (!best || !runnerUp || runnerUp.similarity < t.lower) return null;
  return [best.personId, runnerUp.personId];
}

/**
 * The second model's verdict on a tie: `candidates` as tieOf gives them (the
 * primary's best first), `similarity` the second model's similarity of the
 * same face to each candidate (absent: the memory has no vector of that model
 * for that person).
 */
export function secondOpinion(
  candidates: readonly number[],
  similarity: ReadonlyMap<number, number>,
  policy: SecondOpinionPolicy,
): SecondVerdict {
  const [primary] = candidates;
  if (primary === undefined) return { agree: false, why: 'missing' };
  const sims = candidates.map((p) => similarity.get(p));
  if (sims.some((s) => s === undefined || !Number.isFinite(s))) {
    return { agree: false, why: 'missing' };
  }
  const [mine, ...others] = sims as number[];
  const rival = others.length ? Math.max(...others) : -Infinity;
  if (rival >= mine!) return { agree: false, why: 'disagree' };
  if (mine! < policy.upper) return { agree: false, why: 'below' };
  if (mine! - rival < policy.minMargin) return { agree: false, why: 'margin' };
  return { agree: true, personId: primary };
}
