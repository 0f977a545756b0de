import { AppError } from '../errors';

/**
 * Errors of the transfer layer (export/import, the Python original's folder).
 * Every failure carries a stable `code` the UI maps to a message; `message` is for logs
 * and is already readable on its own.
 */
export type TransferErrorCode =
  // PyTorch .pt files
  | 'pt-not-zip'
  | 'pt-not-torch'
  | 'pt-truncated'
  | 'pt-corrupt'
  | 'pt-unsupported-dtype'
  | 'pt-unsupported-global'
  | 'pt-unexpected-content'
  // the Python original's data folder
  | 'original-no-db'
  | 'original-bad-db'
  | 'original-bad-schema'
  | 'original-bad-embeddings'
  | 'original-mixed-dim'
  // FAISS index files
  | 'faiss-bad-header'
  // zip containers
  | 'zip-corrupt'
  | 'zip-bad-entry'
  | 'zip-too-large'
  // our own export file
  | 'archive-not-archive'
  | 'archive-truncated'
  | 'archive-corrupt'
  | 'archive-bad-manifest'
  | 'archive-future-version'
  | 'archive-checksum'
  | 'archive-missing-file'
  | 'archive-unlisted-file'
  | 'archive-bad-parts'
  | 'passphrase-required'
  | 'wrong-passphrase'
  // importing into the memory
  | 'import-dim-mismatch'
  | 'import-schema-too-new'
  | 'import-bad-data'
  | 'import-partial'
  | 'import-expired';

export class TransferError extends AppError<TransferErrorCode> {
  override readonly name = 'TransferError';
}
