/**
 * Runs a generated DINOv3-signature model through the app's real path (the
 * user-file loader, the registry entry, the embedder's crop and
 * preprocessing) and reports what happened. The Node tests call it on WASM;
 * the e2e tests call it in Chromium on WASM and WebGPU.
 */
import { applyAffine, ARCFACE_TEMPLATE_112 } from '../../vision/align';
import { Embedder } from '../../vision/embedder';
import { createRgba, type RgbaImage } from '../../vision/image';
import { filesFromPicked } from '../../vision/model-store';
import type { Provider, SessionEnv } from '../../vision/ort-session';
import { getEmbedderSpec } from '../../vision/registry';
import { writeDinov3SignatureModel, type Dinov3SignatureOptions } from './dinov3-probe';

export interface SignatureCheck {
  provider: Provider;
  /** Read from the model; should equal the generated `dim`. */
  dim: number;
  /** L2 norm of the embedding (1 when normalised). */
  norm: number;
  /** Cosine of the embeddings of two different synthetic faces (below 1: the input matters). */
  cosDifferent: number;
  /** Cosine of two runs on the same face (1: deterministic). */
  cosSame: number;
  embedMs: number;
}

/** A synthetic 'face': a smooth pattern that depends on `seed`, with five points to align by. */
export function syntheticFace(
  seed: number,
  size = 256,
): { img: RgbaImage; five: [number, number][] } {
  const img = createRgba(size, size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = (k: number) =>
        128 + 100 * Math.sin((x * (k + seed)) / 37 + (y * (k + 2 * seed)) / 53);
      img.data.set([v(1), v(2), v(3), 255], (y * size + x) * 4);
    }
  }
  const s = size / 160;
  const five = ARCFACE_TEMPLATE_112.map(
    (p) => applyAffine([s, 0, 24 * s, 0, s, 20 * s], p) as [number, number],
  );
  return { img, five };
}

export async function checkDinov3Signature(
  env: SessionEnv,
  layout: 'single' | 'external',
  model: Partial<Dinov3SignatureOptions> = {},
  specId = 'dinov3-vits16',
): Promise<SignatureCheck> {
  const spec = getEmbedderSpec(specId);
  if (!spec) throw new Error(`no registry entry ${specId}`);
  const written = writeDinov3SignatureModel({ ...model, externalData: layout === 'external' });
  const picked = [{ name: 'model.onnx', bytes: written.model }];
  for (const [name, bytes] of written.externalData) picked.push({ name, bytes });
  const embedder = await Embedder.load(spec, filesFromPicked(picked), env);
  try {
    const a = syntheticFace(1);
    const b = syntheticFace(2);
    const t0 = performance.now();
    const ea = await embedder.embed(a.img, {
      box: { x1: 0, y1: 0, x2: 256, y2: 256 },
      five: a.five,
    });
    const embedMs = performance.now() - t0;
    const ea2 = await embedder.embed(a.img, {
      box: { x1: 0, y1: 0, x2: 256, y2: 256 },
      five: a.five,
    });
    const eb = await embedder.embed(b.img, {
      box: { x1: 0, y1: 0, x2: 256, y2: 256 },
      five: b.five,
    });
    const dot = (u: Float32Array, v: Float32Array) => u.reduce((s, x, i) => s + x * v[i]!, 0);
    return {
      provider: embedder.session.provider,
      dim: embedder.dim,
      norm: Math.sqrt(dot(ea, ea)),
      cosDifferent: dot(ea, eb),
      cosSame: dot(ea, ea2),
      embedMs,
    };
  } finally {
    await embedder.release();
  }
}
