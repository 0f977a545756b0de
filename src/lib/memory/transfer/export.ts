/**
 * The whole memory as one file (transfer/archive.ts); import-backup.ts reads it back.
 *
 * Export takes one consistent state: batched sightings are written first, then, in the
 * memory's queue (no action can run in between), the SQLite bytes, every embedding record of
 * every model, every face image, the queued faces' embeddings and the open model's FAISS
 * index. Records are regrouped by the sample's current owner, rows of deleted samples are left
 * out, and each person's rows carry their sample ids.
 */
import { version as appVersion } from '../../../../package.json';
import { writeArchive, type ArchiveModelParts } from '../../transfer/archive';
import { idMap2Ids } from '../../transfer/faiss-file';
import { negativeEmbKey } from '../store/keys';
import type { MemoryCore } from '../store/core';
import { cropBytes } from '../store/crop';
import { isEmbRecord, type EmbRecord } from '../store/emb-records';
import { cropPath } from './backup-format';
import { flushSightings } from '../actions/sightings';
import { rows } from '../../sqlite/sql';

export interface ExportOptions {
  /** The page's settings (localStorage), carried in the file. */
  settings: Record<string, unknown>;
  /** Encrypts the file (PBKDF2 + AES-GCM). */
  passphrase?: string;
  signal?: AbortSignal;
}

export interface ExportResult {
  file: Blob;
  /** `visio-memoria-YYYY-MM-DD.vmz` (local date). */
  fileName: string;
  bytes: number;
  counts: Record<string, number>;
  models: Array<{ id: string; dim: number; samples: number; unlabeled: number; faiss: boolean }>;
  encrypted: boolean;
}

export function exportFileName(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `visio-memoria-${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}.vmz`;
}

/** `emb/<enc(model)>/<personId>` → its model id. */
function modelOfKey(key: string): string {
  const rest = key.slice('emb/'.length);
  return decodeURIComponent(rest.slice(0, rest.lastIndexOf('/')));
}

interface Snapshot {
  sqlite: Uint8Array;
  owner: Map<number, { personId: number; modelId: string; hasCrop: boolean }>;
  pending: Map<number, string>;
  emb: Array<[string, EmbRecord]>;
  /** Stored crops: bytes + type, or a Blob in a memory not yet migrated (store/crop.ts). */
  crops: Array<[string, unknown]>;
  unl: Array<[string, Float32Array]>;
  /** "Not this person" embeddings with their negative's model. */
  neg: Array<{ id: number; modelId: string; vector: unknown }>;
  faiss: Uint8Array | null;
  counts: Record<string, number>;
}

function takeSnapshot(core: MemoryCore): Promise<Snapshot> {
  return core.serial(async () => {
    const { db, kv } = core;
    const owner = new Map(
      rows<{ id: number; person_id: number; model_id: string; has_crop: number }>(
        db,
        'SELECT id, person_id, model_id, has_crop FROM samples',
      ).map((s) => [s.id, { personId: s.person_id, modelId: s.model_id, hasCrop: !!s.has_crop }]),
    );
    const pending = new Map(
      rows<{ id: number; model_id: string }>(
        db,
        'SELECT id, model_id FROM unlabeled WHERE reviewed = 0',
      ).map((u) => [u.id, u.model_id]),
    );
    const count = (sql: string) => Number(rows<{ n: number }>(db, sql)[0]?.n ?? 0);
    const counts = {
      persons: count('SELECT COUNT(*) AS n FROM persons'),
      sightings: count('SELECT COUNT(*) AS n FROM sightings'),
      unlabeled: pending.size,
      unlabeledRows: count('SELECT COUNT(*) AS n FROM unlabeled'),
    };
    const negRows = rows<{ id: number; model_id: string }>(
      db,
      'SELECT id, model_id FROM negatives ORDER BY id',
    );
    const [emb, crops, unl, negVectors] = await Promise.all([
      kv.getPrefix<EmbRecord>('emb/'),
      kv.getPrefix<unknown>('crop/'),
      kv.getPrefix<Float32Array>('unl/'),
      kv.getMany<Float32Array>(negRows.map((n) => negativeEmbKey(n.id))),
    ]);
    const neg = negRows.map((n, i) => ({ id: n.id, modelId: n.model_id, vector: negVectors[i] }));
    const faiss = core.index.ntotal > 0 && !core.indexBroken ? core.index.toBytes() : null;
    return { sqlite: db.export(), owner, pending, emb, crops, unl, neg, faiss, counts };
  });
}

