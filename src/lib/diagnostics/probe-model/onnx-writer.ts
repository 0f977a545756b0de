/**
 * Writes ONNX models from TypeScript (hand-encoded protobuf, no Python), for
 * test models of a given signature. Tensors can go inline or into an
 * external-data file, the two layouts real exports use.
 */

/** A protobuf message under construction; nested messages are kept as parts, copied once at the end. */
class Msg {
  parts: Uint8Array[] = [];
  length = 0;

  #raw(b: Uint8Array): void {
    this.parts.push(b);
    this.length += b.byteLength;
  }

  #varint(v: number | bigint): void {
    let x = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x) b |= 0x80;
      out.push(b);
    } while (x);
    this.#raw(Uint8Array.from(out));
  }

  int(field: number, v: number | bigint): this {
    this.#varint(field * 8);
    this.#varint(v);
    return this;
  }

  float(field: number, v: number): this {
    this.#varint(field * 8 + 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.#raw(b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.#varint(field * 8 + 2);
    this.#varint(b.byteLength);
    this.#raw(b);
    return this;
  }

  str(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  msg(field: number, m: Msg): this {
    this.#varint(field * 8 + 2);
    this.#varint(m.length);
    for (const p of m.parts) this.#raw(p);
    return this;
  }

  concat(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    return out;
  }
}

type AttrValue = number | number[] | { float: number };
type Dim = number | string;

const FLOAT = 1;
const INT64 = 7;

export interface WrittenModel {
  /** The .onnx file. */
  model: Uint8Array;
  /** External data by location (empty for the single-file layout). */
  externalData: Map<string, Uint8Array>;
}

/** Builds one graph: initializers, nodes, typed inputs and outputs (float32 only). */
export class GraphWriter {
  #nodes: Msg[] = [];
  #inits: { name: string; dims: number[]; type: number; raw: Uint8Array }[] = [];
  #inputs: Msg[] = [];
  #outputs: Msg[] = [];
  #n = 0;

  /** A fresh value name. */
  name(hint = 't'): string {
    return `${hint}_${this.#n++}`;
  }

  initFloat(hint: string, dims: number[], data: Float32Array): string {
    const name = this.name(hint);
    this.#inits.push({
      name,
      dims,
      type: FLOAT,
      raw: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  /** A float32 scalar (shape []). */
  scalar(hint: string, v: number): string {
    const name = this.name(hint);
    this.#inits.push({
      name,
      dims: [],
      type: FLOAT,
      raw: new Uint8Array(Float32Array.of(v).buffer),
    });
    return name;
  }

  /** An int64 vector, or a scalar (shape []) when `values` is a number. */
  initInt64(hint: string, values: number[] | number): string {
    const name = this.name(hint);
    const list = typeof values === 'number' ? [values] : values;
    const data = BigInt64Array.from(list.map(BigInt));
    const dims = typeof values === 'number' ? [] : [list.length];
    this.#inits.push({ name, dims, type: INT64, raw: new Uint8Array(data.buffer) });
    return name;
  }

  /** Adds a node; returns its first output's name. */
  node(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, nOut = 1): string {
    const outs = Array.from({ length: nOut }, () => this.name(op.toLowerCase()));
    this.nodeTo(op, inputs, outs, attrs);
    return outs[0]!;
  }

  /** Adds a node with named outputs. */
  nodeTo(
    op: string,
    inputs: string[],
    outputs: string[],
    attrs: Record<string, AttrValue> = {},
  ): void {
    const m = new Msg();
    for (const i of inputs) m.str(1, i);
    for (const o of outputs) m.str(2, o);
    m.str(3, `${op}_${this.#nodes.length}`).str(4, op);
    for (const [k, v] of Object.entries(attrs)) {
      const a = new Msg().str(1, k);
      // AttributeProto: f = 2, i = 3, ints = 8, type = 20 (FLOAT 1, INT 2, INTS 7).
      if (Array.isArray(v)) {
        for (const x of v) a.int(8, x);
        a.int(20, 7);
      } else if (typeof v === 'number') a.int(3, v).int(20, 2);
      else a.float(2, v.float).int(20, 1);
      m.msg(5, a);
    }
    this.#nodes.push(m);
  }

  #valueInfo(name: string, dims: Dim[]): Msg {
    const shape = new Msg();
    for (const d of dims)
      shape.msg(1, typeof d === 'number' ? new Msg().int(1, d) : new Msg().str(2, d));
    const tensor = new Msg().int(1, FLOAT).msg(2, shape);
    return new Msg().str(1, name).msg(2, new Msg().msg(1, tensor));
  }

  input(name: string, dims: Dim[]): string {
    this.#inputs.push(this.#valueInfo(name, dims));
    return name;
  }

  output(name: string, dims: Dim[]): void {
    this.#outputs.push(this.#valueInfo(name, dims));
  }

  /**
   * The model file. With `externalDataName`, initializers of at least
   * `externalMinBytes` go to that file (as torch.onnx's external-data export
   * does) and the model refers to them by offset and length.
   */
  write(
    opts: {
      opset?: number;
      externalDataName?: string;
      externalMinBytes?: number;
      producer?: string;
    } = {},
  ): WrittenModel {
    const graph = new Msg();
    for (const n of this.#nodes) graph.msg(1, n);
    graph.str(2, 'main');
    const dataParts: Uint8Array[] = [];
    let offset = 0;
    for (const t of this.#inits) {
      const m = new Msg();
      for (const d of t.dims) m.int(1, d);
      m.int(2, t.type).str(8, t.name);
      if (opts.externalDataName && t.raw.byteLength >= (opts.externalMinBytes ?? 1024)) {
        const entry = (k: string, v: string) => new Msg().str(1, k).str(2, v);
        m.msg(13, entry('location', opts.externalDataName));
        m.msg(13, entry('offset', String(offset)));
        m.msg(13, entry('length', String(t.raw.byteLength)));
        m.int(14, 1);
        dataParts.push(t.raw);
        offset += t.raw.byteLength;
      } else {
        m.bytes(9, t.raw);
      }
      graph.msg(5, m);
    }
    for (const i of this.#inputs) graph.msg(11, i);
    for (const o of this.#outputs) graph.msg(12, o);
    const model = new Msg()
      .int(1, 8) // ir_version
      .str(2, opts.producer ?? 'visio-memoria test model')
      .msg(7, graph)
      .msg(8, new Msg().str(1, '').int(2, opts.opset ?? 17));
    const externalData = new Map<string, Uint8Array>();
    if (opts.externalDataName) {
      const data = new Uint8Array(offset);
      let at = 0;
      for (const p of dataParts) {
        data.set(p, at);
        at += p.byteLength;
      }
      externalData.set(opts.externalDataName, data);
    }
    return { model: model.concat(), externalData };
  }
}
