/**
 * The user's settings: kept in localStorage (they are preferences, not
 * memories; the export file carries a copy). Read once at start, written on
 * every change.
 */
export interface SettingsData {
  /** The embedding model in use (a registry id). */
  modelId: string;
  /** Threshold overrides per model; absent = the model's default. */
  thresholds: Record<string, number>;
  /** Absence (minutes) after which a person's next sighting is a new visit. */
  visitGapMinutes: number;
  /** Suggestions shown per queued face. */
  topK: number;
  /** The first-start introduction was read. */
  onboarded: boolean;
}

export const SETTINGS_KEY = 'visio.settings.v1';

export const DEFAULT_SETTINGS: SettingsData = {
  modelId: 'face-fr512',
  thresholds: {},
  visitGapMinutes: 5,
  topK: 3,
  onboarded: false,
};

/** Accepts what a previous version (or a hand-edited export) stored; keeps only sane values. */
export function parseSettings(raw: unknown): SettingsData {
  const s = { ...DEFAULT_SETTINGS, thresholds: {} as Record<string, number> };
  if (!raw || typeof raw !== 'object') return s;
  const r = raw as Record<string, unknown>;
  if (typeof r.modelId === 'string' && r.modelId) s.modelId = r.modelId;
  if (r.thresholds && typeof r.thresholds === 'object') {
    for (const [k, v] of Object.entries(r.thresholds as Record<string, unknown>)) {
      if (typeof v === 'number' && v >= -1 && v <= 1) s.thresholds[k] = v;
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
  return s;
}

export class Settings {
  data = $state<SettingsData>(load());

  update(patch: Partial<SettingsData>): void {
    this.data = parseSettings({ ...this.data, ...patch });
    try {
      localStorage.setItem(SETTINGS_KEY, JSON.stringify(this.data));
    } catch {
      /* storage full or private mode: the setting lasts for this session */
    }
  }

  /** The threshold in use for a model: the user's, else the model's default. */
  threshold(modelId: string, modelDefault: number): number {
    return this.data.thresholds[modelId] ?? modelDefault;
  }
}

function load(): SettingsData {
  try {
    return parseSettings(JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? 'null'));
  } catch {
    return { ...DEFAULT_SETTINGS };
  }
}
