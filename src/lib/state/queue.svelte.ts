/** The labelling queue as the view sees it: groups, their crops and suggestions. */
import { describeError, handleError } from '../errors';
import { isolate } from '../present/format';
import { faceQuality } from '../decision/decide';
import { busyAction } from '../present/busy-action';
import { CropUrls } from '../present/crop-urls';
import type { Candidate } from '../memory/base/types';
import { transfer, type Remote } from 'comlink';
import type { VisionApi } from '../workers/vision.worker';
import type { MemoryState } from './memory.svelte';
import { decodePhoto, photoBatchSummary, type PhotoBatchResult } from '../vision/photo';
import { groupQueue, groupSuggestions, type QueueGroup } from '../present/queue-groups';
import type { Toasts } from './toasts.svelte';

export interface QueueGroupView extends QueueGroup {
  suggestions: Candidate[];
}

export class QueueState {
  groups = $state.raw<QueueGroupView[]>([]);
  names = $state.raw<string[]>([]);
  loading = $state(false);
  busy = $state(false);
  /** unlabeled id → object URL of its crop. */
  crops = $state.raw<Map<number, string>>(new Map());
  #cropUrls: CropUrls;

  constructor(
    private readonly memory: MemoryState,
    private readonly toasts: Toasts,
    private readonly topK: () => number,
    /** The model's threshold: suggestions far below it are shown as unlikely. */
    readonly threshold: () => number,
  ) {
    this.#cropUrls = new CropUrls((id) => this.memory.api.getUnlabeledCrop(id));
  }

  async load(): Promise<void> {
    if (!this.memory.ready) return;
    this.loading = true;
    try {
      const api = this.memory.api;
      const [faces, visitors, persons] = await Promise.all([
        api.getUnlabeled(),
        api.listVisitors({ limit: 0 }),
        api.listPersons(),
      ]);
      const groups = groupQueue(faces, visitors);
      const lists = faces.length
        ? await api.suggestForUnlabeled(
            faces.map((f) => f.id),
            this.topK(),
          )
        : [];
      const byId = new Map(faces.map((f, i) => [f.id, lists[i] ?? []]));
      this.groups = groups.map((g) => ({
        ...g,
        suggestions: groupSuggestions(
          g.faces.map((f) => byId.get(f.id) ?? []),
          this.topK(),
        ),
      }));
      this.names = persons.map((p) => p.name).sort((a, b) => a.localeCompare(b));
      this.crops = await this.#cropUrls.load(faces.filter((f) => f.hasCrop).map((f) => f.id));
    } catch (error) {
      handleError(error, 'Reading the queue');
    } finally {
      this.loading = false;
    }
  }

  /**
   * Finds the faces in photos the user picked and queues them to be labelled
   * (like faces from the camera: similar ones join a group).
   */
  async addPhotos(vision: Remote<VisionApi>, files: readonly File[]): Promise<void> {
    if (this.busy || !files.length) return;
    this.busy = true;
    // One unreadable file is a counted, named skip: the rest of the batch goes on.
    const result: PhotoBatchResult = { faces: 0, noFace: [], skipped: [] };
    try {
      for (const file of files) {
        let bitmap: ImageBitmap;
        try {
          bitmap = await decodePhoto(file, file.name);
        } catch (error) {
          result.skipped.push(describeError(error));
          continue;
        }
        try {
          const faces = await vision.embedPhoto(transfer(bitmap, [bitmap]));
          if (!faces.length) {
            result.noFace.push(file.name);
            continue;
          }
          // The live view's quality gate: a blurred, dark, tiny or turned face is not enrolled.
          const skipped = faces.filter((f) => f.quality && !f.quality.ok);
          for (const f of skipped) {
            this.toasts.show(`Skipped a face in ${file.name}: ${f.quality!.why}.`, 'info');
          }
          for (const f of faces.filter((x) => !skipped.includes(x))) {
            const side = Math.max(f.box.x2 - f.box.x1, f.box.y2 - f.box.y1);
            const r = await this.memory.api.queueUnknown(f.crop, f.embedding, {
              // Detector score × size (as the live view's crops), so the best crops go first.
              quality: faceQuality(f.score, side),
              timestampMs: Date.now(),
              maxPerGroup: 50,
              // Every face of a chosen photo waits for a name; a doubtful one on its own card.
              notSure: 'apart',
            });
            // Counted as added only when it is in the queue (a visitor with 50 faces takes no more).
            if (r.queued) result.faces++;
          }
        } catch (error) {
          handleError(error, `Reading ${file.name}`);
        }
      }
      const ok = !result.skipped.length && !result.noFace.length;
      this.toasts.show(
        photoBatchSummary(result),
        result.faces ? 'success' : ok ? 'info' : 'error',
        result.skipped.length ? 10_000 : undefined,
      );
      if (result.faces) this.memory.changed('queue');
    } finally {
      this.busy = false;
    }
    await this.load();
  }

  /**
   * Names the card: a visitor's (its faces and visit history move to the
   * person), else every face of the group; returns true when done.
   */
  async label(group: QueueGroupView, rawName: string): Promise<boolean> {
    const name = rawName.trim();
    if (!name) {
      this.toasts.show('Type a name first.', 'error', 4000);
      return false;
    }
    return this.#act(async () => {
      const api = this.memory.api;
      if (group.visitor) await api.labelVisitor(group.visitor.id, name);
      else
        await api.labelFaces(
          group.faces.map((f) => f.id),
          name,
        );
      const n = group.faces.length;
      const what = group.visitor
        ? `Visitor ${group.visitor.number}`
        : n === 1
          ? 'a face'
          : `${n} faces`;
      this.toasts.show(`Labelled ${what} as ${isolate(name)}.`, 'success');
      this.toasts.announce(`Labelled as ${isolate(name)}`);
      this.memory.changed('people');
    }, 'Labelling');
  }

  /**
   * "Not this person" on a suggestion: every face of the group is stored as
   * not that person (one action per face), so it is no longer suggested for
   * them nor recognised as them; the faces keep waiting for a name.
   */
  async notThisPerson(group: QueueGroupView, suggestion: Candidate): Promise<boolean> {
    return this.#act(async () => {
      for (const f of group.faces) {
        await this.memory.api.notThisPerson({ unlabeledId: f.id }, suggestion.personId);
      }
      this.toasts.announce(`Noted: not ${suggestion.name}`);
      // Recognition changed too: the live view forgets what its tracks were.
      this.memory.changed('people');
    }, `Marking the faces as not ${suggestion.name}`);
  }

  async discard(group: QueueGroupView): Promise<boolean> {
    return this.#act(async () => {
      // A visitor goes at once with its faces and visits; faces of none go one by one.
      if (group.visitor) await this.memory.api.discardVisitors([group.visitor.id]);
      else await this.memory.api.discardUnlabeled(group.faces.map((f) => f.id));
      this.toasts.announce('Discarded');
      this.memory.changed('queue');
    }, 'Discarding');
  }

  #act(fn: () => Promise<void>, doing: string): Promise<boolean> {
    return busyAction(this, doing, async () => {
      await fn();
      await this.load();
    });
  }

  dispose(): void {
    this.#cropUrls.dispose();
    this.crops = new Map();
  }
}
