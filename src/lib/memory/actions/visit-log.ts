/**
 * The visit log: visits (sightings rows, one per visit, each with its end and
 * recognition count kept up to date as it goes on) of people and visitors,
 * newest first, by person or visitor and date range; and the same rows as CSV.
 * One indexed range read (sightings by time, or by subject and time), so a
 * day's view stays fast at a million sightings.
 */
import type { MemoryCore } from '../store/core';
import { MemoryError } from '../base/errors';
import { rows } from '../../sqlite/sql';
import { flushSightings } from './sightings';
import type { Visit, VisitFilter } from '../base/types';
import { checkId } from '../base/validate';

interface LogRow {
  id: number;
  person_id: number | null;
  visitor_id: number | null;
  name: string | null;
  timestamp: number;
  ended: number;
  frames: number;
}

function checkFilter(f: VisitFilter) {
  if (typeof f !== 'object' || f === null) {
    throw new MemoryError('invalid-input', 'A visit filter is an object.');
  }
  const time = (x: unknown, d: number) => {
    if (x === undefined) return d;
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new MemoryError('invalid-input', 'A time is epoch milliseconds.');
    }
    return x;
  };
  const whole = (x: unknown, d: number, what: string) => {
    if (x === undefined) return d;
    if (!Number.isSafeInteger(x) || (x as number) < 0) {
      throw new MemoryError('invalid-input', `${what} is a whole number, 0 or more.`);
    }
    return x as number;
  };
  if (f.personId !== undefined && f.visitorId !== undefined) {
    throw new MemoryError('invalid-input', 'Filter by a person or by a visitor, not both.');
  }
  return {
    personId: f.personId === undefined ? null : checkId(f.personId, 'A person id'),
    visitorId: f.visitorId === undefined ? null : checkId(f.visitorId, 'A visitor id'),
    fromMs: time(f.fromMs, -8.64e15),
    toMs: time(f.toMs, 8.64e15),
    limit: whole(f.limit, 500, 'limit'),
    offset: whole(f.offset, 0, 'offset'),
  };
}

/** Visits matching the filter, newest first (batched sightings written first). */
export async function visitLog(core: MemoryCore, filter: VisitFilter = {}): Promise<Visit[]> {
  const f = checkFilter(filter);
  if (!core.readOnly) await flushSightings(core);
  return core.serial(() => {
    const where = ['s.timestamp >= ?', 's.timestamp < ?'];
    const params: number[] = [f.fromMs, f.toMs];
    if (f.personId !== null) {
      where.push('s.person_id = ?');
      params.push(f.personId);
    }
    if (f.visitorId !== null) {
      where.push('s.visitor_id = ?');
      params.push(f.visitorId);
    }
    return rows<LogRow>(
      core.db,
      `SELECT s.id, s.person_id, s.visitor_id, p.name, s.timestamp, s.ended, s.frames
       FROM sightings s LEFT JOIN persons p ON p.id = s.person_id
       WHERE ${where.join(' AND ')} ORDER BY s.timestamp DESC, s.id DESC LIMIT ? OFFSET ?`,
      [...params, f.limit || -1, f.offset],
    ).map((r): Visit => ({
      id: r.id,
      subject:
        r.person_id !== null
          ? { kind: 'person', id: r.person_id, name: r.name ?? '' }
          : { kind: 'visitor', id: r.visitor_id!, number: r.visitor_id! },
      startMs: r.timestamp,
      endMs: r.ended,
      sightings: r.frames,
    }));
  });
}

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');

/**
 * ISO 8601 in the viewer's time zone, with its offset (e.g. 2025-03-30T10:15:00+02:00).
 * `offsetMin` is Date#getTimezoneOffset() at that instant (so DST changes are right).
 */
export function localIso(ms: number, offsetMin = new Date(ms).getTimezoneOffset()): string {
  const local = new Date(ms - offsetMin * 60_000);
  const east = -offsetMin;
  const sign = east >= 0 ? '+' : '-';
  return (
    `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    `${sign}${pad(Math.floor(Math.abs(east) / 60))}:${pad(Math.abs(east) % 60)}`
  );
}

/** A CSV field: quoted when needed, and never read as a formula by a spreadsheet. */
function field(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export interface VisitCsvOptions {
  /** A fixed offset (Date#getTimezoneOffset() minutes); default: the zone's own at each time. */
  tzOffsetMin?: number;
}

/** The filtered log (every matching visit, not one page) as CSV text. */
export async function visitLogCsv(
  core: MemoryCore,
  filter: VisitFilter = {},
  opts: VisitCsvOptions = {},
): Promise<string> {
  const tz = opts.tzOffsetMin;
  if (tz !== undefined && (!Number.isFinite(tz) || Math.abs(tz) > 24 * 60)) {
    throw new MemoryError('invalid-input', 'A time zone offset is minutes, at most a day.');
  }
  const visits = await visitLog(core, { ...filter, limit: 0, offset: 0 });
  const lines = ['who,visitor_number,start,end,sightings'];
  for (const v of visits) {
    const who = v.subject.kind === 'person' ? v.subject.name : `Visitor ${v.subject.number}`;
    const number = v.subject.kind === 'visitor' ? String(v.subject.number) : '';
    lines.push(
      [field(who), number, localIso(v.startMs, tz), localIso(v.endMs, tz), v.sightings].join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}
