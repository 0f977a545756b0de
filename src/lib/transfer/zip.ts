/**
 * The one zip reader of the app (backups, the original's folder as a zip, .pt files).
 *
 * A zip says in its central directory what each entry is called and how large it
 * inflates to, but a hostile file can lie, and a few MB of zeros inflate to GB. So
 * nothing is inflated before the whole directory was read and checked: names (no
 * traversal, no duplicates, only the names the caller's format defines), the number
 * of entries, each declared size against a per-entry cap and their sum against a
 * total cap (a multiple of the file's size, and the storage left when the caller
 * knows it). Then entries are inflated one by one, in 16 KiB steps of compressed
 * input, counting output bytes: the first byte past an entry's declared size aborts
 * (before the excess is kept), and an entry shorter than declared or failing its
 * CRC-32 is refused. The module is pure: the caller passes what it knows of storage.
 */
import { Inflate } from 'fflate';
import { TransferError, type TransferErrorCode } from './errors';

interface ZipEntry {
  name: string;
  /** Uncompressed size, as the central directory declares it. */
  size: number;
  compressedSize: number;
  /** 0 stored, 8 deflated (nothing else is read). */
  method: number;
  crc32: number;
  /** Offset of the entry's local header in the file. */
  headerOffset: number;
}

export interface ZipLimits {
  /** At most this many entries in the directory (directories included). */
  maxEntries?: number;
  /** No entry may declare more than this. */
  maxEntryBytes?: number;
  /** The entries kept may declare at most this in all (besides the ratio cap below). */
  maxTotalBytes?: number;
  /**
   * The kept entries may declare at most `ratio` × the zip's own size + `slack` bytes:
   * legitimate files here are mostly stored images and floats (ratio about 1) plus a
   * deflated SQLite file (ratio under 10 in practice), while zeros deflate 1,000 to 1.
   */
  ratio?: number;
  slack?: number;
  /** Bytes of storage left (navigator.storage.estimate()); unknown when undefined. */
  availableBytes?: number;
}

export interface ReadZipOptions extends ZipLimits {
  /**
   * Whether an entry is inflated: 'keep' it, 'skip' it (never inflated), or a sentence
   * saying why it cannot be in this format (the whole zip is refused with it).
   * Called for every entry, directories excluded, before anything is inflated.
   */
  select?: (entry: ZipEntry) => 'keep' | 'skip' | string;
  /** Code and wording of the errors: the format's own (pt-*, archive-*, zip-*). */
  code?: TransferErrorCode;
  /** "The export", "The .pt file", … (starts each message). */
  what?: string;
  /** Called with the bytes inflated so far (tests count them). */
  onInflated?: (bytes: number) => void;
}

const ZIP_DEFAULTS = {
  maxEntries: 500_000,
  maxEntryBytes: 2 ** 31,
  maxTotalBytes: 2 ** 33,
  ratio: 16,
  slack: 64 * 2 ** 20,
} as const;

const CHUNK = 16 * 1024;
const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** True for a name that could escape a folder or that no file system agrees on. */
function unsafeName(name: string): boolean {
  return (
    name === '' ||
    name.startsWith('/') ||
    /^[A-Za-z]:/.test(name) ||
    name.includes('\\') ||
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f]/.test(name) ||
    name.split('/').some((part) => part === '..' || part === '.')
  );
}

