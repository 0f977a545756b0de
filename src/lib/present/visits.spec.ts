import { describe, expect, it } from 'vitest';
import type { Visit } from '../memory/base/types';
import {
  addDays,
  dateInputValue,
  dayBar,
  groupByDay,
  parseDateInput,
  seenSummary,
  startOfDay,
  subjectLabel,
  timeRange,
  visitCsvName,
} from './visits';

const at = (y: number, mo: number, d: number, h = 0, mi = 0) =>
  new Date(y, mo - 1, d, h, mi).getTime();
const visit = (id: number, startMs: number, endMs = startMs): Visit => ({
  id,
  subject: { kind: 'visitor', id: 3, number: 3 },
  startMs,
  endMs,
  sightings: 1,
});

describe('visits present', () => {
  it('names people and visitors', () => {
    expect(subjectLabel({ kind: 'person', id: 1, name: 'Amy' })).toBe('Amy');
    expect(subjectLabel({ kind: 'visitor', id: 12, number: 12 })).toBe('Visitor 12');
  });

  it('round-trips date inputs and steps whole days', () => {
    const d = at(2025, 3, 30, 15);
    expect(dateInputValue(d)).toBe('2025-03-30');
    expect(parseDateInput('2025-03-30')).toBe(startOfDay(d));
    expect(parseDateInput('')).toBeNull();
    expect(addDays(d, 1)).toBe(at(2025, 3, 31));
  });

  it('groups newest-first visits by day', () => {
    const days = groupByDay([
      visit(3, at(2025, 1, 2, 10)),
      visit(2, at(2025, 1, 2, 9)),
      visit(1, at(2025, 1, 1, 23)),
    ]);
    expect(days.map((d) => [d.dayMs, d.visits.map((v) => v.id)])).toEqual([
      [at(2025, 1, 2), [3, 2]],
      [at(2025, 1, 1), [1]],
    ]);
  });

  it('shows a range, one time when it is one minute, and places it on the day', () => {
    expect(timeRange(visit(1, at(2025, 1, 1, 10), at(2025, 1, 1, 10)))).not.toContain('–');
    expect(timeRange(visit(1, at(2025, 1, 1, 10), at(2025, 1, 1, 11)))).toContain('–');
    const bar = dayBar(visit(1, at(2025, 1, 1, 12), at(2025, 1, 1, 18)));
    expect(bar.left).toBeCloseTo(50);
    expect(bar.width).toBeCloseTo(25);
    expect(dayBar(visit(1, at(2025, 1, 1, 23), at(2025, 1, 2, 3))).width).toBeCloseTo(100 / 24);
  });

  it('says how often and since when a visitor was seen', () => {
    const now = at(2025, 1, 10, 12);
    expect(seenSummary(1, at(2025, 1, 10, 9), now)).toBe('seen once today');
    expect(seenSummary(2, at(2025, 1, 10, 9), now)).toBe('seen twice today');
    expect(seenSummary(3, at(2025, 1, 6, 9), now)).toMatch(/^seen 3 times since \D+$/);
    expect(seenSummary(3, at(2024, 12, 1), now)).toMatch(/^seen 3 times since .*\d/);
    expect(seenSummary(0, at(2025, 1, 10, 9), now)).toBe('added today');
  });

  it('names the CSV by who and the day', () => {
    const now = at(2025, 3, 30, 15);
    expect(visitCsvName(now)).toBe('visits-2025-03-30.csv');
    expect(visitCsvName(now, 'Amy Farrah Fowler')).toBe('visits-Amy-Farrah-Fowler-2025-03-30.csv');
  });
});
