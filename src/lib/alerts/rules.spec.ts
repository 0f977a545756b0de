import { describe, expect, it } from 'vitest';
import {
  alertsToFire,
  checkNewRule,
  checkQuietHours,
  isQuiet,
  type AlertFace,
  type AlertRule,
} from './rules';

const at = (h: number, m = 0) => new Date(2026, 4, 12, h, m).getTime();
const NOW = at(14);

const amy = (over: Partial<AlertFace> = {}): AlertFace => ({
  state: 'named',
  personId: 1,
  name: 'Amy',
  visitorId: null,
  visit: { startMs: NOW, number: 4 },
  ...over,
});
const visitor = (id: number, startMs: number, number: number): AlertFace => ({
  state: 'stranger',
  personId: null,
  name: null,
  visitorId: id,
  visit: { startMs, number },
});

const AMY_RULE: AlertRule = { id: 7, kind: 'person', personId: 1 };

describe('alertsToFire', () => {
  it("fires a person's rule when they are named in a recorded visit", () => {
    const out = alertsToFire([amy()], [AMY_RULE], NOW, new Set());
    expect(out).toEqual([{ ruleId: 7, key: `7|p1|${NOW}`, message: 'Amy arrived', quiet: false }]);
  });

  it("never fires for a 'not sure' decision, nor while identifying", () => {
    const notSure = amy({ state: 'not-sure', personId: null, name: null });
    const guessing = amy({ state: 'identifying', personId: null, name: null });
    expect(alertsToFire([notSure, guessing], [AMY_RULE], NOW, new Set())).toEqual([]);
    // Even a not-sure face that still carries a person id (withdrawn) stays silent.
    expect(alertsToFire([amy({ state: 'not-sure' })], [AMY_RULE], NOW, new Set())).toEqual([]);
  });

  it('does not fire without a recorded visit, nor for another person', () => {
    expect(alertsToFire([amy({ visit: null })], [AMY_RULE], NOW, new Set())).toEqual([]);
    expect(alertsToFire([amy({ personId: 2, name: 'Bo' })], [AMY_RULE], NOW, new Set())).toEqual(
      [],
    );
  });

  it('fires at most once per visit, and again on the next visit', () => {
    const fired = new Set<string>();
    const first = alertsToFire([amy()], [AMY_RULE], NOW, fired);
    first.forEach((a) => fired.add(a.key));
    // Later frames of the same visit (and two boxes of her in one frame) fire nothing more.
    expect(alertsToFire([amy(), amy()], [AMY_RULE], NOW + 60_000, fired)).toEqual([]);
    const next = amy({ visit: { startMs: NOW + 3_600_000, number: 5 } });
    expect(alertsToFire([next], [AMY_RULE], NOW + 3_600_000, fired)).toHaveLength(1);
    // Two boxes of one new visit in one frame: once.
    expect(alertsToFire([amy(), amy()], [AMY_RULE], NOW, new Set())).toHaveLength(1);
  });

  it("fires 'any visitor seen for the Nth time' on that visit only", () => {
    const rule: AlertRule = { id: 2, kind: 'visitor-nth', n: 3 };
    expect(alertsToFire([visitor(12, NOW, 2)], [rule], NOW, new Set())).toEqual([]);
    expect(alertsToFire([visitor(12, NOW, 3)], [rule], NOW, new Set())).toEqual([
      {
        ruleId: 2,
        key: `2|v12|${NOW}`,
        message: 'Visitor 12 is here for the 3rd time',
        quiet: false,
      },
    ]);
    expect(alertsToFire([visitor(12, NOW, 4)], [rule], NOW, new Set())).toEqual([]);
    // A person's visits are not a visitor's.
    expect(
      alertsToFire([amy({ visit: { startMs: NOW, number: 3 } })], [rule], NOW, new Set()),
    ).toEqual([]);
  });

  it("fires 'a stranger stays longer than N minutes' once the visit has lasted N minutes", () => {
    const rule: AlertRule = { id: 3, kind: 'stranger-stays', minutes: 10 };
    const start = NOW - 9 * 60_000;
    expect(alertsToFire([visitor(5, start, 1)], [rule], NOW, new Set())).toEqual([]);
    const later = NOW + 60_000;
    const out = alertsToFire([visitor(5, start, 1)], [rule], later, new Set());
    expect(out.map((a) => a.message)).toEqual(['Visitor 5 has stayed over 10 minutes']);
    const fired = new Set(out.map((a) => a.key));
    expect(alertsToFire([visitor(5, start, 1)], [rule], later + 60_000, fired)).toEqual([]);
    // A named person is not a stranger.
    expect(
      alertsToFire([amy({ visit: { startMs: start, number: 1 } })], [rule], later, new Set()),
    ).toEqual([]);
  });

  it("fires a visitor's own rule for that visitor only", () => {
    const rule: AlertRule = { id: 4, kind: 'visitor', visitorId: 12 };
    expect(alertsToFire([visitor(11, NOW, 1)], [rule], NOW, new Set())).toEqual([]);
    expect(alertsToFire([visitor(12, NOW, 1)], [rule], NOW, new Set())[0]?.message).toBe(
      'Visitor 12 arrived',
    );
  });

  it("is silent after a deleted person's rule is gone", () => {
    // Deleting a person deletes their rules (memory/actions/alerts.spec.ts): none is left to fire.
    const others: AlertRule[] = [{ id: 9, kind: 'person', personId: 2 }];
    expect(alertsToFire([amy()], others, NOW, new Set())).toEqual([]);
  });

  it('marks alerts in quiet hours as quiet (banner only)', () => {
    const quiet = { from: '22:00', to: '07:00' };
    expect(alertsToFire([amy()], [AMY_RULE], at(23, 30), new Set(), quiet)[0]?.quiet).toBe(true);
    expect(alertsToFire([amy()], [AMY_RULE], at(14), new Set(), quiet)[0]?.quiet).toBe(false);
  });
});

