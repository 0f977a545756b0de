/**
 * The settings' "second opinion for look-alikes" as the live view takes it
 * (LiveState.setSecondOpinion): the bundled dlib model with its own upper
 * threshold (the registry's) and the app's margin. Pure.
 */
import { SECOND_OPINION_MIN_MARGIN } from '../decision/second-opinion';
import { DLIB_EMBEDDER_ID, getEmbedderSpec } from '../vision/registry';

/** The model the second opinion uses. */
export const SECOND_OPINION_MODEL_ID = DLIB_EMBEDDER_ID;

export interface SecondOpinionConfig {
  modelId: string;
  upper: number;
  minMargin: number;
}

/**
 * The live view's second opinion: null when the setting is off, or when the
 * model in use is the second model itself (it would only agree with itself).
 */
export function secondOpinionConfig(
  enabled: boolean,
  primaryModelId: string | undefined,
): SecondOpinionConfig | null {
  const spec = getEmbedderSpec(SECOND_OPINION_MODEL_ID);
  if (!enabled || !spec || primaryModelId === spec.id) return null;
  return { modelId: spec.id, upper: spec.thresholdCosine, minMargin: SECOND_OPINION_MIN_MARGIN };
}
