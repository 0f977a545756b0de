/**
 * What this browser offers the app: WebGPU (and whether its adapter is a
 * real GPU or SwiftShader on the CPU), WebAssembly SIMD and threads.
 */
interface GpuInfo {
  /** navigator.gpu gave an adapter. */
  available: boolean;
  /** The adapter is a software one (e.g. SwiftShader): it runs, but slower than WASM. */
  fallbackAdapter: boolean | null;
  vendor: string | null;
  architecture: string | null;
  description: string | null;
  /** Why there is none, in words. */
  reason: string | null;
}

export interface DeviceInfo {
  gpu: GpuInfo;
  wasmSimd: boolean;
  /** SharedArrayBuffer usable: the page is cross-origin isolated, so ONNX Runtime may use threads. */
  wasmThreads: boolean;
  cores: number;
  userAgent: string;
}

interface AdapterLike {
  isFallbackAdapter?: boolean;
  info?: {
    isFallbackAdapter?: boolean;
    vendor?: string;
    architecture?: string;
    description?: string;
  };
}
type GpuLike = { requestAdapter(): Promise<AdapterLike | null> };

async function gpuInfo(
  // Own narrow type, not Navigator's: a dependency's ambient WebGPU types (tfjs-core's
  // @webgpu/types, in tests) may describe an older GPUAdapter without `info`.
  gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu,
): Promise<GpuInfo> {
  const none = (reason: string): GpuInfo => ({
    available: false,
    fallbackAdapter: null,
    vendor: null,
    architecture: null,
    description: null,
    reason,
  });
  if (!gpu) return none('This browser has no WebGPU (navigator.gpu).');
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return none('WebGPU gave no adapter (no usable GPU, or it is blocked).');
    const info = adapter.info ?? {};
    return {
      available: true,
      fallbackAdapter: info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false,
      vendor: info.vendor || null,
      architecture: info.architecture || null,
      description: info.description || null,
      reason: null,
    };
  } catch (error) {
    return none(`Asking WebGPU for an adapter failed: ${String(error)}`);
  }
}

/** The smallest module using a v128 instruction: valid only where WASM SIMD is supported. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15,
  253, 98, 11,
]);

export async function deviceInfo(): Promise<DeviceInfo> {
  return {
    gpu: await gpuInfo(),
    wasmSimd: WebAssembly.validate(SIMD_PROBE),
    wasmThreads: !!globalThis.crossOriginIsolated && typeof SharedArrayBuffer !== 'undefined',
    cores: globalThis.navigator?.hardwareConcurrency ?? 1,
    userAgent: globalThis.navigator?.userAgent ?? '',
  };
}
