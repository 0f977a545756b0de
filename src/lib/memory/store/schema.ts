import type { Database } from 'sql.js';
import { MemoryError } from '../base/errors';

/**
 * The SQLite schema, versioned with PRAGMA user_version. Times are epoch
 * milliseconds (the original stored ISO text); names are matched on
 * `name_key` (trimmed, lower-cased in JS, so non-ASCII letters fold too).
 * Sample ids are AUTOINCREMENT so an id is never reused: a stale crop or FAISS
 * label can never point at a newer sample.
 */
const MIGRATIONS: ReadonlyArray<string> = [
  // 0 → 1
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE persons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    visit_count INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE samples (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL,
    model_id TEXT NOT NULL,
    created INTEGER NOT NULL,
    has_crop INTEGER NOT NULL,
    source TEXT NOT NULL
  );
  CREATE INDEX samples_by_person ON samples (person_id);
  CREATE INDEX samples_by_model ON samples (model_id);
  CREATE TABLE sightings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    similarity REAL NOT NULL
  );
  CREATE INDEX sightings_by_person ON sightings (person_id, timestamp);
  CREATE TABLE unlabeled (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    timestamp INTEGER NOT NULL,
    reviewed INTEGER NOT NULL DEFAULT 0,
    model_id TEXT NOT NULL,
    has_crop INTEGER NOT NULL,
    group_key TEXT,
    quality REAL,
    sample_id INTEGER
  );
  CREATE INDEX unlabeled_pending ON unlabeled (reviewed, timestamp);
  `,
  // 1 → 2: "not this person" feedback (a face's embedding, under neg/<id>, that
  // is not person_id), and the confidence of the decision behind a sighting
  // (NULL in older rows: read it as their similarity).
  `
  CREATE TABLE negatives (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL,
    model_id TEXT NOT NULL,
    source TEXT NOT NULL,
    created INTEGER NOT NULL
  );
  CREATE INDEX negatives_by_person ON negatives (person_id);
  ALTER TABLE sightings ADD COLUMN confidence REAL;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function schemaVersion(db: Database): number {
  return Number(db.exec('PRAGMA user_version')[0]?.values[0]?.[0] ?? 0);
}

/** Brings the schema up to date; returns the version it started from. */
export function migrate(db: Database): number {
  const from = schemaVersion(db);
  if (from > SCHEMA_VERSION) {
    throw new MemoryError(
      'schema-too-new',
      'This memory was saved by a newer version of the app. Reload the page to update the app.',
    );
  }
  for (let v = from; v < SCHEMA_VERSION; v++) {
    db.exec('BEGIN');
    try {
      db.exec(MIGRATIONS[v]!);
      db.exec(`PRAGMA user_version = ${v + 1}`);
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }
  return from;
}
