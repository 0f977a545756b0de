import { describeError } from '../../errors';
import type { Database } from 'sql.js';
import type { FaissModule } from '../../faiss';
import { checkpointProblem, partBytes, type Checkpoint, type StoredCheckpoint } from './checkpoint';
import { isEmbRecord, type EmbRecord } from './emb-records';
import type { JournalEntry } from './journal';
import { embPrefix, faissPartKey } from './keys';
import type { KvStore } from './kv';
import { META, readMetaNumber } from './meta';
import { rows, scalar } from '../../sqlite/sql';
import type { OpenReport } from '../base/types';
import { VectorIndex } from './vector-index';

interface IndexContext {
  db: Database;
  kv: KvStore;
  faiss: FaissModule;
  dbId: string;
  modelId: string;
  dim: number;
}

interface RestoredIndex {
  index: VectorIndex;
  source: OpenReport['indexSource'];
  reason: string | null;
  effectsReplayed: number;
  missing: number;
  /** The stored checkpoint, when the index came from it in the current format. */
  checkpointSeq: number | null;
}

export function liveSampleCount(db: Database, modelId: string): number {
  return Number(scalar(db, 'SELECT COUNT(*) FROM samples WHERE model_id = ?', [modelId]));
}

/**
 * The open model's index: from the checkpoint when its tags match and the
 * journal holds every change since it (the fast path: one `readIndex`, no
 * per-row work), otherwise rebuilt from the stored embeddings.
 */
export async function restoreIndex(
  ctx: IndexContext,
  journal: readonly JournalEntry[],
  ck: StoredCheckpoint | undefined,
): Promise<RestoredIndex> {
  const seq = readMetaNumber(ctx.db, META.seq);
  const indexGen = readMetaNumber(ctx.db, META.indexGen(ctx.modelId));
  const live = liveSampleCount(ctx.db, ctx.modelId);
  let reason = checkpointProblem(ck, { ...ctx, seq, indexGen });
  if (!reason && ck) {
    const since = journal.filter(
      (e) => e.seq > ck.seq && e.index.some((x) => x.modelId === ctx.modelId),
    );
    if (since.length !== indexGen - ck.indexGen) {
      reason = 'the journal no longer holds every change since the checkpoint';
    } else {
      const got = await fromCheckpoint(ctx, ck, since, live);
      if (typeof got === 'string') reason = got;
      // A format-1 checkpoint is used, and replaced by one in parts at the next upkeep.
      else
        return { ...got, reason: null, missing: 0, checkpointSeq: ck.format === 2 ? ck.seq : null };
    }
  }
  if (live === 0 && reason === 'no checkpoint') {
    const index = VectorIndex.build(ctx.faiss, ctx.dim, [], new Float32Array(0));
    return {
      index,
      source: 'empty',
      reason: null,
      effectsReplayed: 0,
      missing: 0,
      checkpointSeq: null,
    };
  }
  const { index, missing } = await buildFromStorage(ctx);
  return { index, source: 'rebuilt', reason, effectsReplayed: 0, missing, checkpointSeq: null };
}

/** Parts read in one IndexedDB transaction, and how many such reads run ahead. */
const PARTS_PER_READ = 16;
const READS_IN_FLIGHT = 2;

/**
 * A format-2 checkpoint's bytes, part by part, in order, each checked to be
 * that part of that checkpoint. Parts are read PARTS_PER_READ to a
 * transaction and opened (decrypted) as they arrive, so many decrypt at once
 * while FAISS copies the earliest, and a part is dropped once copied.
 */
