/** Visits and visitors as people read them: who, when, for how long, grouped by day. */
import type { Visit, VisitSubject } from '../memory/base/types';

const DAY_MS = 86_400_000;

/** "Amy" or "Visitor 12". */
export function subjectLabel(s: VisitSubject): string {
  return s.kind === 'person' ? s.name : `Visitor ${s.number}`;
}

/** Local midnight of the day `ms` falls in. */
export function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** Local midnight `days` days after the one of `ms` (DST-safe). */
export function addDays(ms: number, days: number): number {
  const d = new Date(startOfDay(ms));
  d.setDate(d.getDate() + days);
  return d.getTime();
}

/** `yyyy-mm-dd` of a local day (what <input type="date"> holds). */
export function dateInputValue(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** Local midnight of a `yyyy-mm-dd` value, or null when it is not one. */
export function parseDateInput(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(d.getTime()) ? null : d.getTime();
}

export interface VisitDay {
  dayMs: number;
  visits: Visit[];
}

/** Visits (newest first) in runs of one local day each, newest day first. */
export function groupByDay(visits: readonly Visit[]): VisitDay[] {
  const days: VisitDay[] = [];
  for (const v of visits) {
    const dayMs = startOfDay(v.startMs);
    const last = days.at(-1);
    if (last?.dayMs === dayMs) last.visits.push(v);
    else days.push({ dayMs, visits: [v] });
  }
  return days;
}

const time = (ms: number) =>
  new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

/** "14:05–14:20", or "14:05" when it began and ended in the same minute. */
export function timeRange(v: Pick<Visit, 'startMs' | 'endMs'>): string {
  const a = time(v.startMs);
  const b = time(v.endMs);
  return a === b ? a : `${a}–${b}`;
}

/**
 * Where a visit sits on its day's 24-hour bar, in percent (at least 0.5 wide so
 * a short visit still shows; a visit past midnight is cut at the day's end).
 */
export function dayBar(v: Pick<Visit, 'startMs' | 'endMs'>): { left: number; width: number } {
  const day = startOfDay(v.startMs);
  const len = addDays(day, 1) - day;
  const left = ((v.startMs - day) / len) * 100;
  const right = ((Math.min(v.endMs, day + len) - day) / len) * 100;
  return { left, width: Math.max(0.5, Math.min(100 - left, right - left)) };
}

/**
 * "seen 3 times since Monday": its visits and its first sighting (a weekday
 * within the last week, else a date). A visitor from a photo has no visit.
 */
export function seenSummary(visitCount: number, firstSeenMs: number, nowMs = Date.now()): string {
  const since =
    startOfDay(firstSeenMs) === startOfDay(nowMs)
      ? 'today'
      : nowMs - firstSeenMs < 6 * DAY_MS
        ? `since ${new Date(firstSeenMs).toLocaleDateString(undefined, { weekday: 'long' })}`
        : `since ${new Date(firstSeenMs).toLocaleDateString(undefined, { dateStyle: 'medium' })}`;
  if (visitCount === 0)
    return `added ${since === 'today' ? 'today' : since.replace('since', 'on')}`;
  const times = visitCount === 1 ? 'once' : visitCount === 2 ? 'twice' : `${visitCount} times`;
  return `seen ${times} ${since}`;
}

/** The CSV's file name: what it holds and the day it was made. */
export function visitCsvName(nowMs: number, who?: string): string {
  const tag = who ? `-${who.replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-|-$/g, '')}` : '';
  return `visits${tag}-${dateInputValue(nowMs)}.csv`;
}
