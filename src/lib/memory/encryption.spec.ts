import { describe, expect, it } from 'vitest';
import { MemoryError } from './base/errors';
import type { FaceDatabase } from './face-database';
import { LOCK_KEY } from './lock/sealer';
import { InProcessLockManager } from '../../../tests/support/memory/in-process-lock-manager';
import {
  countWriteTransactions,
  dumpStore,
  errorOf,
  near,
  openedAfterEach,
  randomUnit,
  rng,
  tamper,
  uniqueName,
} from '../../../tests/support/memory/memory-fixtures';

const DIM = 16;
const { open } = openedAfterEach({ dim: DIM }, { flush: false });
/** Argon2id at its smallest (the defaults are tested in lock-record.spec.ts). */
const KDF = { memoryKiB: 64, iterations: 1 };
const PASS = { passphrase: 'open sesame', kdf: KDF };
const UNLOCK = { passphrase: 'open sesame' };
const NAMES = ['Ada Lovelace', 'Grace Hopper'];

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];
const WEBP = [0x52, 0x49, 0x46, 0x46, 1, 0, 0, 0, 0x57, 0x45, 0x42, 0x50];
const image = (magic: number[], fill: number) =>
  Uint8Array.from([...magic, ...new Array<number>(40).fill(fill)]);
/** The pictures setup() stores, as the scan looks for them. */
const STORED_IMAGES: Array<[string, Uint8Array]> = [
  ['PNG', image(PNG, 1)],
  ['JPEG', image(JPEG, 2)],
  ['WebP', image(WEBP, 3)],
  ['PNG', image(PNG, 4)],
];

const codeOf = async (p: Promise<unknown>) => (await errorOf(p)).code;

let fault: ((step: string, tx: IDBTransaction) => void) | null = null;

async function setup(name = uniqueName(), locks = new InProcessLockManager()) {
  const db = await open({ name, locks, onWriteStep: (s, tx) => fault?.(s, tx) });
  const r = rng(7);
  const a = randomUnit(DIM, r);
  const b = randomUnit(DIM, r);
  const ida = await db.labelFace(await db.queueUnlabeled(image(PNG, 1), a), NAMES[0]!);
  await db.labelFace(await db.queueUnlabeled(image(JPEG, 2), near(a, 0.2, r)), NAMES[0]!);
  const idb = await db.labelFace(await db.queueUnlabeled(image(WEBP, 3), b), NAMES[1]!);
  const pending = await db.queueUnlabeled(image(PNG, 4), near(b, 0.2, r));
  await db.notThisPerson({ unlabeledId: pending }, ida);
  await db.recordSighting(ida, 0.9);
  await db.flush(); // a snapshot and a checkpoint, as a memory in use has
  await db.recordSighting(idb, 0.8); // and a journal entry after them
  return { name, db, a, b, ida, idb, pending, locks, r };
}

type Setup = Awaited<ReturnType<typeof setup>>;

async function view(db: FaceDatabase, s: Setup) {
  const persons = await db.listPersons();
  const details = await Promise.all(persons.map((p) => db.getPerson(p.id)));
  const crops = await Promise.all(
    details.flatMap((d) => d.samples).map(async (x) => bytes(await db.getSampleCrop(x.id))),
  );
  return {
    persons,
    details,
    crops,
    queue: await db.getUnlabeled(),
    queuedCrop: bytes(await db.getUnlabeledCrop(s.pending)),
    negatives: await Promise.all(persons.map((p) => db.negativesOf(p.id))),
    top: await db.identify([s.a, s.b], 3),
    stats: await db.stats(),
  };
}

async function bytes(b: Blob | undefined) {
  return b ? new Uint8Array(await b.arrayBuffer()) : undefined;
}

async function reopen(s: Setup, unlock: { passphrase: string } | undefined = UNLOCK) {
  await s.db.close({ flush: false });
  s.locks.crash();
  return open({ name: s.name, locks: s.locks, unlock });
}

