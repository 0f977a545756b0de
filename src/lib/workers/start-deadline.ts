/**
 * A worker's start that may hang rather than fail: in Firefox, about one page
 * load in forty (a reload while the service worker was installing) left the
 * vision worker's model loading waiting for ever for ONNX Runtime's thread
 * workers, with "SecurityError: The operation is insecure" logged and no
 * error reaching the page. The page cannot tell a hang from a slow device, so
 * it gives the first start a generous deadline, then ends that worker and
 * starts a fresh one once, which may run without threads.
 */

export interface StartAttempt {
  /** 0: the first start; 1: the one after a restart. */
  attempt: 0 | 1;
}

/**
 * Runs `start({ attempt: 0 })`. If it has not settled after `deadlineMs`,
 * calls `restart()` (end the hung worker, start a new one) and returns
 * `start({ attempt: 1 })`, which has no deadline. A first start that fails
 * before the deadline is a real failure (a missing model): it is not retried.
 */
export async function startWithDeadline<T>(
  start: (a: StartAttempt) => Promise<T>,
  restart: () => void,
  deadlineMs: number,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = Symbol('late');
  const first = start({ attempt: 0 });
  const outcome = await Promise.race([
    first,
    new Promise<typeof late>((resolve) => (timer = setTimeout(() => resolve(late), deadlineMs))),
  ]).finally(() => clearTimeout(timer));
  if (outcome !== late) return outcome as T;
  first.catch(() => undefined); // the abandoned start may still reject when its worker ends
  restart();
  return start({ attempt: 1 });
}
