/**
 * Keeping the memory in shape: rebuilding the index on request, and writing
 * everything batched or due (sightings, the snapshot, the checkpoint) now.
 */
import type { MemoryCore } from '../store/core';
import { maintain } from '../store/maintenance';
import { rebuildCore } from '../store/open';
import type { MemoryStats } from '../base/types';
import { stats } from './queries';
import { cancelScheduledSightings, flushSightings } from './sightings';

/** Rebuilds the index from the stored embeddings, retraining IVF; stores nothing itself. */
export function rebuildIndex(core: MemoryCore, signal?: AbortSignal): Promise<MemoryStats> {
  signal?.throwIfAborted();
  return core.serial(async () => {
    signal?.throwIfAborted();
    await rebuildCore(core, 'requested');
    return stats(core);
  });
}

/** Writes batched sightings, then a fresh snapshot and checkpoint. */
export async function flushAll(core: MemoryCore): Promise<void> {
  if (core.readOnly) return;
  cancelScheduledSightings(core);
  await flushSightings(core);
  await maintain(core, { snapshot: 'force', checkpoint: 'force' });
}
