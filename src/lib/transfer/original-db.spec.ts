import { describe, expect, it } from 'vitest';
import type { TransferError } from './errors';
import { parseOriginalTime, readOriginalDb } from './original-db';
import { loadSqlJs } from '../sqlite/sql';
import { inTimeZone, ZONES } from '../../../tests/support/time-zone';

async function dbBytes(sql: string): Promise<Uint8Array> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database();
  db.exec(sql);
  const bytes = db.export();
  db.close();
  return bytes;
}

describe('parseOriginalTime', () => {
  it.each(ZONES)('reads naive ISO text (Python isoformat) as local time, in $zone', (z) =>
    inTimeZone(z.zone, () => {
      const h = z.winterOffsetH;
      expect(new Date(Date.UTC(2026, 1, 25)).getTimezoneOffset()).toBe(-60 * h); // pinned
      expect(parseOriginalTime('2026-02-25T14:30:05.123456')).toBe(
        Date.UTC(2026, 1, 25, 14 - h, 30, 5, 123),
      );
      expect(parseOriginalTime('2026-02-25 14:30:05')).toBe(Date.UTC(2026, 1, 25, 14 - h, 30, 5));
      expect(parseOriginalTime('2026-02-25')).toBe(Date.UTC(2026, 1, 25, -h));
    }),
  );

  it("reads naive ISO text as the machine's local time", () => {
    expect(parseOriginalTime('2026-02-25T14:30:05.123456')).toBe(
      new Date(2026, 1, 25, 14, 30, 5, 123).getTime(),
    );
    expect(parseOriginalTime('2026-02-25 14:30:05')).toBe(
      new Date(2026, 1, 25, 14, 30, 5).getTime(),
    );
    expect(parseOriginalTime('2026-02-25')).toBe(new Date(2026, 1, 25).getTime());
  });

  it('honours an explicit offset', () => {
    expect(parseOriginalTime('2026-02-25T14:30:05Z')).toBe(Date.UTC(2026, 1, 25, 14, 30, 5));
    expect(parseOriginalTime('2026-02-25T14:30:05.5+02:00')).toBe(
      Date.UTC(2026, 1, 25, 12, 30, 5, 500),
    );
    expect(parseOriginalTime('2026-02-25T14:30:05-0130')).toBe(Date.UTC(2026, 1, 25, 16, 0, 5));
  });

  it('reads unix seconds and milliseconds, as numbers or text', () => {
    expect(parseOriginalTime(1772029812.123456)).toBe(1772029812123);
    expect(parseOriginalTime(1772029812123)).toBe(1772029812123);
    expect(parseOriginalTime('1772029812.5')).toBe(1772029812500);
  });

  it('gives null for what is not a time', () => {
    for (const v of [
      null,
      undefined,
      '',
      'yesterday',
      '2026-13-45',
      '2026-02-25T24:00',
      -5,
      0,
      new Uint8Array(2),
    ]) {
      expect(parseOriginalTime(v)).toBeNull();
    }
  });
});

describe('readOriginalDb', () => {
  it('tolerates a sparse schema and reports what it left out', async () => {
    const bytes = await dbBytes(`
      CREATE TABLE persons (id INTEGER PRIMARY KEY, name TEXT);
      INSERT INTO persons VALUES (1, 'Ann'), (2, NULL), (3, '  Bo  ');
      CREATE TABLE sightings (id INTEGER PRIMARY KEY, person_id INTEGER, timestamp TEXT);
      INSERT INTO sightings VALUES (1, 1, '2026-01-01T00:00:00'), (2, 9, NULL);
    `);
    const db = readOriginalDb(await loadSqlJs(), bytes, false);
    expect(db.persons.map((p) => [p.originalId, p.name, p.visitCount, p.firstSeenMs])).toEqual([
      [1, 'Ann', 0, null],
      [2, 'Unnamed 2', 0, null],
      [3, 'Bo', 0, null],
    ]);
    expect(db.sightings).toEqual([
      {
        originalId: 1,
        personId: 1,
        timestampMs: new Date(2026, 0, 1).getTime(),
        similarity: null,
      },
    ]);
    expect(db.unlabeled).toEqual([]);
    expect(db.warnings).toEqual([
      expect.stringMatching(/Person 2 has no name/),
      expect.stringMatching(/1 sighting\(s\) name a person who does not exist/),
      expect.stringMatching(/no unlabeled table/),
    ]);
  });

  it('refuses a database that is not the original’s, and one that is not SQLite', async () => {
    const SQL = await loadSqlJs();
    const other = await dbBytes('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT);');
    expect(() => readOriginalDb(SQL, other, false)).toThrow(
      expect.objectContaining({ code: 'original-bad-schema' }) as TransferError,
    );
    const garbage = new TextEncoder().encode('SQLite format 3\0 but then nothing useful at all');
    expect(() => readOriginalDb(SQL, garbage, false)).toThrow(
      expect.objectContaining({ code: 'original-bad-db' }) as TransferError,
    );
  });
});