async function* checkpointParts(ctx: IndexContext, ck: Checkpoint): AsyncGenerator<Uint8Array> {
  const read = (first: number) => {
    const ids = Array.from(
      { length: Math.min(PARTS_PER_READ, ck.parts - first) },
      (_, k) => first + k,
    );
    return ctx.kv.getMany<unknown>(ids.map((i) => faissPartKey(ck.modelId, i))).then((stored) =>
      stored.map((value, k) => {
        const bytes = partBytes(ck, ids[k]!, value);
        if (typeof bytes === 'string') throw new Error(bytes);
        return bytes;
      }),
    );
  };
  const ahead: Array<Promise<Uint8Array[]>> = [];
  const ask = (first: number) => {
    if (first >= ck.parts) return;
    const p = read(first);
    p.catch(() => undefined); // a read ahead may never be awaited
    ahead.push(p);
  };
  for (let r = 0; r < READS_IN_FLIGHT; r++) ask(r * PARTS_PER_READ);
  for (let first = 0; first < ck.parts; first += PARTS_PER_READ) {
    const batch = ahead.shift()!;
    ask(first + READS_IN_FLIGHT * PARTS_PER_READ);
    yield* await batch;
  }
}

async function fromCheckpoint(
  ctx: IndexContext,
  ck: StoredCheckpoint,
  since: readonly JournalEntry[],
  live: number,
): Promise<Pick<RestoredIndex, 'index' | 'source' | 'effectsReplayed'> | string> {
  let index: VectorIndex;
  try {
    index =
      ck.format === 1
        ? VectorIndex.fromBytes(ctx.faiss, ck.bytes, ctx.dim, ck.kind)
        : await VectorIndex.fromParts(
            ctx.faiss,
            ck.size,
            checkpointParts(ctx, ck),
            ctx.dim,
            ck.kind,
          );
  } catch (error) {
    return `unreadable checkpoint (${describeError(error)})`;
  }
  let problem: string | null = null;
  let replayed = 0;
  try {
    if (index.ntotal !== ck.ntotal) problem = 'checkpoint vector count differs from its tag';
    for (const entry of problem ? [] : since) {
      for (const e of entry.index) {
        if (e.modelId !== ctx.modelId) continue;
        if (e.remove?.length) index.remove(e.remove);
        if (e.add?.ids.length) index.add(e.add.ids, e.add.vectors);
        replayed++;
      }
    }
    if (!problem && index.ntotal !== live) {
      problem = `checkpoint holds ${index.ntotal} vectors, the database ${live}`;
    }
    if (!problem && index.outOfPolicy)
      problem = `${index.kind} no longer fits ${index.ntotal} vectors`;
  } catch (error) {
    problem = `checkpoint replay failed (${describeError(error)})`;
  }
  if (problem) {
    index.dispose();
    return problem;
  }
  return {
    index,
    source: replayed ? 'checkpoint+journal' : 'checkpoint',
    effectsReplayed: replayed,
  };
}

/**
 * Every stored embedding of the model whose sample is live in SQLite (the
 * source of truth): rows of deleted samples are left out, and live samples
 * without a vector are counted as missing.
 */
async function loadVectors(ctx: IndexContext) {
  const liveIds = new Set(
    rows<{ id: number }>(ctx.db, 'SELECT id FROM samples WHERE model_id = ?', [ctx.modelId]).map(
      (r) => r.id,
    ),
  );
  const records = await ctx.kv.getPrefix<EmbRecord>(embPrefix(ctx.modelId));
  const ids: number[] = [];
  const vectors = new Float32Array(liveIds.size * ctx.dim);
  for (const [, rec] of records) {
    if (!isEmbRecord(rec, ctx.dim)) continue;
    rec.sampleIds.forEach((id, row) => {
      if (!liveIds.delete(id)) return;
      vectors.set(rec.vectors.subarray(row * ctx.dim, (row + 1) * ctx.dim), ids.length * ctx.dim);
      ids.push(id);
    });
  }
  return { ids, vectors: vectors.subarray(0, ids.length * ctx.dim), missing: liveIds.size };
}

export async function buildFromStorage(ctx: IndexContext) {
  const { ids, vectors, missing } = await loadVectors(ctx);
  return { index: VectorIndex.build(ctx.faiss, ctx.dim, ids, vectors), missing };
}
