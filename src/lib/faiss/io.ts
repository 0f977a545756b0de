import { FaissError } from './errors';
import { Index } from './index-base';
import { wrapIndex } from './index-types';
import { runtime, type Runtime } from './runtime';

class IndexIO extends Index {
  /** The C++ pointer of any index (Index.ptr is protected). */
  static pointerOf(index: Index): number {
    if (!(index instanceof Index)) throw new FaissError('bad-argument', 'expected a FAISS index');
    return (index as IndexIO).ptr;
  }
}

/** FAISS's write_index: the index in FAISS's own file format (as Python's serialize_index). */
export function writeIndex(index: Index): Uint8Array {
  const rt = runtime();
  const w = rt.pointer(rt.m._fw_write_index(IndexIO.pointerOf(index)));
  try {
    return rt.getBytes(rt.m._fw_writer_data(w) >>> 0, rt.m._fw_writer_size(w) >>> 0);
  } finally {
    rt.m._fw_writer_free(w);
  }
}

/**
 * write_index's bytes in parts of at most `partBytes` each, copied straight
 * out of the WebAssembly heap: a 300 MB index is never held whole in
 * JavaScript as well as in parts.
 */
export function writeIndexParts(index: Index, partBytes: number): Uint8Array[] {
  if (!Number.isSafeInteger(partBytes) || partBytes <= 0) {
    throw new FaissError('bad-argument', 'writeIndexParts expects a positive part size');
  }
  const rt = runtime();
  const w = rt.pointer(rt.m._fw_write_index(IndexIO.pointerOf(index)));
  try {
    const at = rt.m._fw_writer_data(w) >>> 0;
    const size = rt.m._fw_writer_size(w) >>> 0;
    const parts: Uint8Array[] = [];
    for (let a = 0; a < size; a += partBytes) {
      parts.push(rt.getBytes(at + a, Math.min(partBytes, size - a)));
    }
    return parts;
  } finally {
    rt.m._fw_writer_free(w);
  }
}

/**
 * readIndex for bytes that arrive in parts (`size` in all, in order): each
 * part is copied into the reader's buffer as it comes and can be dropped, so
 * a caller that fetches or decrypts parts one by one never holds the whole
 * file. Too few, too many or a wrong total throws bad-index-bytes, and the
 * reader is freed either way.
 */
export async function readIndexParts(
  size: number,
  parts: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<Index> {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new FaissError('bad-argument', 'readIndexParts expects the total size in bytes');
  }
  const rt = runtime();
  const r = rt.pointer(rt.m._fw_reader_new(size));
  try {
    let at = 0;
    for await (const part of parts) {
      if (!(part instanceof Uint8Array)) {
        throw new FaissError('bad-argument', 'readIndexParts expects parts as Uint8Arrays');
      }
      if (at + part.length > size) {
        throw new FaissError(
          'bad-index-bytes',
          `the parts hold more than the ${size} bytes stated`,
        );
      }
      // The heap may have grown while the part was awaited: look the buffer up now.
      rt.putBytes((rt.m._fw_reader_data(r) >>> 0) + at, part);
      at += part.length;
    }
    if (at !== size) {
      throw new FaissError('bad-index-bytes', `the parts hold ${at} of the ${size} bytes stated`);
    }
    return readFrom(rt, r, size);
  } finally {
    rt.m._fw_reader_free(r);
  }
}

/**
 * FAISS's read_index from bytes (as Python's deserialize_index). Returns
 * the class matching the file (IndexFlatIP/L2, IndexIVFFlat, IndexIDMap,
 * IndexIDMap2; other FAISS types get the generic Index API). Truncated,
 * trailing or corrupt bytes throw a FaissError with code bad-index-bytes.
 */
export function readIndex(bytes: Uint8Array): Index {
  if (!(bytes instanceof Uint8Array)) {
    throw new FaissError('bad-argument', 'readIndex expects the index bytes as a Uint8Array');
  }
  const rt = runtime();
  const r = rt.pointer(rt.m._fw_reader_new(bytes.length));
  try {
    rt.putBytes(rt.m._fw_reader_data(r) >>> 0, bytes);
    return readFrom(rt, r, bytes.length);
  } finally {
    rt.m._fw_reader_free(r);
  }
}

function readFrom(rt: Runtime, reader: number, size: number): Index {
  const p = rt.m._fw_read_index(reader) >>> 0;
  if (p === 0) {
    const e = rt.lastError();
    if (e.code !== 'faiss') throw e;
    throw new FaissError(
      'bad-index-bytes',
      `cannot read a FAISS index from these ${size} bytes: ${e.message}`,
    );
  }
  return wrapIndex(p);
}
