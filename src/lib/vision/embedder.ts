/**
 * An embedder = a registry entry + a checked session. Loading checks the
 * model's signature against the entry, runs one probe inference and reads
 * the dimension from the model (never from the registry).
 */
import { alignFace, type Point } from './align';
import { alignFaceDlib } from './align-dlib';
import { squareAround } from './box';
import { ModelError } from './errors';
import { resizeRegion, type Rect, type RgbaImage } from './image';
import { OrtSession, type ModelFiles, type SessionEnv, type ValueInfo } from './ort-session';
import { l2Normalize, toNchw } from './preprocess';
import type { EmbedderSpec } from './registry';

/** Where a face is in an image: its box and its five alignment points. */
export interface FaceGeometry {
  box: Rect;
  /** Eye centres, nose tip, mouth corners (the ArcFace template's points). */
  five: readonly Point[];
  /** dlib's five: eye corners and nose base (align-dlib.ts); needed by a 'dlib' crop. */
  dlibFive?: readonly Point[];
}

function describe(v: ValueInfo): string {
  return `${v.name} ${v.type} [${v.shape.join(', ')}]`;
}

/** Throws 'model-signature' unless the session takes the spec's input and gives its output. */
function checkSignature(
  spec: EmbedderSpec,
  inputs: readonly ValueInfo[],
  outputs: readonly ValueInfo[],
): void {
  const want = `input ${spec.input.name} float32 [batch, 3, ${spec.input.size}, ${spec.input.size}] and output ${spec.output}`;
  const has = `it has inputs ${inputs.map(describe).join('; ') || 'none'} and outputs ${outputs.map(describe).join('; ') || 'none'}`;
  const fail = (why: string) =>
    new ModelError(
      'model-signature',
      `This is not a ${spec.displayName} model: ${why}. Expected ${want}; ${has}.`,
    );
  const input = inputs.find((i) => i.name === spec.input.name);
  if (!input) throw fail(`no input "${spec.input.name}"`);
  if (inputs.length !== 1) throw fail('it needs more than one input');
  if (input.type !== 'float32') throw fail(`input type ${input.type}`);
  const [, c, h, w] = input.shape;
  const fits = (d: number | string | undefined, n: number) => typeof d === 'string' || d === n;
  if (
    input.shape.length !== 4 ||
    !fits(c, 3) ||
    !fits(h, spec.input.size) ||
    !fits(w, spec.input.size)
  ) {
    throw fail(`input shape [${input.shape.join(', ')}]`);
  }
  const output = outputs.find((o) => o.name === spec.output);
  if (!output) throw fail(`no output "${spec.output}"`);
  if (output.type !== 'float32') throw fail(`output type ${output.type}`);
  if (output.shape.length !== 2 && output.shape.length !== 0)
    throw fail(`output rank ${output.shape.length}`);
}

export class Embedder {
  private constructor(
    readonly spec: EmbedderSpec,
    readonly session: OrtSession,
    /** The embedding's length, read from the model. */
    readonly dim: number,
  ) {}

  /** Opens `files` for `spec`; any failure is a ModelError and nothing is kept. */
  static async load(spec: EmbedderSpec, files: ModelFiles, env: SessionEnv): Promise<Embedder> {
    let dim = 0;
    const session = await OrtSession.open(files, env, async (s) => {
      checkSignature(spec, s.inputs, s.outputs);
      const n = spec.input.size;
      const out = await s.run({
        [spec.input.name]: { data: new Float32Array(3 * n * n), dims: [1, 3, n, n] },
      });
      const y = out[spec.output];
      if (!y || y.dims.length !== 2 || y.dims[0] !== 1 || !(y.dims[1]! > 0)) {
        throw new ModelError(
          'model-signature',
          `${spec.output} of ${files.name} has shape [${y?.dims.join(', ') ?? ''}], expected [1, dim].`,
        );
      }
      if (!y.data.every(Number.isFinite)) {
        throw new ModelError('model-load-failed', `${files.name} gives non-finite values.`);
      }
      dim = y.dims[1]!;
    });
    return new Embedder(spec, session, dim);
  }

  /** The face as the model's input image (aligned or box crop, per the spec). */
  cropFace(img: RgbaImage, face: FaceGeometry): RgbaImage {
    const n = this.spec.input.size;
    const crop = this.spec.crop;
    if (crop.kind === 'aligned') return alignFace(img, face.five, n);
    if (crop.kind === 'dlib') {
      if (!face.dlibFive) throw new RangeError(`${this.spec.id} needs dlib's five points`);
      return alignFaceDlib(img, face.dlibFive, n);
    }
    return resizeRegion(img, squareAround(face.box, 1 + 2 * crop.marginFrac), n, n);
  }

  /** The model's input tensor data for a crop of the input size. */
  inputFor(crop: RgbaImage): Float32Array {
    return toNchw(crop, this.spec.input.norm);
  }

  /** The model's own output for one face (batch 1: quantised models depend on batch size). */
  async rawEmbedding(data: Float32Array): Promise<Float32Array> {
    const n = this.spec.input.size;
    const out = await this.session.run({ [this.spec.input.name]: { data, dims: [1, 3, n, n] } });
    const y = out[this.spec.output];
    if (!y) throw new ModelError('model-signature', `${this.spec.output} missing from the result.`);
    return new Float32Array(y.data);
  }

  /** One face → its embedding: centred when the spec says so, then L2-normalised. */
  async embedInput(data: Float32Array): Promise<Float32Array> {
    const v = await this.rawEmbedding(data);
    const centre = this.spec.centre;
    if (centre) {
      if (centre.length !== v.length) {
        throw new ModelError(
          'model-signature',
          `${this.spec.displayName} gives ${v.length} values; its centre has ${centre.length}.`,
        );
      }
      for (let i = 0; i < v.length; i++) v[i]! -= centre[i]!;
    }
    return l2Normalize(v);
  }

  async embed(img: RgbaImage, face: FaceGeometry): Promise<Float32Array> {
    return this.embedInput(this.inputFor(this.cropFace(img, face)));
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
