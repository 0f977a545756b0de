/** Byte-level helpers of the export format: SHA-256 (WebCrypto) and float32 little-endian. */
import { TransferError } from './errors';

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Digests in small parallel batches: WebCrypto's per-call latency dominates for small files. */
export async function sha256All(list: Uint8Array[], signal?: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < list.length; i += 32) {
    signal?.throwIfAborted();
    out.push(...(await Promise.all(list.slice(i, i + 32).map(sha256Hex))));
  }
  return out;
}

export function f32Bytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.byteLength);
  if (littleEndian) out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  else {
    const view = new DataView(out.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  }
  return out;
}

export function f32From(bytes: Uint8Array, dim: number, path: string): Float32Array {
  if (bytes.length % (dim * 4) !== 0) {
    throw new TransferError(
      'archive-corrupt',
      `The export is damaged: ${path} is not a whole number of ${dim}-d rows.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
