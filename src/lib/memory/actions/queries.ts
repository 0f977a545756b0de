import type { MemoryCore } from '../store/core';
import { MemoryError } from '../base/errors';
import { cropKey, unlabeledCropKey } from '../store/keys';
import { cropBlob } from '../store/crop';
import { row, rows, scalar } from '../../sqlite/sql';
import type {
  MemoryStats,
  Person,
  PersonDetail,
  Sample,
  SampleSource,
  Sighting,
} from '../base/types';
import { checkId } from '../base/validate';

interface PersonRow {
  id: number;
  name: string;
  first_seen: number;
  last_seen: number;
  visit_count: number;
  sample_count: number;
  cover_sample: number | null;
}

const PERSON_SQL = `SELECT p.id, p.name, p.first_seen, p.last_seen, p.visit_count,
  (SELECT COUNT(*) FROM samples s WHERE s.person_id = p.id) AS sample_count,
  (SELECT MAX(s.id) FROM samples s WHERE s.person_id = p.id AND s.has_crop = 1) AS cover_sample
  FROM persons p`;

const toPerson = (r: PersonRow): Person => ({
  id: r.id,
  name: r.name,
  firstSeenMs: r.first_seen,
  lastSeenMs: r.last_seen,
  visitCount: r.visit_count,
  sampleCount: r.sample_count,
  coverSampleId: r.cover_sample ?? null,
});

/** Everyone, by name. */
export function listPersons(core: MemoryCore): Person[] {
  return rows<PersonRow>(core.db, `${PERSON_SQL} ORDER BY p.name_key`).map(toPerson);
}

export function getPerson(core: MemoryCore, personId: unknown, recentSightings = 20): PersonDetail {
  const id = checkId(personId, 'A person id');
  const p = row<PersonRow>(core.db, `${PERSON_SQL} WHERE p.id = ?`, [id]);
  if (!p) throw new MemoryError('not-found', `No person ${id}.`);
  const samples = rows<{
    id: number;
    model_id: string;
    created: number;
    has_crop: number;
    source: SampleSource;
  }>(core.db, 'SELECT * FROM samples WHERE person_id = ? ORDER BY id', [id]).map((s): Sample => ({
    id: s.id,
    personId: id,
    modelId: s.model_id,
    createdMs: s.created,
    hasCrop: !!s.has_crop,
    source: s.source,
  }));
  const sightings = rows<{ timestamp: number; similarity: number }>(
    core.db,
    'SELECT timestamp, similarity FROM sightings WHERE person_id = ? ORDER BY timestamp DESC, id DESC LIMIT ?',
    [id, Math.max(0, Math.floor(recentSightings))],
  ).map((s): Sighting => ({ personId: id, timestampMs: s.timestamp, similarity: s.similarity }));
  return { ...toPerson(p), samples, recentSightings: sightings };
}

export function stats(core: MemoryCore): MemoryStats {
  const count = (sql: string) => Number(scalar(core.db, sql));
  return {
    persons: count('SELECT COUNT(*) FROM persons'),
    samples: count('SELECT COUNT(*) FROM samples'),
    unlabeled: count('SELECT COUNT(*) FROM unlabeled WHERE reviewed = 0'),
    visitors: count('SELECT COUNT(*) FROM visitors'),
    sightings: count('SELECT COUNT(*) FROM sightings'),
    indexType: core.index.kind,
    ntotal: core.index.ntotal,
    ...(core.index.nlist ? { nlist: core.index.nlist } : {}),
    dim: core.config.dim,
    modelId: core.config.modelId,
  };
}

export interface DayCount {
  /** Local midnight of the day, epoch ms. */
  dayMs: number;
  visits: number;
}

/**
 * Local midnights (ms) from the day `days - 1` before `nowMs`'s day to the
 * midnight after it: `days + 1` boundaries. Days are the calendar's, in this
 * realm's time zone, so a day across a daylight-saving change is 23 or 25
 * hours long (a fixed offset put an hour of visits on the wrong day for half
 * the chart).
 */
export function localDayBounds(nowMs: number, days: number): number[] {
  const now = new Date(nowMs);
  return Array.from({ length: days + 1 }, (_, i) =>
    new Date(now.getFullYear(), now.getMonth(), now.getDate() - days + 1 + i).getTime(),
  );
}

/**
 * Visits (sightings rows: one per visit) per local day for the last `days`
 * days, oldest first, zeros included, for the person page's chart. Local:
 * the time zone of the realm it runs in (a worker's is the page's).
 */
export function visitsPerDay(
  core: MemoryCore,
  personId: unknown,
  days = 30,
  nowMs = Date.now(),
): DayCount[] {
  const id = checkId(personId, 'A person id');
  if (!Number.isSafeInteger(days) || days < 1 || days > 3660) {
    throw new MemoryError('invalid-input', 'days must be 1 … 3660.');
  }
  const bounds = localDayBounds(nowMs, days);
  const counts = new Array<number>(days).fill(0);
  const times = rows<{ t: number }>(
    core.db,
    'SELECT timestamp AS t FROM sightings WHERE person_id = ? AND timestamp >= ? AND timestamp < ?',
    [id, bounds[0]!, bounds[days]!],
  );
  for (const { t } of times) {
    // The last boundary at or before t (bounds ascending; days ≤ 3660 rows of a chart).
    let lo = 0;
    let hi = days - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (bounds[mid]! <= t) lo = mid;
      else hi = mid - 1;
    }
    counts[lo]!++;
  }
  return counts.map((visits, i) => ({ dayMs: bounds[i]!, visits }));
}

/** A sample's stored crop (undefined: none). */
export async function sampleCrop(core: MemoryCore, sampleId: unknown): Promise<Blob | undefined> {
  return cropBlob(await core.kv.get<unknown>(cropKey(checkId(sampleId, 'A sample id'))));
}

/** A queued face's stored crop (undefined: none). */
export async function unlabeledCrop(
  core: MemoryCore,
  unlabeledId: unknown,
): Promise<Blob | undefined> {
  return cropBlob(
    await core.kv.get<unknown>(unlabeledCropKey(checkId(unlabeledId, 'A queued face id'))),
  );
}
