import { handleError } from '../errors';

/**
 * Runs a user's action once at a time: `holder.busy` is set while it runs
 * (buttons disable on it), a failure goes to handleError (an error toast)
 * saying what was being done. Resolves true when the action completed.
 */
export async function busyAction(
  holder: { busy: boolean },
  doing: string,
  fn: () => Promise<void>,
): Promise<boolean> {
  if (holder.busy) return false;
  holder.busy = true;
  try {
    await fn();
    return true;
  } catch (error) {
    handleError(error, doing);
    return false;
  } finally {
    holder.busy = false;
  }
}
