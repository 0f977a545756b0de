import { MemoryError } from './base/errors';
import { FaceDatabase, type OpenOptions, type QueuedMethod } from './face-database';
import type { OpenReport } from './base/types';
import { newPrfSalt } from './lock/lock-record';

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
    async open(options: ServiceOpenOptions): Promise<OpenedMemory> {
      await db?.close();
      db = null;
      db = await FaceDatabase.open({
        ...options,
        sqlWasmUrl: env.sqlWasmUrl,
        onWriteStep: env.onWriteStep,
      });
      return { report: db.openReport, readOnly: db.readOnly, readOnlyReason: db.readOnlyReason };
    },
    async close(): Promise<void> {
      const d = db;
      db = null;
      await d?.close();
    },
    cancelImport: (): void => db?.cancelImport(),
    /** Before `open`: is the memory encrypted, and with which passphrase KDF / passkeys (PRF salts)? */
    lockInfo: (name: string) => FaceDatabase.lockInfo(name),
    /** A fresh PRF salt for a passkey being added (WebAuthn `prf.eval.first`). */
    newPrfSalt: (): Uint8Array => newPrfSalt(),
    /** The page calls this on `pagehide` (workers do not get that event). */
    flush: async (): Promise<void> => {
      await db?.flush();
    },
  };
}

export type MemoryService = ReturnType<typeof createMemoryService>;
