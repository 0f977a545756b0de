/**
 * The lock's types that cross the memory's boundary (the page unlocks with
 * them and reads LockInfo before opening). The lock itself is memory/lock/.
 */
export type LockState = 'converting' | 'on' | 'decrypting';

export type KdfName = 'argon2id' | 'pbkdf2-sha256';

export type NewKdfOptions =
  | { kind: 'pbkdf2-sha256'; iterations?: number }
  | {
      kind?: 'argon2id';
      memoryKiB?: number;
      iterations?: number;
      parallelism?: number;
    };

/** How an existing lock is opened. */
export type UnlockWith =
  { passphrase: string } | { passkey: { credentialId: string; prfOutput: Uint8Array } };

/** A new way to unlock: a passphrase (KDF options are for tests), or a passkey's PRF output. */
export type NewUnlock =
  | { passphrase: string; kdf?: NewKdfOptions }
  | {
      passkey: { credentialId: string; prfSalt: Uint8Array; prfOutput: Uint8Array; label?: string };
    };

export type NewPasskey = Extract<NewUnlock, { passkey: unknown }>['passkey'];

/** What the page may know before unlocking (no secret in it): the ways to unlock. */
export interface LockInfo {
  state: LockState;
  passphrase: {
    wrapId: string;
    kdf: KdfName;
    memoryKiB?: number;
    iterations: number;
    addedMs: number;
  } | null;
  passkeys: Array<{
    wrapId: string;
    credentialId: string;
    prfSalt: Uint8Array;
    label: string;
    addedMs: number;
  }>;
}
