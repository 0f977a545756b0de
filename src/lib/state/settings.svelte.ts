/**
 * The one owner of the user's settings: read once at start (moving version
 * 1's keys into the one key), written on every change. Everything that keeps
 * a preference (camera, provider, model hints, thresholds) goes through it.
 */
import { lowerFor } from '../decision/decide';
import {
  loadSettings,
  pageStorage,
  parseSettings,
  saveSettings,
  type SettingsData,
  type SettingsStorage,
} from '../settings/settings';

export class Settings {
  data = $state<SettingsData>(parseSettings(null));
  readonly #storage: SettingsStorage | undefined;

  constructor(storage: SettingsStorage | undefined = pageStorage()) {
    this.#storage = storage;
    this.data = loadSettings(storage);
  }

  update(patch: Partial<SettingsData>): void {
    this.data = parseSettings({ ...this.data, ...patch });
    // When storage refuses (full, private mode) the setting lasts for this session.
    saveSettings(this.#storage, $state.snapshot(this.data));
  }

  /** The threshold in use for a model: the user's, else the model's default. */
  threshold(modelId: string, modelDefault: number): number {
    return this.data.thresholds[modelId] ?? modelDefault;
  }

  /**
   * The lower threshold in use for a model: the user's (never above the
   * threshold), else the model's band kept below the threshold in use.
   */
  lower(model: { id: string; thresholdCosine: number; lowerCosine: number }): number {
    const upper = this.threshold(model.id, model.thresholdCosine);
    const own = this.data.lowers[model.id];
    return own !== undefined ? Math.min(own, upper) : lowerFor(model, upper);
  }
}
