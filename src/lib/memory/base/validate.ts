import { MemoryError } from './errors';

const MAX_NAME_LENGTH = 100;

/**
 * Invisible format characters (Unicode category Cf) that a name may not hold:
 * the bidi controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C)
 * reorder the text around them, so "Ada" next to a name ending in U+202E reads
 * backwards; the rest (U+200B, U+2060, U+FEFF, U+00AD, tag characters, …) make
 * two names that look the same different people. Only ZWNJ (U+200C) and ZWJ
 * (U+200D) stay: Persian and Indic spelling and emoji sequences need them, and
 * neither changes how neighbouring text reads.
 */
const FORBIDDEN_FORMAT = /(?![\u200c\u200d])\p{Cf}/u;

export interface CleanName {
  /** As shown: trimmed, inner runs of white space made one space, NFC. */
  name: string;
  /** How names are matched: the shown name, lower-cased. */
  key: string;
}

/**
 * Names are data: any text is kept as typed (HTML included), only trimmed and
 * normalised so that "Ada", " ada " and "ADA" are the same person. Control
 * and invisible format characters are refused, not stripped: a stripped name
 * could silently become another person's, and every caller (label, rename,
 * both imports) then changes nothing and says which character it was.
 */
export function cleanName(raw: unknown): CleanName {
  if (typeof raw !== 'string') throw new MemoryError('invalid-name', 'A name must be text.');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw.replace(/[\t\n\r]/g, ' '))) {
    throw new MemoryError('invalid-name', 'A name cannot contain control characters.');
  }
  const format = FORBIDDEN_FORMAT.exec(raw);
  if (format) {
    const code = format[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw new MemoryError(
      'invalid-name',
      `A name cannot contain invisible formatting characters (U+${code} at character ${format.index + 1}): they change how the text around the name reads.`,
    );
  }
  const name = raw.normalize('NFC').replace(/\s+/g, ' ').trim();
  if (!name) throw new MemoryError('invalid-name', 'A name cannot be empty.');
  if (name.length > MAX_NAME_LENGTH) {
    throw new MemoryError('invalid-name', `A name can have at most ${MAX_NAME_LENGTH} characters.`);
  }
  return { name, key: name.toLowerCase() };
}

export type EmbeddingInput = Float32Array | Float64Array | readonly number[];

/**
 * A copy of the embedding scaled to unit length, so that inner product is
 * cosine similarity whatever the embedder returned. Wrong length, NaN,
 * infinities and the zero vector are refused before anything is touched.
 */
export function unitVector(raw: unknown, dim: number): Float32Array {
  const ok =
    raw instanceof Float32Array ||
    raw instanceof Float64Array ||
    (Array.isArray(raw) && raw.every((x) => typeof x === 'number'));
  if (!ok) {
    throw new MemoryError('invalid-embedding', 'An embedding must be a Float32Array of numbers.');
  }
  const v = raw as ArrayLike<number>;
  if (v.length !== dim) {
    throw new MemoryError(
      'invalid-embedding',
      `The embedding has ${v.length} values; this memory's model gives ${dim}.`,
    );
  }
  let sum = 0;
  for (let i = 0; i < dim; i++) {
    const x = v[i]!;
    if (!Number.isFinite(x)) {
      throw new MemoryError('invalid-embedding', 'The embedding contains NaN or infinity.');
    }
    sum += x * x;
  }
  if (!(sum > 1e-24)) throw new MemoryError('invalid-embedding', 'The embedding is all zeros.');
  const inv = 1 / Math.sqrt(sum);
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) out[i] = v[i]! * inv;
  return out;
}

/** Several embeddings as one n×dim matrix of unit vectors. */
export function unitMatrix(list: readonly unknown[], dim: number): Float32Array {
  const out = new Float32Array(list.length * dim);
  list.forEach((e, i) => out.set(unitVector(e, dim), i * dim));
  return out;
}

export function checkId(id: unknown, what: string): number {
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) {
    throw new MemoryError('invalid-input', `${what} must be a positive whole number.`);
  }
  return id;
}

export function checkIds(ids: unknown, what: string): number[] {
  if (!Array.isArray(ids) || ids.length === 0) {
    throw new MemoryError('invalid-input', `Give at least one ${what}.`);
  }
  const out = ids.map((id) => checkId(id, what));
  if (new Set(out).size !== out.length) {
    throw new MemoryError('invalid-input', `The same ${what} is given twice.`);
  }
  return out;
}
