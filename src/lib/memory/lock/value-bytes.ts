/**
 * The values the memory stores (SQLite bytes, Float32Array embeddings, crop
 * `{bytes, type}`, journal entries, checkpoints) as one byte string, so that
 * they can be encrypted, and back. Structured clone does this inside
 * IndexedDB, but its bytes are not ours to see.
 *
 * Format: a tag byte, then the value (lengths u32 little-endian). Typed arrays
 * are padded to their element size from the start of the buffer, so decoding
 * hands back views into the one decrypted buffer without copying (the 300 MB
 * checkpoint of a 100k memory is read once, not twice). `copy: true` slices
 * them instead, for values that go back into IndexedDB as they are (a view
 * would make structured clone store its whole buffer).
 */
import { MemoryError } from '../base/errors';

const enum Tag {
  Undefined = 0,
  Null,
  False,
  True,
  Number,
  String,
  Array,
  Object,
  Bytes, // ArrayBuffer
  Typed, // + one byte: which typed array
}

const TYPED = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
] as const;

type Typed = InstanceType<(typeof TYPED)[number]>;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function unsupported(what: string): MemoryError {
  return new MemoryError('invalid-input', `A ${what} cannot be stored encrypted.`);
}

const pad = (at: number, size: number): number => (at + size - 1) & ~(size - 1);

function typedIndex(v: ArrayBufferView): number {
  const i = TYPED.findIndex((T) => v.constructor === T);
  if (i < 0) throw unsupported(v.constructor.name);
  return i;
}

/** First pass: the exact size, so the second writes into one buffer. */
function sizeOf(v: unknown, at: number, strings: Map<string, Uint8Array>): number {
  at += 1;
  if (v === undefined || v === null || typeof v === 'boolean') return at;
  if (typeof v === 'number') return pad(at, 8) + 8;
  if (typeof v === 'string') return at + 4 + utf8(v, strings).length;
  if (ArrayBuffer.isView(v)) {
    const t = TYPED[typedIndex(v)]!;
    return pad(at + 1 + 4, t.BYTES_PER_ELEMENT) + v.byteLength;
  }
  if (v instanceof ArrayBuffer) return at + 4 + v.byteLength;
  if (Array.isArray(v)) {
    at += 4;
    for (const x of v) at = sizeOf(x, at, strings);
    return at;
  }
  if (isPlainObject(v)) {
    at += 4;
    for (const [k, x] of Object.entries(v))
      at = sizeOf(x, at + 4 + utf8(k, strings).length, strings);
    return at;
  }
  throw unsupported(describe(v));
}

function utf8(s: string, cache: Map<string, Uint8Array>): Uint8Array {
  let b = cache.get(s);
  if (!b) cache.set(s, (b = encoder.encode(s)));
  return b;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function describe(v: unknown): string {
  if (typeof v === 'object' && v !== null) return v.constructor?.name ?? 'object';
  return typeof v;
}

export function encodeValue(value: unknown): Uint8Array<ArrayBuffer> {
  const strings = new Map<string, Uint8Array>();
  const out = new Uint8Array(sizeOf(value, 0, strings));
  const view = new DataView(out.buffer);
  let at = 0;
  const u32 = (n: number) => {
    view.setUint32(at, n, true);
    at += 4;
  };
  const str = (s: string) => {
    const b = utf8(s, strings);
    u32(b.length);
    out.set(b, at);
    at += b.length;
  };
  const write = (v: unknown): void => {
    if (v === undefined) out[at++] = Tag.Undefined;
    else if (v === null) out[at++] = Tag.Null;
    else if (v === false) out[at++] = Tag.False;
    else if (v === true) out[at++] = Tag.True;
    else if (typeof v === 'number') {
      out[at++] = Tag.Number;
      at = pad(at, 8);
      view.setFloat64(at, v, true);
      at += 8;
    } else if (typeof v === 'string') {
      out[at++] = Tag.String;
      str(v);
    } else if (ArrayBuffer.isView(v)) {
      const i = typedIndex(v);
      out[at++] = Tag.Typed;
      out[at++] = i;
      u32(v.byteLength);
      at = pad(at, TYPED[i]!.BYTES_PER_ELEMENT);
      out.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), at);
      at += v.byteLength;
    } else if (v instanceof ArrayBuffer) {
      out[at++] = Tag.Bytes;
      u32(v.byteLength);
      out.set(new Uint8Array(v), at);
      at += v.byteLength;
    } else if (Array.isArray(v)) {
      out[at++] = Tag.Array;
      u32(v.length);
      for (const x of v) write(x);
    } else {
      const entries = Object.entries(v as Record<string, unknown>);
      out[at++] = Tag.Object;
      u32(entries.length);
      for (const [k, x] of entries) {
        str(k);
        write(x);
      }
    }
  };
  write(value);
  return out;
}

/** The value `encodeValue` was given. Throws (storage-corrupt) on bytes it did not write. */
export function decodeValue(bytes: Uint8Array, opts: { copy?: boolean } = {}): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const need = (n: number) => {
    if (at + n > bytes.length) throw new RangeError('truncated');
  };
  const u32 = () => {
    need(4);
    const n = view.getUint32(at, true);
    at += 4;
    return n;
  };
  const str = () => {
    const n = u32();
    need(n);
    const s = decoder.decode(bytes.subarray(at, at + n));
    at += n;
    return s;
  };
  const read = (): unknown => {
    need(1);
    const tag = bytes[at++] as Tag;
    switch (tag) {
      case Tag.Undefined:
        return undefined;
      case Tag.Null:
        return null;
      case Tag.False:
        return false;
      case Tag.True:
        return true;
      case Tag.Number: {
        at = pad(at, 8);
        need(8);
        const n = view.getFloat64(at, true);
        at += 8;
        return n;
      }
      case Tag.String:
        return str();
      case Tag.Typed: {
        need(1);
        const T = TYPED[bytes[at++]!];
        if (!T) throw new RangeError('unknown typed array');
        const n = u32();
        at = pad(at, T.BYTES_PER_ELEMENT);
        need(n);
        if (n % T.BYTES_PER_ELEMENT) throw new RangeError('ragged typed array');
        const start = bytes.byteOffset + at;
        at += n;
        const count = n / T.BYTES_PER_ELEMENT;
        // A view needs its offset aligned in the underlying buffer; a copy does not care.
        if (!opts.copy && start % T.BYTES_PER_ELEMENT === 0) {
          return new T(bytes.buffer as ArrayBuffer, start, count) as Typed;
        }
        return new T(bytes.buffer.slice(start, start + n) as ArrayBuffer) as Typed;
      }
      case Tag.Bytes: {
        const n = u32();
        need(n);
        const b = bytes.slice(at, at + n).buffer;
        at += n;
        return b;
      }
      case Tag.Array: {
        const n = u32();
        const out: unknown[] = [];
        for (let i = 0; i < n; i++) out.push(read());
        return out;
      }
      case Tag.Object: {
        const n = u32();
        const out: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const k = str();
          // defineProperty: a key named __proto__ stays a key.
          Object.defineProperty(out, k, {
            value: read(),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return out;
      }
      default:
        throw new RangeError(`unknown tag ${String(tag)}`);
    }
  };
  try {
    const v = read();
    if (at !== bytes.length) throw new RangeError('trailing bytes');
    return v;
  } catch (cause) {
    throw new MemoryError('storage-corrupt', 'A stored record could not be decoded.', { cause });
  }
}
