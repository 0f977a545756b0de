/**
 * Errors the user can be told about carry a stable `code` (for tests and for
 * choosing a message) and a sentence fit to show as it is.
 */
export class AppError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
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

export type ErrorSink = (message: string, error: unknown) => void;

let sink: ErrorSink = (message, error) => console.error(message, error);

/** The app installs its toast queue here; until then errors go to the console. */
export function setErrorSink(next: ErrorSink): void {
  sink = next;
}

/** The one place errors end up: aborts are dropped, the rest reach the user. */
export function handleError(error: unknown, doing: string): void {
  if (isAbort(error)) return;
  sink(describeError(error, doing), error);
}
