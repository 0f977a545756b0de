/**
 * Reads the Python original's `visio_memoria.db` (sql.js, in memory; the bytes are not
 * changed). Tolerates both schemas seen in the wild: FaceDatabaseFAISS's
 * `persons.person_id` (+ `notes`) and the older `persons.id`; timestamps as ISO text
 * (`datetime.now().isoformat()`, naive local time) or as REAL/INTEGER unix time.
 */
import type { Database, SqlJsStatic, SqlValue } from 'sql.js';
import { TransferError } from './errors';

export interface DbPerson {
  originalId: number;
  name: string;
  firstSeenMs: number | null;
  lastSeenMs: number | null;
  visitCount: number;
  notes: string;
}

export interface DbSighting {
  originalId: number;
  personId: number;
  timestampMs: number | null;
  similarity: number | null;
}

interface DbUnlabeled {
  originalId: number;
  timestampMs: number | null;
  imagePath: string | null;
  embeddingPath: string | null;
  reviewed: boolean;
}

export interface OriginalDb {
  persons: DbPerson[];
  sightings: DbSighting[];
  unlabeled: DbUnlabeled[];
  warnings: string[];
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Epoch ms of a stored time. ISO text without an offset is the original machine's local
 * time (Python's naive `datetime.now()`); it is read as this device's local time. Numbers
 * are unix seconds (milliseconds when above 1e11). Unreadable → null.
 */
export function parseOriginalTime(value: SqlValue | undefined): number | null {
  if (value === null || value === undefined || value instanceof Uint8Array) return null;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) return null;
    return Math.round(Math.abs(value) > 1e11 ? value : value * 1000);
  }
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return parseOriginalTime(Number(text));
  const m = ISO.exec(text);
  if (!m) return null;
  const [, y = '', mo = '', d = '', h = '0', mi = '0', s = '0', frac = '0', zone] = m;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  const inRange = +mo >= 1 && +mo <= 12 && +d >= 1 && +d <= 31 && +h <= 23 && +mi <= 59 && +s <= 60;
  if (!inRange) return null;
  const parts = [
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h),
    Number(mi),
    Number(s),
    ms,
  ] as const;
  if (!zone) return new Date(...parts).getTime();
  const utc = Date.UTC(...parts);
  if (zone.toUpperCase() === 'Z') return utc;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
  return utc - sign * offsetMin * 60_000;
}

function columns(db: Database, table: string): Set<string> | null {
  const result = db.exec(`PRAGMA table_info(${table})`);
  if (result.length === 0) return null;
  return new Set(result[0]!.values.map((row) => String(row[1])));
}

function select(db: Database, sql: string): Record<string, SqlValue>[] {
  const stmt = db.prepare(sql);
  try {
    const out: Record<string, SqlValue>[] = [];
    while (stmt.step()) out.push(stmt.getAsObject());
    return out;
  } finally {
    stmt.free();
  }
}

/** `col` when the table has it, else `NULL AS col`, so one query serves every schema. */
function pick(cols: Set<string>, col: string, as = col): string {
  return cols.has(col) ? `"${col}" AS ${as}` : `NULL AS ${as}`;
}

const toInt = (v: SqlValue): number | null =>
  typeof v === 'number' && Number.isSafeInteger(v) ? v : null;
const toText = (v: SqlValue): string | null =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;

