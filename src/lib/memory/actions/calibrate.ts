/**
 * The live vote's two thresholds suggested from the user's own labelled people
 * (decision/calibrate.ts: leave-one-out same- vs different-person cosines of the
 * stored samples) — for a model the app ships no statistics for.
 */
import type { MemoryCore } from '../store/core';
import { rows } from '../../sqlite/sql';
import { calibrate, type Calibration } from '../../decision/calibrate';
import { targetVectors } from './reembed';

export async function calibrateThresholds(core: MemoryCore): Promise<Calibration> {
  const { vectors } = await targetVectors(core, core.config.modelId, core.config.dim);
  const byPerson = new Map<number, Float32Array[]>();
  for (const r of rows<{ id: number; pid: number }>(
    core.db,
    'SELECT id, person_id AS pid FROM samples',
  )) {
    const v = vectors.get(r.id);
    if (!v) continue;
    const list = byPerson.get(r.pid) ?? [];
    list.push(v);
    byPerson.set(r.pid, list);
  }
  return calibrate([...byPerson.values()]);
}
