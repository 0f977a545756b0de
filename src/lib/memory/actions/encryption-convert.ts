/**
 * Converting every stored record in place: sealing them all (encryption
 * turned on) or opening them all (turned off), a batch of keys per
 * IndexedDB transaction, resumable and crash-safe:
 *
 * - The lock record is written (in its own transaction) before the first
 *   sealed record and deleted with the last plaintext one, so at every moment
 *   each record is either plaintext or sealed under a data key that the lock
 *   record still wraps: a kill leaves the memory readable, with or without
 *   the key, and the next run picks up where this one stopped (records
 *   already in the target form are skipped).
 * - New writes take the target form from the moment the lock's state says
 *   so; commits begun before that are drained before the keys are listed.
 * - Each batch runs on the memory's queue and writes a record only if it is
 *   still in the form it was read in (checked inside the transaction), so an
 *   action or upkeep that wrote it meanwhile is never overwritten.
 */
import type { MemoryCore } from '../store/core';
import { isSealed, LOCK_KEY } from '../lock/sealer';
import { checkedLock, sealModeOf, type LockRecord } from '../lock/lock-record';
import { MemoryError } from '../base/errors';

export interface ConvertOptions {
  /** Keys per transaction (default 64): bounds memory use and lost work on a kill. */
  batch?: number;
  signal?: AbortSignal;
}

/** Seals (`to: 'on'`) or opens (`to: 'off'`) every record; the lock's state must already say so. */
export async function convertRecords(
  core: MemoryCore,
  to: 'on' | 'off',
  opts: ConvertOptions = {},
): Promise<void> {
  const { kv } = core;
  const sealer = kv.sealer;
  if (!sealer) throw new MemoryError('locked', 'The memory must be unlocked to convert it.');
  const batch = Math.max(1, opts.batch ?? 64);
  await core.maintenanceTail;
  await kv.drain();
  const keys = (await kv.keys('')).filter((k) => k !== LOCK_KEY);
  const pending = (stored: unknown) =>
    stored !== undefined && (to === 'on' ? !isSealed(stored) : isSealed(stored));
  const state = to === 'on' ? 'converting' : 'decrypting';
  for (let at = 0; at < keys.length || at === 0; at += batch) {
    opts.signal?.throwIfAborted();
    const slice = keys.slice(at, at + batch);
    const last = at + batch >= keys.length;
    await core.serial(async () => {
      core.assertWritable();
      const [lockRaw, ...stored] = await kv.getManyRaw([LOCK_KEY, ...slice]);
      const lock = checkedLock(lockRaw);
      if (lock.state !== state) {
        throw new MemoryError('encryption-state', 'Encryption was changed while converting.');
      }
      const puts: Array<[string, unknown]> = [];
      for (const [i, key] of slice.entries()) {
        const v = stored[i];
        if (!pending(v)) continue;
        puts.push([key, to === 'on' ? await sealer.seal(key, v) : await kv.openCopy(key, v)]);
      }
      const deletes: string[] = [];
      if (last && to === 'on') puts.push([LOCK_KEY, { ...lock, state: 'on' } satisfies LockRecord]);
      if (last && to === 'off') deletes.push(LOCK_KEY);
      await kv.commitRaw(
        { puts, deletes, when: (key, now) => key === LOCK_KEY || pending(now) },
        core.config.onWriteStep,
      );
      if (last && to === 'on') sealer.mode = sealModeOf('on');
      if (last && to === 'off') kv.setSealer(null);
    });
    core.emit({
      type: 'encryption',
      state: last ? to : state,
      done: Math.min(at + batch, keys.length),
      total: keys.length,
    });
  }
}
