/**
 * The user's settings as stored: one localStorage key holding a versioned
 * JSON object. They are preferences, not memories (the export file carries
 * the portable ones). Parsing keeps only sane values and gives the default
 * for anything missing or wrong, so an old, newer or hand-edited value never
 * breaks the start. Pure apart from the storage passed in.
 */

/** Which execution provider the models use: automatic (WebGPU when there is a real GPU adapter, else WASM) or always WASM. */
export type ProviderPreference = 'auto' | 'wasm';

/** A camera's side as getUserMedia names it: 'user' faces the person holding the device. */
export type CameraFacing = 'user' | 'environment';

export interface SettingsData {
  /** The embedding model in use (a registry id). */
  modelId: string;
  /** Threshold overrides per model; absent = the model's default. */
  thresholds: Record<string, number>;
  /**
   * Lower-threshold overrides per model (below: a stranger; between it and the
   * threshold: "Not sure"); absent = the model's band kept below the threshold.
   */
  lowers: Record<string, number>;
  /** Absence (minutes) after which a person's next sighting is a new visit. */
  visitGapMinutes: number;
  /** Suggestions shown per queued face. */
  topK: number;
  /** The first-start introduction was read. */
  onboarded: boolean;
  /** The camera chosen last (a deviceId); '' = the browser's default camera. */
  cameraId: string;
  /** The side the camera switch chose last ('' = never switched): opened when cameraId is gone. */
  facingMode: CameraFacing | '';
  /** Read by the vision worker when it starts (a change applies on the next start). */
  provider: ProviderPreference;
  /** Dimensions of models loaded before (a model's is known only once loaded): a hint for the model list. */
  modelDims: Record<string, number>;
  /** Encrypted memory: lock the management pages after this many idle minutes (0 = never). */
  autoLockMinutes: number;
  /** Encrypted memory: lock the management pages when the app is hidden. */
  lockWhenHidden: boolean;
  /** Encrypted memory, locked: the live view keeps recognising (kiosk); false locks it too. */
  kioskLive: boolean;
  /**
   * A second opinion for look-alikes (decision/second-opinion.ts): the dlib
   * model is loaded beside the one in use and asked only about faces not sure
   * between two people. Off by default; this device's own (it costs a model).
   */
  secondOpinion: boolean;
}

/** The settings a backup carries: the device's own (camera, provider, model hints) stay on it. */
type PortableSettings = Pick<
  SettingsData,
  'modelId' | 'thresholds' | 'lowers' | 'visitGapMinutes' | 'topK' | 'onboarded'
>;

export const SETTINGS_KEY = 'visio.settings';
export const SETTINGS_VERSION = 2;

/** Where version 1 kept the settings, one key per file that wrote them. */
export const LEGACY_KEYS = {
  settings: 'visio.settings.v1',
  camera: 'visio.camera.deviceId',
  provider: 'visio.provider.v1',
  modelDims: 'visio.modelDims.v1',
} as const;

export const DEFAULT_SETTINGS: SettingsData = {
  modelId: 'face-fr512',
  thresholds: {},
  lowers: {},
  visitGapMinutes: 5,
  topK: 3,
  onboarded: false,
  cameraId: '',
  facingMode: '',
  provider: 'auto',
  modelDims: {},
  autoLockMinutes: 5,
  lockWhenHidden: true,
  kioskLive: true,
  secondOpinion: false,
};

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object';

