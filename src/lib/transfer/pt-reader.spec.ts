import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  pythonOriginalFixture,
  readF32Rows,
} from '../../../tests/fixtures/python-original/fixture.ts';
import { readPtEmbeddings } from './pt-reader';
import { codeOf } from '../../../tests/support/transfer/error-code';

const fixture = pythonOriginalFixture();

function read(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

describe.skipIf(!fixture)('readPtEmbeddings on files written by torch.save', () => {
  const dir = join(fixture ?? '', 'pt');
  const expected = fixture
    ? (JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<
        string,
        { rows: number; dim: number }
      >)
    : {};

  it('covers every layout the generator wrote', () => {
    expect(Object.keys(expected).sort()).toEqual(
      [
        'bfloat16',
        'byteorder-big',
        'byteorder-little',
        'dict',
        'double',
        'empty',
        'half',
        'legacy',
        'legacy-list',
        'list',
        'list-views',
        'matrix',
        'parameter',
        'proto4',
        'single',
        'single-view',
        'small-dim',
        'transposed',
        'tuple',
        'unsqueeze-view',
      ].sort(),
    );
  });

  for (const name of Object.keys(expected)) {
    it(`${name}.pt gives exactly the values Python wrote`, () => {
      const { rows: n, dim } = expected[name]!;
      const got = readPtEmbeddings(read(join(dir, `${name}.pt`)));
      const want = readF32Rows(join(dir, `${name}.f32`), dim);
      expect(got.rows.length).toBe(n);
      expect(got.dim).toBe(dim);
      for (let i = 0; i < n; i++) {
        // Bitwise equality: the float32 bytes must match, not just be close.
        expect(new Uint8Array(got.rows[i]!.buffer)).toEqual(new Uint8Array(want[i]!.buffer));
      }
    });
  }

  it('returns rows that do not alias each other', () => {
    const got = readPtEmbeddings(read(join(dir, 'list-views.pt')));
    got.rows[0]![0] = 42;
    expect(got.rows[1]![0]).not.toBe(42);
    expect(got.rows[0]!.buffer).not.toBe(got.rows[1]!.buffer);
  });
});

describe.skipIf(!fixture)('readPtEmbeddings on broken or hostile files', () => {
  const dir = join(fixture ?? '', 'pt-bad');
  const cases: [string, string][] = [
    ['truncated', 'pt-truncated'],
    ['truncated-head', 'pt-truncated'],
    ['truncated-legacy', 'pt-truncated'],
    ['not-zip', 'pt-not-zip'],
    ['empty-file', 'pt-not-zip'],
    ['zip-not-torch', 'pt-not-torch'],
    ['int64', 'pt-unsupported-dtype'],
    ['string', 'pt-unexpected-content'],
    ['three-d', 'pt-unexpected-content'],
    ['mixed-dims', 'pt-unexpected-content'],
    ['evil', 'pt-unsupported-global'],
    ['print', 'pt-unsupported-global'],
    ['missing-storage', 'pt-corrupt'],
    ['short-storage', 'pt-corrupt'],
  ];
  for (const [name, code] of cases) {
    it(`${name}.pt → ${code}`, () => {
      expect(codeOf(() => readPtEmbeddings(read(join(dir, `${name}.pt`))))).toBe(code);
    });
  }

  it('names the refused global and never runs it', () => {
    expect(() => readPtEmbeddings(read(join(dir, 'evil.pt')))).toThrow(/posix\.system|os\.system/);
    expect(existsSync('/tmp/visio-pt-pwned')).toBe(false);
  });

  it('rejects every truncation of a valid file with a TransferError, never garbage', () => {
    const whole = read(join(fixture ?? '', 'pt', 'legacy-list.pt'));
    const zipped = read(join(fixture ?? '', 'pt', 'list-views.pt'));
    for (const bytes of [whole, zipped]) {
      for (let cut = 0; cut < bytes.length; cut++) {
        expect(codeOf(() => readPtEmbeddings(bytes.subarray(0, cut)))).toMatch(/^pt-/);
      }
    }
  });
});
