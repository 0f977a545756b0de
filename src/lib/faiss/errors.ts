import { AppError } from '../errors';

/**
 * Why a FAISS call failed. `faiss`, `out-of-memory`, `cpp-exception` and
 * `unknown` come from C++ (the message is FAISS's own); the others are
 * checks made here before calling into WebAssembly.
 */
export type FaissErrorCode =
  | 'faiss'
  | 'out-of-memory'
  | 'cpp-exception'
  | 'unknown'
  | 'not-loaded'
  | 'load-failed'
  | 'deleted'
  | 'wrong-dimension'
  | 'bad-argument'
  | 'not-trained'
  | 'empty-index'
  | 'k-exceeds-ntotal'
  | 'bad-index-bytes';

export class FaissError extends AppError<FaissErrorCode> {
  override readonly name = 'FaissError';
}

/** The codes fw_last_error_code() returns (native/faiss-wasm.cpp). */
export const NATIVE_ERROR_CODES: Record<number, FaissErrorCode> = {
  1: 'faiss',
  2: 'out-of-memory',
  3: 'cpp-exception',
  4: 'unknown',
};