let crcTable: Uint32Array | null = null;
function crcUpdate(crc: number, bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = ~crc;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

export function crc32(bytes: Uint8Array): number {
  return crcUpdate(0, bytes);
}

class Reader {
  readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly fail: (message: string) => TransferError,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(at: number, n: number): void {
    if (at < 0 || at + n > this.bytes.length) throw this.fail('it is truncated');
  }
  u16(at: number): number {
    this.need(at, 2);
    return this.view.getUint16(at, true);
  }
  u32(at: number): number {
    this.need(at, 4);
    return this.view.getUint32(at, true);
  }
  u64(at: number): number {
    this.need(at, 8);
    const v = this.view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw this.fail('it declares an impossible size');
    return Number(v);
  }
}

function decodeName(raw: Uint8Array, utf8: boolean): string {
  if (utf8) return new TextDecoder('utf-8', { fatal: false }).decode(raw);
  let s = '';
  for (const b of raw) s += String.fromCharCode(b);
  return s;
}

/** The central directory, checked (sizes within the file, names safe and distinct). */
export function listZip(
  bytes: Uint8Array,
  opts: Pick<ReadZipOptions, 'code' | 'what' | 'maxEntries'> = {},
): ZipEntry[] {
  const what = opts.what ?? 'The zip file';
  const code = opts.code ?? 'zip-corrupt';
  const fail = (why: string) => new TransferError(code, `${what} cannot be read: ${why}.`);
  const r = new Reader(bytes, fail);
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (r.view.getUint32(i, true) === EOCD) {
      end = i;
      break;
    }
  }
  if (end < 0) throw fail('it has no zip directory (damaged, truncated or not a zip file)');
  let count = r.u16(end + 10);
  let dirSize = r.u32(end + 12);
  let dirOffset = r.u32(end + 16);
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    const loc = end - 20;
    if (loc < 0 || r.u32(loc) !== EOCD64_LOCATOR) throw fail('its zip64 directory is missing');
    const at = r.u64(loc + 8);
    if (r.u32(at) !== EOCD64) throw fail('its zip64 directory is damaged');
    count = r.u64(at + 32);
    dirSize = r.u64(at + 40);
    dirOffset = r.u64(at + 48);
  }
  const maxEntries = opts.maxEntries ?? ZIP_DEFAULTS.maxEntries;
  if (count > maxEntries) {
    throw new TransferError(
      'zip-bad-entry',
      `${what} holds ${count} entries; at most ${maxEntries} are read. Nothing was changed.`,
    );
  }
  r.need(dirOffset, dirSize);
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let at = dirOffset;
  for (let i = 0; i < count; i++) {
    if (r.u32(at) !== CENTRAL) throw fail('its zip directory is damaged');
    const flags = r.u16(at + 8);
    const method = r.u16(at + 10);
    const crc = r.u32(at + 16);
    let compressedSize = r.u32(at + 20);
    let size = r.u32(at + 24);
    const nameLen = r.u16(at + 28);
    const extraLen = r.u16(at + 30);
    const commentLen = r.u16(at + 32);
    let headerOffset = r.u32(at + 42);
    r.need(at + 46, nameLen + extraLen);
    const name = decodeName(bytes.subarray(at + 46, at + 46 + nameLen), (flags & 0x800) !== 0);
    // Zip64: the real sizes and offset sit in extra field 0x0001, in this order.
    for (let x = at + 46 + nameLen; x + 4 <= at + 46 + nameLen + extraLen;) {
      const id = r.u16(x);
      const len = r.u16(x + 2);
      if (id === 0x0001) {
        let y = x + 4;
        if (size === 0xffffffff) {
          size = r.u64(y);
          y += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = r.u64(y);
          y += 8;
        }
        if (headerOffset === 0xffffffff) headerOffset = r.u64(y);
      }
      x += 4 + len;
    }
    at += 46 + nameLen + extraLen + commentLen;
    if (unsafeName(name)) {
      throw new TransferError(
        'zip-bad-entry',
        `${what} holds an entry named "${name}", which could point outside its folder. Nothing was changed.`,
      );
    }
    if (names.has(name)) {
      throw new TransferError(
        'zip-bad-entry',
        `${what} holds two entries named "${name}". Nothing was changed.`,
      );
    }
    names.add(name);
    if (flags & 1) throw fail(`${name} is encrypted with zip encryption`);
    if (method !== 0 && method !== 8) throw fail(`${name} uses compression method ${method}`);
    if (method === 0 && compressedSize !== size) throw fail(`${name} declares two sizes`);
    r.need(headerOffset, 30);
    if (headerOffset + 30 + compressedSize > bytes.length) throw fail(`${name} is truncated`);
    entries.push({ name, size, compressedSize, method, crc32: crc, headerOffset });
  }
  return entries;
}

/** The total the kept entries may declare, from the limits and the zip's size. */
function totalCap(zipBytes: number, limits: ZipLimits = {}): number {
  const ratio = limits.ratio ?? ZIP_DEFAULTS.ratio;
  const slack = limits.slack ?? ZIP_DEFAULTS.slack;
  return Math.min(
    limits.maxTotalBytes ?? ZIP_DEFAULTS.maxTotalBytes,
    zipBytes * ratio + slack,
    limits.availableBytes ?? Infinity,
  );
}

