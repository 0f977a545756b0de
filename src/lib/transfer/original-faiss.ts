/**
 * Decides whether the original's saved FAISS index (`faiss_index.bin` +
 * `faiss_mapping.json`) can be used as it is. It agrees when its metric is inner product,
 * its dimension is the embeddings' dimension, ntotal equals the mapping length and the
 * number of embeddings, every mapped id is a person, and each stored vector is, bit for
 * bit, the embedding the mapping says it is (the original appends a person's samples to
 * the index in the order it appends them to `person_N.pt`). Otherwise: rebuild.
 */
import { faissStoredVectors, readFaissHeader, type FaissFileInfo } from './faiss-file';
import { TransferError } from './errors';

export interface OriginalFaiss {
  /** The index file as found (empty when only the mapping exists). */
  bytes: Uint8Array;
  info: FaissFileInfo | null;
  /** FAISS row → original person id, or null when unreadable. */
  mapping: number[] | null;
  agrees: boolean;
  /** Why it does not agree (shown to the user; the index is rebuilt). */
  reason?: string;
}

interface PersonVectors {
  originalId: number;
  embeddings: Float32Array[];
}

/** Accepts `[id, …]`, `{"mapping": [id, …]}` and `{"0": id, "1": id, …}`. */
export function parseFaissMapping(bytes: Uint8Array): number[] {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new Error('faiss_mapping.json is not valid JSON');
  }
  if (json && typeof json === 'object' && !Array.isArray(json) && 'mapping' in json) {
    json = (json as { mapping: unknown }).mapping;
  }
  let list: unknown[];
  if (Array.isArray(json)) list = json;
  else if (json && typeof json === 'object') {
    const entries = Object.entries(json as Record<string, unknown>);
    list = new Array<unknown>(entries.length);
    for (const [key, value] of entries) {
      const row = Number(key);
      if (!Number.isInteger(row) || row < 0 || row >= entries.length) {
        throw new Error('faiss_mapping.json has rows that are not 0…n−1');
      }
      list[row] = value;
    }
  } else throw new Error('faiss_mapping.json is neither a list nor an object');
  if (!list.every((v) => Number.isSafeInteger(v))) {
    throw new Error('faiss_mapping.json holds entries that are not person ids');
  }
  return list as number[];
}

function firstDisagreement(
  bytes: Uint8Array,
  info: FaissFileInfo,
  mapping: number[],
  persons: PersonVectors[],
  dim: number,
): string | undefined {
  if (info.metric !== 'inner-product') return `the index uses the ${info.metric} metric`;
  if (info.dim !== dim) return `the index holds ${info.dim}-d vectors, the embeddings are ${dim}-d`;
  if (info.ntotal !== mapping.length) {
    return `the index has ${info.ntotal} rows but the mapping ${mapping.length}`;
  }
  const byId = new Map(persons.map((p) => [p.originalId, p]));
  const total = persons.reduce((sum, p) => sum + p.embeddings.length, 0);
  if (info.ntotal !== total)
    return `the index has ${info.ntotal} rows but there are ${total} embeddings`;
  const unknown = mapping.find((id) => !byId.has(id));
  if (unknown !== undefined) return `the mapping names person ${unknown}, who does not exist`;
  // The k-th row mapped to a person is that person's k-th sample.
  const seen = new Map<number, number>();
  const expected: Float32Array[] = mapping.map((id) => {
    const k = seen.get(id) ?? 0;
    seen.set(id, k + 1);
    return byId.get(id)!.embeddings[k] ?? new Float32Array(0);
  });
  for (const p of persons) {
    if ((seen.get(p.originalId) ?? 0) !== p.embeddings.length) {
      return `the mapping gives person ${p.originalId} another number of rows than samples`;
    }
  }
  let stored;
  try {
    stored = faissStoredVectors(bytes);
  } catch (error) {
    return error instanceof TransferError ? error.message : String(error);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const { id, at } of stored) {
    const want = expected[id]!;
    const bits = new Uint32Array(want.buffer, want.byteOffset, want.length);
    for (let j = 0; j < dim; j++) {
      if (view.getUint32(at + 4 * j, true) !== bits[j]) {
        return `row ${id} of the index is not the sample the mapping gives it`;
      }
    }
  }
  return undefined;
}

export function checkOriginalFaiss(
  indexBytes: Uint8Array | undefined,
  mappingBytes: Uint8Array | undefined,
  persons: PersonVectors[],
  dim: number,
): OriginalFaiss | null {
  if (!indexBytes && !mappingBytes) return null;
  const result: OriginalFaiss = {
    bytes: indexBytes ?? new Uint8Array(0),
    info: null,
    mapping: null,
    agrees: false,
  };
  try {
    result.mapping = mappingBytes ? parseFaissMapping(mappingBytes) : null;
  } catch (error) {
    result.reason = (error as Error).message;
  }
  if (!indexBytes) {
    result.reason = 'faiss_index.bin is missing';
    return result;
  }
  try {
    result.info = readFaissHeader(indexBytes);
  } catch (error) {
    result.reason = (error as Error).message;
    return result;
  }
  if (!result.mapping) {
    result.reason ??= 'faiss_mapping.json is missing';
    return result;
  }
  result.reason = firstDisagreement(indexBytes, result.info, result.mapping, persons, dim);
  result.agrees = result.reason === undefined;
  if (result.agrees) delete result.reason;
  return result;
}