function readTables(db: Database, warnings: string[]): Omit<OriginalDb, 'warnings'> {
  const pc = columns(db, 'persons');
  if (!pc || !pc.has('name') || !(pc.has('person_id') || pc.has('id'))) {
    throw new TransferError(
      'original-bad-schema',
      'visio_memoria.db has no persons table with an id and a name: it is not from Visio Memoria.',
    );
  }
  const idCol = pc.has('person_id') ? 'person_id' : 'id';
  const persons: DbPerson[] = [];
  const personSql =
    `SELECT "${idCol}" AS pid, name, ${pick(pc, 'first_seen')}, ${pick(pc, 'last_seen')}, ` +
    `${pick(pc, 'visit_count')}, ${pick(pc, 'notes')} FROM persons ORDER BY "${idCol}"`;
  for (const row of select(db, personSql)) {
    const id = toInt(row.pid!);
    if (id === null) {
      warnings.push(`A person row without a valid id (${String(row.pid)}) was skipped.`);
      continue;
    }
    let name = toText(row.name!)?.trim() ?? '';
    if (name === '') {
      name = `Unnamed ${id}`;
      warnings.push(`Person ${id} has no name; it is imported as "${name}".`);
    }
    persons.push({
      originalId: id,
      name,
      firstSeenMs: parseOriginalTime(row.first_seen),
      lastSeenMs: parseOriginalTime(row.last_seen),
      visitCount: Math.max(0, toInt(row.visit_count!) ?? 0),
      notes: toText(row.notes!) ?? '',
    });
  }

  const sightings: DbSighting[] = [];
  const sc = columns(db, 'sightings');
  if (!sc) warnings.push('visio_memoria.db has no sightings table; no sightings are imported.');
  else {
    const known = new Set(persons.map((p) => p.originalId));
    let orphans = 0;
    const sql =
      `SELECT ${pick(sc, 'id')}, ${pick(sc, 'person_id')}, ${pick(sc, 'timestamp')}, ` +
      `${pick(sc, 'similarity')} FROM sightings ORDER BY rowid`;
    for (const row of select(db, sql)) {
      const personId = toInt(row.person_id!);
      if (personId === null || !known.has(personId)) {
        orphans++;
        continue;
      }
      sightings.push({
        originalId: toInt(row.id!) ?? sightings.length + 1,
        personId,
        timestampMs: parseOriginalTime(row.timestamp),
        similarity: typeof row.similarity === 'number' ? row.similarity : null,
      });
    }
    if (orphans > 0) {
      warnings.push(`${orphans} sighting(s) name a person who does not exist; they are left out.`);
    }
  }

  const unlabeled: DbUnlabeled[] = [];
  const uc = columns(db, 'unlabeled');
  if (!uc) warnings.push('visio_memoria.db has no unlabeled table; the queue is read from files.');
  else {
    const sql =
      `SELECT ${pick(uc, 'id')}, ${pick(uc, 'timestamp')}, ${pick(uc, 'image_path')}, ` +
      `${pick(uc, 'embedding_path')}, ${pick(uc, 'reviewed')} FROM unlabeled ORDER BY rowid`;
    for (const row of select(db, sql)) {
      const id = toInt(row.id!);
      if (id === null) continue;
      unlabeled.push({
        originalId: id,
        timestampMs: parseOriginalTime(row.timestamp),
        imagePath: toText(row.image_path!),
        embeddingPath: toText(row.embedding_path!),
        reviewed: row.reviewed === 1 || row.reviewed === '1',
      });
    }
  }
  return { persons, sightings, unlabeled };
}

/** Reads every table; a database that cannot be read at all is an original-bad-db error. */
export function readOriginalDb(sql: SqlJsStatic, bytes: Uint8Array, strict: boolean): OriginalDb {
  const warnings: string[] = [];
  let db: Database | undefined;
  try {
    db = new sql.Database(bytes);
    const check = db.exec('PRAGMA integrity_check');
    const verdict = check[0]?.values.map((r) => String(r[0])) ?? ['no answer'];
    const damaged = !(verdict.length === 1 && verdict[0] === 'ok');
    if (damaged && strict) {
      throw new TransferError('original-bad-db', `visio_memoria.db is damaged: ${verdict[0]}.`);
    }
    const tables = readTables(db, warnings);
    if (damaged) {
      warnings.unshift(
        `visio_memoria.db reports damage (${verdict[0]}); rows in damaged pages may be missing.`,
      );
    }
    return { ...tables, warnings };
  } catch (error) {
    if (error instanceof TransferError) throw error;
    throw new TransferError(
      'original-bad-db',
      `visio_memoria.db cannot be read as an SQLite database (${(error as Error).message}).`,
      { cause: error },
    );
  } finally {
    db?.close();
  }
}
