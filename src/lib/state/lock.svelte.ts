/**
 * The app's lock (encryption at rest, see memory/lock/): whether the memory
 * waits for its key, whether the management pages are locked (kiosk: the
 * live view may keep recognising, with the key in the worker's memory),
 * auto-lock on idle and when hidden, the same lock in every tab
 * (BroadcastChannel), and turning encryption on and off with progress.
 */
import type { EncryptionState, LockInfo, NewUnlock, UnlockWith } from '../memory/base/types';
import { createPasskey, passkeyPrf, prfSupport } from '../platform/passkey';
import { describeError } from '../errors';
import type { MemoryState } from './memory.svelte';
import type { Settings } from './settings.svelte';

const CHANNEL = 'visio-memoria-lock';
const ACTIVITY = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;

export type UnlockHow = { passphrase: string } | 'passkey';

/** Between the app's tabs: the pages locked or unlocked; encryption turned on or off. */
type LockMessage = { locked: boolean } | { encryption: 'on' | 'off' };

interface Progress {
  to: 'on' | 'off';
  done: number;
  total: number;
}

export class LockState {
  /** Off, on, or a conversion under way / to finish. */
  encryption = $state<EncryptionState>('off');
  info = $state.raw<LockInfo | null>(null);
  /** The memory is encrypted and not open yet: nothing works before an unlock. */
  needsKey = $state(false);
  /** The management pages are locked (the key may still be in memory for the live view). */
  locked = $state(false);
  busy = $state<'unlock' | 'convert' | 'edit' | null>(null);
  error = $state<string | null>(null);
  progress = $state.raw<Progress | null>(null);
  prf = $state<'yes' | 'no' | 'unknown'>('unknown');
  readonly #memory: MemoryState;
  readonly #settings: Settings;
  #channel: BroadcastChannel | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Opens the memory with an unlock (the app's, which knows the model). */
  #openWith: ((unlock: UnlockWith) => Promise<void>) | null = null;

  constructor(memory: MemoryState, settings: Settings) {
    this.#memory = memory;
    this.#settings = settings;
  }

  get on(): boolean {
    return this.encryption !== 'off';
  }

