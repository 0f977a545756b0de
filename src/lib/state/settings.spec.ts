import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, parseSettings } from './settings.svelte';

describe('parseSettings', () => {
  it('gives the defaults for nothing or garbage', () => {
    expect(parseSettings(null)).toEqual(DEFAULT_SETTINGS);
    expect(parseSettings('x')).toEqual(DEFAULT_SETTINGS);
  });

  it('keeps sane values and drops the rest', () => {
    const s = parseSettings({
      modelId: 'dinov3-vits16',
      thresholds: { a: 0.5, b: 7, c: 'x' },
      visitGapMinutes: 10,
      topK: 99,
      onboarded: true,
    });
    expect(s).toEqual({
      modelId: 'dinov3-vits16',
      thresholds: { a: 0.5 },
      visitGapMinutes: 10,
      topK: DEFAULT_SETTINGS.topK,
      onboarded: true,
    });
  });
});
