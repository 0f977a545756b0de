/**
 * TEST SUPPORT ONLY: data factories and storage probes for the memory's
 * specs. Nothing here replaces a part under test: FAISS, sql.js and
 * IndexedDB (fake-indexeddb in Node) are the real ones.
 */
import { FaceDatabase, type OpenOptions } from '../../../src/lib/memory/face-database';
import { InProcessLockManager } from './in-process-lock-manager';
import { afterEach, expect } from 'vitest';
import { MemoryError } from '../../../src/lib/memory/base/errors';
import { rng } from '../../../src/lib/random';
import type { Checkpoint, CheckpointPart } from '../../../src/lib/memory/store/checkpoint';
import { faissKey, faissPartKey, faissPartPrefix } from '../../../src/lib/memory/store/keys';

export { rng };

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r());
}

export function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const k = 1 / Math.sqrt(s);
  return v.map((x) => x * k);
}

export function randomUnit(dim: number, r: () => number): Float32Array {
  return unit(Float32Array.from({ length: dim }, () => gauss(r)));
}

/** A vector near `v` (another photo of the same face): cosine ≈ 1 / sqrt(1 + noise²). */
export function near(v: Float32Array, noise: number, r: () => number): Float32Array {
  const scale = noise / Math.sqrt(v.length);
  return unit(v.map((x) => x + gauss(r) * scale));
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** n×dim unit vectors, fast: for the bulk tests where only the count matters. */
export function randomMatrix(n: number, dim: number, r: () => number): Float32Array {
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) out.set(randomUnit(dim, r), i * dim);
  return out;
}

export function pngBlob(bytes = 64, fill = 7): Blob {
  return new Blob([new Uint8Array(bytes).fill(fill)], { type: 'image/png' });
}

let counter = 0;
export const uniqueName = (prefix = 'memory'): string =>
  `${prefix}-${process.pid}-${Date.now()}-${counter++}`;

export type TestOpen = Partial<OpenOptions> & { name?: string };

/** Opens a memory with test defaults: small dimension, no idle upkeep, in-process locks. */
export function openTest(opts: TestOpen = {}): Promise<FaceDatabase> {
  return FaceDatabase.open({
    modelId: 'test-model',
    dim: 32,
    maintenanceDelayMs: Infinity,
    locks: new InProcessLockManager(),
    ...opts,
    name: opts.name ?? uniqueName(),
  });
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

async function rawDb(name: string): Promise<IDBDatabase> {
  return request(indexedDB.open(name));
}

/** Everything stored for a memory, in a comparable form (Blobs as their bytes). */
export async function dumpStore(name: string): Promise<Record<string, unknown>> {
  const db = await rawDb(name);
  try {
    const store = db.transaction('memory', 'readonly').objectStore('memory');
    const [keys, values] = await Promise.all([
      request(store.getAllKeys()),
      request(store.getAll()),
    ]);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) {
      const v: unknown = values[i];
      out[String(keys[i])] =
        v instanceof Blob ? { blob: new Uint8Array(await v.arrayBuffer()), type: v.type } : v;
    }
    return out;
  } finally {
    db.close();
  }
}

/** Overwrites (or with `undefined`, deletes) one stored key behind the memory's back. */
export async function tamper(name: string, key: string, value: unknown): Promise<void> {
  const db = await rawDb(name);
  try {
    const tx = db.transaction('memory', 'readwrite');
    if (value === undefined) tx.objectStore('memory').delete(key);
    else tx.objectStore('memory').put(value, key);
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/** A stored format-2 checkpoint (unencrypted): its header and its parts joined. */
export async function storedCheckpoint(
  name: string,
  modelId: string,
): Promise<{ header: Checkpoint; bytes: Uint8Array }> {
  const stored = await dumpStore(name);
  const header = stored[faissKey(modelId)] as Checkpoint;
  const bytes = new Uint8Array(header.size);
  for (let i = 0; i < header.parts; i++) {
    bytes.set((stored[faissPartKey(modelId, i)] as CheckpointPart).bytes, i * header.partBytes);
  }
  return { header, bytes };
}

/**
 * Stores a checkpoint behind the memory's back: `header` as given (tags and
 * all, so a test can lie in them) and `bytes` in parts named as `partsOf`'s
 * (default: the header's own); old parts go.
 */
export async function tamperCheckpoint(
  name: string,
  modelId: string,
  header: unknown,
  bytes: Uint8Array,
  partsOf: Checkpoint = header as Checkpoint,
): Promise<void> {
  const h = partsOf;
  for (const key of Object.keys(await dumpStore(name))) {
    if (key.startsWith(faissPartPrefix(modelId))) await tamper(name, key, undefined);
  }
  await tamper(name, faissKey(modelId), header);
  for (let i = 0, at = 0; at < bytes.length; i++, at += h.partBytes) {
    const part: CheckpointPart = {
      checkpoint: h.id,
      part: i,
      bytes: bytes.slice(at, at + h.partBytes),
    };
    await tamper(name, faissPartKey(modelId, i), part);
  }
}

/** Counts readwrite transactions started while `fn` runs. */
export async function countWriteTransactions(fn: () => Promise<unknown>): Promise<number> {
  const proto = IDBDatabase.prototype;
  const original = proto.transaction;
  let n = 0;
  proto.transaction = function (this: IDBDatabase, ...args: Parameters<typeof original>) {
    if (args[1] === 'readwrite') n++;
    return original.apply(this, args);
  } as typeof original;
  try {
    await fn();
  } finally {
    proto.transaction = original;
  }
  return n;
}

/**
 * openTest for a spec file: `defaults` lie under each call's options, and every
 * memory it opens is closed after each test (with or without the final flush,
 * as the file needs). `opened` is that list, for a test that closes one itself.
 */
export function openedAfterEach(
  defaults: TestOpen = {},
  close: { flush?: boolean } = {},
): { open: (opts?: TestOpen) => Promise<FaceDatabase>; opened: FaceDatabase[] } {
  const opened: FaceDatabase[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((db) => db.close(close)));
  });
  async function open(opts: TestOpen = {}): Promise<FaceDatabase> {
    const db = await openTest({ ...defaults, ...opts });
    opened.push(db);
    return db;
  }
  return { open, opened };
}

/** The MemoryError `p` rejects with; the test fails if it resolves or rejects with anything else. */
export async function errorOf(p: Promise<unknown>): Promise<MemoryError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(MemoryError);
  return e as MemoryError;
}