describe('isQuiet', () => {
  it('spans midnight when from is later than to', () => {
    const q = { from: '22:00', to: '07:00' };
    expect(isQuiet(q, at(21, 59))).toBe(false);
    expect(isQuiet(q, at(22, 0))).toBe(true);
    expect(isQuiet(q, at(0, 30))).toBe(true);
    expect(isQuiet(q, at(6, 59))).toBe(true);
    expect(isQuiet(q, at(7, 0))).toBe(false);
  });

  it('works within one day, and is off for null or an empty span', () => {
    const q = { from: '12:00', to: '13:30' };
    expect(isQuiet(q, at(11, 59))).toBe(false);
    expect(isQuiet(q, at(13, 29))).toBe(true);
    expect(isQuiet(q, at(13, 30))).toBe(false);
    expect(isQuiet(null, at(12, 30))).toBe(false);
    expect(isQuiet({ from: '12:00', to: '12:00' }, at(12, 0))).toBe(false);
  });
});

describe('checking rules from outside', () => {
  it('accepts the four kinds and refuses anything else', () => {
    expect(checkNewRule({ kind: 'person', personId: 3, extra: 1 })).toEqual({
      kind: 'person',
      personId: 3,
    });
    expect(checkNewRule({ kind: 'stranger-stays', minutes: 5 })).toEqual({
      kind: 'stranger-stays',
      minutes: 5,
    });
    for (const bad of [
      null,
      {},
      { kind: 'person', personId: 0 },
      { kind: 'visitor-nth', n: 1.5 },
    ]) {
      expect(() => checkNewRule(bad)).toThrow(TypeError);
    }
    expect(checkQuietHours(null)).toBeNull();
    expect(() => checkQuietHours({ from: '24:00', to: '07:00' })).toThrow(TypeError);
  });
});
