import { describe, expect, it } from 'vitest';
import { Settings } from './settings.svelte';

function memoryStorage() {
  const map = new Map<string, string>();
  return {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
  };
}

const model = { id: 'face-fr512', thresholdCosine: 0.314, lowerCosine: 0.22 };

describe('Settings: the two thresholds in use for a model', () => {
  it("defaults to the model's; a raised threshold keeps the model's band below it", () => {
    const s = new Settings(memoryStorage());
    expect(s.threshold(model.id, model.thresholdCosine)).toBe(0.314);
    expect(s.lower(model)).toBeCloseTo(0.22, 9);
    s.update({ thresholds: { [model.id]: 0.5 } });
    expect(s.lower(model)).toBeCloseTo(0.5 - (0.314 - 0.22), 9);
  });

  it("the user's own lower is used, is kept across a restart, and is never above the threshold", () => {
    const storage = memoryStorage();
    const s = new Settings(storage);
    s.update({ thresholds: { [model.id]: 0.4 }, lowers: { [model.id]: 0.1 } });
    expect(new Settings(storage).lower(model)).toBe(0.1);
    s.update({ lowers: { [model.id]: 0.9 } });
    expect(s.lower(model)).toBe(0.4);
  });
});
