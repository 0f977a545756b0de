import { describe, expect, it } from 'vitest';
import type { Candidate, Identification } from './identification';
import {
  announcement,
  ballot,
  decideFace,
  decideFrame,
  faceQuality,
  lowerFor,
  vote,
  type DecideContext,
  type FaceDecision,
  type FaceInput,
  type TrackMemory,
} from './decide';

// A band like the bundled model's (registry): below 0.28 a stranger vote, 0.28 … 0.314 not sure.
const thresholds = { lower: 0.28, upper: 0.314 };
const writable: DecideContext = { readOnly: false, thresholds };
const readOnly: DecideContext = { readOnly: true, thresholds };

const cand = (personId: number, similarity: number): Candidate => ({
  personId,
  name: personId === 1 ? 'Amy' : personId === 2 ? 'Penny' : `P${personId}`,
  similarity,
});
/** An embedding's search: its candidates, best first (the memory's own threshold is not used). */
const id = (...topK: Candidate[]): Identification => ({
  personId: null,
  name: null,
  similarity: topK[0]?.similarity ?? 0,
  topK,
});
const amy = id(cand(1, 0.6), cand(2, 0.1));
const amyWeak = id(cand(1, 0.33), cand(2, 0.1));
const penny = id(cand(2, 0.6), cand(1, 0.1));
const stranger = id(cand(1, 0.12), cand(2, 0.05));
const band = id(cand(1, 0.3), cand(2, 0.1));
const empty = id();

const face = (
  identification: Identification,
  track: TrackMemory | null,
  quality = 1,
): FaceInput => ({
  identification,
  quality,
  track,
  hasCrop: true,
});

/** One track's embeddings in turn, carrying the track as the page does. */
function run(
  ids: Identification[],
  qualities: number[] = ids.map(() => 1),
  ctx = writable,
  opts: { hasCrop?: boolean; gate?: boolean[] } = {},
): FaceDecision[] {
  let track: TrackMemory | null = null;
  return ids.map((identification, i) => {
    const d = decideFace(
      {
        ...face(identification, track, qualities[i]),
        hasCrop: opts.hasCrop ?? true,
        gateOk: opts.gate?.[i] ?? true,
      },
      ctx,
    );
    track = d.track;
    return d;
  });
}
const states = (ds: FaceDecision[]) => ds.map((d) => d.state);

describe('ballot: two thresholds', () => {
  it('at or above upper votes for the person, below lower votes stranger, between votes nobody', () => {
    const at = (s: number) =>
      ballot({ personId: 1, similarity: s, margin: 1, quality: 1 }, thresholds).ballot.kind;
    expect([at(0.6), at(0.314), at(0.313), at(0.28), at(0.279), at(-0.2)]).toEqual([
      'person',
      'person',
      'unsure',
      'unsure',
      'stranger',
      'stranger',
    ]);
    // An empty memory has no candidate: a stranger.
    expect(
      ballot({ personId: null, similarity: 0, margin: 1, quality: 1 }, thresholds).ballot.kind,
    ).toBe('stranger');
  });

  it('weighs by quality, by how far above the band, and by the margin over the runner-up', () => {
    const w = (similarity: number, margin: number, quality: number) =>
      ballot({ personId: 1, similarity, margin, quality }, thresholds).weight;
    expect(w(0.6, 1, 0.5)).toBeCloseTo(w(0.6, 1, 1) / 2);
    expect(w(0.33, 1, 1)).toBeLessThan(w(0.6, 1, 1));
    expect(w(0.6, 0.025, 1)).toBeCloseTo(w(0.6, 1, 1) / 2);
    // No margin at all (two people equally close): not a vote for either.
    expect(
      ballot({ personId: 1, similarity: 0.6, margin: 0, quality: 1 }, thresholds).ballot.kind,
    ).toBe('unsure');
  });

  it('lowerFor keeps the model band below a user threshold', () => {
    const spec = { thresholdCosine: 0.314, lowerCosine: 0.28 };
    expect(lowerFor(spec, 0.314)).toBeCloseTo(0.28);
    expect(lowerFor(spec, 0.4)).toBeCloseTo(0.366);
    expect(lowerFor(spec, -0.99)).toBe(-1);
  });
});

