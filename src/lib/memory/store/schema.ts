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
  // 2 → 3: visitors. A stranger is a `visitors` row (its number is its id, never
  // reused); its crops and embeddings stay queued faces (`unlabeled.visitor_id`).
  // A sighting row is one visit of a person OR a visitor, with its end and how
  // many recognitions it had (kept up to date as the visit goes on), so the
  // visit log reads rows and never rescans. Every waiting group becomes a visitor.
  `
  CREATE TABLE visitors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    visit_count INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX visitors_by_last_seen ON visitors (last_seen);
  ALTER TABLE unlabeled ADD COLUMN visitor_id INTEGER;
  CREATE INDEX unlabeled_by_visitor ON unlabeled (visitor_id);
  CREATE TABLE sightings_v3 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER,
    visitor_id INTEGER,
    timestamp INTEGER NOT NULL,
    similarity REAL NOT NULL,
    confidence REAL,
    ended INTEGER NOT NULL,
    frames INTEGER NOT NULL DEFAULT 1,
    CHECK ((person_id IS NULL) <> (visitor_id IS NULL))
  );
  INSERT INTO sightings_v3 (id, person_id, timestamp, similarity, confidence, ended, frames)
    SELECT id, person_id, timestamp, similarity, confidence, timestamp, 1 FROM sightings;
  DROP TABLE sightings;
  ALTER TABLE sightings_v3 RENAME TO sightings;
  CREATE INDEX sightings_by_person ON sightings (person_id, timestamp);
  CREATE INDEX sightings_by_visitor ON sightings (visitor_id, timestamp);
  CREATE INDEX sightings_by_time ON sightings (timestamp);
  CREATE TEMP TABLE visitor_groups (id INTEGER PRIMARY KEY, k TEXT UNIQUE, f INTEGER, l INTEGER);
  INSERT INTO visitor_groups (k, f, l)
    SELECT COALESCE(group_key, 'id:' || id), MIN(timestamp), MAX(timestamp)
    FROM unlabeled WHERE reviewed = 0 GROUP BY 1 ORDER BY MIN(id);
  INSERT INTO visitors (id, first_seen, last_seen, visit_count) SELECT id, f, l, 1 FROM visitor_groups;
  UPDATE unlabeled SET visitor_id = (SELECT g.id FROM visitor_groups g
    WHERE g.k = COALESCE(unlabeled.group_key, 'id:' || unlabeled.id)) WHERE reviewed = 0;
  DROP TABLE visitor_groups;
  `,
  // 3 → 4: arrival alerts (lib/alerts/rules.ts). A rule names a person, a visitor, or
  // neither ('visitor-nth': any visitor's Nth visit; 'stranger-stays': N minutes); `n` is
  // that N. Deleting a person or visitor deletes its rules in the same transaction.
  `
  CREATE TABLE alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    person_id INTEGER,
    visitor_id INTEGER,
    n INTEGER,
    created INTEGER NOT NULL
  );
  CREATE INDEX alerts_by_person ON alerts (person_id);
  CREATE INDEX alerts_by_visitor ON alerts (visitor_id);
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
