/**
 * The lock record (`lock`, stored in plaintext beside the sealed records):
 * what turns a passphrase or a passkey into the memory's data key.
 *
 * The data key is 32 random bytes, never stored unwrapped. Each way to unlock
 * ("wrap") keeps the data key encrypted (AES-256-GCM) under a key-encryption
 * key derived by HKDF-SHA256 from 32 bytes of key material:
 *   passphrase  Argon2id (or the PBKDF2 fallback) of the passphrase (kdf.ts);
 *   passkey     the WebAuthn PRF extension's 32-byte output for `prfSalt`.
 * HKDF also gives a 16-byte check per wrap, so a wrong passphrase or passkey
 * (check differs) is told apart from a damaged record (check matches, the
 * tag fails). The record's `keyCheck` (a constant sealed under the data key)
 * proves the unwrapped key is the memory's. Adding or removing a wrap, or a
 * new passphrase, rewrites this record only.
 *
 * `state` says where a conversion stands: 'converting' (turning on: records
 * may still be plaintext, new writes are sealed), 'on' (every record sealed;
 * a plaintext one is refused), 'decrypting' (turning off: records may still
 * be sealed, new writes are plaintext; the record goes with the last one).
 */
import { MemoryError } from '../base/errors';
import { kdfProblem, newPassphraseKey, passphraseBits } from './kdf';
import type { PassphraseKdf } from './kdf';
import type { SealMode } from './sealer';
import type { LockInfo, LockState, NewPasskey, NewUnlock, UnlockWith } from '../base/lock-types';

export type { LockInfo, LockState, NewPasskey, NewUnlock, UnlockWith };

interface WrapFields {
  id: string;
  addedMs: number;
  check: Uint8Array;
  iv: Uint8Array;
  wrapped: Uint8Array;
}

export interface PassphraseWrap extends WrapFields {
  kind: 'passphrase';
  kdf: PassphraseKdf;
}

export interface PasskeyWrap extends WrapFields {
  kind: 'passkey';
  /** base64url of the credential's raw id, as WebAuthn's allowCredentials wants it. */
  credentialId: string;
  /** The PRF input (`eval.first`) this credential is asked for. */
  prfSalt: Uint8Array;
  label: string;
}

export type KeyWrap = PassphraseWrap | PasskeyWrap;

export interface LockRecord {
  format: 1;
  state: LockState;
  dataKeyId: string;
  keyCheck: { iv: Uint8Array; data: Uint8Array };
  wraps: KeyWrap[];
}

/** The memory's data key, held only in the memory worker's memory. */
export interface DataKey {
  id: string;
  raw: Uint8Array;
}

const PRF_BYTES = 32;
const CHECK_BYTES = 16;
const IV_BYTES = 12;
const KEY_CHECK_TEXT = 'visio-memoria data key check';
const encoder = new TextEncoder();
const buf = (b: Uint8Array) => b as Uint8Array<ArrayBuffer>;
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** A fresh PRF input for a passkey being added (WebAuthn `extensions.prf.eval.first`). */
export function newPrfSalt(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(32));
}

export function newDataKey(): DataKey {
  return {
    id: hex(crypto.getRandomValues(new Uint8Array(8))),
    raw: crypto.getRandomValues(new Uint8Array(32)),
  };
}

export function sealModeOf(state: LockState): SealMode {
  return { sealWrites: state !== 'decrypting', acceptPlain: state !== 'on' };
}

