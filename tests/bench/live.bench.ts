/**
 * Live rows of `npm run bench` (suite 'live'): `npm run eval -- --live` on the
 * bbt faces (FACES_DIR/bbt when set), 36 clips of 30 frames through the live
 * view's own per-frame path, with the goals. The baseline, from the
 * same run and the same embeddings, is each embedding judged alone by the
 * plain single threshold (what the app did before the per-track decision):
 * the ratio column shows what the track decision buys. Held-out rows: the
 * people the threshold was not tuned on (penny, raj, sheldon, stuart).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { calibrate } from '../../src/lib/decision/calibrate.ts';
import { VisionService } from '../../src/lib/vision/service.ts';
import 'fake-indexeddb/auto';
import { BUNDLED_EMBEDDER_ID } from '../../src/lib/vision/registry.ts';
import { BBT_DIR } from '../fixtures/vision/bbt.ts';
import { evalLive } from '../support/vision/live-eval.ts';
import { nodeModelSource, nodeSessionEnv, readImage } from '../support/vision/vision-node.ts';
import type { BenchRow, BenchSuite } from './types.ts';

const HELD_OUT = ['penny', 'raj', 'sheldon', 'stuart'];
const TUNED_ON = ['amy', 'bernadette', 'howard', 'leonard'];

const suite: BenchSuite = {
  name: 'live',
  async run({ quick, log }) {
    const dir = process.env.FACES_DIR ? join(process.env.FACES_DIR, 'bbt') : BBT_DIR;
    const r = await evalLive({
      dir,
      modelId: BUNDLED_EMBEDDER_ID,
      seed: 1,
      env: nodeSessionEnv('cpu'),
      heldOut: HELD_OUT,
      clipsPerPerson: quick ? 2 : undefined,
      log,
    });
    const b = r.baselineThreshold;
    let note = `${r.knownClips} known + ${r.strangerClips} stranger clips, ${r.frames} frames, threshold ${r.thresholdCosine}, ${(r.elapsedMs / 1000).toFixed(0)} s`;
    const rows: BenchRow[] = [];
    const row = (
      name: string,
      value: number | null,
      unit: string,
      goal: string,
      ok: (v: number) => boolean,
      base?: number | null,
    ) => {
      const v = value ?? NaN;
      rows.push({
        suite: 'live',
        name,
        value: v,
        unit,
        ...(base !== undefined && base !== null
          ? {
              baseline: { name: 'plain threshold', value: base, unit },
              ratio: base === 0 ? (v === 0 ? 1 : Infinity) : v / base,
            }
          : {}),
        goal,
        met: value !== null && ok(v),
        note,
      });
    };
    row('wrongNameFrames', r.wrongNameFrames, 'frames', '= 0', (v) => v === 0, b.wrongNameFrames);
    row('sightingsWrong', r.sightingsWrong, 'sightings', '= 0', (v) => v === 0);
    row('knownNamedRate', r.knownNamedRate, 'clips', '≥ 0.95', (v) => v >= 0.95, b.knownNamedRate);
    row(
      'medianFramesToName',
      r.medianFramesToName,
      'frames',
      '≤ 5',
      (v) => v <= 5,
      b.medianFramesToName,
    );
    row('strangerQueueRowsPerClip', r.strangerQueueRowsPerClip, 'rows', '≤ 3', (v) => v <= 3);
    row('notSureFrames', r.notSureFrames, 'frames', 'report', () => true);
    const h = r.heldOut;
    if (h) {
      row('held-out wrongNameFrames', h.wrongNameFrames, 'frames', '= 0', (v) => v === 0);
      row('held-out sightingsWrong', h.sightingsWrong, 'sightings', '= 0', (v) => v === 0);
      row('held-out knownNamedRate', h.knownNamedRate, 'clips', '≥ 0.95', (v) => v >= 0.95);
      row('held-out medianFramesToName', h.medianFramesToName, 'frames', '≤ 5', (v) => v <= 5);
      row(
        'held-out strangerQueueRowsPerClip',
        h.strangerQueueRowsPerClip,
        'rows',
        '≤ 3',
        (v) => v <= 3,
      );
    }

    // People the thresholds were NOT chosen on: both thresholds calibrated, with
    // the app's own calibration, from the crops of the four tuned-on people
    // only; clips of the four held-out ones (two known, two strangers).
    const cal = await calibrateOn(dir, TUNED_ON);
    log(`thresholds from ${TUNED_ON.join(', ')} only: ${cal.upper} / ${cal.lower}`);
    const u = await evalLive({
      dir,
      modelId: BUNDLED_EMBEDDER_ID,
      seed: 1,
      env: nodeSessionEnv('cpu'),
      people: HELD_OUT,
      threshold: cal.upper,
      lower: cal.lower,
      clipsPerPerson: quick ? 2 : undefined,
      log,
    });
    note = `${u.knownClips} known + ${u.strangerClips} stranger clips of ${HELD_OUT.join(', ')}, ${u.frames} frames, thresholds calibrated on ${TUNED_ON.join(', ')}`;
    const unseen = (name: string) => `unseen ${name} (thresholds ${cal.upper}/${cal.lower})`;
    row(unseen('wrongNameFrames'), u.wrongNameFrames, 'frames', '= 0', (v) => v === 0);
    row(unseen('sightingsWrong'), u.sightingsWrong, 'sightings', '= 0', (v) => v === 0);
    row(unseen('knownNamedRate'), u.knownNamedRate, 'clips', '≥ 0.95', (v) => v >= 0.95);
    row(unseen('medianFramesToName'), u.medianFramesToName, 'frames', '≤ 5', (v) => v <= 5);
    row(unseen('notSureFrames'), u.notSureFrames, 'frames', 'report', () => true);
    row(
      unseen('strangerQueueRowsPerClip'),
      u.strangerQueueRowsPerClip,
      'rows',
      '≤ 3',
      (v) => v <= 3,
    );
    return rows;
  },
};

/** The app's calibration (decision/calibrate.ts) on these people's crops, each crop embedded as a still. */
async function calibrateOn(
  dir: string,
  names: string[],
): Promise<{ upper: number; lower: number }> {
  const service = new VisionService(nodeSessionEnv('cpu'), nodeModelSource());
  await service.init();
  try {
    const people: Float32Array[][] = [];
    for (const name of names) {
      const files = (await readdir(join(dir, name)))
        .filter((f) => /\.(png|jpe?g)$/i.test(f))
        .sort();
      const samples: Float32Array[] = [];
      for (const f of files) {
        const face = await service.embedStill(await readImage(join(dir, name, f)));
        if (face) samples.push(face.embedding);
      }
      people.push(samples);
    }
    const cal = calibrate(people);
    return { upper: +cal.upper.toFixed(3), lower: +cal.lower.toFixed(3) };
  } finally {
    await service.release();
  }
}

export default suite;
