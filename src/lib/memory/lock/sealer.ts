/**
 * Encryption of stored records: each value is serialised (value-bytes.ts)
 * and sealed with AES-256-GCM under the memory's data key, with a fresh
 * random 96-bit IV per write and the record's IndexedDB key as additional
 * data, so a record moved or copied to another key fails to open.
 *
 * A sealed record is stored as `{ sealed: 'aes-256-gcm/1', iv, data }`: no
 * plaintext value has that shape, so reads tell the two apart while a
 * conversion is half done.
 */
import { MemoryError } from '../base/errors';
import { dataCryptoKey, type DataKey } from './lock-record';
import { decodeValue, encodeValue } from './value-bytes';

/** The one plaintext record of an encrypted memory (lock-record.ts): never sealed. */
export const LOCK_KEY = 'lock';

const SEALED = 'aes-256-gcm/1';
const IV_BYTES = 12;
const encoder = new TextEncoder();

export interface SealedRecord {
  sealed: typeof SEALED;
  iv: Uint8Array;
  /** Ciphertext ‖ 16-byte tag. */
  data: Uint8Array;
}

export function isSealed(v: unknown): v is SealedRecord {
  return (
    typeof v === 'object' &&
    v !== null &&
    (v as SealedRecord).sealed === SEALED &&
    (v as SealedRecord).iv instanceof Uint8Array &&
    (v as SealedRecord).data instanceof Uint8Array
  );
}

/** How the store treats records while a lock record exists (see lock-record.ts's states). */
export interface SealMode {
  /** New writes are sealed (encryption on, or being turned on). */
  sealWrites: boolean;
  /** Plaintext records are still expected (a conversion either way is under way). */
  acceptPlain: boolean;
}

export class RecordSealer {
  mode: SealMode;
  /** Kept (in this worker's memory only) so the key can be wrapped again for a new unlock. */
  readonly dataKey: DataKey;
  readonly #key: CryptoKey;

  private constructor(dataKey: DataKey, key: CryptoKey, mode: SealMode) {
    this.dataKey = dataKey;
    this.#key = key;
    this.mode = mode;
  }

  static async create(dataKey: DataKey, mode: SealMode): Promise<RecordSealer> {
    return new RecordSealer(dataKey, await dataCryptoKey(dataKey), mode);
  }

  async seal(key: string, value: unknown): Promise<SealedRecord> {
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const data = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: encoder.encode(key) },
      this.#key,
      encodeValue(value),
    );
    return { sealed: SEALED, iv, data: new Uint8Array(data) };
  }

  /** The value sealed under `key`; a clear storage-corrupt error when it was changed or moved. */
  async open(key: string, record: SealedRecord, opts: { copy?: boolean } = {}): Promise<unknown> {
    let plain: ArrayBuffer;
    try {
      plain = await crypto.subtle.decrypt(
        {
          name: 'AES-GCM',
          iv: record.iv as Uint8Array<ArrayBuffer>,
          additionalData: encoder.encode(key),
        },
        this.#key,
        record.data as Uint8Array<ArrayBuffer>,
      );
    } catch (cause) {
      throw tampered(key, cause);
    }
    return decodeValue(new Uint8Array(plain), opts);
  }
}

export function tampered(key: string, cause?: unknown): MemoryError {
  return new MemoryError(
    'storage-corrupt',
    `The stored record "${key}" fails its integrity check: it was changed outside the app ` +
      'or belongs elsewhere. Nothing was changed.',
    { cause },
  );
}

export const LOCKED_MESSAGE =
  'This memory is encrypted: unlock it with its passphrase or a passkey to open it.';
