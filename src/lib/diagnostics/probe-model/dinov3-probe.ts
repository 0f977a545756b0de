/**
 * A random-weight ViT with DINOv3's exact signature and shape conventions:
 * `pixel_values` float32 [B,3,224,224] → `last_hidden_state` [B,1+4+196,D]
 * and `pooler_output` [B,D] (the CLS token after the final LayerNorm).
 * Patch-16 conv (kernel_shape/strides/dilations explicit: WebGPU needs them),
 * CLS + 4 register tokens, 2-D RoPE on patch tokens, LayerScale, GELU.
 *
 * It lets the loader, registry and preprocessing be tested without the real
 * weights (which cannot be downloaded in tests), and with 12 layers × 768 it
 * is a ViT-B/16 of the real size for latency benchmarks.
 */
import { GraphWriter, type WrittenModel } from './onnx-writer';
import { rng } from '../../random';

export interface Dinov3SignatureOptions {
  dim: number;
  layers: number;
  heads: number;
  imageSize: number;
  patch: number;
  registers: number;
  /** Seed of the weights: same seed, same model. */
  seed: number;
  /** Write weights to `model.onnx_data` (the layout of the real fp32 exports). */
  externalData: boolean;
  /** Names, for building deliberately wrong models in tests. */
  inputName: string;
  poolerName: string;
  hiddenName: string;
}

const defaultDinov3SignatureOptions: Dinov3SignatureOptions = {
  dim: 64,
  layers: 2,
  heads: 4,
  imageSize: 224,
  patch: 16,
  registers: 4,
  seed: 1,
  externalData: false,
  inputName: 'pixel_values',
  poolerName: 'pooler_output',
  hiddenName: 'last_hidden_state',
};

