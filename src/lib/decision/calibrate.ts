/**
 * Suggests the live vote's two thresholds (decide.ts) for a model the app ships
 * no statistics for, from the user's own labelled people: every sample is
 * compared, leave-one-out, with the best other sample of its own person (a
 * same-person cosine) and the best sample of anyone else (a different-person
 * cosine) — what the memory's search does with a new face of that person.
 *
 * When every same-person score is above every different-person one, upper sits
 * just above the highest different-person score (no wrong name on these people)
 * and lower just below it (no known face votes "stranger"). When they overlap,
 * the model cannot separate these people: it says so, with the error rates at
 * the best single threshold and at the safe upper one.
 */

export interface Calibration {
  /** Enough people and samples to say anything (2 people, each with 2 samples). */
  enough: boolean;
  /** The model separates these people: every same-person score above every different-person one. */
  separable: boolean;
  lower: number;
  upper: number;
  /** Share of same-person scores below `upper` (named late or "not sure"), and above `lower` are none when separable. */
  expectedMissRate: number;
  /** Share of different-person scores at or above `upper` (a wrong name per embedding). */
  expectedWrongRate: number;
  sameCount: number;
  differentCount: number;
  /** Said plainly, for Settings. */
  message: string;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Same- and different-person cosines, leave-one-out (unit vectors per person). */
export function pairScores(people: ReadonlyArray<readonly Float32Array[]>): {
  same: number[];
  different: number[];
} {
  const same: number[] = [];
  const different: number[] = [];
  people.forEach((samples, p) => {
    samples.forEach((v, i) => {
      let bestSame = -Infinity;
      samples.forEach((w, j) => {
        if (j !== i) bestSame = Math.max(bestSame, dot(v, w));
      });
      let bestOther = -Infinity;
      people.forEach((others, q) => {
        if (q !== p) for (const w of others) bestOther = Math.max(bestOther, dot(v, w));
      });
      if (bestSame > -Infinity) same.push(bestSame);
      if (bestOther > -Infinity) different.push(bestOther);
    });
  });
  return { same, different };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

export function calibrate(
  people: ReadonlyArray<readonly Float32Array[]>,
  margin = 0.01,
): Calibration {
  const withPairs = people.filter((s) => s.length >= 2);
  const { same, different } = pairScores(people);
  const base = { sameCount: same.length, differentCount: different.length };
  if (withPairs.length < 2 || !same.length || !different.length) {
    return {
      enough: false,
      separable: false,
      lower: NaN,
      upper: NaN,
      expectedMissRate: NaN,
      expectedWrongRate: NaN,
      ...base,
      message:
        'Label at least 2 people with at least 2 faces each to calibrate this model from your own people.',
    };
  }
  const maxDiff = Math.max(...different);
  const minSame = Math.min(...same);
  const rate = (xs: number[], f: (x: number) => boolean) => xs.filter(f).length / xs.length;
  if (minSame > maxDiff) {
    // Just above every other person's face (and not above the lowest own face), and the
    // "not sure" band just below it: a known face never votes "stranger".
    const upper = Math.min(1, Math.min(minSame, maxDiff + margin));
    const lower = Math.max(-1, maxDiff - margin);
    return {
      enough: true,
      separable: true,
      lower: round(Math.min(lower, upper)),
      upper: round(upper),
      expectedMissRate: rate(same, (s) => s < upper),
      expectedWrongRate: 0,
      ...base,
      message: `On your ${same.length} labelled faces: upper ${round(upper)} (no wrong names), lower ${round(Math.min(lower, upper))}; ${pct(rate(same, (s) => s < upper))} of a known person's faces fall below the upper threshold.`,
    };
  }
  // Not separable: the single threshold with the fewest errors, for the record.
  let best = { t: maxDiff, errors: Infinity };
  for (const t of [...same, ...different]) {
    const errors = same.filter((s) => s < t).length + different.filter((d) => d >= t).length;
    if (errors < best.errors) best = { t, errors };
  }
  const upper = Math.min(1, maxDiff + margin);
  return {
    enough: true,
    separable: false,
    lower: round(Math.max(-1, minSame - margin)),
    upper: round(upper),
    expectedMissRate: rate(same, (s) => s < upper),
    expectedWrongRate: rate(different, (d) => d >= best.t),
    ...base,
    message: `This model cannot separate your people: some faces are closer to someone else (up to ${round(maxDiff)}) than to their own person (down to ${round(minSame)}). At best one threshold (${round(best.t)}) still names ${pct(rate(different, (d) => d >= best.t))} of faces wrongly; with upper ${round(upper)} (no wrong names) ${pct(rate(same, (s) => s < upper))} of known faces go unnamed.`,
  };
}
