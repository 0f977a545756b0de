/**
 * The visit log as a view reads it: one filter (a person or a visitor, a date
 * range), pages of visits newest first (a day of thousands stays fast), and
 * the whole filtered log as a CSV download. The Visits page and a person's
 * page both use it, so they show the same visits.
 */
import { handleError } from '../errors';
import type { Visit, VisitFilter } from '../memory/base/types';
import { busyAction } from '../present/busy-action';
import { visitCsvName } from '../present/visits';
import { download } from './download';
import type { MemoryState } from './memory.svelte';
import type { Toasts } from './toasts.svelte';

export type VisitLogFilter = Omit<VisitFilter, 'limit' | 'offset'>;

export class VisitLogState {
  visits = $state.raw<Visit[]>([]);
  /** Whether there are older visits than those shown. */
  more = $state(false);
  loading = $state(false);
  busy = $state(false);
  #filter: VisitLogFilter = {};
  /** Only the newest load may set the list (a quick filter change overtakes a slow read). */
  #seq = 0;

  constructor(
    private readonly memory: MemoryState,
    private readonly toasts: Toasts,
    readonly pageSize = 100,
  ) {}

  /** Shows the first page of `filter` (the current one again when omitted). */
  async load(filter: VisitLogFilter = this.#filter): Promise<void> {
    this.#filter = filter;
    await this.#read(0);
  }

  /** Adds the next page below those shown. */
  async loadMore(): Promise<void> {
    if (!this.loading && this.more) await this.#read(this.visits.length);
  }

  async #read(offset: number): Promise<void> {
    if (!this.memory.ready) return;
    const seq = ++this.#seq;
    this.loading = true;
    try {
      // One more than a page says whether another page follows.
      const got = await this.memory.api.visitLog({
        ...this.#filter,
        limit: this.pageSize + 1,
        offset,
      });
      if (seq !== this.#seq) return;
      const page = got.slice(0, this.pageSize);
      this.visits = offset ? [...this.visits, ...page] : page;
      this.more = got.length > this.pageSize;
    } catch (error) {
      if (seq === this.#seq) handleError(error, 'Reading the visits');
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  /** Downloads every visit of the filter (not only the pages shown) as CSV. */
  exportCsv(who?: string): Promise<boolean> {
    return busyAction(this, 'Exporting the visits', async () => {
      const csv = await this.memory.api.visitLogCsv(this.#filter);
      const rows = csv.split('\r\n').length - 2;
      download(new Blob([csv], { type: 'text/csv' }), visitCsvName(Date.now(), who));
      this.toasts.show(`Exported ${rows === 1 ? 'one visit' : `${rows} visits`}.`, 'success');
    });
  }
}
