import type { LockManagerLike } from '../../../src/lib/memory/store/locks';

type Callback<T> = (lock: { name: string } | null) => T | PromiseLike<T>;

/**
 * TEST SUPPORT ONLY. The Web Locks semantics the memory relies on (exclusive
 * locks, `ifAvailable`, release when the callback's promise settles, waiters
 * granted in order) for Node, which has no `navigator.locks`. Browsers use the
 * real API. One instance stands for one browser profile; `crash()` drops every
 * lock as the browser does when the tab holding them dies.
 */
export class InProcessLockManager implements LockManagerLike {
  /** name → the grant that holds it */
  readonly #held = new Map<string, symbol>();
  readonly #waiting = new Map<string, Array<(grant: symbol) => void>>();

  request<T>(
    name: string,
    options: { mode?: 'exclusive' | 'shared'; ifAvailable?: boolean },
    callback: Callback<T>,
  ): Promise<T> {
    if (options.mode === 'shared') {
      return Promise.reject(new Error('InProcessLockManager: shared locks are not supported'));
    }
    if (this.#held.has(name)) {
      if (options.ifAvailable) return Promise.resolve().then(() => callback(null));
      return new Promise<symbol>((grant) => {
        const queue = this.#waiting.get(name) ?? [];
        queue.push(grant);
        this.#waiting.set(name, queue);
      }).then((grant) => this.#run(name, grant, callback));
    }
    const grant = Symbol(name);
    this.#held.set(name, grant);
    return this.#run(name, grant, callback);
  }

  /** Names held now (like `navigator.locks.query()`'s `held`). */
  heldNames(): string[] {
    return [...this.#held.keys()];
  }

  /** Releases every lock at once, as when the tab holding them is killed. */
  crash(): void {
    for (const [name, grant] of [...this.#held]) this.#release(name, grant);
  }

  async #run<T>(name: string, grant: symbol, callback: Callback<T>): Promise<T> {
    try {
      return await callback({ name });
    } finally {
      this.#release(name, grant);
    }
  }

  #release(name: string, grant: symbol): void {
    if (this.#held.get(name) !== grant) return; // released already (crash)
    const next = this.#waiting.get(name)?.shift();
    if (next) {
      const successor = Symbol(name);
      this.#held.set(name, successor);
      next(successor);
    } else {
      this.#held.delete(name);
    }
  }
}
