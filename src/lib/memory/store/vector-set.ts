/** Vectors findable by their exact bits (duplicate detection during an import). */

/** FNV-1a over the float bits: a quick key for "bit for bit the same vector". */
function bitsKey(v: Float32Array): number {
  const words = new Uint32Array(v.buffer, v.byteOffset, v.length);
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i]!, 0x01000193) >>> 0;
  return h;
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Vectors already there (with the id of the row they belong to), findable by their bits. */
export class VectorSet {
  readonly #byKey = new Map<number, Array<{ v: Float32Array; id: number }>>();
  add(v: Float32Array, id = 0): void {
    const k = bitsKey(v);
    const list = this.#byKey.get(k);
    if (list) list.push({ v, id });
    else this.#byKey.set(k, [{ v, id }]);
  }
  /** Ids of the rows holding exactly `v`. */
  find(v: Float32Array): number[] {
    return (this.#byKey.get(bitsKey(v)) ?? []).filter((e) => sameBits(v, e.v)).map((e) => e.id);
  }
  has(v: Float32Array): boolean {
    return this.find(v).length > 0;
  }
}