/** Accepts what any version (or a hand-edited export) stored; keeps only sane values. */
export function parseSettings(raw: unknown): SettingsData {
  const s: SettingsData = { ...DEFAULT_SETTINGS, thresholds: {}, lowers: {}, modelDims: {} };
  if (!isObject(raw)) return s;
  const r = raw;
  if (typeof r.modelId === 'string' && r.modelId) s.modelId = r.modelId;
  if (isObject(r.thresholds)) {
    for (const [k, v] of Object.entries(r.thresholds)) {
      if (typeof v === 'number' && v >= -1 && v <= 1) s.thresholds[k] = v;
    }
  }
  if (isObject(r.lowers)) {
    for (const [k, v] of Object.entries(r.lowers)) {
      if (typeof v === 'number' && v >= -1 && v <= 1) s.lowers[k] = v;
    }
  }
  if (
    typeof r.visitGapMinutes === 'number' &&
    r.visitGapMinutes >= 0.1 &&
    r.visitGapMinutes <= 1440
  )
    s.visitGapMinutes = r.visitGapMinutes;
  if (typeof r.topK === 'number' && Number.isInteger(r.topK) && r.topK >= 1 && r.topK <= 10)
    s.topK = r.topK;
  if (typeof r.onboarded === 'boolean') s.onboarded = r.onboarded;
  if (typeof r.cameraId === 'string') s.cameraId = r.cameraId;
  if (r.facingMode === 'user' || r.facingMode === 'environment') s.facingMode = r.facingMode;
  if (r.provider === 'wasm' || r.provider === 'auto') s.provider = r.provider;
  if (isObject(r.modelDims)) {
    for (const [k, v] of Object.entries(r.modelDims)) {
      if (Number.isSafeInteger(v) && (v as number) > 0) s.modelDims[k] = v as number;
    }
  }
  if (typeof r.autoLockMinutes === 'number' && r.autoLockMinutes >= 0 && r.autoLockMinutes <= 1440)
    s.autoLockMinutes = r.autoLockMinutes;
  if (typeof r.lockWhenHidden === 'boolean') s.lockWhenHidden = r.lockWhenHidden;
  if (typeof r.kioskLive === 'boolean') s.kioskLive = r.kioskLive;
  if (typeof r.secondOpinion === 'boolean') s.secondOpinion = r.secondOpinion;
  return s;
}

export function serializeSettings(data: SettingsData): string {
  return JSON.stringify({ version: SETTINGS_VERSION, ...data });
}

export function portableSettings(data: SettingsData): PortableSettings {
  const { modelId, thresholds, lowers, visitGapMinutes, topK, onboarded } = data;
  return {
    modelId,
    thresholds: { ...thresholds },
    lowers: { ...lowers },
    visitGapMinutes,
    topK,
    onboarded,
  };
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** Version 1's four keys, read into one settings object. */
function migrateSettings(read: (key: string) => string | null): SettingsData {
  const v1 = parseJson(read(LEGACY_KEYS.settings));
  return parseSettings({
    ...(isObject(v1) ? v1 : {}),
    cameraId: read(LEGACY_KEYS.camera) ?? undefined,
    provider: read(LEGACY_KEYS.provider) === 'wasm' ? 'wasm' : 'auto',
    modelDims: parseJson(read(LEGACY_KEYS.modelDims)),
  });
}

export type SettingsStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/**
 * The stored settings. Version 1's keys, where present, are read once into
 * the one key (when it does not exist yet) and removed.
 */
export function loadSettings(storage: SettingsStorage | undefined): SettingsData {
  if (!storage) return parseSettings(null);
  try {
    const stored = storage.getItem(SETTINGS_KEY);
    const legacy = Object.values(LEGACY_KEYS).filter((k) => storage.getItem(k) !== null);
    if (!legacy.length) return parseSettings(parseJson(stored));
    const data =
      stored === null
        ? migrateSettings((k) => storage.getItem(k))
        : parseSettings(parseJson(stored));
    if (stored === null) storage.setItem(SETTINGS_KEY, serializeSettings(data));
    for (const k of legacy) storage.removeItem(k);
    return data;
  } catch {
    return parseSettings(null); // no storage here (private mode, opaque origin)
  }
}

/** Stores the settings; false when the storage refused (full, private mode). */
export function saveSettings(storage: SettingsStorage | undefined, data: SettingsData): boolean {
  try {
    storage?.setItem(SETTINGS_KEY, serializeSettings(data));
    return !!storage;
  } catch {
    return false;
  }
}

/** The page's localStorage, or undefined where reading it throws (opaque origins). */
export function pageStorage(): SettingsStorage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}
