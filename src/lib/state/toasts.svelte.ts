/**
 * Messages for the user: toasts (errors, confirmations) and screen-reader
 * announcements (a person recognised, a face queued) through aria-live regions.
 */
interface Toast {
  id: number;
  kind: 'info' | 'success' | 'error';
  text: string;
}

const TOAST_MS = 6000;

export class Toasts {
  items = $state<Toast[]>([]);
  /** The latest polite announcement; the live region reads it out. */
  announcement = $state('');
  #next = 1;

  show(
    text: string,
    kind: Toast['kind'] = 'info',
    timeoutMs = kind === 'error' ? 0 : TOAST_MS,
  ): number {
    const id = this.#next++;
    this.items = [...this.items, { id, kind, text }];
    if (timeoutMs > 0) setTimeout(() => this.dismiss(id), timeoutMs);
    return id;
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }

  /** Said by screen readers without moving focus; repeated text is re-announced. */
  announce(text: string): void {
    this.announcement = '';
    queueMicrotask(() => (this.announcement = text));
  }
}

export const toasts = new Toasts();
