/**
 * Optional passphrase encryption of an export file (WebCrypto only).
 *
 * Container (all integers little-endian), the whole header is AES-GCM additional data:
 *   'VMEX'  u8 version=1  u8 kdf=1 (PBKDF2-HMAC-SHA256)  u32 iterations
 *   u8 saltLen + salt (16)   u8 cipher=1 (AES-256-GCM)   u8 ivLen + iv (12)
 *   u8 checkLen + check (16)   u64 plaintext bytes   ciphertext ‖ 16-byte tag
 *
 * PBKDF2 gives a 256-bit master key; HKDF splits it into the AES key and a check value,
 * so a wrong passphrase (check differs) is told apart from a damaged file (tag fails).
 */
import { TransferError } from './errors';

const MAGIC = 'VMEX';
const CONTAINER_VERSION = 1;
const KDF_PBKDF2_SHA256 = 1;
const CIPHER_AES_256_GCM = 1;
export const MIN_ITERATIONS = 600_000;
/** Refuse absurd counts from a file: they would hang the tab for minutes. */
export const MAX_ITERATIONS = 20_000_000;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const CHECK_BYTES = 16;
const TAG_BYTES = 16;
const encoder = new TextEncoder();

/** TS's DOM types want ArrayBuffer-backed views; ours always are. */
const buf = (bytes: Uint8Array) => bytes as Uint8Array<ArrayBuffer>;

export function isEncryptedArchive(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && String.fromCharCode(...bytes.subarray(0, 4)) === MAGIC;
}

/** PBKDF2-HMAC-SHA256 of the NFC-normalised passphrase, 256 bits (also the memory lock's fallback). */
export async function pbkdf2Sha256(
  passphrase: string,
  salt: Uint8Array,
  iterations: number,
): Promise<ArrayBuffer> {
  const subtle = globalThis.crypto.subtle;
  const password = await subtle.importKey(
    'raw',
    encoder.encode(passphrase.normalize('NFC')),
    'PBKDF2',
    false,
    ['deriveBits'],
  );
  return subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: buf(salt), iterations },
    password,
    256,
  );
}

async function deriveKeys(
  passphrase: string,
  salt: Uint8Array,
  iterations: number,
): Promise<{ key: CryptoKey; check: Uint8Array }> {
  const subtle = globalThis.crypto.subtle;
  const master = await pbkdf2Sha256(passphrase, salt, iterations);
  const hkdf = await subtle.importKey('raw', master, 'HKDF', false, ['deriveKey', 'deriveBits']);
  const info = (label: string) => ({
    name: 'HKDF',
    hash: 'SHA-256',
    salt: new Uint8Array(0),
    info: encoder.encode(`visio-memoria export ${label}`),
  });
  const key = await subtle.deriveKey(
    info('aes-gcm key'),
    hkdf,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
  const check = new Uint8Array(
    await subtle.deriveBits(info('passphrase check'), hkdf, CHECK_BYTES * 8),
  );
  return { key, check };
}

export async function encryptArchive(
  plain: Uint8Array,
  passphrase: string,
  iterations = MIN_ITERATIONS,
): Promise<Uint8Array> {
  if (passphrase.length === 0) {
    throw new TransferError('archive-bad-parts', 'An empty passphrase cannot protect an export.');
  }
  if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
    throw new TransferError(
      'archive-bad-parts',
      `PBKDF2 iterations must be between ${MIN_ITERATIONS} and ${MAX_ITERATIONS}.`,
    );
  }
  const salt = globalThis.crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const { key, check } = await deriveKeys(passphrase, salt, iterations);
  const header = new Uint8Array(
    4 + 1 + 1 + 4 + 1 + SALT_BYTES + 1 + 1 + IV_BYTES + 1 + CHECK_BYTES + 8,
  );
  const view = new DataView(header.buffer);
  let pos = 0;
  header.set(encoder.encode(MAGIC), pos);
  pos += 4;
  header[pos++] = CONTAINER_VERSION;
  header[pos++] = KDF_PBKDF2_SHA256;
  view.setUint32(pos, iterations, true);
  pos += 4;
  header[pos++] = SALT_BYTES;
  header.set(salt, pos);
  pos += SALT_BYTES;
  header[pos++] = CIPHER_AES_256_GCM;
  header[pos++] = IV_BYTES;
  header.set(iv, pos);
  pos += IV_BYTES;
  header[pos++] = CHECK_BYTES;
  header.set(check, pos);
  pos += CHECK_BYTES;
  view.setBigUint64(pos, BigInt(plain.length), true);
  const sealed = await globalThis.crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: header, tagLength: TAG_BYTES * 8 },
    key,
    buf(plain),
  );
  const out = new Uint8Array(header.length + sealed.byteLength);
  out.set(header);
  out.set(new Uint8Array(sealed), header.length);
  return out;
}

export async function decryptArchive(bytes: Uint8Array, passphrase: string): Promise<Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 4;
  const need = (n: number): number => {
    if (pos + n > bytes.length) {
      throw new TransferError('archive-truncated', 'The encrypted export file is truncated.');
    }
    const at = pos;
    pos += n;
    return at;
  };
  const field = (expected: number, what: string): Uint8Array => {
    const length = bytes[need(1)]!;
    if (length !== expected) {
      throw new TransferError('archive-corrupt', `The encrypted export has a damaged ${what}.`);
    }
    const at = need(length);
    return bytes.slice(at, at + length);
  };
  const version = bytes[need(1)]!;
  const kdf = bytes[need(1)]!;
  if (version !== CONTAINER_VERSION || kdf !== KDF_PBKDF2_SHA256) {
    throw new TransferError(
      'archive-future-version',
      'This export was encrypted by a newer version of Visio Memoria; update the app to open it.',
    );
  }
  const iterations = view.getUint32(need(4), true);
  if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
    throw new TransferError('archive-corrupt', 'The encrypted export has a damaged header.');
  }
  const salt = field(SALT_BYTES, 'salt');
  if (bytes[need(1)] !== CIPHER_AES_256_GCM) {
    throw new TransferError(
      'archive-future-version',
      'This export uses a cipher this version does not know; update the app to open it.',
    );
  }
  const iv = field(IV_BYTES, 'nonce');
  const check = field(CHECK_BYTES, 'passphrase check');
  const plainBytes = Number(view.getBigUint64(need(8), true));
  const header = bytes.subarray(0, pos);
  const sealed = bytes.subarray(pos);
  if (sealed.length !== plainBytes + TAG_BYTES) {
    throw new TransferError(
      sealed.length < plainBytes + TAG_BYTES ? 'archive-truncated' : 'archive-corrupt',
      sealed.length < plainBytes + TAG_BYTES
        ? 'The encrypted export file is truncated.'
        : 'The encrypted export file has extra bytes at its end.',
    );
  }
  const keys = await deriveKeys(passphrase, salt, iterations);
  let same = keys.check.length === check.length;
  for (let i = 0; i < check.length; i++) same = same && keys.check[i] === check[i];
  if (!same) {
    throw new TransferError(
      'wrong-passphrase',
      'The passphrase is not the one this export was saved with.',
    );
  }
  try {
    const plain = await globalThis.crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: buf(iv), additionalData: buf(header), tagLength: TAG_BYTES * 8 },
      keys.key,
      buf(sealed),
    );
    return new Uint8Array(plain);
  } catch (cause) {
    throw new TransferError(
      'archive-corrupt',
      'The encrypted export is damaged: it fails its integrity check.',
      { cause },
    );
  }
}
