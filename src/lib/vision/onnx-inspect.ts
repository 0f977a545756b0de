/**
 * A structural check of an ONNX file before ONNX Runtime sees it. ORT says
 * only "protobuf parsing failed" for a truncated model and for a JPEG alike;
 * walking the top-level protobuf fields (cheap: big fields are skipped, not
 * read) tells those apart and finds the external-data files the model needs.
 */
import { ModelError } from './errors';

interface ExternalRef {
  /** File name as written in the model (`model.onnx_data`). */
  location: string;
  /** Bytes of that file this model reads up to (offset + length of the furthest tensor). */
  endByte: number;
}

interface OnnxSummary {
  irVersion: number;
  /** External-data files by location, with the size each must at least have. */
  external: ExternalRef[];
}

interface Field {
  no: number;
  wire: number;
  /** Varint value (wire 0). */
  value: number;
  /** Payload bounds (wire 2). */
  start: number;
  end: number;
}

class Truncated extends Error {}
class Malformed extends Error {}

function varint(buf: Uint8Array, pos: number): [number, number] {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new Truncated();
    const b = buf[pos++]!;
    v += (b & 0x7f) * mul;
    if (b < 0x80) return [v, pos];
    mul *= 128;
  }
  throw new Malformed('varint too long');
}

/** The fields of one message in buf[start, end). */
function* fields(buf: Uint8Array, start: number, end: number): Generator<Field> {
  let pos = start;
  while (pos < end) {
    const [key, p1] = varint(buf, pos);
    const no = Math.floor(key / 8);
    const wire = key & 7;
    if (no === 0) throw new Malformed('field number 0');
    pos = p1;
    if (wire === 0) {
      const [value, p2] = varint(buf, pos);
      pos = p2;
      yield { no, wire, value, start: pos, end: pos };
    } else if (wire === 2) {
      const [len, p2] = varint(buf, pos);
      if (p2 + len > end) throw new Truncated();
      pos = p2 + len;
      yield { no, wire, value: len, start: p2, end: pos };
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (pos + n > end) throw new Truncated();
      pos += n;
      yield { no, wire, value: 0, start: pos - n, end: pos };
    } else {
      throw new Malformed(`wire type ${wire}`);
    }
  }
}

const utf8 = new TextDecoder();

/**
 * Checks that `bytes` is a complete ONNX ModelProto and lists its external
 * data. Throws ModelError 'model-not-onnx' or 'model-truncated'.
 */
export function inspectOnnx(bytes: Uint8Array, fileName = 'the model'): OnnxSummary {
  // Every ONNX writer emits ir_version (field 1, varint) first: key byte 0x08.
  if (bytes.length < 2 || bytes[0] !== 0x08) {
    throw new ModelError('model-not-onnx', `${fileName} is not an ONNX model.`);
  }
  let irVersion = 0;
  let graph: Field | undefined;
  let opsets = 0;
  try {
    for (const f of fields(bytes, 0, bytes.length)) {
      if (f.no === 1 && f.wire === 0) irVersion = f.value;
      else if (f.no === 7 && f.wire === 2) graph = f;
      else if (f.no === 8 && f.wire === 2) opsets++;
    }
    if (irVersion < 3 || irVersion > 100) throw new Malformed(`ir_version ${irVersion}`);
    if (!graph) throw new Truncated();
    // opset_import (8) follows the graph (7) in field order: a file cut right after the graph lacks it.
    if (opsets === 0) throw new Truncated();
    return { irVersion, external: externalRefs(bytes, graph) };
  } catch (e) {
    if (e instanceof Truncated) {
      throw new ModelError(
        'model-truncated',
        `${fileName} is incomplete (${bytes.length} bytes): the download or copy was cut short.`,
      );
    }
    if (e instanceof Malformed) {
      throw new ModelError('model-not-onnx', `${fileName} is not an ONNX model (${e.message}).`);
    }
    throw e;
  }
}

/** External-data references of the graph's initializers (GraphProto.initializer = 5). */
function externalRefs(buf: Uint8Array, graph: Field): ExternalRef[] {
  const ends = new Map<string, number>();
  for (const g of fields(buf, graph.start, graph.end)) {
    if (g.no !== 5 || g.wire !== 2) continue;
    let external = false;
    const kv: Record<string, string> = {};
    // TensorProto: external_data = 13 (key 1, value 2), data_location = 14 (1 = EXTERNAL).
    for (const t of fields(buf, g.start, g.end)) {
      if (t.no === 14 && t.wire === 0) external = t.value === 1;
      else if (t.no === 13 && t.wire === 2) {
        let k = '';
        let v = '';
        for (const e of fields(buf, t.start, t.end)) {
          const s = utf8.decode(buf.subarray(e.start, e.end));
          if (e.no === 1) k = s;
          else if (e.no === 2) v = s;
        }
        kv[k] = v;
      }
    }
    if (!external || kv.location === undefined) continue;
    const end = Number(kv.offset ?? 0) + Number(kv.length ?? 0);
    ends.set(kv.location, Math.max(ends.get(kv.location) ?? 0, end));
  }
  return [...ends].map(([location, endByte]) => ({ location, endByte }));
}

/**
 * Checks that every external-data file the model names was supplied and is
 * long enough. `files` maps a location to its size in bytes.
 */
export function checkExternalData(summary: OnnxSummary, files: ReadonlyMap<string, number>): void {
  for (const ref of summary.external) {
    const size = files.get(ref.location);
    if (size === undefined) {
      throw new ModelError(
        'model-external-data-missing',
        `The model keeps its weights in a separate file, "${ref.location}": choose it together with the .onnx file.`,
      );
    }
    if (size < ref.endByte) {
      throw new ModelError(
        'model-external-data-truncated',
        `"${ref.location}" is incomplete (${size} of at least ${ref.endByte} bytes).`,
      );
    }
  }
}