/** Every byte string and string in a stored value (keys excluded: they hold no names). */
function* leaves(v: unknown): Generator<Uint8Array | string> {
  if (typeof v === 'string') yield v;
  else if (ArrayBuffer.isView(v)) yield new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  else if (v instanceof ArrayBuffer) yield new Uint8Array(v);
  else if (Array.isArray(v)) for (const x of v) yield* leaves(x);
  else if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) yield* leaves(x);
}

function contains(hay: Uint8Array, needle: Uint8Array, anywhere = true): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    if (anywhere || i === 0) return true;
  }
  return false;
}

/** Every embedding float (4 at a time) of a plaintext dump: what must not show once encrypted. */
function floatRuns(dump: Record<string, unknown>): Uint8Array[] {
  const runs: Uint8Array[] = [];
  for (const v of Object.values(dump)) {
    for (const leaf of leaves(v)) {
      if (typeof leaf === 'string' || leaf.byteLength % 4) continue;
      const f = new Float32Array(leaf.slice().buffer);
      for (let i = 0; i + 4 <= f.length; i += 4) {
        const run = f.subarray(i, i + 4);
        // Embedding values (unit vectors, |x| < 1, not all zero), not counts or ids.
        if (run.some((x) => x !== 0) && run.every((x) => Math.abs(x) < 1 && x !== 0)) {
          runs.push(new Uint8Array(run.slice().buffer));
        }
      }
    }
  }
  return runs;
}

/** What a look at the stored bytes finds: image signatures at a value's start, names, float runs. */
function scan(dump: Record<string, unknown>, runs: Uint8Array[]) {
  const found = new Set<string>();
  const enc = new TextEncoder();
  for (const [key, v] of Object.entries(dump)) {
    for (const leaf of leaves(v)) {
      if (typeof leaf === 'string') {
        for (const n of NAMES) if (leaf.includes(n)) found.add(`name in ${key}`);
        continue;
      }
      // The whole picture, not its 3-byte signature alone: a few bytes of a
      // signature turn up by chance in ciphertext (FF D8 FF once in ~16M bytes).
      for (const [what, bytes] of STORED_IMAGES) {
        if (contains(leaf, bytes)) found.add(`${what} in ${key}`);
      }
      for (const n of NAMES) if (contains(leaf, enc.encode(n))) found.add(`name in ${key}`);
      if (contains(leaf, enc.encode('SQLite format 3'))) found.add(`SQLite in ${key}`);
      if (runs.some((r) => contains(leaf, r))) found.add(`embedding in ${key}`);
    }
  }
  return [...found].sort();
}

