import { MemoryError } from './base/errors';
import { FaceDatabase, type OpenOptions, type QueuedMethod } from './face-database';
import type { MemoryEvent, OpenReport } from './base/types';
import { newPrfSalt, type DataKey, type NewUnlock } from './lock/lock-record';
import type { ConvertOptions } from './actions/encryption-convert';

/** What can cross to the worker: the open options without functions, handles or keys. */
type ServiceOpenOptions = Omit<
  OpenOptions,
  'locks' | 'faiss' | 'sqlWasmUrl' | 'onEvent' | 'onWriteStep' | 'dataKey'
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
   * The open memory's data key, kept in this worker's memory only (where the
   * store's sealer holds it anyway) so that a reopen (model switch, visit
   * gap) needs no second prompt and no second Argon2id run. The passphrase
   * itself is not kept. Forgotten on close.
   */
  let unlocked: { name: string; key: DataKey } | null = null;
  const remember = () => {
    const key = db?.dataKey ?? null;
    unlocked = key && openName ? { name: openName, key } : null;
  };
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
      try {
        return await need().enableEncryption(unlock, opts);
      } finally {
        remember(); // a conversion stopped half way reopens with the key as well
      }
    },
    async disableEncryption(opts?: ConvertOptions) {
      try {
        return await need().disableEncryption(opts);
      } finally {
        remember(); // null once the memory is plaintext again
      }
    },
    async open(options: ServiceOpenOptions): Promise<OpenedMemory> {
      await db?.close();
      db = null;
      const dataKey = !options.unlock && unlocked?.name === options.name ? unlocked.key : undefined;
      unlocked = null;
      db = await FaceDatabase.open({
        ...options,
        ...(dataKey ? { dataKey } : {}),
        sqlWasmUrl: env.sqlWasmUrl,
        onWriteStep: env.onWriteStep,
        onEvent: (e) => {
          if (e.type === 'encryption') conversion = e;
        },
      });
      openName = options.name;
      remember();
      return { report: db.openReport, readOnly: db.readOnly, readOnlyReason: db.readOnlyReason };
    },
    async close(): Promise<void> {
      const d = db;
      db = null;
      unlocked = null;
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
