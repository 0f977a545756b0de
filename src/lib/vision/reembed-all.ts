/**
 * Embedding every stored crop again with a new model, for a model switch:
 * pure over its dependencies (the page binds them to the workers, tests to
 * in-process parts), resumable, cancellable.
 */
import { isAbort } from '../errors';
import type {
  LeftBehind,
  ReembeddedQueued,
  ReembedPlan,
  ReembedSample,
} from '../memory/actions/reembed';

/** What re-embedding needs; the page binds it to the workers, tests to in-process parts. */
export interface ReembedDeps<I> {
  plan(): Promise<ReembedPlan>;
  sampleCrop(sampleId: number): Promise<Blob | undefined>;
  queuedCrop(unlabeledId: number): Promise<Blob | undefined>;
  decode(crop: Blob): Promise<I>;
  /** The new model's embedding of the face in the crop; undefined when no face is found. */
  embed(image: I): Promise<Float32Array | undefined>;
  /** Stores one batch of sample vectors (one transaction). */
  store(entries: { sampleId: number; embedding: Float32Array }[]): Promise<number>;
}

export interface ReembedProgress {
  /** Crops handled so far (samples, then queued faces). */
  done: number;
  total: number;
  /** Of those, crops in which the new model's detector found no face. */
  notFound: number;
}

interface ReembedRun {
  plan: ReembedPlan;
  /** Sample vectors stored by this run. */
  embedded: number;
  notFound: ReembedSample[];
  queued: ReembeddedQueued[];
  queuedNotFound: number;
}

/**
 * Embeds every crop the plan lists, storing sample vectors in batches (so an
 * interrupted run resumes), and returns the queued faces' vectors (the queue
 * is small; they are stored when the model is adopted). Samples labelled
 * while it runs are picked up by planning again at the end. Throws an
 * AbortError when `signal` aborts; what was stored stays stored.
 */
export async function reembedAll<I>(
  deps: ReembedDeps<I>,
  opts: {
    signal?: AbortSignal;
    batchSize?: number;
    onProgress?: (p: ReembedProgress) => void;
  } = {},
): Promise<ReembedRun> {
  const batchSize = opts.batchSize ?? 8;
  const tried = new Set<number>();
  const notFound: ReembedSample[] = [];
  let embedded = 0;
  let plan = await deps.plan();
  const progress: ReembedProgress = {
    done: 0,
    total: plan.todo.length + plan.queued.length,
    notFound: 0,
  };
  opts.onProgress?.({ ...progress });

  const embedCrop = async (crop: Blob | undefined): Promise<Float32Array | undefined> => {
    opts.signal?.throwIfAborted();
    let v: Float32Array | undefined;
    try {
      v = crop && (await deps.embed(await deps.decode(crop)));
    } catch (error) {
      if (isAbort(error)) throw error;
      v = undefined; // an unreadable image is a face not found, not a failed switch
    }
    opts.signal?.throwIfAborted();
    progress.done++;
    if (!v) progress.notFound++;
    opts.onProgress?.({ ...progress });
    return v;
  };

  for (;;) {
    const todo = plan.todo.filter((t) => !tried.has(t.sampleId));
    if (!todo.length) break;
    if (tried.size) {
      progress.total += todo.length;
      opts.onProgress?.({ ...progress });
    }
    for (let i = 0; i < todo.length; i += batchSize) {
      const batch: { sampleId: number; embedding: Float32Array }[] = [];
      for (const t of todo.slice(i, i + batchSize)) {
        tried.add(t.sampleId);
        const v = await embedCrop(await deps.sampleCrop(t.sampleId));
        if (v) batch.push({ sampleId: t.sampleId, embedding: v });
        else notFound.push(t);
      }
      if (batch.length) embedded += await deps.store(batch);
    }
    plan = await deps.plan();
  }

  const queued: ReembeddedQueued[] = [];
  let queuedNotFound = 0;
  for (const id of plan.queued) {
    const v = await embedCrop(await deps.queuedCrop(id));
    if (v) queued.push({ unlabeledId: id, embedding: v });
    else queuedNotFound++;
  }
  return { plan, embedded, notFound, queued, queuedNotFound };
}

/** "3 of Amy's, 1 of Raj's": for the report after a switch. */
export function describeLeftBehind(left: readonly LeftBehind[], kind: 'noCrop' | 'notEmbedded') {
  return left
    .filter((p) => p[kind] > 0)
    .map((p) => ({ personId: p.personId, name: p.name, count: p[kind] }));
}