describe('encryption at rest: turning it on', () => {
  it('seals every record: the memory reads the same, the stored bytes show nothing', async () => {
    const s = await setup();
    const before = await view(s.db, s);
    const plain = await dumpStore(s.name);
    const runs = floatRuns(plain);
    expect(runs.length).toBeGreaterThan(10);
    // The scan finds what is there in plaintext (else its silence below proves nothing).
    expect(scan(plain, runs)).toEqual(
      expect.arrayContaining([
        'JPEG in crop/2',
        'PNG in crop/1',
        'SQLite in sqlite',
        'WebP in crop/3',
        'embedding in faiss/test-model/000000',
        'name in sqlite',
      ]),
    );
    const status = await s.db.enableEncryption(PASS);
    expect(status.state).toBe('on');
    expect(status.info?.passphrase).toMatchObject({ kdf: 'argon2id', ...KDF });
    expect(await view(s.db, s)).toEqual(before);
    const sealed = await dumpStore(s.name);
    expect(Object.keys(sealed).sort()).toEqual([...Object.keys(plain), LOCK_KEY].sort());
    expect(scan(sealed, runs)).toEqual([]);
    // The lock record holds no key in the clear: the data key's bytes appear nowhere.
    expect(JSON.stringify(Object.keys(sealed[LOCK_KEY] as object))).not.toMatch(/raw/);

    // Writing on: a label is still one transaction, and its records are sealed too.
    const q = await s.db.queueUnlabeled(image(PNG, 9), near(s.a, 0.2, s.r));
    expect(await countWriteTransactions(() => s.db.labelFace(q, NAMES[0]!))).toBe(1);
    await s.db.renamePerson(s.idb, 'Grace Hopper-Murray');
    await s.db.flush();
    expect(scan(await dumpStore(s.name), runs)).toEqual([]);
    const after = await view(s.db, s);

    // Reopening needs the passphrase; a wrong one says so and changes nothing.
    await s.db.close({ flush: false });
    s.locks.crash();
    const stored = await dumpStore(s.name);
    expect(await codeOf(open({ name: s.name, locks: s.locks }))).toBe('locked');
    expect(
      await codeOf(open({ name: s.name, locks: s.locks, unlock: { passphrase: 'open says me' } })),
    ).toBe('wrong-passphrase');
    expect(await dumpStore(s.name)).toEqual(stored);
    const again = await open({ name: s.name, locks: s.locks, unlock: UNLOCK });
    expect(again.openReport.encryption).toBe('on');
    expect(await view(again, s)).toEqual(after);
  });

  it('a kill at any step of the conversion leaves it readable, and running it again finishes it', async () => {
    // Learn the conversion's transactions and steps on a throwaway copy.
    const probe = await setup();
    const steps: string[] = [];
    let tx: IDBTransaction | null = null;
    let n = 0;
    fault = (step, t) => {
      if (t !== tx) [tx, n] = [t, n + 1];
      steps.push(`${n}:${step}`);
    };
    await probe.db.enableEncryption(PASS, { batch: 4 });
    fault = null;
    expect(n).toBeGreaterThan(3);
    const points = [
      ...steps.map((at) => ({ at, abort: false })),
      ...steps.filter((at) => at.endsWith(':commit')).map((at) => ({ at, abort: true })),
    ];
    expect(points.length).toBeGreaterThan(12);
    for (const point of points) {
      const s = await setup();
      const before = await view(s.db, s);
      const runs = floatRuns(await dumpStore(s.name));
      let seen = 0;
      let cur: IDBTransaction | null = null;
      fault = (step, t) => {
        if (t !== cur) [cur, seen] = [t, seen + 1];
        if (`${seen}:${step}` !== point.at) return;
        if (point.abort) t.abort();
        else throw new Error(`killed at ${point.at}`);
      };
      const err = await s.db.enableEncryption(PASS, { batch: 4 }).then(
        () => null,
        (e: unknown) => e,
      );
      fault = null;
      expect(err, point.at).toBeInstanceOf(MemoryError);
      // The tab dies here; the next one opens it with the passphrase (or none needed yet).
      const again = await reopen({ ...s });
      expect(await view(again, s), point.at).toEqual(before);
      const { state } = await again.encryptionStatus();
      expect(['off', 'converting']).toContain(state);
      expect(
        (await again.enableEncryption(state === 'off' ? PASS : null, { batch: 4 })).state,
      ).toBe('on');
      expect(await view(again, s)).toEqual(before);
      expect(scan(await dumpStore(s.name), runs), point.at).toEqual([]);
      await again.close({ flush: false });
    }
  });

  it('a record changed, moved or replaced by plaintext is refused clearly, and nothing is changed', async () => {
    const s = await setup();
    await s.db.enableEncryption(PASS);
    await s.db.close({ flush: false });
    s.locks.crash();
    const stored = await dumpStore(s.name);
    const sealedEmb = stored['emb/test-model/1'] as { iv: Uint8Array; data: Uint8Array };
    const flipped = sealedEmb.data.slice();
    flipped[5]! ^= 0x40;
    const cases: Array<[string, unknown]> = [
      ['emb/test-model/1', { ...sealedEmb, data: flipped }],
      ['emb/test-model/1', stored['emb/test-model/2']], // swapped in from another key
      ['emb/test-model/1', { sampleIds: [1], vectors: new Float32Array(DIM) }], // plaintext
      ['sqlite', stored['faiss/test-model']],
    ];
    for (const [key, value] of cases) {
      await tamper(s.name, key, value);
      const tampered = await dumpStore(s.name);
      const err = await open({ name: s.name, locks: s.locks, unlock: UNLOCK })
        .then((db) => db.verify().then(() => db.getPerson(s.ida)))
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(err, key).toBeInstanceOf(MemoryError);
      expect((err as MemoryError).code).toBe('storage-corrupt');
      expect((err as MemoryError).message).toMatch(/integrity check|unencrypted|changed/);
      expect(await dumpStore(s.name)).toEqual(tampered);
      s.locks.crash();
      await tamper(s.name, key, stored[key]);
    }
    const again = await open({ name: s.name, locks: s.locks, unlock: UNLOCK });
    expect((await again.getPerson(s.ida)).name).toBe(NAMES[0]);
  });
});

