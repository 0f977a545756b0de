import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SETTINGS,
  LEGACY_KEYS,
  loadSettings,
  parseSettings,
  portableSettings,
  saveSettings,
  serializeSettings,
  SETTINGS_KEY,
  SETTINGS_VERSION,
} from './settings';

/** A localStorage stand-in. */
function memoryStorage(entries: Record<string, string> = {}) {
  const map = new Map(Object.entries(entries));
  return {
    map,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
  };
}

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
      cameraId: 42,
      facingMode: 'sideways',
      provider: 'cuda',
      modelDims: { a: 384, b: -1, c: 1.5 },
    });
    expect(s).toEqual({
      ...DEFAULT_SETTINGS,
      modelId: 'dinov3-vits16',
      thresholds: { a: 0.5 },
      visitGapMinutes: 10,
      onboarded: true,
      modelDims: { a: 384 },
    });
  });

  it('reads back what it wrote, versioned', () => {
    const data = {
      ...DEFAULT_SETTINGS,
      cameraId: 'cam-2',
      facingMode: 'environment' as const,
      provider: 'wasm' as const,
      topK: 5,
    };
    const text = serializeSettings(data);
    expect(JSON.parse(text)).toMatchObject({ version: SETTINGS_VERSION });
    expect(parseSettings(JSON.parse(text))).toEqual(data);
  });

  it('keeps the lock options in range (auto-lock minutes, when hidden, kiosk)', () => {
    const s = parseSettings({ autoLockMinutes: 0.05, lockWhenHidden: false, kioskLive: false });
    expect([s.autoLockMinutes, s.lockWhenHidden, s.kioskLive]).toEqual([0.05, false, false]);
    expect(parseSettings({ autoLockMinutes: -1, kioskLive: 'yes' })).toMatchObject({
      autoLockMinutes: 5,
      kioskLive: true,
    });
  });

  it('keeps the second opinion off unless a boolean turns it on', () => {
    expect(parseSettings(null).secondOpinion).toBe(false);
    expect(parseSettings({ secondOpinion: true }).secondOpinion).toBe(true);
    expect(parseSettings({ secondOpinion: 'yes' }).secondOpinion).toBe(false);
  });

  it('keeps a per-model lower threshold in range, drops a bad one', () => {
    const s = parseSettings({ lowers: { 'face-fr512': 0.2, bad: 7, worse: 'x' } });
    expect(s.lowers).toEqual({ 'face-fr512': 0.2 });
    expect(parseSettings({}).lowers).toEqual({});
  });

  it('a backup carries the portable settings only', () => {
    const data = { ...DEFAULT_SETTINGS, cameraId: 'cam-2', provider: 'wasm' as const };
    expect(Object.keys(portableSettings(data)).sort()).toEqual([
      'lowers',
      'modelId',
      'onboarded',
      'thresholds',
      'topK',
      'visitGapMinutes',
    ]);
  });
});

describe('loadSettings', () => {
  it('moves version 1’s four keys into the one key, once, and removes them', () => {
    const storage = memoryStorage({
      [LEGACY_KEYS.settings]: JSON.stringify({ topK: 5, thresholds: { 'face-fr512': 0.4 } }),
      [LEGACY_KEYS.camera]: 'cam-2',
      [LEGACY_KEYS.provider]: 'wasm',
      [LEGACY_KEYS.modelDims]: JSON.stringify({ 'dinov3-vits16': 384 }),
      other: 'kept',
    });
    const s = loadSettings(storage);
    expect(s).toEqual({
      ...DEFAULT_SETTINGS,
      topK: 5,
      thresholds: { 'face-fr512': 0.4 },
      cameraId: 'cam-2',
      provider: 'wasm',
      modelDims: { 'dinov3-vits16': 384 },
    });
    expect([...storage.map.keys()].sort()).toEqual(['other', SETTINGS_KEY]);
    expect(loadSettings(storage)).toEqual(s);
  });

  it('the one key wins over leftover old keys, which are removed', () => {
    const storage = memoryStorage({
      [SETTINGS_KEY]: serializeSettings({ ...DEFAULT_SETTINGS, topK: 7 }),
      [LEGACY_KEYS.settings]: JSON.stringify({ topK: 2 }),
    });
    expect(loadSettings(storage).topK).toBe(7);
    expect([...storage.map.keys()]).toEqual([SETTINGS_KEY]);
  });

  it('nothing stored, unreadable JSON or no storage: the defaults, nothing written', () => {
    const empty = memoryStorage();
    expect(loadSettings(empty)).toEqual(DEFAULT_SETTINGS);
    expect(empty.map.size).toBe(0);
    expect(loadSettings(memoryStorage({ [SETTINGS_KEY]: '{oops' }))).toEqual(DEFAULT_SETTINGS);
    expect(loadSettings(undefined)).toEqual(DEFAULT_SETTINGS);
    const throwing = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => undefined,
      removeItem: () => undefined,
    };
    expect(loadSettings(throwing)).toEqual(DEFAULT_SETTINGS);
  });

  it('saving reports a refusing storage instead of throwing', () => {
    const full = {
      ...memoryStorage(),
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(saveSettings(full, DEFAULT_SETTINGS)).toBe(false);
    const ok = memoryStorage();
    expect(saveSettings(ok, DEFAULT_SETTINGS)).toBe(true);
    expect(loadSettings(ok)).toEqual(DEFAULT_SETTINGS);
  });
});
