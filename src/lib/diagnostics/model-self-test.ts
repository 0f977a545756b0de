/**
 * "Can this device run a DINOv3 model, and on what?": a small generated
 * model with DINOv3's exact signature goes through the app's real loader,
 * registry entry and preprocessing (signature-check.ts) on the provider
 * asked for, in either file layout (one .onnx, or .onnx + .onnx_data).
 */
import { describeError } from '../errors';
import type { Provider, SessionEnv } from '../vision/ort-session';
import type { Dinov3SignatureOptions } from './probe-model/dinov3-probe';
import { checkDinov3Signature, type SignatureCheck } from './probe-model/probe-check';

export type ModelLayout = 'single' | 'external';

export interface ModelSelfTestResult extends Partial<SignatureCheck> {
  ok: boolean;
  layout: ModelLayout;
  requested: Provider;
  /** The generated model's dimension (what `dim` must read back as). */
  expectedDim: number;
  /** ONNX Runtime's fallback message when the requested provider gave up. */
  fallback: string | null;
  problems: string[];
  totalMs: number;
}

const SELF_TEST_MODEL: Partial<Dinov3SignatureOptions> = { dim: 64, layers: 2, heads: 4 };

export async function modelSelfTest(
  env: SessionEnv,
  layout: ModelLayout,
  requested: Provider,
  model: Partial<Dinov3SignatureOptions> = SELF_TEST_MODEL,
): Promise<ModelSelfTestResult> {
  const t0 = performance.now();
  const expectedDim = model.dim ?? 64;
  let fallback: string | null = null;
  const watched: SessionEnv = {
    ...env,
    onFallback: (message, error) => {
      fallback ??= message;
      env.onFallback?.(message, error);
    },
  };
  const base = { layout, requested, expectedDim, problems: [] as string[] };
  let check: SignatureCheck;
  try {
    check = await checkDinov3Signature(watched, layout, model);
  } catch (error) {
    const message = describeError(error);
    return { ...base, ok: false, fallback, problems: [message], totalMs: performance.now() - t0 };
  }
  const problems = base.problems;
  if (check.provider !== requested) {
    problems.push(
      `It ran on ${check.provider}, not ${requested}${fallback ? `: ${fallback}` : ''}.`,
    );
  }
  if (check.dim !== expectedDim)
    problems.push(`Dimension read as ${check.dim}, not ${expectedDim}.`);
  if (!(Math.abs(check.norm - 1) < 1e-3))
    problems.push(`Embedding not normalised (${check.norm}).`);
  if (!(check.cosSame > 0.999)) problems.push('Two runs on the same face differ.');
  if (!(check.cosDifferent < 0.9999)) problems.push('Different faces gave the same embedding.');
  return {
    ...base,
    ...check,
    ok: problems.length === 0,
    fallback,
    totalMs: performance.now() - t0,
  };
}
