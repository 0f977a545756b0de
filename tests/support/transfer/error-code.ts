/**
 * TEST SUPPORT ONLY: the code a transfer reader fails with, for the transfer
 * specs' `expect(codeOf(…)).toBe('…')`. Anything but a TransferError is
 * rethrown, so a bug shows as itself rather than as a wrong code.
 */
import { TransferError } from '../../../src/lib/transfer/errors';

/** The TransferError code `fn` throws; 'NO_ERROR' when it returns. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof TransferError) return error.code;
    throw error;
  }
  return 'NO_ERROR';
}

/** The TransferError code `promise` rejects with; 'NO_ERROR' when it resolves. */
export async function asyncCodeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TransferError) return error.code;
    throw error;
  }
  return 'NO_ERROR';
}
