import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AlertsState } from './alerts.svelte';
import type { AlertRule, NewAlertRule, QuietHours } from '../alerts/rules';
import type { RecognisedFace } from '../memory/actions/recognise';
import type { MemoryState } from './memory.svelte';

/** A memory that keeps rules in an array (the real one: memory/actions/alerts.ts). */
function fakeMemory() {
  let rules: AlertRule[] = [];
  let quiet: QuietHours | null = null;
  const api = {
    listAlerts: async () => rules,
    getQuietHours: async () => quiet,
    addAlert: async (rule: NewAlertRule) => {
      rules = [...rules, { ...rule, id: rules.length + 1 } as AlertRule];
      return rules.length;
    },
    removeAlert: async (id: number) => void (rules = rules.filter((r) => r.id !== id)),
    setQuietHours: async (q: QuietHours | null) => void (quiet = q),
  };
  return { ready: true, api } as unknown as MemoryState;
}

const amy = (startMs: number): RecognisedFace =>
  ({
    state: 'named',
    personId: 1,
    name: 'Amy',
    visitorId: null,
    visit: { startMs, number: 2 },
  }) as RecognisedFace;

const shown: string[] = [];
let permission: NotificationPermission = 'default';
const requestPermission = vi.fn(async () => (permission = 'granted'));

beforeEach(() => {
  shown.length = 0;
  permission = 'default';
  requestPermission.mockClear();
  class FakeNotification {
    static get permission() {
      return permission;
    }
    static requestPermission = requestPermission;
    constructor(title: string) {
      shown.push(title);
    }
  }
  vi.stubGlobal('Notification', FakeNotification);
  const store = new Map<string, string>();
  vi.stubGlobal('sessionStorage', {
    getItem: (k: string) => store.get(k) ?? null,
    setItem: (k: string, v: string) => void store.set(k, v),
  });
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('AlertsState', () => {
  it('asks to notify when the first alert is turned on, and only then', async () => {
    const alerts = new AlertsState(fakeMemory());
    expect(requestPermission).not.toHaveBeenCalled();
    await alerts.add({ kind: 'person', personId: 1 });
    expect(requestPermission).toHaveBeenCalledTimes(1);
    expect(alerts.permission).toBe('granted');
    await alerts.add({ kind: 'visitor-nth', n: 2 });
    expect(requestPermission).toHaveBeenCalledTimes(1);
  });

  it('shows a banner and notifies once per visit', async () => {
    const alerts = new AlertsState(fakeMemory());
    await alerts.add({ kind: 'person', personId: 1 });
    const t = Date.now();
    alerts.frame([amy(t)], t);
    alerts.frame([amy(t)], t + 1000);
    expect(alerts.banners.map((b) => b.message)).toEqual(['Amy arrived']);
    expect(shown).toEqual(['Amy arrived']);
    // A reload in the same tab (a new state over the same sessionStorage): not again.
    const again = new AlertsState(fakeMemory());
    again.rules = alerts.rules;
    again.frame([amy(t)], t + 2000);
    expect(again.banners).toEqual([]);
  });

  it('in quiet hours: the banner, silently, and no notification', async () => {
    const alerts = new AlertsState(fakeMemory());
    await alerts.add({ kind: 'person', personId: 1 });
    await alerts.setQuiet({ from: '00:00', to: '23:59' });
    const t = new Date(2026, 0, 1, 12).getTime();
    alerts.frame([amy(t)], t);
    expect(alerts.banners).toEqual([{ id: 1, message: 'Amy arrived', quiet: true }]);
    expect(shown).toEqual([]);
  });
});
