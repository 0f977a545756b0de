import { createStore, promisifyRequest, type UseStore } from 'idb-keyval';
import { MemoryError, STORAGE_FULL_MESSAGE } from '../base/errors';

/**
 * Test hook called inside the write transaction after each put or delete
 * (`put:<key>`, `delete:<key>`) and before it is allowed to commit
 * (`commit`). Throwing there, or aborting `tx`, must leave storage as it was.
 * `action` names the memory action writing (its journal name), when it is one.
 */
export type WriteStepHook = (step: string, tx: IDBTransaction, action?: string) => void;

interface WriteSet {
  puts: Array<[string, unknown]>;
  deletes: string[];
}

/**
 * The memory's own IndexedDB database (idb-keyval `createStore`, one object
 * store). Every write goes through `commit`: one readwrite transaction, and the
 * promise settles only after `oncomplete` (or the abort), never before.
 */
export class KvStore {
  readonly #store: UseStore;

  constructor(dbName: string) {
    this.#store = createStore(dbName, 'memory');
  }

  get<T>(key: string): Promise<T | undefined> {
    return this.#store('readonly', (s) =>
      promisifyRequest(s.get(key) as IDBRequest<T | undefined>),
    );
  }

  getMany<T>(keys: readonly string[]): Promise<Array<T | undefined>> {
    return this.#store('readonly', (s) =>
      Promise.all(keys.map((k) => promisifyRequest(s.get(k) as IDBRequest<T | undefined>))),
    );
  }

  /** Every key under a prefix with its value, in key order, from one snapshot. */
  getPrefix<T>(prefix: string): Promise<Array<[string, T]>> {
    return this.#store('readonly', async (s) => {
      const range = IDBKeyRange.bound(prefix, prefix + '\uffff');
      const [keys, values] = await Promise.all([
        promisifyRequest(s.getAllKeys(range)),
        promisifyRequest(s.getAll(range) as IDBRequest<T[]>),
      ]);
      return keys.map((k, i): [string, T] => [String(k), values[i]!]);
    });
  }

  /** Every key under a prefix, in key order, without reading the values. */
  keys(prefix: string): Promise<string[]> {
    return this.#store('readonly', async (s) => {
      const range = IDBKeyRange.bound(prefix, prefix + '\uffff');
      return (await promisifyRequest(s.getAllKeys(range))).map(String);
    });
  }

  /**
   * Writes in one transaction with `durability: 'strict'`: the browser reports
   * completion only once the data is flushed to disk, so what the UI calls
   * done survives a power cut, not just a crash of the browser.
   */
  async commit(writes: WriteSet, hook?: WriteStepHook): Promise<void> {
    try {
      const db = await this.#store('readonly', (s) => s.transaction.db);
      const tx = db.transaction('memory', 'readwrite', { durability: 'strict' });
      const store = tx.objectStore('memory');
      const done = promisifyRequest(tx);
      try {
        for (const [key, value] of writes.puts) {
          store.put(value, key);
          hook?.(`put:${key}`, tx);
        }
        for (const key of writes.deletes) {
          store.delete(key);
          hook?.(`delete:${key}`, tx);
        }
        hook?.('commit', tx);
      } catch (error) {
        // A throw between requests does not end the transaction by itself:
        // without this abort the puts already queued would still commit.
        abortQuietly(tx);
        done.catch(() => undefined);
        throw error;
      }
      await done;
    } catch (error) {
      if (error instanceof MemoryError) throw error;
      throw storageError(error);
    }
  }

  /** Closes this connection (the object stays usable for nothing). */
  async close(): Promise<void> {
    await this.#store('readonly', (s) => s.transaction.db.close());
  }
}

function abortQuietly(tx: IDBTransaction): void {
  try {
    tx.abort();
  } catch {
    // already finished or aborted
  }
}

function storageError(error: unknown): MemoryError {
  const name = error instanceof DOMException || error instanceof Error ? error.name : '';
  if (name === 'QuotaExceededError') {
    return new MemoryError('storage-full', STORAGE_FULL_MESSAGE, { cause: error });
  }
  const detail = error instanceof Error ? `: ${error.message}` : '';
  return new MemoryError(
    'storage-failed',
    `Saving to this browser's storage failed${detail}. Nothing was changed.`,
    { cause: error },
  );
}
