import { KvStore } from './kv';
import { checkedLock, lockInfoOf, type LockInfo } from '../lock/lock-record';
import { LOCK_KEY } from '../lock/sealer';

export type { LockInfo, NewPasskey } from '../lock/lock-record';

/** The lock record of the memory called `name`, summarised, without opening the memory. */
export async function readLockInfo(name: string): Promise<LockInfo | null> {
  const kv = new KvStore(name);
  try {
    const raw = await kv.getRaw(LOCK_KEY);
    return raw === undefined ? null : lockInfoOf(checkedLock(raw));
  } finally {
    await kv.close().catch(() => undefined);
  }
}
