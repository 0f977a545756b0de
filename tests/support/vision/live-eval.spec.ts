/**
 * The live evaluation on real faces (four bbt people: two known, two
 * strangers, two clips each) through the app's own per-frame path: no frame
 * may show a wrong name and no sighting may go to the wrong person. The
 * figures of the full run are in the README (npm run eval -- --live).
 */
import { describe, expect, it } from 'vitest';
import { BUNDLED_EMBEDDER_ID, DLIB_EMBEDDER_ID } from '../../../src/lib/vision/registry.ts';
import { BBT_DIR } from '../../fixtures/vision/bbt.ts';
import { evalLive } from './live-eval.ts';
import { nodeSessionEnv } from './vision-node.ts';

describe('live evaluation', () => {
  it('names no one wrongly on bbt clips (2 known, 2 strangers)', async () => {
    const r = await evalLive({
      dir: BBT_DIR,
      modelId: BUNDLED_EMBEDDER_ID,
      seed: 1,
      env: nodeSessionEnv('cpu'),
      people: ['amy', 'bernadette', 'howard', 'leonard'],
      clipsPerPerson: 2,
    });
    expect(r.known).toEqual(['amy', 'howard']);
    expect(r.strangers).toEqual(['bernadette', 'leonard']);
    expect(r.knownClips).toBe(4);
    expect(r.strangerClips).toBe(4);
    expect(r.frames).toBe(240);
    expect(r.wrongNameFrames).toBe(0);
    expect(r.sightingsWrong).toBe(0);
    // The harness measures something: the known people do get named, strangers get queued.
    expect(r.knownNamedRate).toBeGreaterThan(0);
    expect(r.strangerQueueRowsPerClip).toBeGreaterThan(0);
  });

  it('with a second opinion from dlib, still names no one wrongly, and the tie-breaks name no one wrongly', async () => {
    const r = await evalLive({
      dir: BBT_DIR,
      modelId: BUNDLED_EMBEDDER_ID,
      seed: 1,
      env: nodeSessionEnv('cpu'),
      people: ['amy', 'bernadette', 'howard', 'leonard'],
      clipsPerPerson: 1,
      // A band wide enough for the bundled model to be not sure now and then.
      threshold: 0.45,
      lower: 0.22,
      secondOpinion: { modelId: DLIB_EMBEDDER_ID, minMargin: 0.05 },
    });
    expect(r.secondOpinion).toMatchObject({ modelId: DLIB_EMBEDDER_ID, samplesEmbedded: 2 });
    expect(r.wrongNameFrames).toBe(0);
    expect(r.sightingsWrong).toBe(0);
    expect(r.secondOpinion!.agreedWrong).toBe(0);
  });
});