export function writeDinov3SignatureModel(
  options: Partial<Dinov3SignatureOptions> = {},
): WrittenModel {
  const o = { ...defaultDinov3SignatureOptions, ...options };
  const { dim: D, heads: H, patch: P } = o;
  if (D % H || (D / H) % 4) throw new RangeError('dim / heads must be a multiple of 4');
  const hd = D / H;
  const grid = o.imageSize / P;
  const nPatch = grid * grid;
  const nPrefix = 1 + o.registers;
  const N = nPrefix + nPatch;
  const rand = rng(o.seed);
  const g = new GraphWriter();
  const uniform = (n: number, std: number) => {
    const a = std * Math.sqrt(3);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = (rand() * 2 - 1) * a;
    return out;
  };
  const weight = (hint: string, dims: number[], fanIn: number) =>
    g.initFloat(
      hint,
      dims,
      uniform(
        dims.reduce((x, y) => x * y, 1),
        1 / Math.sqrt(fanIn),
      ),
    );
  const filled = (hint: string, n: number, v: number) =>
    g.initFloat(hint, [n], new Float32Array(n).fill(v));
  const i64 = (v: number[] | number) => g.initInt64('c', v);
  const layerNorm = (x: string) =>
    g.node('LayerNormalization', [x, filled('ln_g', D, 1), filled('ln_b', D, 0)], {
      axis: -1,
      epsilon: { float: 1e-5 },
    });
  const linear = (x: string, nIn: number, nOut: number) =>
    g.node('Add', [g.node('MatMul', [x, weight('w', [nIn, nOut], nIn)]), filled('b', nOut, 0.01)]);
  const slice = (x: string, start: number, end: number, axis: number) =>
    g.node('Slice', [x, i64([start]), i64([end]), i64([axis])]);

  // Patch embedding and the prefix tokens (CLS + registers), broadcast to the batch.
  const pixels = g.input(o.inputName, ['batch_size', 3, o.imageSize, o.imageSize]);
  const conv = g.node(
    'Conv',
    [pixels, weight('patch_w', [D, 3, P, P], 3 * P * P), filled('patch_b', D, 0)],
    {
      kernel_shape: [P, P],
      strides: [P, P],
      dilations: [1, 1],
      pads: [0, 0, 0, 0],
      group: 1,
    },
  );
  const tokens = g.node('Transpose', [g.node('Reshape', [conv, i64([0, D, -1])])], {
    perm: [0, 2, 1],
  });
  const batch = slice(g.node('Shape', [pixels]), 0, 1, 0);
  const prefixShape = g.node('Concat', [batch, i64([nPrefix, D])], { axis: 0 });
  const prefix = g.node('Expand', [
    g.initFloat('prefix', [1, nPrefix, D], uniform(nPrefix * D, 1)),
    prefixShape,
  ]);
  let x = g.node('Concat', [prefix, tokens], { axis: 1 });

  // 2-D RoPE tables for the patch tokens: half of each head's pairs rotate with the column, half with the row.
  const cos = new Float32Array(nPatch * hd);
  const sin = new Float32Array(nPatch * hd);
  const half = hd / 2;
  for (let p = 0; p < nPatch; p++) {
    const coords = [
      (((p % grid) + 0.5) / grid) * 2 - 1,
      ((Math.floor(p / grid) + 0.5) / grid) * 2 - 1,
    ];
    for (let j = 0; j < half; j++) {
      const axis = j < half / 2 ? 0 : 1;
      const period = Math.pow(100, (2 * (j % (half / 2))) / half);
      const angle = (2 * Math.PI * coords[axis]!) / period;
      for (const k of [j, j + half]) {
        cos[p * hd + k] = Math.cos(angle);
        sin[p * hd + k] = Math.sin(angle);
      }
    }
  }
  const cosT = g.initFloat('rope_cos', [nPatch, hd], cos);
  const sinT = g.initFloat('rope_sin', [nPatch, hd], sin);
  const rope = (t: string) => {
    const pre = slice(t, 0, nPrefix, 2);
    const pt = slice(t, nPrefix, N, 2);
    const rot = g.node('Concat', [g.node('Neg', [slice(pt, half, hd, 3)]), slice(pt, 0, half, 3)], {
      axis: 3,
    });
    const turned = g.node('Add', [g.node('Mul', [pt, cosT]), g.node('Mul', [rot, sinT])]);
    return g.node('Concat', [pre, turned], { axis: 2 });
  };

  const scale = g.scalar('scale', 1 / Math.sqrt(hd));
  const halfC = g.scalar('half', 0.5);
  const one = g.scalar('one', 1);
  const sqrt2 = g.scalar('sqrt2', Math.SQRT2);
  for (let l = 0; l < o.layers; l++) {
    const qkv = g.node(
      'Transpose',
      [g.node('Reshape', [linear(layerNorm(x), D, 3 * D), i64([0, 0, 3, H, hd])])],
      {
        perm: [2, 0, 3, 1, 4],
      },
    );
    const [q, k, v] = [0, 1, 2].map((i) => g.node('Gather', [qkv, i64(i)], { axis: 0 }));
    const kt = g.node('Transpose', [rope(k!)], { perm: [0, 1, 3, 2] });
    const att = g.node('Softmax', [g.node('Mul', [g.node('MatMul', [rope(q!), kt]), scale])], {
      axis: -1,
    });
    const ctx = g.node('Transpose', [g.node('MatMul', [att, v!])], { perm: [0, 2, 1, 3] });
    const proj = linear(g.node('Reshape', [ctx, i64([0, 0, D])]), D, D);
    x = g.node('Add', [x, g.node('Mul', [proj, filled('ls1', D, 0.5)])]);
    const m = linear(layerNorm(x), D, 4 * D);
    const gelu = g.node('Mul', [
      g.node('Mul', [m, halfC]),
      g.node('Add', [one, g.node('Erf', [g.node('Div', [m, sqrt2])])]),
    ]);
    x = g.node('Add', [x, g.node('Mul', [linear(gelu, 4 * D, D), filled('ls2', D, 0.5)])]);
  }
  g.nodeTo(
    'LayerNormalization',
    [x, filled('norm_g', D, 1), filled('norm_b', D, 0)],
    [o.hiddenName],
    { axis: -1, epsilon: { float: 1e-5 } },
  );
  g.nodeTo('Gather', [o.hiddenName, i64(0)], [o.poolerName], { axis: 1 });
  g.output(o.hiddenName, ['batch_size', N, D]);
  g.output(o.poolerName, ['batch_size', D]);
  return g.write(o.externalData ? { externalDataName: 'model.onnx_data' } : {});
}
