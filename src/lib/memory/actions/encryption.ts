/**
 * Encryption at rest, as the facade offers it (the format and the crypto:
 * ../lock/). Turning it on or off converts every record (steps, resumable:
 * calling it again after a kill finishes the job); the unlock edits rewrite
 * the lock record only, in one transaction, and need the memory unlocked.
 */
import { MemoryError } from '../base/errors';
import type { EncryptionStatus } from '../base/types';
import { convertRecords, type ConvertOptions } from './encryption-convert';
import {
  checkedLock,
  lockInfoOf,
  newDataKey,
  newLockRecord,
  sealModeOf,
  unwrapDataKey,
  wrapDataKey,
  type LockRecord,
  type LockState,
  type NewPasskey,
  type NewUnlock,
  type UnlockWith,
} from '../lock/lock-record';
import type { NewKdfOptions } from '../lock/kdf';
import { LOCK_KEY, RecordSealer } from '../lock/sealer';
import type { MemoryCore } from '../store/core';
import { migrateCrops } from '../store/crop';

async function storedLock(core: MemoryCore): Promise<LockRecord | null> {
  const raw = await core.kv.getRaw(LOCK_KEY);
  return raw === undefined ? null : checkedLock(raw);
}

const stateError = (message: string) => new MemoryError('encryption-state', message);

export async function encryptionStatus(core: MemoryCore): Promise<EncryptionStatus> {
  const lock = await storedLock(core);
  return lock ? { state: lock.state, info: lockInfoOf(lock) } : { state: 'off', info: null };
}

/** Writes the lock record (state changed) in one transaction, and the store follows it. */
async function putLock(core: MemoryCore, lock: LockRecord): Promise<void> {
  await core.kv.commit({ puts: [[LOCK_KEY, lock]], deletes: [] }, core.config.onWriteStep);
  const sealer = core.kv.sealer;
  if (sealer) sealer.mode = sealModeOf(lock.state);
}

/**
 * Turns encryption on with a first way to unlock, converting every record;
 * with the lock already 'converting' (a run cut short) it finishes that run
 * (`unlock` may then be null). Resolves once every record is sealed.
 */
export async function enableEncryption(
  core: MemoryCore,
  unlock: NewUnlock | null,
  opts: ConvertOptions = {},
): Promise<EncryptionStatus> {
  core.assertWritable();
  const existing = await core.serial(() => storedLock(core));
  if (existing?.state === 'on') throw stateError('Encryption is already on for this memory.');
  if (!existing) {
    if (!unlock)
      throw new MemoryError(
        'invalid-input',
        'Turning encryption on needs a passphrase or a passkey.',
      );
    // The slow part (Argon2id) runs off the queue.
    const key = newDataKey();
    const lock = await newLockRecord(key, await wrapDataKey(key, unlock));
    const sealer = await RecordSealer.create(key, sealModeOf('converting'));
    await core.serial(async () => {
      core.assertWritable();
      if (await storedLock(core)) throw stateError('Encryption was turned on meanwhile.');
      // Blobs cannot be serialised for sealing: finish the bytes migration first.
      await migrateCrops(core.kv);
      // The lock is durable before anything is sealed under its key.
      await core.kv.commit({ puts: [[LOCK_KEY, lock]], deletes: [] }, core.config.onWriteStep);
      core.kv.setSealer(sealer);
    });
  } else if (existing.state === 'decrypting') {
    await core.serial(() => putLock(core, { ...existing, state: 'converting' }));
  }
  await convertRecords(core, 'on', opts);
  return encryptionStatus(core);
}

/** Turns encryption off: every record back to plaintext, then the lock record goes. Resumable. */
export async function disableEncryption(
  core: MemoryCore,
  opts: ConvertOptions = {},
): Promise<EncryptionStatus> {
  core.assertWritable();
  const lock = await core.serial(() => storedLock(core));
  if (!lock) throw stateError('Encryption is not on for this memory.');
  if (lock.state !== 'decrypting') {
    await core.serial(() => putLock(core, { ...lock, state: 'decrypting' }));
  }
  await convertRecords(core, 'off', opts);
  return encryptionStatus(core);
}

/**
 * Checks a passphrase or passkey against the open memory's lock (the app's
 * kiosk unlock: the key is already in memory, the owner proves who they are).
 * Throws 'wrong-passphrase' / 'wrong-passkey'; writes nothing. The slow KDF
 * runs off the queue, so recognition goes on meanwhile.
 */
export async function checkUnlock(core: MemoryCore, unlock: UnlockWith): Promise<void> {
  const lock = await core.serial(() => storedLock(core));
  if (!lock) throw stateError('Encryption is not on for this memory.');
  const key = await unwrapDataKey(lock, unlock);
  if (core.kv.sealer && core.kv.sealer.dataKey.id !== key.id) {
    throw new MemoryError('storage-corrupt', 'The lock does not match the open memory.');
  }
}

/** Lock-record edits: on the queue, unlocked, writable; one transaction. */
function editLock(core: MemoryCore, edit: (lock: LockRecord) => Promise<LockRecord> | LockRecord) {
  return core.serial(async () => {
    core.assertWritable();
    const lock = await storedLock(core);
    if (!lock) throw stateError('Encryption is not on for this memory.');
    if (!core.kv.sealer) throw new MemoryError('locked', 'Unlock the memory first.');
    await putLock(core, await edit(lock));
    return lockInfoOf((await storedLock(core))!);
  });
}

/** Sets a new passphrase (replacing the old one, if any): the data key is wrapped again, nothing else. */
export async function setPassphrase(core: MemoryCore, passphrase: string, kdf?: NewKdfOptions) {
  core.assertWritable();
  const sealer = core.kv.sealer;
  if (!sealer) throw stateError('Encryption is not on for this memory.');
  const wrap = await wrapDataKey(sealer.dataKey, { passphrase, kdf });
  return editLock(core, (lock) => ({
    ...lock,
    wraps: [...lock.wraps.filter((w) => w.kind !== 'passphrase'), wrap],
  }));
}

/** Adds a passkey (its PRF output for `prfSalt`); the same credential again replaces its wrap. */
export async function addPasskey(core: MemoryCore, passkey: NewPasskey) {
  core.assertWritable();
  const sealer = core.kv.sealer;
  if (!sealer) throw stateError('Encryption is not on for this memory.');
  const wrap = await wrapDataKey(sealer.dataKey, { passkey });
  return editLock(core, (lock) => ({
    ...lock,
    wraps: [
      ...lock.wraps.filter((w) => w.kind !== 'passkey' || w.credentialId !== passkey.credentialId),
      wrap,
    ],
  }));
}

/** Removes one way to unlock (a wrap id from the status); the last one cannot go. */
export function removeUnlock(core: MemoryCore, wrapId: string) {
  return editLock(core, (lock) => {
    const wraps = lock.wraps.filter((w) => w.id !== wrapId);
    if (wraps.length === lock.wraps.length) {
      throw new MemoryError('not-found', 'That way to unlock is not on this memory.');
    }
    if (!wraps.length) {
      throw stateError('The last way to unlock cannot be removed: turn encryption off instead.');
    }
    return { ...lock, wraps };
  });
}

export type { LockState };
