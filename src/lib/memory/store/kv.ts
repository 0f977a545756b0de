import { createStore, promisifyRequest, type UseStore } from 'idb-keyval';
import { MemoryError, STORAGE_FULL_MESSAGE } from '../base/errors';
import { isSealed, LOCK_KEY, LOCKED_MESSAGE, tampered, type RecordSealer } from '../lock/sealer';

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

/** A conversion's writes: each put lands only if the stored value still passes `when`. */
interface ConditionalWriteSet extends WriteSet {
  when: (key: string, stored: unknown) => boolean;
}

/**
 * The memory's own IndexedDB database (idb-keyval `createStore`, one object
 * store). Every write goes through `commit`: one readwrite transaction, and the
 * promise settles only after `oncomplete` (or the abort), never before.
 *
 * With a sealer (encryption at rest, ../lock/), values are sealed before the
 * write transaction opens (WebCrypto is async, and a transaction that waits
 * for anything but its own requests commits early) and opened after the read
 * transaction: the rest of the memory sees plaintext values either way.
 */
export class KvStore {
  readonly #store: UseStore;
  #sealer: RecordSealer | null = null;
  readonly #inflight = new Set<Promise<unknown>>();

  constructor(dbName: string) {
    this.#store = createStore(dbName, 'memory');
  }

  get sealer(): RecordSealer | null {
    return this.#sealer;
  }

  /**
   * Sets (or with null, drops) the sealer. Commits already sealing or writing
   * go on as they began: `drain()` waits for them.
   */
  setSealer(sealer: RecordSealer | null): void {
    this.#sealer = sealer;
  }

  /** Resolves once every commit started before the call has settled. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#inflight]);
  }

  /** A stored value as the memory sees it: opened if sealed, refused if it should have been. */
  async #open<T>(key: string, stored: unknown, copy = false): Promise<T | undefined> {
    if (key === LOCK_KEY || stored === undefined) return stored as T | undefined;
    const sealer = this.#sealer;
    if (isSealed(stored)) {
      if (!sealer) throw new MemoryError('locked', LOCKED_MESSAGE);
      return (await sealer.open(key, stored, { copy })) as T;
    }
    // Encryption on and finished: a plaintext record was put there by someone else.
    if (sealer && !sealer.mode.acceptPlain) throw tampered(key);
    return stored as T;
  }

  async get<T>(key: string): Promise<T | undefined> {
    return this.#open<T>(key, await this.getRaw(key));
  }

  async getMany<T>(keys: readonly string[]): Promise<Array<T | undefined>> {
    const stored = await this.getManyRaw(keys);
    return Promise.all(stored.map((v, i) => this.#open<T>(keys[i]!, v)));
  }

  /** Values exactly as stored (sealed or not): for conversion and the lock record. */
  getRaw(key: string): Promise<unknown> {
    return this.#store('readonly', (s) => promisifyRequest(s.get(key)));
  }

  getManyRaw(keys: readonly string[]): Promise<unknown[]> {
    return this.#store('readonly', (s) =>
      Promise.all(keys.map((k) => promisifyRequest(s.get(k) as IDBRequest<unknown>))),
    );
  }

  /** A value read with getRaw, as `get` would have given it. */
  openValue<T>(key: string, stored: unknown): Promise<T | undefined> {
    return this.#open<T>(key, stored);
  }

  /** A sealed record opened into copies (for writing it back as plaintext). */
  openCopy<T>(key: string, stored: unknown): Promise<T | undefined> {
    return this.#open<T>(key, stored, true);
  }

  /** Every key under a prefix with its value, in key order, from one snapshot. */
  async getPrefix<T>(prefix: string): Promise<Array<[string, T]>> {
    const [keys, values] = await this.#store('readonly', (s) => {
      const range = IDBKeyRange.bound(prefix, prefix + '\uffff');
      return Promise.all([
        promisifyRequest(s.getAllKeys(range)),
        promisifyRequest(s.getAll(range) as IDBRequest<unknown[]>),
      ]);
    });
    return Promise.all(
      keys.map(async (k, i): Promise<[string, T]> => {
        const key = String(k);
        return [key, (await this.#open<T>(key, values[i]))!];
      }),
    );
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
  commit(writes: WriteSet, hook?: WriteStepHook): Promise<void> {
    const sealer = this.#sealer;
    const run = (async () => {
      // The connection is fetched while the values are sealed.
      const db = this.#db();
      db.catch(() => undefined);
      let puts = writes.puts;
      if (sealer?.mode.sealWrites) {
        puts = await Promise.all(
          puts.map(async ([k, v]): Promise<[string, unknown]> => [
            k,
            k === LOCK_KEY ? v : await sealer.seal(k, v),
          ]),
        );
      }
      await this.#write({ puts, deletes: writes.deletes }, hook, db);
    })();
    this.#inflight.add(run);
    void run.finally(() => this.#inflight.delete(run)).catch(() => undefined);
    return run;
  }

  /**
   * Writes values exactly as given (already sealed, or plaintext on purpose),
   * each put only where the stored value still passes `when`, read in the same
   * transaction: a conversion never overwrites what an action wrote since it
   * read. Unconditional puts (the lock record) go in `puts` with `when` true.
   */
  async commitRaw(writes: ConditionalWriteSet, hook?: WriteStepHook): Promise<void> {
    await this.#write(writes, hook);
  }

  #db(): Promise<IDBDatabase> {
    return this.#store('readonly', (s) => s.transaction.db);
  }

  async #write(
    writes: WriteSet & Partial<ConditionalWriteSet>,
    hook?: WriteStepHook,
    connection = this.#db(),
  ) {
    try {
      const db = await connection;
      const tx = db.transaction('memory', 'readwrite', { durability: 'strict' });
      const store = tx.objectStore('memory');
      const done = promisifyRequest(tx);
      try {
        const deletes = () => {
          for (const key of writes.deletes) {
            store.delete(key);
            hook?.(`delete:${key}`, tx);
          }
        };
        const { when } = writes;
        if (!when) {
          for (const [key, value] of writes.puts) {
            store.put(value, key);
            hook?.(`put:${key}`, tx);
          }
          deletes();
          hook?.('commit', tx);
        } else {
          deletes();
          // Decided in each read's callback, still inside the transaction; the
          // reads complete in order, so the last one's callback is the last step.
          writes.puts.forEach(([key, value], i) => {
            const got = store.get(key);
            got.onsuccess = () => {
              try {
                if (when(key, got.result)) {
                  store.put(value, key);
                  hook?.(`put:${key}`, tx);
                }
                if (i === writes.puts.length - 1) hook?.('commit', tx);
              } catch {
                abortQuietly(tx);
              }
            };
          });
          if (!writes.puts.length) hook?.('commit', tx);
        }
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
