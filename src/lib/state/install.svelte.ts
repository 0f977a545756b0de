/**
 * The PWA install prompt, where the browser offers one (Chromium's
 * beforeinstallprompt); hidden once installed or where there is none.
 */
interface BeforeInstallPromptEvent extends Event {
  prompt(): Promise<void>;
  userChoice: Promise<{ outcome: 'accepted' | 'dismissed' }>;
}

class Install {
  #event = $state.raw<BeforeInstallPromptEvent | null>(null);
  installed = $state(false);
  readonly canInstall = $derived(this.#event !== null && !this.installed);

  constructor() {
    globalThis.addEventListener?.('beforeinstallprompt', (e) => {
      e.preventDefault(); // show our own button instead of the mini-infobar
      this.#event = e as BeforeInstallPromptEvent;
    });
    globalThis.addEventListener?.('appinstalled', () => {
      this.installed = true;
      this.#event = null;
    });
  }

  async prompt(): Promise<void> {
    const e = this.#event;
    if (!e) return;
    await e.prompt();
    const { outcome } = await e.userChoice;
    if (outcome === 'accepted') this.installed = true;
    this.#event = null;
  }
}

export const install = new Install();
