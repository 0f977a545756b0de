/**
 * Why a FAISS call failed. `FAISS`, `OUT_OF_MEMORY`, `CPP_EXCEPTION` and
 * `UNKNOWN` come from C++ (the message is FAISS's own); the others are
 * checks made here before calling into WebAssembly.
 */
export type FaissErrorCode =
  | 'FAISS'
  | 'OUT_OF_MEMORY'
  | 'CPP_EXCEPTION'
  | 'UNKNOWN'
  | 'NOT_LOADED'
  | 'LOAD_FAILED'
  | 'DELETED'
  | 'WRONG_DIMENSION'
  | 'BAD_ARGUMENT'
  | 'NOT_TRAINED'
  | 'EMPTY_INDEX'
  | 'K_EXCEEDS_NTOTAL'
  | 'BAD_INDEX_BYTES';

export class FaissError extends Error {
  override readonly name = 'FaissError';
  constructor(
    readonly code: FaissErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The codes fw_last_error_code() returns (native/faiss-wasm.cpp). */
export const NATIVE_ERROR_CODES: Record<number, FaissErrorCode> = {
  1: 'FAISS',
  2: 'OUT_OF_MEMORY',
  3: 'CPP_EXCEPTION',
  4: 'UNKNOWN',
};
