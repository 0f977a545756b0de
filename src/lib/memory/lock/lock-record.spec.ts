import { describe, expect, it } from 'vitest';
import { ARGON2ID_DEFAULT, kdfProblem, PBKDF2_ITERATIONS } from './kdf';
import {
  lockInfoOf,
  lockProblem,
  newDataKey,
  newLockRecord,
  newPrfSalt,
  reusedDataKey,
  unwrapDataKey,
  wrapDataKey,
  type LockRecord,
} from './lock-record';
import { errorOf } from '../../../../tests/support/memory/memory-fixtures';

const codeOf = async (p: Promise<unknown>) => (await errorOf(p)).code;

/** Argon2id at its smallest, so the tests do not spend 64 MiB and half a second each. */
const FAST = { memoryKiB: 64, iterations: 1 };

async function passphraseLock(passphrase = 'correct horse') {
  const key = newDataKey();
  const lock = await newLockRecord(key, await wrapDataKey(key, { passphrase, kdf: FAST }));
  return { key, lock };
}

describe('lock record: the data key wrapped by a passphrase or a passkey', () => {
  it('a passphrase unwraps the data key; a wrong one says so', async () => {
    const { key, lock } = await passphraseLock();
    expect(lockProblem(lock)).toBeNull();
    expect(await unwrapDataKey(lock, { passphrase: 'correct horse' })).toEqual(key);
    expect(await codeOf(unwrapDataKey(lock, { passphrase: 'correct horsE' }))).toBe(
      'wrong-passphrase',
    );
    // NFC: the same passphrase typed with a combining accent still opens it.
    const { lock: accented } = await passphraseLock('caf\u00e9');
    await expect(unwrapDataKey(accented, { passphrase: 'cafe\u0301' })).resolves.toBeTruthy();
  });

  it('a data key kept from an earlier unlock opens only the lock that wraps it', async () => {
    const { key, lock } = await passphraseLock();
    expect(await reusedDataKey(lock, key)).toEqual(key);
    // The memory deleted and made anew under the same name: another key, asked to unlock.
    const { lock: anew } = await passphraseLock();
    expect(await codeOf(reusedDataKey(anew, key))).toBe('locked');
    // The right id with other bytes fails the key check: damage, not a prompt.
    const forged = { id: key.id, raw: newDataKey().raw };
    expect(await codeOf(reusedDataKey(lock, forged))).toBe('storage-corrupt');
  });

  it('uses Argon2id with the stated defaults, and PBKDF2-SHA256 ≥ 600k as the fallback', async () => {
    const key = newDataKey();
    const strong = await wrapDataKey(key, { passphrase: 'p' });
    expect(strong.kind === 'passphrase' && strong.kdf).toMatchObject({
      name: 'argon2id',
      ...ARGON2ID_DEFAULT,
    });
    const fallback = await wrapDataKey(key, { passphrase: 'p', kdf: { kind: 'pbkdf2-sha256' } });
    expect(fallback.kind === 'passphrase' && fallback.kdf).toMatchObject({
      name: 'pbkdf2-sha256',
      iterations: PBKDF2_ITERATIONS,
    });
    expect(PBKDF2_ITERATIONS).toBeGreaterThanOrEqual(600_000);
    const lock = await newLockRecord(key, fallback);
    expect(await unwrapDataKey(lock, { passphrase: 'p' })).toEqual(key);
  });

  it('a passkey PRF output (32 bytes, through HKDF) unwraps it; another output or credential does not', async () => {
    const key = newDataKey();
    const prfSalt = newPrfSalt();
    expect(prfSalt.length).toBe(32);
    expect(newPrfSalt()).not.toEqual(prfSalt);
    const prfOutput = crypto.getRandomValues(new Uint8Array(32));
    const wrap = await wrapDataKey(key, {
      passkey: { credentialId: 'cred-1', prfSalt, prfOutput, label: 'Phone' },
    });
    const lock = await newLockRecord(key, wrap);
    const info = lockInfoOf(lock);
    expect(info.passphrase).toBeNull();
    expect(info.passkeys).toEqual([
      expect.objectContaining({ credentialId: 'cred-1', prfSalt, label: 'Phone' }),
    ]);
    expect(await unwrapDataKey(lock, { passkey: { credentialId: 'cred-1', prfOutput } })).toEqual(
      key,
    );
    const other = crypto.getRandomValues(new Uint8Array(32));
    expect(
      await codeOf(unwrapDataKey(lock, { passkey: { credentialId: 'cred-1', prfOutput: other } })),
    ).toBe('wrong-passkey');
    expect(
      await codeOf(unwrapDataKey(lock, { passkey: { credentialId: 'cred-2', prfOutput } })),
    ).toBe('wrong-passkey');
    expect(
      await codeOf(
        wrapDataKey(key, {
          passkey: { credentialId: 'c', prfSalt, prfOutput: new Uint8Array(16) },
        }),
      ),
    ).toBe('invalid-input');
  });

  it('either of two wraps opens the same key (a re-wrap changes no data)', async () => {
    const { key, lock } = await passphraseLock('one');
    const prfOutput = crypto.getRandomValues(new Uint8Array(32));
    const passkey = await wrapDataKey(key, {
      passkey: { credentialId: 'c', prfSalt: newPrfSalt(), prfOutput },
    });
    const both: LockRecord = { ...lock, wraps: [...lock.wraps, passkey] };
    expect(await unwrapDataKey(both, { passphrase: 'one' })).toEqual(key);
    expect(await unwrapDataKey(both, { passkey: { credentialId: 'c', prfOutput } })).toEqual(key);
  });

  it('a tampered wrapped key, key check or key id is a damaged lock, not a wrong passphrase', async () => {
    const { lock } = await passphraseLock('pw');
    const flip = (b: Uint8Array) => {
      const c = b.slice();
      c[0]! ^= 1;
      return c;
    };
    const w = lock.wraps[0]!;
    const tampered: LockRecord[] = [
      { ...lock, wraps: [{ ...w, wrapped: flip(w.wrapped) }] },
      { ...lock, wraps: [{ ...w, iv: flip(w.iv) }] },
      { ...lock, keyCheck: { ...lock.keyCheck, data: flip(lock.keyCheck.data) } },
      { ...lock, dataKeyId: 'feedfacefeedface' },
    ];
    for (const t of tampered) {
      expect(await codeOf(unwrapDataKey(t, { passphrase: 'pw' }))).toBe('storage-corrupt');
    }
  });

  it('refuses lock records with KDF numbers that would hang the tab', () => {
    const salt = new Uint8Array(16);
    expect(
      kdfProblem({ name: 'argon2id', memoryKiB: 1 << 30, iterations: 3, parallelism: 1, salt }),
    ).toBeTruthy();
    expect(kdfProblem({ name: 'pbkdf2-sha256', iterations: 1000, salt })).toBeTruthy();
    expect(kdfProblem({ name: 'scrypt', salt })).toBeTruthy();
    expect(kdfProblem({ name: 'argon2id', ...ARGON2ID_DEFAULT, salt })).toBeNull();
    expect(lockProblem({ format: 2 })).toBeTruthy();
    expect(lockProblem(null)).toBeTruthy();
  });
});
