import { AppError } from '../errors';

/**
 * Errors of the transfer layer (export/import, the Python original's folder).
 * Every failure carries a stable `code` the UI maps to a message; `message` is for logs
 * and is already readable on its own.
 */
export type TransferErrorCode =
  // PyTorch .pt files
  | 'PT_NOT_ZIP'
  | 'PT_NOT_TORCH'
  | 'PT_TRUNCATED'
  | 'PT_CORRUPT'
  | 'PT_UNSUPPORTED_DTYPE'
  | 'PT_UNSUPPORTED_GLOBAL'
  | 'PT_UNEXPECTED_CONTENT'
  // the Python original's data folder
  | 'ORIGINAL_NO_DB'
  | 'ORIGINAL_BAD_DB'
  | 'ORIGINAL_BAD_SCHEMA'
  | 'ORIGINAL_BAD_EMBEDDINGS'
  | 'ORIGINAL_MIXED_DIM'
  // FAISS index files
  | 'FAISS_BAD_HEADER'
  // zip containers
  | 'ZIP_CORRUPT'
  // our own export file
  | 'ARCHIVE_NOT_ARCHIVE'
  | 'ARCHIVE_TRUNCATED'
  | 'ARCHIVE_CORRUPT'
  | 'ARCHIVE_BAD_MANIFEST'
  | 'ARCHIVE_FUTURE_VERSION'
  | 'ARCHIVE_CHECKSUM'
  | 'ARCHIVE_MISSING_FILE'
  | 'ARCHIVE_UNLISTED_FILE'
  | 'ARCHIVE_BAD_PARTS'
  | 'PASSPHRASE_REQUIRED'
  | 'WRONG_PASSPHRASE'
  // importing into the memory
  | 'IMPORT_DIM_MISMATCH'
  | 'IMPORT_SCHEMA_TOO_NEW'
  | 'IMPORT_BAD_DATA'
  | 'IMPORT_PARTIAL'
  | 'IMPORT_EXPIRED';

export class TransferError extends AppError {
  declare readonly code: TransferErrorCode;
  constructor(code: TransferErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'TransferError';
  }
}