export async function dataCryptoKey(key: DataKey): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', buf(key.raw), 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** Key-encryption key and check value from 32 bytes of material. */
async function kekOf(material: Uint8Array, kind: KeyWrap['kind']) {
  const hkdf = await crypto.subtle.importKey('raw', buf(material), 'HKDF', false, [
    'deriveKey',
    'deriveBits',
  ]);
  const params = (what: string) => ({
    name: 'HKDF',
    hash: 'SHA-256',
    salt: new Uint8Array(0),
    info: encoder.encode(`visio-memoria lock ${kind} ${what}`),
  });
  const kek = await crypto.subtle.deriveKey(
    params('kek'),
    hkdf,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
  const check = new Uint8Array(
    await crypto.subtle.deriveBits(params('check'), hkdf, CHECK_BYTES * 8),
  );
  return { kek, check };
}

const wrapAad = (dataKeyId: string, wrapId: string) =>
  encoder.encode(`visio-memoria lock ${dataKeyId} ${wrapId}`);

function prfMaterial(prfOutput: Uint8Array): Uint8Array {
  if (!(prfOutput instanceof Uint8Array) || prfOutput.length !== PRF_BYTES) {
    throw new MemoryError('invalid-input', 'A passkey’s PRF output must be 32 bytes.');
  }
  return prfOutput;
}

/** A wrap of `key` for a new passphrase or passkey. */
export async function wrapDataKey(key: DataKey, unlock: NewUnlock): Promise<KeyWrap> {
  let material: Uint8Array;
  let fields: Omit<PassphraseWrap, keyof WrapFields> | Omit<PasskeyWrap, keyof WrapFields>;
  if ('passphrase' in unlock) {
    if (typeof unlock.passphrase !== 'string' || !unlock.passphrase) {
      throw new MemoryError('invalid-input', 'An empty passphrase cannot lock the memory.');
    }
    const made = await newPassphraseKey(unlock.passphrase, unlock.kdf);
    material = made.bits;
    fields = { kind: 'passphrase', kdf: made.kdf };
  } else {
    const p = unlock.passkey;
    material = prfMaterial(p.prfOutput);
    if (typeof p.credentialId !== 'string' || !p.credentialId) {
      throw new MemoryError('invalid-input', 'A passkey needs its credential id.');
    }
    if (!(p.prfSalt instanceof Uint8Array) || p.prfSalt.length !== 32) {
      throw new MemoryError('invalid-input', 'A passkey’s PRF salt must be 32 bytes.');
    }
    fields = {
      kind: 'passkey',
      credentialId: p.credentialId,
      prfSalt: p.prfSalt.slice(),
      label: p.label ?? 'Passkey',
    };
  }
  const id = hex(crypto.getRandomValues(new Uint8Array(8)));
  const { kek, check } = await kekOf(material, fields.kind);
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const wrapped = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: wrapAad(key.id, id) },
      kek,
      buf(key.raw),
    ),
  );
  return { ...fields, id, addedMs: Date.now(), check, iv, wrapped } as KeyWrap;
}

export async function newLockRecord(key: DataKey, wrap: KeyWrap): Promise<LockRecord> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const data = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: encoder.encode(`lock-check ${key.id}`) },
      await dataCryptoKey(key),
      encoder.encode(KEY_CHECK_TEXT),
    ),
  );
  return {
    format: 1,
    state: 'converting',
    dataKeyId: key.id,
    keyCheck: { iv, data },
    wraps: [wrap],
  };
}

const damaged = (what: string) =>
  new MemoryError(
    'storage-corrupt',
    `This memory's lock record is damaged (${what}), so it cannot be unlocked. Nothing was changed.`,
  );

/** Why a stored value is not a usable lock record, or null. */
export function lockProblem(v: unknown): string | null {
  const r = v as LockRecord;
  if (typeof r !== 'object' || r === null || r.format !== 1) return 'unknown format';
  if (!['converting', 'on', 'decrypting'].includes(r.state)) return 'unknown state';
  if (typeof r.dataKeyId !== 'string' || !r.dataKeyId) return 'no key id';
  if (!(r.keyCheck?.iv instanceof Uint8Array) || !(r.keyCheck.data instanceof Uint8Array)) {
    return 'no key check';
  }
  if (!Array.isArray(r.wraps) || !r.wraps.length) return 'no way to unlock';
  for (const w of r.wraps) {
    const bytes = [w.check, w.iv, w.wrapped].every((b) => b instanceof Uint8Array);
    if (!bytes || typeof w.id !== 'string') return 'a damaged wrap';
    if (w.kind === 'passphrase') {
      const p = kdfProblem(w.kdf);
      if (p) return p;
    } else if (w.kind === 'passkey') {
      if (typeof w.credentialId !== 'string' || !(w.prfSalt instanceof Uint8Array)) {
        return 'a damaged passkey';
      }
    } else return 'an unknown way to unlock';
  }
  return null;
}

