import { describeError } from '../errors';
import type { Toasts } from '../state/toasts.svelte';

/**
 * Runs a user's action once at a time: `holder.busy` is set while it runs
 * (buttons disable on it), a failure becomes an error toast saying what was
 * being done. Resolves true when the action completed.
 */
export async function busyAction(
  holder: { busy: boolean },
  toasts: Toasts,
  doing: string,
  fn: () => Promise<void>,
): Promise<boolean> {
  if (holder.busy) return false;
  holder.busy = true;
  try {
    await fn();
    return true;
  } catch (error) {
    toasts.show(describeError(error, doing), 'error');
    return false;
  } finally {
    holder.busy = false;
  }
}
