import { describe, expect, it } from 'vitest';
import { SECOND_OPINION_MIN_MARGIN } from '../decision/second-opinion';
import { BUNDLED_EMBEDDER_ID, DLIB_EMBEDDER_ID, getEmbedderSpec } from '../vision/registry';
import { secondOpinionConfig } from './second-opinion-setting';

describe('secondOpinionConfig', () => {
  it('is off unless the setting is on', () => {
    expect(secondOpinionConfig(false, BUNDLED_EMBEDDER_ID)).toBeNull();
  });

  it("uses dlib with the registry's threshold and the app's margin", () => {
    expect(secondOpinionConfig(true, BUNDLED_EMBEDDER_ID)).toEqual({
      modelId: DLIB_EMBEDDER_ID,
      upper: getEmbedderSpec(DLIB_EMBEDDER_ID)!.thresholdCosine,
      minMargin: SECOND_OPINION_MIN_MARGIN,
    });
  });

  it('is off while dlib itself is the model in use', () => {
    expect(secondOpinionConfig(true, DLIB_EMBEDDER_ID)).toBeNull();
  });
});