/** Every live sample's vectors per model, grouped by owner, rows in sample-id order. */
function modelParts(core: MemoryCore, snap: Snapshot): Map<string, ArchiveModelParts> {
  const byModel = new Map<string, { dim: number; rows: Map<number, Map<number, Float32Array>> }>();
  const modelOf = (id: string, dim: number) => {
    let m = byModel.get(id);
    if (!m) byModel.set(id, (m = { dim, rows: new Map() }));
    return m.dim === dim ? m : null;
  };
  if (core.index.ntotal > 0) modelOf(core.config.modelId, core.config.dim);
  for (const [key, rec] of snap.emb) {
    if (!isEmbRecord(rec) || !rec.sampleIds.length) continue;
    const dim = rec.vectors.length / rec.sampleIds.length;
    const m = modelOf(modelOfKey(key), dim);
    if (!m) continue; // a record of another dimension than the model's others: not exportable
    rec.sampleIds.forEach((id, r) => {
      const owner = snap.owner.get(id);
      if (!owner) return; // a deleted sample's leftover row
      const mine = m.rows.get(owner.personId) ?? new Map<number, Float32Array>();
      mine.set(id, rec.vectors.subarray(r * dim, (r + 1) * dim));
      m.rows.set(owner.personId, mine);
    });
  }
  const out = new Map<string, ArchiveModelParts>();
  for (const [id, m] of byModel) {
    const part: ArchiveModelParts = {
      id,
      dim: m.dim,
      persons: new Map(),
      sampleIds: new Map(),
      unlabeled: new Map(),
    };
    for (const [personId, mine] of m.rows) {
      const ids = [...mine.keys()].sort((a, b) => a - b);
      const flat = new Float32Array(ids.length * m.dim);
      ids.forEach((sid, i) => flat.set(mine.get(sid)!, i * m.dim));
      part.persons.set(personId, flat);
      part.sampleIds!.set(personId, ids);
    }
    out.set(id, part);
  }
  for (const [key, v] of snap.unl) {
    const faceId = Number(key.slice('unl/'.length));
    const modelId = snap.pending.get(faceId);
    if (!modelId || !(v instanceof Float32Array) || !v.length) continue;
    let part = out.get(modelId);
    if (!part) {
      part = { id: modelId, dim: v.length, persons: new Map(), unlabeled: new Map() };
      out.set(modelId, part);
    }
    if (part.dim === v.length) part.unlabeled.set(faceId, v);
  }
  for (const n of snap.neg) {
    const v = n.vector;
    if (!(v instanceof Float32Array) || !v.length) continue; // verify() reports it
    let part = out.get(n.modelId);
    if (!part) {
      part = { id: n.modelId, dim: v.length, persons: new Map(), unlabeled: new Map() };
      out.set(n.modelId, part);
    }
    if (part.dim === v.length) (part.negatives ??= new Map()).set(n.id, v);
  }
  return out;
}

/** The whole memory as one (optionally encrypted) export file. */
export async function exportMemory(core: MemoryCore, opts: ExportOptions): Promise<ExportResult> {
  if (!core.readOnly) await flushSightings(core);
  const snap = await takeSnapshot(core);
  opts.signal?.throwIfAborted();
  const models = modelParts(core, snap);
  const open = models.get(core.config.modelId);
  if (snap.faiss && open) {
    const mapping = idMap2Ids(snap.faiss).map((sid) => snap.owner.get(sid)?.personId ?? -1);
    open.faiss = { index: snap.faiss, mapping };
  }
  const crops = new Map<string, Uint8Array>();
  const wanted: Array<[number, boolean, unknown]> = [];
  for (const [key, value] of snap.crops) {
    const unl = key.startsWith('crop/unl/');
    const id = Number(key.slice(unl ? 'crop/unl/'.length : 'crop/'.length));
    const live = unl ? snap.pending.has(id) : snap.owner.get(id)?.hasCrop;
    if (live) wanted.push([id, unl, value]);
  }
  for (let i = 0; i < wanted.length; i += 256) {
    opts.signal?.throwIfAborted();
    const batch = wanted.slice(i, i + 256);
    const got = await Promise.all(batch.map(([, , v]) => cropBytes(v)));
    batch.forEach(([id, unl], j) => {
      const c = got[j];
      if (c) crops.set(cropPath(id, unl, c.type), c.bytes);
    });
  }
  let withVector = 0;
  for (const m of models.values()) {
    for (const ids of m.sampleIds?.values() ?? []) {
      withVector += ids.filter((id) => snap.owner.get(id)?.modelId === m.id).length;
    }
  }
  const counts = { ...snap.counts, samplesWithoutVector: snap.owner.size - withVector };
  const file = await writeArchive(
    {
      appVersion,
      settings: opts.settings,
      sqlite: snap.sqlite,
      models: [...models.values()],
      crops,
      counts,
    },
    { passphrase: opts.passphrase, signal: opts.signal },
  );
  return {
    file: new Blob([file as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }),
    fileName: exportFileName(),
    bytes: file.length,
    counts: { ...counts, samples: snap.owner.size, crops: crops.size },
    models: [...models.values()].map((m) => ({
      id: m.id,
      dim: m.dim,
      samples: [...m.persons.values()].reduce((n, r) => n + r.length / m.dim, 0),
      unlabeled: m.unlabeled.size,
      faiss: !!m.faiss,
    })),
    encrypted: opts.passphrase !== undefined,
  };
}
