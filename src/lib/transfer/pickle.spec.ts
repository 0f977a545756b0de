import { describe, expect, it } from 'vitest';
import { TransferError } from './errors';
import { pyCallable, unpickle, type PickleHooks } from './pickle';
import { codeOf } from '../../../tests/support/transfer/error-code';

// Reference bytes from CPython's pickle.dumps (3.11) of
// {'a': [1, -2, 300, 70000, -70000, 2**40, -2**63, 2**70], 'b': (1.5, -0.0, None, True, False),
//  'c': 'Chloé ☃', 'd': b'\x00\xff'} (+ 's': {1, 2}, 'f': frozenset([3]) for protocol 4).
const P2 =
  '80027d71002858010000006171015d7102284b014afeffffff4d2c014a701101004a90eefeff8a06000000000001' +
  '8a0800000000000000808a0900000000000000004065580100000062710328473ff8000000000000478000000000' +
  '0000004e88897471045801000000637105580a00000043686c6fc3a920e2988371065801000000647107635f636f' +
  '646563730a656e636f64650a7108580300000000c3bf710958060000006c6174696e31710a86710b52710c752e';
const P4 =
  '80049589000000000000007d94288c0161945d94284b014afeffffff4d2c014a701101004a90eefeff8a06000000' +
  '0000018a0800000000000000808a09000000000000000040658c01629428473ff800000000000047800000000000' +
  '00004e888974948c0163948c0a43686c6fc3a920e29883948c016494430200ff948c0173948f94284b014b02908c' +
  '016694284b039194752e';
// [bytearray(b'xy')] * 2, protocol 5 (FRAME, MEMOIZE, BYTEARRAY8, BINGET).
const P5 = '80059513000000000000005d94289602000000000000007879946801652e';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

const refuseAll: PickleHooks = {
  findGlobal(module, name) {
    throw new TransferError('pt-unsupported-global', `${module}.${name}`);
  },
};

const expectedCommon = (value: Map<unknown, unknown>) => {
  expect(value.get('a')).toEqual([1, -2, 300, 70000, -70000, 2 ** 40, -(2n ** 63n), 2n ** 70n]);
  const b = value.get('b') as unknown[];
  expect(b[0]).toBe(1.5);
  expect(Object.is(b[1], -0)).toBe(true);
  expect(b.slice(2)).toEqual([null, true, false]);
  expect(value.get('c')).toBe('Chloé ☃');
};

describe('unpickle', () => {
  it('reads protocol 2 as CPython wrote it, resolving globals only through the hook', () => {
    const seen: string[] = [];
    const hooks: PickleHooks = {
      findGlobal(module, name) {
        seen.push(`${module}.${name}`);
        // Protocol 2 stores bytes as _codecs.encode(latin1 text, 'latin1').
        return pyCallable('encode', ([text]) =>
          Uint8Array.from(String(text), (c) => c.charCodeAt(0)),
        );
      },
    };
    const { value, end } = unpickle(hex(P2), hooks);
    expect(seen).toEqual(['_codecs.encode']);
    expect(end).toBe(hex(P2).length);
    const map = value as Map<unknown, unknown>;
    expectedCommon(map);
    expect(map.get('d')).toEqual(Uint8Array.of(0, 255));
  });

  it('reads protocol 4 (FRAME, MEMOIZE, SHORT_BINUNICODE, sets)', () => {
    const map = unpickle(hex(P4), refuseAll).value as Map<unknown, unknown>;
    expectedCommon(map);
    expect(map.get('d')).toEqual(Uint8Array.of(0, 255));
    expect(map.get('s')).toEqual(new Set([1, 2]));
    expect(map.get('f')).toEqual(new Set([3]));
  });

  it('reads protocol 5 and shares memoised objects like Python', () => {
    const list = unpickle(hex(P5), refuseAll).value as Uint8Array[];
    expect(list).toHaveLength(2);
    expect(list[0]).toBe(list[1]);
    expect([...list[0]!]).toEqual([0x78, 0x79]);
  });

  it('refuses globals the hook refuses, without calling anything', () => {
    // GLOBAL 'os system', MARK, BINUNICODE 'echo', TUPLE, REDUCE, STOP
    const evil = Uint8Array.from([
      0x80,
      0x02,
      0x63,
      ...new TextEncoder().encode('os\nsystem\n'),
      0x28,
      0x58,
      4,
      0,
      0,
      0,
      ...new TextEncoder().encode('echo'),
      0x74,
      0x52,
      0x2e,
    ]);
    expect(codeOf(() => unpickle(evil, refuseAll))).toBe('pt-unsupported-global');
  });

  it('reports malformed pickles as pt-corrupt or pt-truncated', () => {
    expect(codeOf(() => unpickle(hex('8002'), refuseAll))).toBe('pt-truncated');
    expect(codeOf(() => unpickle(hex('80022e'), refuseAll))).toBe('pt-corrupt'); // empty stack
    expect(codeOf(() => unpickle(hex('80026805'), refuseAll))).toBe('pt-corrupt');
    expect(codeOf(() => unpickle(hex('80027400'), refuseAll))).toBe('pt-corrupt'); // no MARK
    expect(codeOf(() => unpickle(hex('8002ff'), refuseAll))).toBe('pt-corrupt'); // bad opcode
    expect(codeOf(() => unpickle(hex('8002580a000000616263'), refuseAll))).toBe('pt-truncated');
    expect(codeOf(() => unpickle(hex('80024b014b0252'), refuseAll))).toBe('pt-corrupt'); // call int
    expect(codeOf(() => unpickle(hex('80025802000000c3282e'), refuseAll))).toBe('pt-corrupt'); // utf8
  });
});
