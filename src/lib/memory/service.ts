import { MemoryError } from './base/errors';
import { FaceDatabase, type OpenOptions, type QueuedMethod } from './face-database';
import type { MemoryEvent, OpenReport } from './base/types';
import { newPrfSalt, type NewUnlock, type UnlockWith } from './lock/lock-record';
import type { ConvertOptions } from './actions/encryption-convert';
import type { NewKdfOptions } from './lock/kdf';

/** The open-time form of a new way to unlock. */
const unlockOf = (u: NewUnlock): UnlockWith =>
  'passphrase' in u
    ? { passphrase: u.passphrase }
    : { passkey: { credentialId: u.passkey.credentialId, prfOutput: u.passkey.prfOutput } };

/** What can cross to the worker: the open options without functions or handles. */
type ServiceOpenOptions = Omit<
  OpenOptions,
  'locks' | 'faiss' | 'sqlWasmUrl' | 'onEvent' | 'onWriteStep'
>;

interface OpenedMemory {
  report: OpenReport;
  readOnly: boolean;
  readOnlyReason: string | null;
}

/** Every queued FaceDatabase method, same name, same parameters. */
type ForwardedMethods = Pick<FaceDatabase, QueuedMethod>;

/**
 * The memory worker's API: one open FaceDatabase at a time, every queued
 * method forwarded by name (FaceDatabase.queuedMethods: a method added to the
 * facade is here with nothing more to write), plus the lifecycle. Pure (no
 * worker globals), so Node tests drive it directly or over a MessageChannel.
 * `env.onWriteStep` is the e2e build's crash seam (memory.worker.ts); the app has none.
 */
export function createMemoryService(
  env: { sqlWasmUrl?: string; onWriteStep?: OpenOptions['onWriteStep'] } = {},
) {
  let db: FaceDatabase | null = null;
  /** The last conversion step (encryption on/off), for the page to poll while it runs. */
  /**
   * How the open memory was unlocked, kept in this worker's memory only (as
   * the data key is) so that a reopen (model switch, visit gap) needs no
   * second prompt; forgotten on close.
   */
  let lastUnlock: { name: string; unlock: NonNullable<OpenOptions['unlock']> } | null = null;
  let openName: string | null = null;
  let conversion: Extract<MemoryEvent, { type: 'encryption' }> | null = null;
  const need = (): FaceDatabase => {
    if (!db) throw new MemoryError('closed', 'The memory is not open yet.');
    return db;
  };
  const forwarded = Object.fromEntries(
    FaceDatabase.queuedMethods.map((name) => [
      name,
      (...args: unknown[]) => (need()[name] as (...a: unknown[]) => Promise<unknown>)(...args),
    ]),
  ) as ForwardedMethods;
  return {
    ...forwarded,
    // The unlocks that change how this memory opens also change the remembered one.
    async enableEncryption(unlock: NewUnlock | null, opts?: ConvertOptions) {
      const status = await need().enableEncryption(unlock, opts);
      if (unlock && lastUnlock === null && openName)
        lastUnlock = { name: openName, unlock: unlockOf(unlock) };
      return status;
    },
    async setPassphrase(passphrase: string, kdf?: NewKdfOptions) {
      const info = await need().setPassphrase(passphrase, kdf);
      if (openName) lastUnlock = { name: openName, unlock: { passphrase } };
      return info;
    },
    async disableEncryption(opts?: ConvertOptions) {
      const status = await need().disableEncryption(opts);
      lastUnlock = null;
      return status;
    },
    async open(options: ServiceOpenOptions): Promise<OpenedMemory> {
      await db?.close();
      db = null;
      const unlock =
        options.unlock ?? (lastUnlock?.name === options.name ? lastUnlock.unlock : undefined);
      db = await FaceDatabase.open({
        ...options,
        unlock,
        sqlWasmUrl: env.sqlWasmUrl,
        onWriteStep: env.onWriteStep,
        onEvent: (e) => {
          if (e.type === 'encryption') conversion = e;
        },
      });
      lastUnlock = unlock ? { name: options.name, unlock } : null;
      openName = options.name;
      return { report: db.openReport, readOnly: db.readOnly, readOnlyReason: db.readOnlyReason };
    },
    async close(): Promise<void> {
      const d = db;
      db = null;
      lastUnlock = null;
      await d?.close();
    },
    cancelImport: (): void => db?.cancelImport(),
    /** Before `open`: is the memory encrypted, and with which passphrase KDF / passkeys (PRF salts)? */
    lockInfo: (name: string) => FaceDatabase.lockInfo(name),
    /** A fresh PRF salt for a passkey being added (WebAuthn `prf.eval.first`). */
    newPrfSalt: (): Uint8Array => newPrfSalt(),
    /** Where the running (or last) encryption conversion stands: records done of total. */
    encryptionProgress: () => conversion,
    /** The page calls this on `pagehide` (workers do not get that event). */
    flush: async (): Promise<void> => {
      await db?.flush();
    },
  };
}

export type MemoryService = ReturnType<typeof createMemoryService>;
