/**
 * IndexedDB keys: the SQLite snapshot, journal entries, embedding records per
 * model and person, crops, queued faces' embeddings and FAISS checkpoints
 * (the full layout: ../shared/design/ARCHITECTURE.md). Model ids are URI-encoded
 * so that a model id containing '/' cannot make one key prefix match another
 * model's keys.
 */
const enc = encodeURIComponent;

export const SQLITE_KEY = 'sqlite';
export const JOURNAL_PREFIX = 'sqljournal/';

export const embPrefix = (modelId: string): string => `emb/${enc(modelId)}/`;
export const embKey = (modelId: string, personId: number): string =>
  `${embPrefix(modelId)}${personId}`;
export const cropKey = (sampleId: number): string => `crop/${sampleId}`;
export const unlabeledCropKey = (id: number): string => `crop/unl/${id}`;
export const UNLABELED_EMB_PREFIX = 'unl/';
export const unlabeledEmbKey = (id: number): string => `${UNLABELED_EMB_PREFIX}${id}`;
/** The embedding (unit Float32Array) of a "not this person" face. */
export const negativeEmbKey = (id: number): string => `neg/${id}`;
export const faissKey = (modelId: string): string => `faiss/${enc(modelId)}`;
/** The checkpoint's parts (checkpoint.ts), under its key; zero-padded so key order is part order. */
export const faissPartPrefix = (modelId: string): string => `${faissKey(modelId)}/`;
export const faissPartKey = (modelId: string, part: number): string =>
  `${faissPartPrefix(modelId)}${String(part).padStart(6, '0')}`;

/** Zero-padded so that key order is sequence order. */
export const journalKey = (seq: number): string =>
  `${JOURNAL_PREFIX}${String(seq).padStart(12, '0')}`;

export function journalSeqOf(key: string): number {
  return Number(key.slice(JOURNAL_PREFIX.length));
}
