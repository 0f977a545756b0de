import { strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { crc32, inflateEntry, listZip, readZip } from './zip';
import { codeOf } from '../../../tests/support/transfer/error-code';

const zeros = (n: number) => new Uint8Array(n);

/** Rewrites `name`'s declared uncompressed size (central and local header) or its name. */
function patch(zip: Uint8Array, name: string, change: { size?: number; rename?: string }) {
  const out = zip.slice();
  const view = new DataView(out.buffer);
  const raw = strToU8(name);
  const at = (i: number, off: number) =>
    raw.every((b, j) => out[i + off + j] === b) &&
    view.getUint16(i + (off === 46 ? 28 : 26), true) === raw.length;
  let hits = 0;
  for (let i = 0; i + 4 <= out.length; i++) {
    const sig = view.getUint32(i, true);
    if (sig === 0x02014b50 && at(i, 46)) {
      if (change.size !== undefined) view.setUint32(i + 24, change.size, true);
      if (change.rename) out.set(strToU8(change.rename), i + 46);
      hits++;
    } else if (sig === 0x04034b50 && at(i, 30)) {
      if (change.size !== undefined) view.setUint32(i + 22, change.size, true);
      if (change.rename) out.set(strToU8(change.rename), i + 30);
      hits++;
    }
  }
  expect(hits).toBe(2);
  return out;
}

describe('zip reader', () => {
  it('reads stored and deflated entries, checking sizes and CRC-32', () => {
    const text = strToU8('hello '.repeat(1000));
    const zip = zipSync({ 'a.txt': [text, { level: 9 }], 'b/c.bin': [zeros(7), { level: 0 }] });
    const files = readZip(zip);
    expect([...files.keys()]).toEqual(['a.txt', 'b/c.bin']);
    expect(files.get('a.txt')).toEqual(text);
    expect(crc32(strToU8('123456789'))).toBe(0xcbf43926); // the CRC-32 check value
  });

  it('refuses a zip whose entries would inflate past the cap, before inflating any', () => {
    // 32 MiB of zeros deflate to about 32 KB: 1,000 times the file.
    const bomb = zipSync({ 'data.bin': [zeros(32 * 2 ** 20), { level: 9 }] });
    expect(bomb.length).toBeLessThan(64 * 1024);
    let inflated = 0;
    const onInflated = (n: number) => (inflated += n);
    expect(codeOf(() => readZip(bomb, { slack: 0, ratio: 16, onInflated }))).toBe('zip-too-large');
    expect(inflated).toBe(0);
    // The storage left caps it too, and the message says so.
    expect(() => readZip(bomb, { availableBytes: 2 ** 20, onInflated })).toThrow(
      /storage left on this device is 1\.0 MB/,
    );
    expect(codeOf(() => readZip(bomb, { maxEntryBytes: 2 ** 20, onInflated }))).toBe(
      'zip-too-large',
    );
    expect(inflated).toBe(0);
    // Within the caps it is read whole.
    expect(readZip(bomb, { onInflated }).get('data.bin')!.length).toBe(32 * 2 ** 20);
    expect(inflated).toBe(32 * 2 ** 20);
  });

  it('stops at the first byte past a declared size that lies (fflate alone truncates silently)', () => {
    const real = 4 * 2 ** 20;
    const lying = patch(zipSync({ 'x.bin': [zeros(real), { level: 9 }] }), 'x.bin', { size: 1000 });
    // What the reader guards against: fflate fills the declared 1,000 bytes and says nothing.
    expect(unzipSync(lying)['x.bin']!.length).toBe(1000);
    let inflated = 0;
    const onInflated = (n: number) => (inflated += n);
    expect(codeOf(() => readZip(lying, { onInflated }))).toBe('zip-too-large');
    expect(inflated).toBeLessThanOrEqual(1000);
    expect(() => readZip(lying)).toThrow(/inflates to more than the 1000 bytes it declares/);
    // Declaring more than it holds is damage, named as such.
    const short = patch(zipSync({ 'x.bin': [zeros(1000), { level: 9 }] }), 'x.bin', {
      size: 5000,
    });
    expect(codeOf(() => readZip(short))).toBe('zip-corrupt');
    expect(() => readZip(short)).toThrow(/inflates to 1000 bytes, not the 5000 it declares/);
  });

  it('refuses duplicate names, names that climb out, and too many entries', () => {
    const twice = patch(zipSync({ 'a.db': strToU8('one'), 'b.db': strToU8('two') }), 'b.db', {
      rename: 'a.db',
    });
    expect(codeOf(() => listZip(twice))).toBe('zip-bad-entry');
    expect(() => listZip(twice)).toThrow(/two entries named "a\.db"/);
    for (const evil of ['../evil', 'crops/../../x', '/etc/passwd', 'a\\..\\b', 'C:/x', 'a/./b']) {
      const zip = zipSync({ [evil]: strToU8('x') });
      expect(
        codeOf(() => readZip(zip)),
        evil,
      ).toBe('zip-bad-entry');
    }
    const many = zipSync(
      Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`${i}`, zeros(1)])),
    );
    expect(codeOf(() => readZip(many, { maxEntries: 4 }))).toBe('zip-bad-entry');
    expect(readZip(many, { maxEntries: 5 }).size).toBe(5);
  });

  it('skips entries the caller does not want without inflating them, and refuses ones it forbids', () => {
    const zip = zipSync({
      'keep.txt': strToU8('k'),
      'big.bin': [zeros(8 * 2 ** 20), { level: 9 }],
    });
    let inflated = 0;
    const files = readZip(zip, {
      slack: 0,
      select: (e) => (e.name === 'keep.txt' ? 'keep' : 'skip'),
      onInflated: (n) => (inflated += n),
    });
    expect([...files.keys()]).toEqual(['keep.txt']);
    expect(inflated).toBe(1);
    expect(() => readZip(zip, { select: () => 'it holds an entry it should not' })).toThrow(
      /cannot be used: it holds an entry it should not\. Nothing was changed\./,
    );
  });

  it('refuses an entry whose bytes fail their CRC-32, and a truncated zip at every length', () => {
    const zip = zipSync({ 'a.bin': [strToU8('abcdefgh'), { level: 0 }] });
    const damaged = zip.slice();
    const entry = listZip(zip)[0]!;
    damaged[entry.headerOffset + 30 + 'a.bin'.length + 2]! ^= 1;
    expect(codeOf(() => inflateEntry(damaged, entry))).toBe('zip-corrupt');
    for (let cut = 0; cut < zip.length; cut++) {
      expect(
        codeOf(() => readZip(zip.subarray(0, cut))),
        `cut at ${cut}`,
      ).toBe('zip-corrupt');
    }
  });
});
