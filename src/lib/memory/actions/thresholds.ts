import type { MemoryCore } from '../store/core';
import type { Thresholds } from '../../decision/decide';

/** The live vote's two thresholds as the memory has them: the lower one defaults to the upper (no band). */
export function thresholdsOf(core: MemoryCore): Thresholds {
  const upper = core.config.threshold;
  return { upper, lower: Math.min(upper, core.config.lowerThreshold ?? upper) };
}
