/**
 * Retention as Settings offers it: the stored policy (null: off), what a
 * changed policy would delete now (shown before it is saved), and saving it
 * (the memory applies it at once, at every start and daily).
 */
import { handleError } from '../errors';
import type { RetentionCounts, RetentionPolicy } from '../memory/base/types';
import { busyAction } from '../present/busy-action';
import { retentionSummary } from '../present/retention';
import type { MemoryState } from './memory.svelte';
import type { Toasts } from './toasts.svelte';

export class RetentionState {
  /** The stored policy; null when retention is off. */
  stored = $state.raw<RetentionPolicy | null>(null);
  /** What the draft would delete now (null until asked). */
  preview = $state.raw<RetentionCounts | null>(null);
  loaded = $state(false);
  busy = $state(false);
  #seq = 0;

  constructor(
    private readonly memory: MemoryState,
    private readonly toasts: Toasts,
  ) {}

  async load(): Promise<void> {
    if (!this.memory.ready) return;
    try {
      this.stored = await this.memory.api.getRetention();
      this.loaded = true;
    } catch (error) {
      handleError(error, 'Reading the retention settings');
    }
  }

  /** Counts what `draft` would delete now (nothing for "off"). */
  async previewFor(draft: RetentionPolicy | null): Promise<void> {
    const seq = ++this.#seq;
    this.preview = null;
    if (!draft || !this.memory.ready) return;
    try {
      const counts = await this.memory.api.previewRetention(draft);
      if (seq === this.#seq) this.preview = counts;
    } catch (error) {
      handleError(error, 'Counting what retention would delete');
    }
  }

  /** Stores `draft` (null: off), deleting what is due now; true when saved. */
  save(draft: RetentionPolicy | null): Promise<boolean> {
    return busyAction(this, 'Saving the retention settings', async () => {
      const deleted = await this.memory.api.setRetention(draft);
      this.stored = draft;
      this.preview = null;
      this.toasts.show(
        draft ? `Retention on. ${retentionSummary(deleted, 'Deleted')}` : 'Retention off.',
        'success',
      );
      if (deleted.visitors || deleted.sightings) this.memory.changed('all');
    });
  }
}
