/**
 * Errors the user can be told about carry a stable kebab-case `code` (for
 * tests and for choosing a message) and a sentence fit to show as it is.
 * Each area narrows `Code` to its own union (MemoryErrorCode, ModelErrorCode…)
 * in a thin subclass that only sets `name`; the worker boundary
 * (workers/worker-boundary.ts) carries `code` and `name` across.
 */
export class AppError<Code extends string = string> extends Error {
  readonly code: Code;
  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
  }
}

/** Cancelled work (an aborted AbortSignal) is not an error to show. */
export function isAbort(error: unknown): boolean {
  return (
    (error instanceof DOMException && error.name === 'AbortError') ||
    (error instanceof Error && error.name === 'AbortError')
  );
}

/** The text to show for any thrown value, prefixed by what the user was doing. */
export function describeError(error: unknown, doing?: string): string {
  const detail =
    error instanceof Error ? error.message : typeof error === 'string' ? error : String(error);
  return doing ? `${doing}: ${detail}` : detail;
}

type ErrorSink = (message: string, error: unknown) => void;

let sink: ErrorSink = (message, error) => console.error(message, error);

/** The app installs its toast queue here; until then errors go to the console. */
export function setErrorSink(next: ErrorSink): void {
  sink = next;
}

/**
 * The one way the page reports an error: aborts are dropped; the rest become
 * "doing: message", shown as an error toast, or handed to `inline` when the
 * caller shows it in place (a form's own error line) instead.
 */
export function handleError(
  error: unknown,
  doing: string,
  options?: { inline?: (message: string) => void },
): void {
  if (isAbort(error)) return;
  const message = describeError(error, doing);
  if (options?.inline) options.inline(message);
  else sink(message, error);
}