describe('vote over a track', () => {
  it('"…" after one embedding, a name after two agreeing ones', () => {
    const ds = run([amy, amy, amy]);
    expect(states(ds)).toEqual(['identifying', 'named', 'named']);
    expect(ds[1]!.personId).toBe(1);
    expect(ds[1]!.confidence).toBeCloseTo(1);
    expect(ds[0]!.observe).toBe(false);
  });

  it('disagreeing embeddings give no name (a tie gives nobody)', () => {
    const ds = run([amy, penny, amy, penny]);
    expect(states(ds)).toEqual(['identifying', 'not-sure', 'not-sure', 'not-sure']);
    expect(ds.some((d) => d.known || d.observe || d.queue)).toBe(false);
  });

  it('a name needs more than 70 % of the weight: 2 of 3 is not enough, 3 of 4 is', () => {
    const ds = run([amy, amy, penny, amy, amy]);
    expect(states(ds)).toEqual(['identifying', 'named', 'not-sure', 'named', 'named']);
    expect(ds[3]!.confidence).toBeCloseTo(0.75);
    // Named again as the same person: not announced twice.
    expect(ds.map((d) => d.announceKnown)).toEqual([false, true, false, false, false]);
  });

  it('withdraws a name when later evidence turns against it, and can name again', () => {
    const ds = run([amy, amy, penny, penny, penny, penny, penny]);
    expect(states(ds)).toEqual([
      'identifying',
      'named',
      'not-sure',
      'not-sure',
      'not-sure',
      'not-sure',
      'named',
    ]);
    expect(ds[2]!.withdrawn).toBe(true);
    expect(ds[6]!.personId).toBe(2);
    expect(ds.map((d) => d.announceKnown)).toEqual([false, true, false, false, false, false, true]);
  });

  it('keeps at most a dozen embeddings: old evidence ages out', () => {
    const ds = run([...Array(12).fill(penny), ...Array(12).fill(amy)] as Identification[]);
    expect(ds.at(-1)!.track.evidence).toHaveLength(12);
    expect(ds.at(-1)!.personId).toBe(1);
  });

  it('the "not sure" band is shown as such: no name, no sighting, never queued', () => {
    const ds = run([band, band, band, band]);
    expect(states(ds)).toEqual(['identifying', 'not-sure', 'not-sure', 'not-sure']);
    expect(ds.some((d) => d.observe || d.queue)).toBe(false);
  });

  it('band votes dilute a weak match: three weak matches among many band votes give no name', () => {
    const ds = run([amyWeak, band, band, amyWeak, band, band, amyWeak]);
    expect(ds.every((d) => !d.known)).toBe(true);
  });

  it('big clear faces outvote small poor ones (size and quality weights)', () => {
    // Two small Penny crops against two large Amy crops: Amy wins.
    const ds = run([penny, amy, penny, amy], [0.2, 1, 0.2, 1]);
    expect(ds.at(-1)!.personId).toBe(1);
    // The same with equal quality is a tie: nobody.
    expect(run([penny, amy, penny, amy]).at(-1)!.state).toBe('not-sure');
  });

  it('a small margin over the runner-up (look-alikes) keeps the track from being named', () => {
    const twins = id(cand(1, 0.6), cand(2, 0.595));
    expect(states(run([twins, twins, twins, twins]))).toEqual([
      'identifying',
      'not-sure',
      'not-sure',
      'not-sure',
    ]);
  });

  it('needs minVotes agreeing embeddings', () => {
    expect(vote([{ personId: 1, similarity: 0.9, margin: 1, quality: 1 }], thresholds).state).toBe(
      'identifying',
    );
    expect(
      vote([{ personId: 1, similarity: 0.9, margin: 1, quality: 1 }], thresholds, {
        maxEvidence: 12,
        minVotes: 1,
        minShare: 0.6,
        fullMargin: 0.05,
      }).state,
    ).toBe('named');
  });
});

describe('quality gate', () => {
  it('a rejected crop does not vote and is not queued', () => {
    const ds = run([amy, amy, amy], undefined, writable, { gate: [true, false, true] });
    expect(states(ds)).toEqual(['identifying', 'identifying', 'named']);
    expect(ds[1]!.track.evidence).toHaveLength(1);
    const s = run([stranger, stranger, stranger], undefined, writable, {
      gate: [false, false, false],
    });
    expect(s.some((d) => d.queue)).toBe(false);
    expect(s.at(-1)!.track.evidence).toHaveLength(0);
  });
});

