import { describe, expect, it } from 'vitest';
import { MemoryError } from './errors';
import { checkIds, cleanName, unitVector } from './validate';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e instanceof MemoryError ? e.code : 'not a MemoryError';
  }
  return 'no error';
};

describe('cleanName', () => {
  it('trims, folds inner white space and matches case-insensitively', () => {
    expect(cleanName('  Ada   Lovelace\t')).toEqual({ name: 'Ada Lovelace', key: 'ada lovelace' });
    expect(cleanName('ÉMILE').key).toBe(cleanName('émile').key);
    expect(cleanName('E\u0301mile').name).toBe('Émile'); // NFC
  });

  it('keeps HTML as plain data', () => {
    const raw = '<img src=x onerror=alert(1)>';
    expect(cleanName(raw).name).toBe(raw);
  });

  it('refuses empty, non-text, control characters and over-long names', () => {
    expect(code(() => cleanName('   '))).toBe('invalid-name');
    expect(code(() => cleanName(42))).toBe('invalid-name');
    expect(code(() => cleanName('a\u0000b'))).toBe('invalid-name');
    expect(code(() => cleanName('x'.repeat(101)))).toBe('invalid-name');
  });

  // Every bidi control, then invisible characters that make look-alike names.
  const bidi = [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069];
  const invisible = [0x200e, 0x200f, 0x061c, 0x200b, 0x2060, 0xfeff, 0x00ad, 0xe0041];
  it.each([...bidi, ...invisible].map((c) => [c.toString(16), c]))(
    'refuses U+%s and names it',
    (hex, c) => {
      const raw = `Ada${String.fromCodePoint(c)}`;
      expect(code(() => cleanName(raw))).toBe('invalid-name');
      expect(() => cleanName(raw)).toThrow(`U+${hex.toUpperCase().padStart(4, '0')}`);
    },
  );

  it('keeps ZWNJ and ZWJ, which Persian, Indic and emoji spelling need', () => {
    const persian = 'می\u200cخواهم';
    expect(cleanName(persian).name).toBe(persian);
    const family = '👩\u200d👧';
    expect(cleanName(family).name).toBe(family);
    expect(cleanName('שלום').name).toBe('שלום'); // right-to-left letters are fine
  });
});

describe('unitVector', () => {
  it('scales to unit length and copies', () => {
    const raw = new Float32Array([3, 4]);
    const v = unitVector(raw, 2);
    expect(Array.from(v)).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
    expect(v).not.toBe(raw);
  });

  it('refuses wrong length, NaN, infinity, zeros and non-numbers', () => {
    expect(code(() => unitVector(new Float32Array(3), 2))).toBe('invalid-embedding');
    expect(code(() => unitVector(new Float32Array([1, NaN]), 2))).toBe('invalid-embedding');
    expect(code(() => unitVector([1, Infinity], 2))).toBe('invalid-embedding');
    expect(code(() => unitVector([0, 0], 2))).toBe('invalid-embedding');
    expect(code(() => unitVector('1,2', 2))).toBe('invalid-embedding');
  });
});

describe('checkIds', () => {
  it('wants distinct positive integers', () => {
    expect(checkIds([1, 2], 'id')).toEqual([1, 2]);
    expect(code(() => checkIds([], 'id'))).toBe('invalid-input');
    expect(code(() => checkIds([1, 1], 'id'))).toBe('invalid-input');
    expect(code(() => checkIds([1.5], 'id'))).toBe('invalid-input');
    expect(code(() => checkIds([-1], 'id'))).toBe('invalid-input');
  });
});
