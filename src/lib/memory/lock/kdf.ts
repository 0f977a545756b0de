/**
 * Passphrase → 256-bit key material. Argon2id (memory-hard; hash-wasm's
 * WebAssembly build, loaded only when a passphrase is used) with
 * ARGON2ID_DEFAULT: 64 MiB, 3 passes, 1 lane (RFC 9106's second recommended
 * setting, with one lane as a single-threaded WebAssembly build computes lanes
 * one after another anyway). Measured ≈ 0.5 s in Node 20 on the 2-core build
 * machine (`npm run bench -- memory`, the unlock row). Where Argon2id cannot
 * run (no WebAssembly, or 64 MiB cannot be had), PBKDF2-HMAC-SHA256 with
 * 600,000 iterations, the export's KDF, is the fallback.
 *
 * The parameters are stored with each wrap, so stronger defaults later still
 * open older locks; bounds refuse a lock record whose numbers would hang the
 * tab or exhaust memory.
 */
import { MAX_ITERATIONS, MIN_ITERATIONS, pbkdf2Sha256 } from '../../transfer/archive-crypto';
import type { NewKdfOptions } from '../base/lock-types';

export type { NewKdfOptions };

export interface Argon2idParams {
  name: 'argon2id';
  /** Memory in KiB. */
  memoryKiB: number;
  iterations: number;
  parallelism: number;
  salt: Uint8Array;
}

export interface Pbkdf2Params {
  name: 'pbkdf2-sha256';
  iterations: number;
  salt: Uint8Array;
}

export type PassphraseKdf = Argon2idParams | Pbkdf2Params;

export const ARGON2ID_DEFAULT = { memoryKiB: 64 * 1024, iterations: 3, parallelism: 1 } as const;
export const PBKDF2_ITERATIONS = MIN_ITERATIONS;
const SALT_BYTES = 16;
/** What a stored lock may ask for (the spec's minimum memory is 8 KiB per lane). */
const ARGON2_MAX_MEMORY_KIB = 1024 * 1024;
const ARGON2_MAX_ITERATIONS = 64;
const ARGON2_MAX_PARALLELISM = 16;

/** Why stored KDF parameters cannot be used, or null. */
export function kdfProblem(kdf: unknown): string | null {
  const k = kdf as Partial<Argon2idParams> & Partial<Pbkdf2Params>;
  if (typeof k !== 'object' || k === null || !(k.salt instanceof Uint8Array)) return 'no salt';
  if (k.salt.length < 8) return 'salt too short';
  const within = (v: unknown, lo: number, hi: number) =>
    Number.isSafeInteger(v) && (v as number) >= lo && (v as number) <= hi;
  if (k.name === 'pbkdf2-sha256') {
    return within(k.iterations, MIN_ITERATIONS, MAX_ITERATIONS) ? null : 'PBKDF2 iterations';
  }
  if (k.name === 'argon2id') {
    if (!within(k.parallelism, 1, ARGON2_MAX_PARALLELISM)) return 'Argon2id lanes';
    if (!within(k.iterations, 1, ARGON2_MAX_ITERATIONS)) return 'Argon2id passes';
    if (!within(k.memoryKiB, 8 * k.parallelism!, ARGON2_MAX_MEMORY_KIB)) return 'Argon2id memory';
    return null;
  }
  return `unknown KDF ${String(k.name)}`;
}

/** The 32-byte key material for a passphrase under stored (checked) parameters. */
export async function passphraseBits(passphrase: string, kdf: PassphraseKdf): Promise<Uint8Array> {
  if (kdf.name === 'pbkdf2-sha256') {
    return new Uint8Array(await pbkdf2Sha256(passphrase, kdf.salt, kdf.iterations));
  }
  const { argon2id } = await import('hash-wasm');
  return argon2id({
    password: new TextEncoder().encode(passphrase.normalize('NFC')),
    salt: kdf.salt,
    memorySize: kdf.memoryKiB,
    iterations: kdf.iterations,
    parallelism: kdf.parallelism,
    hashLength: 32,
    outputType: 'binary',
  });
}

/**
 * Parameters with a new salt, and the passphrase's material under them: Argon2id
 * unless asked for PBKDF2 or Argon2id fails here (then PBKDF2, which always runs).
 */
export async function newPassphraseKey(
  passphrase: string,
  opts: NewKdfOptions = {},
): Promise<{ kdf: PassphraseKdf; bits: Uint8Array }> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  if (opts.kind !== 'pbkdf2-sha256') {
    const kdf: Argon2idParams = {
      name: 'argon2id',
      memoryKiB: opts.memoryKiB ?? ARGON2ID_DEFAULT.memoryKiB,
      iterations: opts.iterations ?? ARGON2ID_DEFAULT.iterations,
      parallelism: opts.parallelism ?? ARGON2ID_DEFAULT.parallelism,
      salt,
    };
    const problem = kdfProblem(kdf);
    if (problem) throw new RangeError(`Argon2id parameters out of range: ${problem}`);
    try {
      return { kdf, bits: await passphraseBits(passphrase, kdf) };
    } catch {
      // No WebAssembly, or the memory could not be had: the fallback below.
    }
  }
  const kdf: Pbkdf2Params = {
    name: 'pbkdf2-sha256',
    iterations: Math.max(
      PBKDF2_ITERATIONS,
      (opts.kind === 'pbkdf2-sha256' && opts.iterations) || 0,
    ),
    salt,
  };
  return { kdf, bits: await passphraseBits(passphrase, kdf) };
}
