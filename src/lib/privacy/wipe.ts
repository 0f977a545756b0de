/**
 * "Delete everything": every byte this origin stores for the user, and a listing that proves
 * it. What goes: every IndexedDB database (the memory: people, face vectors and images,
 * sightings, the queue, the FAISS index), every Cache Storage cache except the service
 * worker's precache of the app's own files (downloaded models go), every file in the
 * origin-private file system, localStorage (settings, camera choice) and sessionStorage.
 * What stays: the service worker and that precache, which hold only the app's code and
 * bundled models, so the app still opens offline, as new.
 *
 * The caller closes the memory first (its worker holds an IndexedDB connection and the
 * writer lock); a database another tab keeps open cannot be deleted, and that is said.
 */
import { AppError } from '../errors';

type PrivacyErrorCode = 'wipe-blocked' | 'wipe-failed';

class PrivacyError extends AppError<PrivacyErrorCode> {
  override readonly name = 'PrivacyError';
}

/** The service worker's precache (workbox): the app's own files, no user data. */
const isAppShellCache = (name: string): boolean => name.startsWith('workbox-precache');

export interface StorageInventory {
  databases: string[];
  /** Caches that hold user data (downloaded models…), with their entry counts. */
  caches: Array<{ name: string; entries: number }>;
  /** Caches kept: the app shell. */
  shellCaches: string[];
  /** Top-level entries of the origin-private file system. */
  files: string[];
  localStorageKeys: string[];
  sessionStorageKeys: number;
}

/** The parts of the browser this touches; tests pass what Node has. */
export interface StorageEnv {
  indexedDB?: IDBFactory;
  caches?: CacheStorage;
  storage?: { getDirectory?: () => Promise<FileSystemDirectoryHandle> };
  localStorage?: Storage;
  sessionStorage?: Storage;
}

function browserEnv(): StorageEnv {
  const g = globalThis as unknown as StorageEnv & {
    navigator?: { storage?: StorageEnv['storage'] };
  };
  return {
    indexedDB: g.indexedDB,
    caches: g.caches,
    storage: g.navigator?.storage,
    localStorage: g.localStorage,
    sessionStorage: g.sessionStorage,
  };
}

type DirHandle = FileSystemDirectoryHandle & {
  keys(): AsyncIterable<string>;
  removeEntry(name: string, opts?: { recursive?: boolean }): Promise<void>;
};

async function opfsRoot(env: StorageEnv): Promise<DirHandle | null> {
  try {
    return ((await env.storage?.getDirectory?.()) as DirHandle | undefined) ?? null;
  } catch {
    return null; // no OPFS here (an old browser, a private window)
  }
}

async function opfsNames(env: StorageEnv): Promise<string[]> {
  const root = await opfsRoot(env);
  const out: string[] = [];
  if (root) for await (const name of root.keys()) out.push(name);
  return out.sort();
}

const keysOf = (s: Storage | undefined): string[] =>
  s ? Array.from({ length: s.length }, (_, i) => s.key(i)!).sort() : [];

/** What this origin stores now. */
export async function storageInventory(env: StorageEnv = browserEnv()): Promise<StorageInventory> {
  const databases = env.indexedDB
    ? (await env.indexedDB.databases())
        .map((d) => d.name ?? '')
        .filter(Boolean)
        .sort()
    : [];
  const names = env.caches ? await env.caches.keys() : [];
  const caches: StorageInventory['caches'] = [];
  for (const name of names) {
    if (isAppShellCache(name)) continue;
    caches.push({ name, entries: (await (await env.caches!.open(name)).keys()).length });
  }
  return {
    databases,
    caches,
    shellCaches: names.filter(isAppShellCache),
    files: await opfsNames(env),
    localStorageKeys: keysOf(env.localStorage),
    sessionStorageKeys: env.sessionStorage?.length ?? 0,
  };
}

function deleteDatabase(factory: IDBFactory, name: string, blockedMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = factory.deleteDatabase(name);
    let timer: ReturnType<typeof setTimeout> | undefined;
    req.onsuccess = () => {
      clearTimeout(timer);
      resolve();
    };
    req.onerror = () => {
      clearTimeout(timer);
      reject(new PrivacyError('wipe-failed', `The database ${name} could not be deleted.`));
    };
    // Another connection is open (another tab of the app): it may still close; wait a little.
    req.onblocked = () => {
      timer ??= setTimeout(
        () =>
          reject(
            new PrivacyError(
              'wipe-blocked',
              'Another tab or window of the app still has its data open. Close it, then delete again.',
            ),
          ),
        blockedMs,
      );
    };
  });
}

/** Deletes everything listed in the module comment; returns what is left (the proof). */
export async function wipeAll(
  env: StorageEnv = browserEnv(),
  opts: { blockedMs?: number } = {},
): Promise<StorageInventory> {
  const before = await storageInventory(env);
  for (const name of before.databases) {
    await deleteDatabase(env.indexedDB!, name, opts.blockedMs ?? 5000);
  }
  for (const { name } of before.caches) await env.caches!.delete(name);
  const root = await opfsRoot(env);
  for (const name of before.files) await root?.removeEntry(name, { recursive: true });
  env.localStorage?.clear();
  env.sessionStorage?.clear();
  return storageInventory(env);
}

/** True when nothing but the app shell is left. */
export function isClean(inv: StorageInventory): boolean {
  return (
    !inv.databases.length &&
    !inv.caches.length &&
    !inv.files.length &&
    !inv.localStorageKeys.length &&
    !inv.sessionStorageKeys
  );
}