describe('announcements and sightings', () => {
  it('announces once per track and name; records a sighting on each named embedding', () => {
    const ds = run([amy, amy, amy, amy]);
    expect(ds.map((d) => d.announceKnown)).toEqual([false, true, false, false]);
    expect(ds.map((d) => d.observe)).toEqual([false, true, true, true]);
    expect(announcement(ds[1]!, 'Amy', false)).toBe('Amy recognised');
    expect(announcement(ds[2]!, 'Amy', false)).toBeNull();
  });
});

describe('queueing strangers', () => {
  it('queues only once the vote says stranger, then only clearly better crops, at most 3', () => {
    const q = [0.5, 0.5, 0.55, 0.7, 0.7, 0.9, 0.95, 0.99];
    const ds = run(
      q.map(() => stranger),
      q,
    );
    // 1st: identifying. 2nd 0.5 (first queued), 0.7 (≥ 0.5×1.2), 0.9 (≥ 0.84), then the cap of 3.
    expect(ds.map((d) => d.queue)).toEqual([false, true, false, true, false, true, false, false]);
    expect(ds[1]!.state).toBe('stranger');
    expect(ds.at(-1)!.track).toMatchObject({ queued: 3, bestQueuedQuality: 0.9 });
    expect(announcement(ds[1]!, null, true)).toBe('A new face was queued for labelling');
    expect(announcement(ds[1]!, null, false)).toBeNull();
  });

  it('an empty memory: every face is a stranger after two embeddings', () => {
    expect(states(run([empty, empty]))).toEqual(['identifying', 'stranger']);
  });

  it('a minute in front of the camera queues a few crops, not hundreds', () => {
    const n = Math.floor(60_000 / 33);
    const ds = run(
      Array.from({ length: n }, () => stranger),
      Array.from({ length: n }, () => 0.9),
    );
    const queued = ds.filter((d) => d.queue).length;
    expect(queued).toBeGreaterThanOrEqual(1);
    expect(queued).toBeLessThanOrEqual(3);
  });

  it('without a crop nothing is queued, but the track counts it as taken', () => {
    const ds = run([stranger, stranger, stranger], [0.5, 0.5, 0.5], writable, { hasCrop: false });
    expect(ds.map((d) => d.queue)).toEqual([false, false, false]);
    expect(ds[1]!.track.queued).toBe(1);
  });
});

describe('a read-only memory', () => {
  it('never writes: no sighting, no queue; faces are still named and announced', () => {
    const known = run([amy, amy], [1, 1], readOnly);
    expect(known.map((d) => [d.known, d.observe, d.queue, d.announceKnown])).toEqual([
      [false, false, false, false],
      [true, false, false, true],
    ]);
    const strangers = run([stranger, stranger, stranger], [0.5, 0.7, 0.9], readOnly);
    expect(strangers.some((d) => d.observe || d.queue)).toBe(false);
  });
});

describe('decideFrame: two faces in one frame are never the same person', () => {
  const namedAs = (identification: Identification): TrackMemory =>
    run([identification, identification]).at(-1)!.track;

  it('the weaker of two faces named alike becomes "not sure"', () => {
    const strongAmy = namedAs(amy);
    const weakAmy = run([amyWeak, amyWeak, band]).at(-1)!.track;
    const ds = decideFrame([face(amyWeak, weakAmy), face(amy, strongAmy)], writable);
    expect(ds[1]!).toMatchObject({ state: 'named', personId: 1, observe: true });
    expect(ds[0]!).toMatchObject({
      state: 'not-sure',
      known: false,
      personId: null,
      observe: false,
      announceKnown: false,
    });
    expect(ds[0]!.track.evidence!.length).toBe(4);
  });

  it('different people in one frame are each named', () => {
    const ds = decideFrame([face(amy, namedAs(amy)), face(penny, namedAs(penny))], writable);
    expect(ds.map((d) => d.personId)).toEqual([1, 2]);
    expect(decideFrame([], writable)).toEqual([]);
  });
});

describe('faceQuality', () => {
  it('grows with confidence and size, up to the embedder input size', () => {
    expect(faceQuality(1, 56)).toBeCloseTo(0.5);
    expect(faceQuality(0.9, 300)).toBeCloseTo(0.9);
    expect(faceQuality(0.5, 112)).toBeLessThan(faceQuality(0.9, 112));
  });
});
