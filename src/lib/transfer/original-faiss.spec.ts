import { describe, expect, it } from 'vitest';
import { faissStoredVectors, readFaissHeader } from './faiss-file';
import { checkOriginalFaiss, parseFaissMapping } from './original-faiss';

/** Little-endian byte writer for hand-made FAISS files (layout in faiss-file.ts). */
class W {
  parts: number[] = [];
  fourcc(s: string) {
    for (const c of s) this.parts.push(c.charCodeAt(0));
    return this;
  }
  bytes(n: number, size: number, signed = false) {
    const b = new DataView(new ArrayBuffer(size));
    if (size === 1) b.setUint8(0, n);
    else if (size === 4) b.setInt32(0, n, true);
    else if (signed) b.setBigInt64(0, BigInt(n), true);
    else b.setBigUint64(0, BigInt(n), true);
    this.parts.push(...new Uint8Array(b.buffer));
    return this;
  }
  floats(values: Float32Array) {
    this.parts.push(...new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    return this;
  }
  header(fourcc: string, d: number, ntotal: number, metric = 0) {
    return this.fourcc(fourcc)
      .bytes(d, 4)
      .bytes(ntotal, 8, true)
      .bytes(1 << 20, 8, true)
      .bytes(1 << 20, 8, true)
      .bytes(1, 1)
      .bytes(metric, 4);
  }
  done() {
    return Uint8Array.from(this.parts);
  }
}

const vec = (...v: number[]) => Float32Array.from(v);
const persons = [
  { originalId: 4, embeddings: [vec(1, 0), vec(0, 1)] },
  { originalId: 9, embeddings: [vec(0.6, 0.8)] },
];

function flat(rows: Float32Array[], metric = 0): Uint8Array {
  const w = new W().header(metric === 0 ? 'IxFI' : 'IxF2', 2, rows.length, metric);
  w.bytes(rows.length * 2, 8);
  for (const r of rows) w.floats(r);
  return w.done();
}

/** IVF with 2 lists in the sparse ('sprs') layout: list 1 holds rows 2 and 0, list 0 row 1. */
function ivfSparse(): Uint8Array {
  const w = new W().header('IwFl', 2, 3).bytes(2, 8).bytes(1, 8);
  w.header('IxFI', 2, 2)
    .bytes(4, 8)
    .floats(vec(1, 0, 0, 1)); // quantizer
  w.bytes(0, 1).bytes(0, 8); // no direct map
  w.fourcc('ilar').bytes(2, 8).bytes(8, 8).fourcc('sprs').bytes(4, 8);
  w.bytes(0, 8).bytes(1, 8).bytes(1, 8).bytes(2, 8); // (list 0: 1), (list 1: 2)
  w.floats(vec(0, 1)).bytes(1, 8, true); // list 0: row 1
  w.floats(vec(0.6, 0.8)).floats(vec(1, 0)).bytes(2, 8, true).bytes(0, 8, true); // list 1
  return w.done();
}

const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

describe('FAISS files without FAISS', () => {
  it('reads headers and locates the vectors of flat and sparse IVF files', () => {
    expect(readFaissHeader(flat(persons.flatMap((p) => p.embeddings)))).toMatchObject({
      kind: 'flat',
      dim: 2,
      ntotal: 3,
      metric: 'inner-product',
    });
    const ivf = ivfSparse();
    expect(readFaissHeader(ivf)).toMatchObject({ kind: 'ivf-flat', nlist: 2, nprobe: 1 });
    expect(faissStoredVectors(ivf).map((v) => v.id)).toEqual([1, 2, 0]);
  });

  it('accepts the mapping as a list, {"mapping": [...]} or {row: id}', () => {
    expect(parseFaissMapping(json([4, 4, 9]))).toEqual([4, 4, 9]);
    expect(parseFaissMapping(json({ mapping: [4, 4, 9] }))).toEqual([4, 4, 9]);
    expect(parseFaissMapping(json({ 2: 9, 0: 4, 1: 4 }))).toEqual([4, 4, 9]);
    expect(() => parseFaissMapping(json({ 0: 4, 5: 9 }))).toThrow(/0…n−1/);
    expect(() => parseFaissMapping(json(['4']))).toThrow(/not person ids/);
    expect(() => parseFaissMapping(new TextEncoder().encode('[4,'))).toThrow(/not valid JSON/);
  });

  it('agrees only when every stored vector is the sample the mapping says', () => {
    const rows = persons.flatMap((p) => p.embeddings);
    expect(checkOriginalFaiss(flat(rows), json([4, 4, 9]), persons, 2)).toMatchObject({
      agrees: true,
    });
    expect(checkOriginalFaiss(ivfSparse(), json([4, 4, 9]), persons, 2)?.agrees).toBe(true);
    // Rows swapped between two samples of the same person: the counts agree, the vectors not.
    const swapped = checkOriginalFaiss(
      flat([rows[1]!, rows[0]!, rows[2]!]),
      json([4, 4, 9]),
      persons,
      2,
    );
    expect(swapped).toMatchObject({ agrees: false, reason: expect.stringMatching(/row 0/) });
    expect(checkOriginalFaiss(flat(rows), json([4, 9, 4]), persons, 2)?.agrees).toBe(false);
    expect(checkOriginalFaiss(flat(rows, 1), json([4, 4, 9]), persons, 2)?.reason).toMatch(/l2/);
    expect(checkOriginalFaiss(flat(rows), undefined, persons, 2)?.reason).toMatch(/mapping/);
    expect(checkOriginalFaiss(undefined, json([4, 4, 9]), persons, 2)?.reason).toMatch(/missing/);
    expect(checkOriginalFaiss(undefined, undefined, persons, 2)).toBeNull();
    const idMap = new W().header('IxMp', 2, 0).done();
    expect(checkOriginalFaiss(idMap, json([]), [], 2)?.reason).toMatch(/IxMp/);
  });
});
