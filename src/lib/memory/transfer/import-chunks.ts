/**
 * How an import is cut into actions (import-run.ts says why), and which ids a restore may keep.
 */
import type { MemoryCore } from '../store/core';
import type { ImportSource, SourcePerson, SourceUnlabeled } from './import-source';
import { scalar } from '../../sqlite/sql';

/** Highest id each table ever used: ids above it were never seen by this memory. */
export type IdFloor = Record<'persons' | 'samples' | 'sightings' | 'unlabeled', number>;

const TABLES = ['persons', 'samples', 'sightings', 'unlabeled'] as const;

export function idFloor(core: MemoryCore): IdFloor {
  const out = {} as IdFloor;
  for (const t of TABLES) {
    const seq = Number(
      scalar(core.db, 'SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?), 0)', [t]),
    );
    const max = Number(scalar(core.db, `SELECT COALESCE(MAX(id), 0) FROM ${t}`));
    out[t] = Math.max(seq, max);
  }
  return out;
}

/** True when the memory holds no rows at all (a restore keeps the file's ids). */
export function isEmptyMemory(core: MemoryCore): boolean {
  return TABLES.every((t) => Number(scalar(core.db, `SELECT COUNT(*) FROM ${t}`)) === 0);
}

export interface Chunk {
  persons: SourcePerson[];
  unlabeled: SourceUnlabeled[];
}

/** Splits the source so that no action writes much more than `maxBytes` (at least one person each). */
export function chunksOf(source: ImportSource, maxBytes: number): Chunk[] {
  const dims = new Map(source.models.map((m) => [m.id, m]));
  const bytesOfSample = new Map<number, number>();
  for (const s of source.samples) {
    let n = s.crop?.bytes.length ?? 0;
    for (const m of dims.values()) if (m.vectors.has(s.key)) n += m.dim * 4;
    bytesOfSample.set(s.personKey, (bytesOfSample.get(s.personKey) ?? 0) + n + 64);
  }
  const out: Chunk[] = [];
  let current: Chunk = { persons: [], unlabeled: [] };
  let size = 0;
  const push = (bytes: number) => {
    if (bytes > 0 && size > 0 && size + bytes > maxBytes) {
      out.push(current);
      current = { persons: [], unlabeled: [] };
      size = 0;
    }
    size += bytes;
  };
  for (const p of source.persons) {
    push(bytesOfSample.get(p.key) ?? 64);
    current.persons.push(p);
  }
  for (const u of source.unlabeled) {
    // History rows (reviewed) are a few bytes of SQL: they ride along.
    push(u.reviewed ? 0 : (u.crop?.bytes.length ?? 0) + (u.embedding?.byteLength ?? 0) + 64);
    current.unlabeled.push(u);
  }
  if (current.persons.length || current.unlabeled.length || !out.length) out.push(current);
  return out;
}