describe('encryption at rest: the ways to unlock', () => {
  it('a new passphrase or a passkey re-wraps the data key only', async () => {
    const s = await setup();
    await s.db.enableEncryption(PASS);
    await s.db.flush();
    const before = await dumpStore(s.name);
    const prfSalt = (await import('./lock/lock-record')).newPrfSalt();
    const prfOutput = crypto.getRandomValues(new Uint8Array(32));
    await s.db.setPassphrase('new words', KDF);
    const info = await s.db.addPasskey({ credentialId: 'cred', prfSalt, prfOutput, label: 'Key' });
    expect(info.passkeys.map((p) => p.credentialId)).toEqual(['cred']);
    const after = await dumpStore(s.name);
    const changed = Object.keys(after).filter(
      (k) => JSON.stringify(after[k], replacer) !== JSON.stringify(before[k], replacer),
    );
    expect(changed).toEqual([LOCK_KEY]);

    // The kiosk unlock checks against the open memory's lock, writing nothing.
    await expect(s.db.checkUnlock({ passphrase: 'new words' })).resolves.toBeUndefined();
    expect(await codeOf(s.db.checkUnlock({ passphrase: 'open sesame' }))).toBe('wrong-passphrase');
    expect(await codeOf(reopen(s, { passphrase: 'open sesame' }))).toBe('wrong-passphrase');
    let db = await open({ name: s.name, locks: s.locks, unlock: { passphrase: 'new words' } });
    await db.close({ flush: false });
    s.locks.crash();
    db = await open({
      name: s.name,
      locks: s.locks,
      unlock: { passkey: { credentialId: 'cred', prfOutput } },
    });
    expect((await db.getPerson(s.ida)).name).toBe(NAMES[0]);
    const status = await db.encryptionStatus();
    await db.removeUnlock(status.info!.passphrase!.wrapId);
    expect(await codeOf(db.removeUnlock(status.info!.passkeys[0]!.wrapId))).toBe(
      'encryption-state',
    );
    await expect(
      (await import('./face-database')).FaceDatabase.lockInfo(s.name),
    ).resolves.toMatchObject({
      state: 'on',
      passphrase: null,
      passkeys: [{ credentialId: 'cred', prfSalt }],
    });
  });

  it('turning it off brings every record back to plaintext, resumably', async () => {
    const s = await setup();
    const before = await view(s.db, s);
    await s.db.enableEncryption(PASS, { batch: 3 });
    let calls = 0;
    fault = (step) => {
      if (step === 'commit' && ++calls === 3) throw new Error('killed');
    };
    await expect(s.db.disableEncryption({ batch: 3 })).rejects.toThrow(MemoryError);
    fault = null;
    const again = await reopen(s);
    expect(again.openReport.encryption).toBe('decrypting');
    expect(await view(again, s)).toEqual(before);
    expect((await again.disableEncryption({ batch: 3 })).state).toBe('off');
    const plain = await dumpStore(s.name);
    expect(plain[LOCK_KEY]).toBeUndefined();
    expect(scan(plain, [])).toContain('name in sqlite');
    await again.close({ flush: false });
    s.locks.crash();
    expect(await view(await open({ name: s.name, locks: s.locks }), s)).toEqual(before);
  });
});

/** Typed arrays compared by content in a JSON string. */
function replacer(_: string, v: unknown) {
  return ArrayBuffer.isView(v)
    ? Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
    : v;
}
