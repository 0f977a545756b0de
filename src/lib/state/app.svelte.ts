/**
 * The app's state, created once: the workers' handles, the camera, the live
 * loop, settings, the model switch, installing and messages. Views get it
 * from context (getApp()); a state class a single view needs (a page's list,
 * the device check) is made and owned by that view.
 */
import { getContext, setContext } from 'svelte';
import { describeError, handleError, setErrorSink } from '../errors';
import { getEmbedderSpec } from '../vision/registry';
import { lowerFor } from '../decision/decide';
import type { EmbedderInfo } from '../vision/service';
import { AlertsState } from './alerts.svelte';
import type { UnlockWith } from '../memory/base/types';
import { CameraState } from './camera.svelte';
import { LiveState } from './live.svelte';
import { install } from './install.svelte';
import { LockState } from './lock.svelte';
import { MEMORY_NAME, MemoryState } from './memory.svelte';
import { ModelSwitch } from './model-switch.svelte';
import { Router } from './router.svelte';
import { SecondOpinionState } from './second-opinion.svelte';
import { Settings } from './settings.svelte';
import { toasts } from './toasts.svelte';
import { connectVision } from '../workers/clients';

/** 'locked': the memory is encrypted and waits for its passphrase or passkey. */
type AppStatus = 'starting' | 'locked' | 'ready' | 'error';

export class AppState {
  readonly toasts = toasts;
  readonly router = new Router();
  readonly settings = new Settings();
  readonly install = install;
  readonly camera = new CameraState(this.settings);
  readonly memory = new MemoryState();
  readonly lock = new LockState(this.memory, this.settings);
  readonly #visionClient = connectVision();
  readonly vision = this.#visionClient.api;
  readonly live = new LiveState(this.vision, this.memory, this.toasts, () =>
    this.#visionClient.restart(),
  );
  readonly alerts = new AlertsState(this.memory);
  /** The model switch outlives the settings view: leaving the page does not stop a long re-embedding. */
  readonly modelSwitch = new ModelSwitch(this);
  /** The second opinion for look-alikes (settings), applied once the memory is open. */
  readonly secondOpinion = new SecondOpinionState(this);
  status = $state<AppStatus>('starting');
  startError = $state<string | null>(null);

  constructor() {
    setErrorSink((message) => this.toasts.show(message, 'error'));
    this.memory.onChange((kind) => {
      if (kind !== 'queue') void this.live.memoryChanged();
      if (kind !== 'queue') void this.alerts.load();
      if (kind !== 'queue') this.secondOpinion.labelled();
    });
    this.live.onRecognised = (faces) => this.alerts.frame(faces);
  }

  /** Loads the models, then opens the memory for the model in use. */
  async start(): Promise<void> {
    try {
      await this.live.loadVision();
      if (this.live.visionStatus !== 'ready') throw new Error(this.live.visionError ?? 'no models');
      const wanted = this.settings.data.modelId;
      if (wanted !== this.live.model?.id && getEmbedderSpec(wanted)) {
        // A model chosen earlier (e.g. DINOv3): from the cache, never from the network here.
        await this.useStoredModel(wanted);
      }
      this.lock.start((unlock) => this.#unlocked(unlock));
      if (await this.lock.readInfo(MEMORY_NAME)) {
        this.status = 'locked';
        return;
      }
      await this.openMemory(this.live.model!);
      this.status = 'ready';
      void this.secondOpinion.apply();
    } catch (error) {
      this.status = 'error';
      this.startError = describeError(error);
    }
  }

  /** The owner's first unlock of an encrypted memory: it opens, and the app starts. */
  async #unlocked(unlock: UnlockWith): Promise<void> {
    await this.openMemory(this.live.model!, unlock);
    this.status = 'ready';
    void this.secondOpinion.apply();
  }

  /** Opens (or reopens) the memory; an encrypted one reopens with the unlock it was opened with. */
  async openMemory(model: EmbedderInfo, unlock?: UnlockWith): Promise<void> {
    const threshold = this.settings.threshold(model.id, model.thresholdCosine);
    const encryption = await this.memory.open({
      modelId: model.id,
      dim: model.dim,
      threshold,
      visitGapMs: this.settings.data.visitGapMinutes * 60_000,
      unlock,
    });
    this.lock.opened(encryption);
    // The live vote's "not sure" band below it.
    await this.memory.setThreshold(threshold, this.settings.lower(model));
    await this.alerts.load();
  }

  /**
   * Uses threshold `v` for `model` from now on, with `lower` below it (absent:
   * the model's band kept below `v`); the live view looks at every face again.
   */
  async setThreshold(model: EmbedderInfo, v: number, lower?: number): Promise<void> {
    const thresholds = { ...this.settings.data.thresholds };
    const lowers = { ...this.settings.data.lowers };
    if (Math.abs(v - model.thresholdCosine) < 1e-9) delete thresholds[model.id];
    else thresholds[model.id] = v;
    const low = lower === undefined ? lowerFor(model, v) : Math.min(lower, v);
    if (Math.abs(low - lowerFor(model, v)) < 1e-9) delete lowers[model.id];
    else lowers[model.id] = low;
    await this.memory.setThreshold(v, low);
    this.settings.update({ thresholds, lowers });
    this.memory.changed('people');
  }

  async useStoredModel(id: string): Promise<void> {
    try {
      this.live.model = await this.vision.useEmbedder(id);
    } catch (error) {
      handleError(error, `The model ${id} could not be loaded; using the bundled one`);
      this.settings.update({ modelId: this.live.model!.id });
    }
  }
}

const KEY = Symbol('app');

export function setApp(app: AppState): void {
  setContext(KEY, app);
}

export function getApp(): AppState {
  return getContext<AppState>(KEY);
}
