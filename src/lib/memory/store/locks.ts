/**
 * The part of the Web Locks API the memory uses. `navigator.locks` satisfies
 * it in browsers; Node tests pass test-support/in-process-lock-manager.
 */
export interface LockManagerLike {
  request<T>(
    name: string,
    options: { mode?: 'exclusive' | 'shared'; ifAvailable?: boolean },
    callback: (lock: { name: string } | null) => T | PromiseLike<T>,
  ): Promise<T>;
}

export interface WriterLock {
  /** False when another tab holds it: this one may only read. */
  held: boolean;
  /** Lets the lock go (a no-op when it was not held). */
  release(): void;
}

export function defaultLockManager(): LockManagerLike | null {
  const nav = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator;
  return nav?.locks ?? null;
}

/**
 * Asks for the writer lock without waiting: held for the life of the open
 * database, released by `release()` or when the tab goes away.
 */
export function acquireWriterLock(locks: LockManagerLike, name: string): Promise<WriterLock> {
  return new Promise<WriterLock>((resolve, reject) => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    locks
      .request(name, { mode: 'exclusive', ifAvailable: true }, (lock) => {
        if (!lock) {
          resolve({ held: false, release: () => undefined });
          return undefined;
        }
        resolve({ held: true, release });
        return held;
      })
      .catch(reject);
  });
}
