import { MemoryError } from './errors';
import { FaceDatabase, type OpenOptions } from './face-database';
import type { OpenReport } from './types';

/** What can cross to the worker: the open options without functions or handles. */
export type ServiceOpenOptions = Omit<
  OpenOptions,
  'locks' | 'faiss' | 'sqlWasmUrl' | 'onEvent' | 'onWriteStep'
>;

export interface OpenedMemory {
  report: OpenReport;
  readOnly: boolean;
  readOnlyReason: string | null;
}

/**
 * The memory worker's API: one open FaceDatabase at a time, every method
 * forwarded. Pure (no worker globals), so Node tests drive it directly or
 * over a MessageChannel.
 */
export function createMemoryService(env: { sqlWasmUrl?: string } = {}) {
  let db: FaceDatabase | null = null;
  const need = (): FaceDatabase => {
    if (!db) throw new MemoryError('closed', 'The memory is not open yet.');
    return db;
  };
  return {
    async open(options: ServiceOpenOptions): Promise<OpenedMemory> {
      await db?.close();
      db = null;
      db = await FaceDatabase.open({ ...options, sqlWasmUrl: env.sqlWasmUrl });
      return { report: db.openReport, readOnly: db.readOnly, readOnlyReason: db.readOnlyReason };
    },
    async close(): Promise<void> {
      const d = db;
      db = null;
      await d?.close();
    },
    findMatch: (e: Float32Array) => need().findMatch(e),
    findTopK: (e: Float32Array, k?: number) => need().findTopK(e, k),
    identify: (es: Float32Array[], k?: number) => need().identify(es, k),
    recordSighting: (id: number, sim: number) => need().recordSighting(id, sim),
    observe: (id: number, sim: number, atMs?: number) => need().observe(id, sim, atMs),
    recognise: (...a: Parameters<FaceDatabase['recognise']>) => need().recognise(...a),
    queueUnlabeled: (...a: Parameters<FaceDatabase['queueUnlabeled']>) =>
      need().queueUnlabeled(...a),
    queueUnknown: (...a: Parameters<FaceDatabase['queueUnknown']>) => need().queueUnknown(...a),
    suggestForUnlabeled: (ids: number[], k?: number) => need().suggestForUnlabeled(ids, k),
    getUnlabeled: () => need().getUnlabeled(),
    getUnlabeledCrop: (id: number) => need().getUnlabeledCrop(id),
    labelFace: (id: number, name: string) => need().labelFace(id, name),
    labelFaces: (ids: number[], name: string) => need().labelFaces(ids, name),
    discardUnlabeled: (ids: number | number[]) => need().discardUnlabeled(ids),
    listPersons: () => need().listPersons(),
    getPerson: (id: number, recent?: number) => need().getPerson(id, recent),
    getSampleCrop: (id: number) => need().getSampleCrop(id),
    visitsPerDay: (...a: Parameters<FaceDatabase['visitsPerDay']>) => need().visitsPerDay(...a),
    renamePerson: (id: number, name: string) => need().renamePerson(id, name),
    mergePersons: (from: number, into: number) => need().mergePersons(from, into),
    deletePerson: (id: number) => need().deletePerson(id),
    deleteSample: (id: number) => need().deleteSample(id),
    moveSample: (id: number, to: number) => need().moveSample(id, to),
    importPersons: (...a: Parameters<FaceDatabase['importPersons']>) => need().importPersons(...a),
    stats: () => need().stats(),
    planReembed: (modelId: string, dim: number) => need().planReembed(modelId, dim),
    storeReembedded: (...a: Parameters<FaceDatabase['storeReembedded']>) =>
      need().storeReembedded(...a),
    adoptModel: (...a: Parameters<FaceDatabase['adoptModel']>) => need().adoptModel(...a),
    setThreshold: (thresholdCosine: number) => need().setThreshold(thresholdCosine),
    rebuildIndex: () => need().rebuildIndex(),
    exportArchive: (o: Parameters<FaceDatabase['exportArchive']>[0]) => need().exportArchive(o),
    previewImport: (file: Blob, passphrase?: string) => need().previewImport(file, { passphrase }),
    previewOriginal: (input: Parameters<FaceDatabase['previewOriginal']>[0]) =>
      need().previewOriginal(input, { sqlWasmUrl: env.sqlWasmUrl }),
    applyImport: (previewId: string) => need().applyImport(previewId),
    cancelImport: () => db?.cancelImport(),
    verify: (...a: Parameters<FaceDatabase['verify']>) => need().verify(...a),
    /** The page calls this on `pagehide` (workers do not get that event). */
    flush: async () => {
      await db?.flush();
    },
  };
}

export type MemoryService = ReturnType<typeof createMemoryService>;