export function checkedLock(v: unknown): LockRecord {
  const problem = lockProblem(v);
  if (problem) throw damaged(problem);
  return v as LockRecord;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.min(a.length, b.length); i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * The data key, from a passphrase or a passkey's PRF output. Wrong ones get
 * 'wrong-passphrase' / 'wrong-passkey'; a record changed behind the app's back
 * gets 'storage-corrupt'. Nothing is written.
 */
export async function unwrapDataKey(lock: LockRecord, unlock: UnlockWith): Promise<DataKey> {
  const byPassphrase = 'passphrase' in unlock;
  const candidates = lock.wraps.filter((w) =>
    byPassphrase
      ? w.kind === 'passphrase'
      : w.kind === 'passkey' && w.credentialId === unlock.passkey.credentialId,
  );
  const wrong = byPassphrase
    ? new MemoryError('wrong-passphrase', 'That passphrase does not unlock this memory.')
    : new MemoryError('wrong-passkey', 'That passkey does not unlock this memory.');
  for (const w of candidates) {
    const material =
      w.kind === 'passphrase'
        ? await passphraseBits((unlock as { passphrase: string }).passphrase, w.kdf)
        : prfMaterial((unlock as { passkey: { prfOutput: Uint8Array } }).passkey.prfOutput);
    const { kek, check } = await kekOf(material, w.kind);
    if (!sameBytes(check, w.check)) continue;
    let raw: Uint8Array;
    try {
      raw = new Uint8Array(
        await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: buf(w.iv), additionalData: wrapAad(lock.dataKeyId, w.id) },
          kek,
          buf(w.wrapped),
        ),
      );
    } catch {
      throw damaged('a wrapped key fails its integrity check');
    }
    const key = { id: lock.dataKeyId, raw };
    await verifyKeyCheck(lock, key);
    return key;
  }
  throw wrong;
}

/**
 * A data key unwrapped earlier in this worker (a reopen of the same memory),
 * checked against this lock: it must be the key the lock wraps. A memory
 * deleted and made anew under the same name has another key: refused as
 * locked, so the owner is asked to unlock.
 */
export async function reusedDataKey(lock: LockRecord, key: DataKey): Promise<DataKey> {
  if (key.id !== lock.dataKeyId) {
    throw new MemoryError(
      'locked',
      'This memory is not the one unlocked before: unlock it with its passphrase or a passkey.',
    );
  }
  await verifyKeyCheck(lock, key);
  return key;
}

async function verifyKeyCheck(lock: LockRecord, key: DataKey): Promise<void> {
  try {
    const text = await crypto.subtle.decrypt(
      {
        name: 'AES-GCM',
        iv: buf(lock.keyCheck.iv),
        additionalData: encoder.encode(`lock-check ${key.id}`),
      },
      await dataCryptoKey(key),
      buf(lock.keyCheck.data),
    );
    if (new TextDecoder().decode(text) === KEY_CHECK_TEXT) return;
  } catch {
    // reported below
  }
  throw damaged('the key check fails');
}

export function lockInfoOf(lock: LockRecord): LockInfo {
  const pass = lock.wraps.find((w): w is PassphraseWrap => w.kind === 'passphrase');
  return {
    state: lock.state,
    passphrase: pass
      ? {
          wrapId: pass.id,
          addedMs: pass.addedMs,
          kdf: pass.kdf.name,
          iterations: pass.kdf.iterations,
          ...(pass.kdf.name === 'argon2id' ? { memoryKiB: pass.kdf.memoryKiB } : {}),
        }
      : null,
    passkeys: lock.wraps
      .filter((w): w is PasskeyWrap => w.kind === 'passkey')
      .map((w) => ({
        wrapId: w.id,
        credentialId: w.credentialId,
        prfSalt: w.prfSalt.slice(),
        label: w.label,
        addedMs: w.addedMs,
      })),
  };
}
