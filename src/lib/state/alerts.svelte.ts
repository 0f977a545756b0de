/**
 * Arrival alerts on the page: the rules and quiet hours (kept by the memory),
 * the banners on screen, and for each frame's decisions which alerts fire
 * (lib/alerts/rules.ts), with a short tone and a system notification unless
 * in quiet hours. In quiet hours the banner is still shown, silently: it
 * disturbs no one and says who came while nobody listened.
 */
import { handleError } from '../errors';
import {
  alertsToFire,
  type AlertRule,
  type FiredAlert,
  type NewAlertRule,
  type QuietHours,
} from '../alerts/rules';
import type { RecognisedFace } from '../memory/actions/recognise';
import type { MemoryState } from './memory.svelte';

export interface AlertBanner {
  id: number;
  message: string;
  quiet: boolean;
}

/** What fired in this tab (sessionStorage): a reload in the middle of a visit does not alert again. */
const FIRED_KEY = 'visio.alerts.fired';
const MAX_FIRED = 500;
const BANNER_MS = 60_000;
const MAX_BANNERS = 3;

type Permission = NotificationPermission | 'unsupported';

export class AlertsState {
  rules = $state.raw<AlertRule[]>([]);
  quiet = $state.raw<QuietHours | null>(null);
  banners = $state<AlertBanner[]>([]);
  permission = $state<Permission>(currentPermission());
  #fired: Set<string> = readFired();
  #nextBanner = 1;
  #audio: AudioContext | null = null;

  constructor(private readonly memory: MemoryState) {
    // A tone may play only after the user has interacted with the page: the first
    // gesture makes (or resumes) the audio context; before it, alerts are silent.
    if (typeof window !== 'undefined') {
      const unlock = () => {
        this.#unlockAudio();
        window.removeEventListener('pointerdown', unlock, true);
        window.removeEventListener('keydown', unlock, true);
      };
      window.addEventListener('pointerdown', unlock, true);
      window.addEventListener('keydown', unlock, true);
    }
  }

  /** Reads the rules and quiet hours (at the start and after every change of the memory). */
  async load(): Promise<void> {
    if (!this.memory.ready) return;
    try {
      const [rules, quiet] = await Promise.all([
        this.memory.api.listAlerts(),
        this.memory.api.getQuietHours(),
      ]);
      this.rules = rules;
      this.quiet = quiet;
    } catch (error) {
      handleError(error, 'Reading the alerts');
    }
  }

  personRule(personId: number): AlertRule | undefined {
    return this.rules.find((r) => r.kind === 'person' && r.personId === personId);
  }

  /**
   * Adds a rule. Call it from the user's click: turning the first alert on is
   * when the app asks to send notifications (never before, never unasked).
   */
  async add(rule: NewAlertRule): Promise<boolean> {
    const asking = this.rules.length === 0 ? this.#askPermission() : Promise.resolve();
    try {
      await this.memory.api.addAlert(rule);
      await asking;
      await this.load();
      return true;
    } catch (error) {
      handleError(error, 'Turning the alert on');
      return false;
    }
  }

  async remove(alertId: number): Promise<void> {
    try {
      await this.memory.api.removeAlert(alertId);
      await this.load();
    } catch (error) {
      handleError(error, 'Turning the alert off');
    }
  }

  async setQuiet(quiet: QuietHours | null): Promise<boolean> {
    try {
      await this.memory.api.setQuietHours(quiet);
      this.quiet = quiet;
      return true;
    } catch (error) {
      handleError(error, 'Saving the quiet hours');
      return false;
    }
  }

  /** One frame's decisions: the alerts that fire are shown, sounded and notified. */
  frame(faces: readonly RecognisedFace[], nowMs = Date.now()): void {
    if (!this.rules.length) return;
    const fired = alertsToFire(faces, this.rules, nowMs, this.#fired, this.quiet);
    if (!fired.length) return;
    for (const a of fired) this.#fired.add(a.key);
    saveFired(this.#fired);
    for (const a of fired) this.#show(a);
    if (fired.some((a) => !a.quiet)) this.#tone();
  }

  dismiss(id: number): void {
    this.banners = this.banners.filter((b) => b.id !== id);
  }

  #show(a: FiredAlert): void {
    const id = this.#nextBanner++;
    this.banners = [...this.banners, { id, message: a.message, quiet: a.quiet }].slice(
      -MAX_BANNERS,
    );
    setTimeout(() => this.dismiss(id), BANNER_MS);
    if (!a.quiet) void notify(a.message);
  }

  async #askPermission(): Promise<void> {
    if (typeof Notification === 'undefined') return;
    if (Notification.permission === 'default') {
      try {
        this.permission = await Notification.requestPermission();
      } catch {
        // An old Safari takes a callback and returns nothing; the permission stays unasked.
      }
    }
    this.permission = currentPermission();
  }

  #unlockAudio(): void {
    try {
      this.#audio ??= new AudioContext();
      if (this.#audio.state === 'suspended') void this.#audio.resume();
    } catch {
      this.#audio = null; // no WebAudio: alerts stay silent
    }
  }

  /** A short, soft two-note chime (no audio file). */
  #tone(): void {
    const ctx = this.#audio;
    if (!ctx || ctx.state !== 'running') return;
    const t = ctx.currentTime;
    const gain = ctx.createGain();
    gain.connect(ctx.destination);
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.2, t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.45);
    [880, 1320].forEach((hz, i) => {
      const osc = ctx.createOscillator();
      osc.type = 'sine';
      osc.frequency.value = hz;
      osc.connect(gain);
      osc.start(t + i * 0.15);
      osc.stop(t + 0.45);
    });
  }
}

function currentPermission(): Permission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** A system notification, where allowed: the page's own, else the service worker's (Android needs it). */
async function notify(message: string): Promise<void> {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  const options: NotificationOptions = { body: 'Visio Memoria', tag: message, icon: 'favicon.svg' };
  try {
    new Notification(message, options);
  } catch {
    try {
      const reg = await navigator.serviceWorker?.getRegistration();
      await reg?.showNotification(message, options);
    } catch {
      // No way to notify here: the banner is enough.
    }
  }
}

function readFired(): Set<string> {
  try {
    const raw: unknown = JSON.parse(sessionStorage.getItem(FIRED_KEY) ?? '[]');
    return new Set(Array.isArray(raw) ? raw.filter((k) => typeof k === 'string') : []);
  } catch {
    return new Set();
  }
}

function saveFired(fired: Set<string>): void {
  try {
    const keys = [...fired].slice(-MAX_FIRED);
    sessionStorage.setItem(FIRED_KEY, JSON.stringify(keys));
    if (keys.length < fired.size) {
      fired.clear();
      keys.forEach((k) => fired.add(k));
    }
  } catch {
    // Storage refused: the alerts still fire once per visit while the page stays open.
  }
}
