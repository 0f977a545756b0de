/** The people list and one person's page, with the edits they offer. */
import { handleError } from '../errors';
import { isolate } from '../present/format';
import type { DayCount } from '../memory/actions/queries';
import type { Person, PersonDetail } from '../memory/base/types';
import { busyAction } from '../present/busy-action';
import { CropUrls } from '../present/crop-urls';
import type { MemoryState } from './memory.svelte';
import type { Toasts } from './toasts.svelte';

const CHART_DAYS = 30;

export class PeopleState {
  list = $state.raw<Person[]>([]);
  person = $state.raw<PersonDetail | null>(null);
  visits = $state.raw<DayCount[]>([]);
  crops = $state.raw<Map<number, string>>(new Map());
  loading = $state(false);
  busy = $state(false);
  notFound = $state(false);
  #cropUrls: CropUrls;

  constructor(
    private readonly memory: MemoryState,
    private readonly toasts: Toasts,
  ) {
    this.#cropUrls = new CropUrls((id) => this.memory.api.getSampleCrop(id));
  }

  async loadList(): Promise<void> {
    if (!this.memory.ready) return;
    this.loading = true;
    try {
      this.list = await this.memory.api.listPersons();
      this.crops = await this.#cropUrls.load(
        this.list.flatMap((p) => (p.coverSampleId ? [p.coverSampleId] : [])),
      );
    } catch (error) {
      handleError(error, 'Reading the people');
    } finally {
      this.loading = false;
    }
  }

  async loadPerson(id: number): Promise<void> {
    if (!this.memory.ready) return;
    this.loading = true;
    this.notFound = false;
    try {
      const api = this.memory.api;
      const [person, visits, list] = await Promise.all([
        api.getPerson(id, 50),
        api.visitsPerDay(id, CHART_DAYS),
        api.listPersons(),
      ]);
      this.person = person;
      this.visits = visits;
      this.list = list;
      this.crops = await this.#cropUrls.load(
        person.samples.filter((s) => s.hasCrop).map((s) => s.id),
      );
    } catch (error) {
      if ((error as { code?: string }).code === 'not-found') {
        this.person = null;
        this.notFound = true;
      } else handleError(error, 'Reading this person');
    } finally {
      this.loading = false;
    }
  }

  rename(id: number, name: string) {
    return this.#act('Renaming', async (api) => {
      await api.renamePerson(id, name);
      this.toasts.show(`Renamed to ${isolate(name.trim())}.`, 'success');
    });
  }

  merge(fromId: number, intoId: number, intoName: string) {
    return this.#act('Merging', async (api) => {
      await api.mergePersons(fromId, intoId);
      this.toasts.show(`Merged into ${isolate(intoName)}.`, 'success');
    });
  }

  remove(id: number, name: string) {
    return this.#act('Deleting', async (api) => {
      await api.deletePerson(id);
      this.toasts.show(`${isolate(name)} was deleted.`, 'success');
    });
  }

  removeSample(sampleId: number) {
    return this.#act('Removing the picture', async (api) => {
      await api.deleteSample(sampleId);
      this.toasts.show('Picture removed.', 'success');
    });
  }

  /**
   * "Not this person" on a sample: it leaves the person, goes back to the queue
   * (with its picture) to be named again, and that face is no longer recognised
   * as them from the next frame on.
   */
  notThisPerson(sampleId: number, personName: string) {
    return this.#act(`Marking the picture as not ${personName}`, async (api) => {
      await api.notThisPerson({ sampleId });
      this.toasts.show(`Noted: not ${personName}. The picture is back in the queue.`, 'success');
      this.memory.changed('queue');
    });
  }

  moveSample(sampleId: number, toId: number, toName: string) {
    return this.#act('Moving the picture', async (api) => {
      await api.moveSample(sampleId, toId);
      this.toasts.show(`Picture moved to ${isolate(toName)}.`, 'success');
    });
  }

  #act(doing: string, fn: (api: MemoryState['api']) => Promise<void>): Promise<boolean> {
    return busyAction(this, doing, async () => {
      await fn(this.memory.api);
      this.memory.changed('people');
    });
  }

  dispose(): void {
    this.#cropUrls.dispose();
  }
}
