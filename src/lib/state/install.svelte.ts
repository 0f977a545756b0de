/**
 * Installing the app: the browser's install prompt where it offers one
 * (Chromium's beforeinstallprompt); on iPhone and iPad, where browsers have
 * no prompt, the steps to follow by hand (Share → Add to Home Screen).
 * Neither is shown once the app runs installed.
 */

/** What the page can see of the device, for installHint. */
interface DeviceHints {
  userAgent: string;
  platform: string;
  maxTouchPoints: number;
  /** Running as an installed app (display-mode standalone, or Safari's navigator.standalone). */
  standalone: boolean;
}

/**
 * 'ios' where the app can be installed only by hand from Safari's Share menu:
 * iPhone, iPod and iPad, including iPadOS 13+ whose Safari says it is a Mac
 * (told apart by its touch screen). null elsewhere and once installed.
 */
export function installHint(d: DeviceHints): 'ios' | null {
  if (d.standalone) return null;
  const ios =
    /\b(iPhone|iPad|iPod)\b/.test(d.userAgent) ||
    (d.platform === 'MacIntel' && d.maxTouchPoints > 1);
  return ios ? 'ios' : null;
}

function deviceHints(): DeviceHints | null {
  const nav = globalThis.navigator as (Navigator & { standalone?: boolean }) | undefined;
  if (!nav) return null;
  return {
    userAgent: nav.userAgent ?? '',
    platform: nav.platform ?? '',
    maxTouchPoints: nav.maxTouchPoints ?? 0,
    standalone:
      nav.standalone === true || !!globalThis.matchMedia?.('(display-mode: standalone)').matches,
  };
}
interface BeforeInstallPromptEvent extends Event {
  prompt(): Promise<void>;
  userChoice: Promise<{ outcome: 'accepted' | 'dismissed' }>;
}

class Install {
  #event = $state.raw<BeforeInstallPromptEvent | null>(null);
  installed = $state(false);
  readonly canInstall = $derived(this.#event !== null && !this.installed);
  /** Steps to install by hand, where there is no prompt ('ios': Share → Add to Home Screen). */
  readonly manualHint: 'ios' | null;

  constructor() {
    const hints = deviceHints();
    this.manualHint = hints ? installHint(hints) : null;
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
