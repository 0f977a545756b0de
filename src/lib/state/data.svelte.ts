/**
 * The "Backup & privacy" view's state: export the memory to a file, preview and import a
 * backup or the Python original's folder, and delete everything. The work happens in
 * memory.worker (memory/transfer/: export.ts, import-backup.ts, import-original.ts); this
 * class carries files there and results back, and applies what belongs to the page
 * (settings, the download, the wipe).
 */
import { handleError } from '../errors';
import type { ExportResult } from '../memory/transfer/export';
import type { OriginalInput } from '../memory/transfer/import-original';
import type { ImportPreview, ImportResult } from '../memory/transfer/import-run';
import type { MemoryStats } from '../memory/base/types';
import { isClean, storageInventory, wipeAll, type StorageInventory } from '../privacy/wipe';
import type { AppState } from './app.svelte';
import { download } from './download';
import { parseSettings, portableSettings, type SettingsData } from '../settings/settings';

type DataTask = 'export' | 'read' | 'import' | 'wipe';

/** What the wipe is about to delete, for the confirmation. */
interface WipePlan {
  stats: MemoryStats | null;
  inventory: StorageInventory;
}

export class DataState {
  busy = $state<DataTask | null>(null);
  error = $state<string | null>(null);
  exported = $state.raw<Omit<ExportResult, 'file'> | null>(null);
  preview = $state.raw<ImportPreview | null>(null);
  result = $state.raw<ImportResult | null>(null);
  wipePlan = $state.raw<WipePlan | null>(null);
  /** What is left after "delete everything" (null until then). */
  wiped = $state.raw<StorageInventory | null>(null);

  constructor(private readonly app: AppState) {}

  get #api() {
    return this.app.memory.api;
  }

  async #run<T>(task: DataTask, doing: string, fn: () => Promise<T>): Promise<T | undefined> {
    this.busy = task;
    this.error = null;
    try {
      return await fn();
    } catch (error) {
      handleError(error, doing, { inline: (message) => (this.error = message) });
      return undefined;
    } finally {
      this.busy = null;
    }
  }

  /** Builds the file in the memory worker and hands it to the browser as a download. */
  async exportBackup(passphrase?: string): Promise<void> {
    await this.#run('export', 'Exporting', async () => {
      const out = await this.#api.exportArchive({
        // A plain copy (rune state is a proxy, which cannot be posted to a worker) of the
        // settings that belong to the memory, not to this device.
        settings: portableSettings(this.app.settings.data) as unknown as Record<string, unknown>,
        passphrase: passphrase || undefined,
      });
      download(out.file, out.fileName);
      const { file: _file, ...summary } = out;
      this.exported = summary;
    });
  }

  async previewBackup(file: File, passphrase?: string): Promise<void> {
    this.#clear();
    await this.#run('read', `Reading ${file.name}`, async () => {
      this.preview = await this.#api.previewImport(file, { passphrase: passphrase || undefined });
    });
  }

  async previewOriginal(input: OriginalInput, label: string): Promise<void> {
    this.#clear();
    await this.#run('read', `Reading ${label}`, async () => {
      this.preview = await this.#api.previewOriginal(input);
    });
  }

  /** Imports what the preview showed; a restore may also take the backup's settings. */
  async applyImport(restoreSettings: boolean): Promise<void> {
    const preview = this.preview;
    if (!preview) return;
    await this.#run('import', 'Importing', async () => {
      const result = await this.#api.applyImport(preview.id);
      this.preview = null;
      this.result = result;
      if (restoreSettings && preview.settings) this.#restoreSettings(preview.settings);
      this.app.memory.changed('all');
    });
  }

  cancelImport(): void {
    void this.#api.cancelImport();
    this.preview = null;
  }

  /** The backup's preferences, except the model in use (a model is chosen on each device). */
  #restoreSettings(raw: Record<string, unknown>): void {
    const s = parseSettings(raw);
    const patch: Partial<SettingsData> = {
      thresholds: s.thresholds,
      lowers: s.lowers,
      visitGapMinutes: s.visitGapMinutes,
      topK: s.topK,
    };
    this.app.settings.update(patch);
    const model = this.app.live.model;
    if (model) {
      const threshold = this.app.settings.threshold(model.id, model.thresholdCosine);
      void this.#api.setThreshold(threshold, this.app.settings.lower(model)).catch(() => undefined);
    }
  }

  #clear(): void {
    this.preview = null;
    this.result = null;
    this.error = null;
  }

  /** Lists what "delete everything" would delete (for its confirmation). */
  async planWipe(): Promise<void> {
    await this.#run('wipe', 'Listing stored data', async () => {
      const stats = this.app.memory.ready ? await this.#api.stats().catch(() => null) : null;
      this.wipePlan = { stats, inventory: await storageInventory() };
    });
  }

  /**
   * Closes the memory (its worker holds the IndexedDB connection and the writer lock), then
   * deletes every store of the origin. The page does not reopen anything: `wiped` lists what
   * is left, and reloading starts the app as new.
   */
  async wipe(): Promise<void> {
    if (this.app.memory.readOnly) {
      this.error =
        'This memory is open in another tab or window. Close it there, then delete everything here.';
      return;
    }
    await this.#run('wipe', 'Deleting everything', async () => {
      this.app.live.detach();
      this.app.camera.stop();
      await this.#api.close();
      this.app.memory.ready = false;
      const left = await wipeAll();
      this.wiped = left;
      // Nothing may run on the closed memory or write settings again: leaving this page
      // (a link, the back button) restarts the app, as "Start afresh" does.
      addEventListener('hashchange', () => location.reload(), { once: true });
      if (!isClean(left)) throw new Error('some data could not be deleted (listed below)');
    });
  }
}
