import { AppError } from '../../errors';

/** Why the face database refused or failed; each comes with a sentence fit to show as it is. */
type MemoryErrorCode =
  | 'invalid-name'
  | 'invalid-embedding'
  | 'invalid-input'
  | 'not-found'
  | 'name-taken'
  | 'already-labeled'
  | 'crop-too-large'
  | 'read-only'
  | 'closed'
  | 'storage-failed'
  | 'storage-full'
  | 'storage-corrupt'
  | 'schema-too-new'
  | 'index-failed'
  | 'locked'
  | 'wrong-passphrase'
  | 'wrong-passkey'
  | 'encryption-state';

export class MemoryError extends AppError<MemoryErrorCode> {
  override readonly name = 'MemoryError';
}

/** The one message a second tab gets, on open and on every write it tries. */
export const READ_ONLY_MESSAGE =
  'This memory is open in another tab or window, so it is read-only here. ' +
  'Close it there to make changes here.';

/** A write refused for lack of space (QuotaExceededError), whatever the action. */
export const STORAGE_FULL_MESSAGE =
  'The device is out of storage space, so this was not saved. Nothing was changed: ' +
  'free some space and try again.';