function mb(n: number): string {
  return `${(n / 2 ** 20).toFixed(1)} MB`;
}

/** One entry's bytes; stops at the first byte past its declared size. */
export function inflateEntry(
  bytes: Uint8Array,
  entry: ZipEntry,
  opts: Pick<ReadZipOptions, 'code' | 'what' | 'onInflated'> = {},
): Uint8Array {
  const what = opts.what ?? 'The zip file';
  const code = opts.code ?? 'zip-corrupt';
  const fail = (why: string) =>
    new TransferError(code, `${what} cannot be read: ${entry.name} ${why}. Nothing was changed.`);
  const r = new Reader(bytes, (why) => fail(why));
  const h = entry.headerOffset;
  if (r.u32(h) !== LOCAL) throw fail('has no local header');
  const start = h + 30 + r.u16(h + 26) + r.u16(h + 28);
  r.need(start, entry.compressedSize);
  const input = bytes.subarray(start, start + entry.compressedSize);
  let out: Uint8Array;
  if (entry.method === 0) {
    out = input.slice();
    opts.onInflated?.(out.length);
  } else {
    out = new Uint8Array(entry.size);
    let filled = 0;
    let done = false;
    const inflate = new Inflate((chunk, final) => {
      if (filled + chunk.length > entry.size) {
        throw new TransferError(
          'zip-too-large',
          `${what} cannot be used: ${entry.name} inflates to more than the ${entry.size} bytes it declares. Nothing was changed.`,
        );
      }
      out.set(chunk, filled);
      filled += chunk.length;
      opts.onInflated?.(chunk.length);
      if (final) done = true;
    });
    try {
      for (let i = 0; i < input.length && !done; i += CHUNK) {
        inflate.push(input.subarray(i, i + CHUNK), i + CHUNK >= input.length);
      }
      if (input.length === 0) inflate.push(input, true);
    } catch (error) {
      if (error instanceof TransferError) throw error;
      throw new TransferError(code, `${what} cannot be read: ${entry.name} is damaged.`, {
        cause: error,
      });
    }
    if (filled !== entry.size) {
      throw fail(`inflates to ${filled} bytes, not the ${entry.size} it declares`);
    }
  }
  if (crc32(out) !== entry.crc32) throw fail('fails its CRC-32 check (damaged)');
  return out;
}

/**
 * Reads a zip: the directory first and checked as a whole, then the selected entries
 * one by one. Directory entries (names ending in '/') are left out.
 */
export function readZip(bytes: Uint8Array, opts: ReadZipOptions = {}): Map<string, Uint8Array> {
  const what = opts.what ?? 'The zip file';
  const entries = listZip(bytes, opts).filter((e) => !e.name.endsWith('/'));
  const maxEntry = opts.maxEntryBytes ?? ZIP_DEFAULTS.maxEntryBytes;
  const kept: ZipEntry[] = [];
  let total = 0;
  for (const e of entries) {
    const verdict = opts.select ? opts.select(e) : 'keep';
    if (verdict === 'skip') continue;
    if (verdict !== 'keep') {
      throw new TransferError(
        'zip-bad-entry',
        `${what} cannot be used: ${verdict}. Nothing was changed.`,
      );
    }
    if (e.size > maxEntry) {
      throw new TransferError(
        'zip-too-large',
        `${what} cannot be used: ${e.name} would inflate to ${mb(e.size)}, more than the ${mb(maxEntry)} an entry may have. Nothing was changed.`,
      );
    }
    total += e.size;
    kept.push(e);
  }
  const cap = totalCap(bytes.length, opts);
  if (total > cap) {
    const storage =
      opts.availableBytes !== undefined && opts.availableBytes <= cap
        ? ` (the storage left on this device is ${mb(opts.availableBytes)})`
        : ` (at most ${mb(cap)} for a file of ${mb(bytes.length)})`;
    throw new TransferError(
      'zip-too-large',
      `${what} cannot be used: it would inflate to ${mb(total)}${storage}. Nothing was changed.`,
    );
  }
  const out = new Map<string, Uint8Array>();
  for (const e of kept) out.set(e.name, inflateEntry(bytes, e, opts));
  return out;
}
