/**
 * Live rows of `npm run bench` (suite 'live'): `npm run eval -- --live` on the
 * bbt faces (FACES_DIR/bbt when set), 36 clips of 30 frames through the live
 * view's own per-frame path, with the goals. The baseline, from the
 * same run and the same embeddings, is each embedding judged alone by the
 * plain single threshold (what the app did before the per-track decision):
 * the ratio column shows what the track decision buys. Held-out rows: the
 * people the threshold was not tuned on (penny, raj, sheldon, stuart).
 */
import { join } from 'node:path';
import 'fake-indexeddb/auto';
import { BUNDLED_EMBEDDER_ID } from '../../src/lib/vision/registry.ts';
import { BBT_DIR } from '../fixtures/vision/bbt.ts';
import { evalLive } from '../support/vision/live-eval.ts';
import { nodeSessionEnv } from '../support/vision/vision-node.ts';
import type { BenchRow, BenchSuite } from './types.ts';

const HELD_OUT = ['penny', 'raj', 'sheldon', 'stuart'];

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
    const note = `${r.knownClips} known + ${r.strangerClips} stranger clips, ${r.frames} frames, threshold ${r.thresholdCosine}, ${(r.elapsedMs / 1000).toFixed(0)} s`;
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
    return rows;
  },
};

export default suite;
