import { CHECKPOINT_PART_BYTES, checkpointRecords } from './checkpoint';
import type { CheckpointState, MemoryCore } from './core';
import { faissKey, faissPartKey, faissPartPrefix, journalKey, SQLITE_KEY } from './keys';

/** Compact the journal into a new `sqlite` snapshot after this many actions. */
export const SNAPSHOT_EVERY_ACTIONS = 200;

/**
 * Rewrite the FAISS checkpoint (derived, and at 100k vectors ~300 MB) only
 * when this many vectors changed since the last one, or a rebuild made it
 * stale, or on flush. Between checkpoints the journal carries the changes.
 */
const checkpointEveryChanges = (ntotal: number): number => Math.max(500, Math.floor(ntotal / 20));

interface MaintenanceOptions {
  snapshot: 'due' | 'force';
  checkpoint: 'due' | 'force' | 'never';
}

/**
 * Writes a new `sqlite` snapshot, then (its own transaction, since at 100k
 * vectors it is ~300 MB and may fail on quota without holding the small one
 * back) the FAISS checkpoint; each deletes the journal entries now covered.
 * Bytes are taken in the queue (a consistent state); the writes run outside
 * it, so recognition is not held up while a big checkpoint is stored.
 */
export function maintain(core: MemoryCore, opts: MaintenanceOptions): Promise<void> {
  // One at a time: a second run plans against what the first one wrote.
  const run = core.maintenanceTail.then(async () => {
    await step(core, () => planSnapshot(core, opts));
    await step(core, () => planCheckpoint(core, opts));
  });
  core.maintenanceTail = run.catch(() => undefined);
  return run;
}

interface Plan {
  snapshot: boolean;
  puts: Array<[string, unknown]>;
  snapSeq: number;
  checkpoint: CheckpointState | null;
  /** Keys under this prefix that the plan does not write are deleted with it (old parts). */
  replaces?: string;
}

async function step(core: MemoryCore, plan: () => Plan | null): Promise<void> {
  if (core.readOnly || core.closed) return;
  const p = await core.serial(() => {
    const got = plan();
    return got && { ...got, deletes: deletable(core, got) };
  });
  if (!p) return;
  const deletes = p.deletes.map(journalKey);
  if (p.replaces) {
    const written = new Set(p.puts.map(([k]) => k));
    deletes.push(...(await core.kv.keys(p.replaces)).filter((k) => !written.has(k)));
  }
  await core.kv.commit({ puts: p.puts, deletes });
  if (p.snapshot) {
    core.snapSeq = Math.max(core.snapSeq, p.snapSeq);
    core.snapshotNeeded = false;
  }
  if (p.checkpoint) {
    core.checkpoint = p.checkpoint;
    if (p.checkpoint.indexVersion === core.indexVersion) core.rebuiltSinceCheckpoint = false;
  }
  for (const seq of p.deletes) core.retained.delete(seq);
  core.emit({
    type: 'maintenance',
    snapshot: p.snapshot,
    checkpoint: !!p.checkpoint,
    journalDeleted: p.deletes.length,
  });
}

/**
 * Journal entries the stored state covers once `p` is written: in the
 * snapshot, and, if they changed this model's vectors, in the checkpoint too
 * (entries of other models go with the snapshot: those rebuild when used).
 */
function deletable(core: MemoryCore, p: Plan): number[] {
  const snapSeq = p.snapshot ? p.snapSeq : core.snapSeq;
  const ckSeq = p.checkpoint?.seq ?? core.checkpoint?.seq ?? 0;
  return [...core.retained]
    .filter(
      ([seq, e]) => seq <= snapSeq && (seq <= ckSeq || !e.models.includes(core.config.modelId)),
    )
    .map(([seq]) => seq);
}

function planSnapshot(core: MemoryCore, opts: MaintenanceOptions): Plan | null {
  const pending = core.seq - core.snapSeq;
  const due =
    core.snapshotNeeded ||
    (pending > 0 && (opts.snapshot === 'force' || pending >= SNAPSHOT_EVERY_ACTIONS));
  if (!due) return null;
  const puts: Plan['puts'] = [[SQLITE_KEY, core.db.export()]];
  return { snapshot: true, puts, snapSeq: core.seq, checkpoint: null };
}

function planCheckpoint(core: MemoryCore, opts: MaintenanceOptions): Plan | null {
  const { modelId, dim } = core.config;
  const ck = core.checkpoint;
  if (opts.checkpoint === 'never' || (ck && ck.indexVersion === core.indexVersion)) return null;
  const changed = [...core.retained]
    .filter(([seq]) => seq > (ck?.seq ?? 0))
    .reduce((n, [, e]) => n + e.vectors, 0);
  const due =
    opts.checkpoint === 'force' ||
    !ck ||
    core.rebuiltSinceCheckpoint ||
    changed >= checkpointEveryChanges(core.index.ntotal);
  if (!due) return null;
  const { header, parts } = checkpointRecords(
    {
      dbId: core.dbId,
      modelId,
      dim,
      seq: core.seq,
      indexGen: core.indexGen(modelId),
      ntotal: core.index.ntotal,
      kind: core.index.kind,
    },
    core.index.toParts(CHECKPOINT_PART_BYTES),
  );
  return {
    snapshot: false,
    puts: [
      [faissKey(modelId), header],
      ...parts.map((p): [string, unknown] => [faissPartKey(modelId, p.part), p]),
    ],
    replaces: faissPartPrefix(modelId),
    snapSeq: 0,
    checkpoint: { seq: core.seq, indexVersion: core.indexVersion },
  };
}