  /** Listens for activity, hiding and the other tabs. Once, at start. */
  start(openWith: (unlock: UnlockWith) => Promise<void>): void {
    this.#openWith = openWith;
    void prfSupport().then((p) => (this.prf = p));
    for (const type of ACTIVITY) addEventListener(type, () => this.#arm(), { passive: true });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden' && this.#settings.data.lockWhenHidden) this.lock();
    });
    if (typeof BroadcastChannel === 'function') {
      this.#channel = new BroadcastChannel(CHANNEL);
      this.#channel.onmessage = (e: MessageEvent<LockMessage>) => {
        const m = e.data;
        if (m && 'encryption' in m) {
          // The tab that writes turned encryption on or off: what this tab opened
          // (a plaintext memory without a key, or a key for a lock that is gone)
          // no longer matches storage, and its pages could go on showing what the
          // owner now locks. It only reads (one writer), so starting again loses
          // nothing: into the unlock screen, or straight in.
          if ((m.encryption === 'on') !== this.on) location.reload();
          return;
        }
        // Only a tab that holds the key can follow an unlock; every encrypted tab
        // follows a lock (one without encryption would be locked with no way back).
        if (m?.locked) {
          if (this.on) this.#setLocked(true, false);
        } else if (!this.needsKey) this.#setLocked(false, false);
      };
    }
  }

  /** At start: what the memory's lock record says, before opening it. */
  async readInfo(name: string): Promise<boolean> {
    this.info = await this.#memory.api.lockInfo(name);
    this.encryption = this.info?.state ?? 'off';
    this.needsKey = this.info !== null;
    this.locked = this.needsKey;
    return this.needsKey;
  }

  /** The memory opened: resumes a conversion a kill cut short (the open report says so). */
  opened(state: EncryptionState): void {
    this.encryption = state;
    this.needsKey = false;
    // A read-only tab cannot convert (it would only fail): the tab that writes finishes it.
    const resume = !this.#memory.readOnly;
    if (resume && state === 'converting')
      void this.#convert('on', () => this.#memory.api.enableEncryption(null));
    if (resume && state === 'decrypting')
      void this.#convert('off', () => this.#memory.api.disableEncryption());
    this.#arm();
  }

  /** Locks the management pages (and, without kiosk, the live view), in every tab. */
  lock(): void {
    if (this.on && !this.needsKey && this.busy !== 'convert') this.#setLocked(true, true);
  }

  unlock(how: UnlockHow): Promise<boolean> {
    return this.#task('unlock', async () => {
      const unlock = how === 'passkey' ? await this.#passkeyUnlock() : how;
      if (!unlock) return false;
      if (this.needsKey) await this.#openWith!(unlock);
      else await this.#memory.api.checkUnlock(unlock);
      this.#setLocked(false, true);
      return true;
    });
  }

  /** Runs one lock task: busy meanwhile, its error said, false when it failed. */
  async #task(busy: 'unlock' | 'edit', fn: () => Promise<boolean>): Promise<boolean> {
    this.busy = busy;
    this.error = null;
    try {
      return await fn();
    } catch (error) {
      this.error = describeError(error);
      return false;
    } finally {
      this.busy = null;
    }
  }

  async #passkeyUnlock(): Promise<UnlockWith | null> {
    const passkeys = this.info?.passkeys ?? [];
    const got = await passkeyPrf(passkeys);
    return got && { passkey: got };
  }

  /** Turns encryption on with a passphrase, every record converted in place (with progress). */
  async turnOn(passphrase: string): Promise<boolean> {
    const first: NewUnlock = { passphrase };
    return this.#convert('on', () => this.#memory.api.enableEncryption(first));
  }

  turnOff(): Promise<boolean> {
    return this.#convert('off', () => this.#memory.api.disableEncryption());
  }

  async #convert(
    to: 'on' | 'off',
    run: () => Promise<{ state: EncryptionState; info: LockInfo | null }>,
  ) {
    this.busy = 'convert';
    this.error = null;
    this.progress = { to, done: 0, total: 0 };
    const poll = setInterval(() => {
      void this.#memory.api.encryptionProgress().then((p) => {
        if (p && this.progress) this.progress = { to, done: p.done, total: p.total };
      });
    }, 250);
    try {
      const status = await run();
      this.encryption = status.state;
      this.info = status.info;
      if (status.state === 'on' || status.state === 'off')
        this.#channel?.postMessage({ encryption: status.state } satisfies LockMessage);
      this.#memory.changed('all');
      this.#arm();
      return true;
    } catch (error) {
      this.error = describeError(error, to === 'on' ? 'Turning encryption on' : 'Turning it off');
      return false;
    } finally {
      clearInterval(poll);
      this.progress = null;
      this.busy = null;
    }
  }

  #edit(fn: () => Promise<LockInfo>): Promise<boolean> {
    return this.#task('edit', async () => {
      this.info = await fn();
      return true;
    });
  }

  setPassphrase(passphrase: string): Promise<boolean> {
    return this.#edit(() => this.#memory.api.setPassphrase(passphrase));
  }

  addPasskey(label: string): Promise<boolean> {
    return this.#edit(async () => {
      const made = await createPasskey(await this.#memory.api.newPrfSalt(), label);
      if (!made) throw new Error('The passkey was not made (cancelled).');
      return this.#memory.api.addPasskey(made);
    });
  }

  removeUnlock(wrapId: string): Promise<boolean> {
    return this.#edit(() => this.#memory.api.removeUnlock(wrapId));
  }

  #setLocked(locked: boolean, tell: boolean): void {
    if (this.locked === locked) return;
    this.locked = locked;
    if (tell) this.#channel?.postMessage({ locked } satisfies LockMessage);
    this.#arm();
  }

  /** Restarts the idle countdown (every interaction). */
  #arm(): void {
    clearTimeout(this.#timer);
    const minutes = this.#settings.data.autoLockMinutes;
    if (!this.on || this.locked || minutes <= 0) return;
    this.#timer = setTimeout(() => this.lock(), minutes * 60_000);
  }

  /** The auto-lock setting changed: count from now with the new value. */
  rearm(): void {
    this.#arm();
  }
}
