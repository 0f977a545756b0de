import { FaissError } from './errors';
import { Index } from './index-base';
import { wrapIndex } from './index-types';
import { runtime } from './runtime';

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
    const p = rt.m._fw_read_index(r) >>> 0;
    if (p === 0) {
      const e = rt.lastError();
      if (e.code !== 'faiss') throw e;
      throw new FaissError(
        'bad-index-bytes',
        `cannot read a FAISS index from these ${bytes.length} bytes: ${e.message}`,
      );
    }
    return wrapIndex(p);
  } finally {
    rt.m._fw_reader_free(r);
  }
}
