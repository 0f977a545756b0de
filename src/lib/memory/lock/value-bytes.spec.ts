import { describe, expect, it } from 'vitest';
import { MemoryError } from '../base/errors';
import { decodeValue, encodeValue } from './value-bytes';

const roundTrip = (v: unknown, copy = false) => decodeValue(encodeValue(v), { copy });

describe('value bytes: what the memory stores, to bytes and back', () => {
  it('keeps every kind of stored value', () => {
    const values: unknown[] = [
      undefined,
      null,
      true,
      false,
      0,
      -1.5,
      Number.NaN,
      2 ** 53 + 2,
      '',
      'Zoë 🙂',
      new Uint8Array([0x53, 0x51, 0x4c]),
      new Float32Array([0.25, -1, 3.5]),
      new Float64Array([Math.PI]),
      new Int32Array([-7, 8]),
      new BigInt64Array([-(2n ** 60n)]),
      { bytes: new Uint8Array([0x89, 0x50]), type: 'image/png' },
      { sampleIds: [4, 5], vectors: new Float32Array(8).fill(0.5) },
      {
        seq: 12,
        action: 'labelFace',
        sql: [['INSERT INTO persons (name) VALUES (?)', ['Ada', null, 3, new Uint8Array(2)]]],
        index: [{ modelId: 'm', add: { ids: [1], vectors: new Float32Array([1, 0]) } }],
      },
      [[], {}, [1, 'two', [3]]],
    ];
    for (const v of values) expect(roundTrip(v)).toEqual(v);
    expect(roundTrip(new Uint8Array([1, 2]).buffer)).toEqual(new Uint8Array([1, 2]).buffer);
  });

  it('decodes typed arrays as aligned views of one buffer, or as copies', () => {
    const v = { a: 'x', f: new Float32Array([1, 2, 3]), g: new Float64Array([4]) };
    const shared = roundTrip(v) as typeof v;
    expect(shared.f.buffer).toBe(shared.g.buffer);
    expect(shared).toEqual(v);
    const copied = roundTrip(v, true) as typeof v;
    expect(copied.f.byteOffset).toBe(0);
    expect(copied.f.buffer.byteLength).toBe(12);
  });

  it('stores only the bytes of a view into a bigger buffer', () => {
    const big = new Float32Array(1000).fill(7);
    const part = big.subarray(10, 13);
    expect(encodeValue(part).length).toBeLessThan(40);
    expect(roundTrip(part)).toEqual(new Float32Array([7, 7, 7]));
  });

  it('keeps a key called __proto__ as a key', () => {
    const v = JSON.parse('{"__proto__": {"x": 1}}') as Record<string, unknown>;
    const back = roundTrip(v) as Record<string, unknown>;
    expect(Object.keys(back)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
  });

  it('refuses what it cannot store, and bytes it did not write, with a MemoryError', () => {
    expect(() => encodeValue(new Blob(['x']))).toThrow(MemoryError);
    expect(() => encodeValue(new Map())).toThrow(MemoryError);
    const good = encodeValue({ a: [1, 2, 3] });
    for (const bad of [good.subarray(0, good.length - 1), new Uint8Array([99]), new Uint8Array()]) {
      const err = (() => {
        try {
          decodeValue(bad);
        } catch (e) {
          return e;
        }
      })();
      expect((err as MemoryError).code).toBe('storage-corrupt');
    }
  });
});
