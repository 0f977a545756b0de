/**
 * Arrival alerts, the pure part: which rules fire for one frame's decisions.
 * No storage, no DOM, no clock of its own: the caller passes the frame, the
 * rules, the time, quiet hours and what already fired (so each rule fires at
 * most once per visit), and shows / plays / notifies what comes back.
 */

/** What may fire: a person arriving, a visitor arriving, any visitor's Nth visit, a stranger staying N minutes. */
export type AlertRule =
  | { id: number; kind: 'person'; personId: number }
  | { id: number; kind: 'visitor'; visitorId: number }
  | { id: number; kind: 'visitor-nth'; n: number }
  | { id: number; kind: 'stranger-stays'; minutes: number };

/** A rule as the user asks for it (the memory gives it its id). */
export type NewAlertRule =
  | { kind: 'person'; personId: number }
  | { kind: 'visitor'; visitorId: number }
  | { kind: 'visitor-nth'; n: number }
  | { kind: 'stranger-stays'; minutes: number };

/** The visit a recognised face is part of: its start (its identity) and its number for that subject (1 = first). */
export interface VisitInfo {
  startMs: number;
  number: number;
}

/** What a rule needs of one face of a frame (a RecognisedFace has all of it). */
export interface AlertFace {
  state: 'identifying' | 'named' | 'not-sure' | 'stranger';
  personId: number | null;
  name: string | null;
  visitorId: number | null;
  /** The visit recorded for this face (null: no sighting was recorded). */
  visit: VisitInfo | null;
}

/** No sound and no system notification between two local times ('HH:MM'); from > to spans midnight. */
export interface QuietHours {
  from: string;
  to: string;
}

export interface FiredAlert {
  ruleId: number;
  /** Rule, subject and visit: the same key never fires twice. */
  key: string;
  message: string;
  /** Within quiet hours: the banner is shown, silently, and no system notification is sent. */
  quiet: boolean;
}

const MINUTE_MS = 60_000;
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** 'HH:MM' as minutes after midnight, or null when it is not such a time. */
export function minutesOf(hhmm: string): number | null {
  const m = HHMM.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** Whether local time `nowMs` falls in quiet hours (start included, end excluded). */
export function isQuiet(quiet: QuietHours | null, nowMs: number): boolean {
  if (!quiet) return false;
  const from = minutesOf(quiet.from);
  const to = minutesOf(quiet.to);
  if (from === null || to === null || from === to) return false;
  const d = new Date(nowMs);
  const t = d.getHours() * 60 + d.getMinutes();
  return from < to ? t >= from && t < to : t >= from || t < to;
}

const ordinal = (n: number): string => {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
};

/** What `rule` says about `face`, or null when it does not apply to it. */
function match(rule: AlertRule, face: AlertFace, nowMs: number): string | null {
  const visit = face.visit;
  // Never for "not sure" (or "…"): only a named person or a stranger with a recorded visit.
  if (!visit) return null;
  if (face.state === 'named') {
    return rule.kind === 'person' && rule.personId === face.personId
      ? `${face.name ?? 'Someone'} arrived`
      : null;
  }
  if (face.state !== 'stranger' || face.visitorId === null) return null;
  const who = `Visitor ${face.visitorId}`;
  switch (rule.kind) {
    case 'visitor':
      return rule.visitorId === face.visitorId ? `${who} arrived` : null;
    case 'visitor-nth':
      return visit.number === rule.n ? `${who} is here for the ${ordinal(rule.n)} time` : null;
    case 'stranger-stays':
      return nowMs - visit.startMs >= rule.minutes * MINUTE_MS
        ? `${who} has stayed over ${rule.minutes} minute${rule.minutes === 1 ? '' : 's'}`
        : null;
    default:
      return null;
  }
}

/**
 * The alerts one frame fires: each rule at most once per visit of each subject
 * (a key in `fired` is never fired again; the caller adds the returned keys).
 * A rule of a deleted person is simply not in `rules` any more.
 */
export function alertsToFire(
  faces: readonly AlertFace[],
  rules: readonly AlertRule[],
  nowMs: number,
  fired: ReadonlySet<string>,
  quiet: QuietHours | null = null,
): FiredAlert[] {
  const out: FiredAlert[] = [];
  const seen = new Set(fired);
  const silent = isQuiet(quiet, nowMs);
  for (const face of faces) {
    for (const rule of rules) {
      const message = match(rule, face, nowMs);
      if (message === null) continue;
      const subject = face.state === 'named' ? `p${face.personId}` : `v${face.visitorId}`;
      const key = `${rule.id}|${subject}|${face.visit!.startMs}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ ruleId: rule.id, key, message, quiet: silent });
    }
  }
  return out;
}

/** Checks a rule from outside (the worker boundary, an import); throws a TypeError saying what is wrong. */
export function checkNewRule(raw: unknown): NewAlertRule {
  const r = raw as Record<string, unknown> | null;
  const whole = (x: unknown, max: number): x is number =>
    Number.isSafeInteger(x) && (x as number) >= 1 && (x as number) <= max;
  if (r && typeof r === 'object') {
    if (r.kind === 'person' && whole(r.personId, Number.MAX_SAFE_INTEGER)) {
      return { kind: 'person', personId: r.personId };
    }
    if (r.kind === 'visitor' && whole(r.visitorId, Number.MAX_SAFE_INTEGER)) {
      return { kind: 'visitor', visitorId: r.visitorId };
    }
    if (r.kind === 'visitor-nth' && whole(r.n, 10_000)) return { kind: 'visitor-nth', n: r.n };
    if (r.kind === 'stranger-stays' && whole(r.minutes, 1440)) {
      return { kind: 'stranger-stays', minutes: r.minutes };
    }
  }
  throw new TypeError(
    'An alert is {kind: person, personId}, {kind: visitor, visitorId}, ' +
      '{kind: visitor-nth, n (1–10000)} or {kind: stranger-stays, minutes (1–1440)}.',
  );
}

/** Checks quiet hours from outside; null turns them off. */
export function checkQuietHours(raw: unknown): QuietHours | null {
  if (raw === null) return null;
  const q = raw as Partial<QuietHours> | undefined;
  if (
    q &&
    typeof q.from === 'string' &&
    typeof q.to === 'string' &&
    minutesOf(q.from) !== null &&
    minutesOf(q.to) !== null
  ) {
    return { from: q.from, to: q.to };
  }
  throw new TypeError("Quiet hours are {from, to} as 'HH:MM' local times, or null.");
}
