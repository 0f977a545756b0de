import { MemoryError } from '../base/errors';
import type { CropInput, StoredCrop } from '../base/types';
import type { KvStore } from './kv';

export type { CropInput, StoredCrop } from '../base/types';

export function isStoredCrop(v: unknown): v is StoredCrop {
  return (
    typeof v === 'object' &&
    v !== null &&
    (v as StoredCrop).bytes instanceof Uint8Array &&
    typeof (v as StoredCrop).type === 'string'
  );
}

export function isCropInput(v: unknown): v is CropInput {
  return v instanceof Blob || v instanceof Uint8Array || isStoredCrop(v);
}

/** Byte count of a crop in either form (for the size limit, before any copy). */
export function cropSize(v: CropInput): number {
  if (v instanceof Blob) return v.size;
  if (v instanceof Uint8Array) return v.length;
  return v.bytes.length;
}

/** Sniffs PNG/JPEG/WebP/GIF from the first bytes; '' when unknown. */
function imageTypeOf(bytes: Uint8Array): string {
  const b = bytes;
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'image/png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57) {
    return 'image/webp';
  }
  if (b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return 'image/gif';
  return '';
}

/**
 * The storable form of a crop. The bytes are copied into their own buffer so
 * a view into a bigger one (an unzipped archive) does not store all of it.
 */
export async function toStoredCrop(v: CropInput): Promise<StoredCrop> {
  if (isStoredCrop(v)) return { bytes: ownBytes(v.bytes), type: v.type };
  if (v instanceof Uint8Array) return { bytes: ownBytes(v), type: imageTypeOf(v) };
  if (v instanceof Blob) {
    const bytes = new Uint8Array(await v.arrayBuffer());
    return { bytes, type: v.type || imageTypeOf(bytes) };
  }
  throw new MemoryError('invalid-input', 'A crop must be an image (a Blob or its bytes).');
}

/** Bytes + type ready to store (copied out of a bigger buffer, which a put would store whole). */
export function storedCrop(bytes: Uint8Array, type: string): StoredCrop {
  return { bytes: ownBytes(bytes), type };
}

function ownBytes(b: Uint8Array): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice();
}

/** A stored value (either form) as a Blob for display; undefined when it is neither. */
export function cropBlob(v: unknown): Blob | undefined {
  if (v instanceof Blob) return v;
  if (isStoredCrop(v)) return new Blob([v.bytes as Uint8Array<ArrayBuffer>], { type: v.type });
  return undefined;
}

/** A stored value (either form) as bytes + type; undefined when it is neither. */
export async function cropBytes(v: unknown): Promise<StoredCrop | undefined> {
  if (isStoredCrop(v)) return v;
  if (v instanceof Blob) return toStoredCrop(v);
  return undefined;
}

/** Set once every stored crop is bytes; absent in memories written with Blobs. */
export const CROPS_AS_BYTES_KEY = 'format/crops-as-bytes';

/**
 * Converts crops stored as Blobs (memories written before the bytes format) to
 * bytes + type, `batch` keys per transaction so memory use stays bounded. Each
 * batch is one transaction and reading accepts both forms, so a kill between
 * batches leaves a memory that works and finishes converting on the next open.
 * The marker is written with the last batch; once set, opening costs one get.
 * Returns how many crops were converted.
 */
export async function migrateCrops(kv: KvStore, batch = 200): Promise<number> {
  if ((await kv.get<unknown>(CROPS_AS_BYTES_KEY)) !== undefined) return 0;
  const keys = await kv.keys('crop/');
  let converted = 0;
  for (let i = 0; i <= keys.length; i += batch) {
    const slice = keys.slice(i, i + batch);
    const values = await kv.getMany<unknown>(slice);
    const puts: Array<[string, unknown]> = [];
    for (const [j, v] of values.entries()) {
      if (v instanceof Blob) puts.push([slice[j]!, await toStoredCrop(v)]);
    }
    converted += puts.length;
    if (i + batch > keys.length) puts.push([CROPS_AS_BYTES_KEY, 1]);
    if (puts.length) await kv.commit({ puts, deletes: [] });
  }
  return converted;
}
