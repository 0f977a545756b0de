/**
 * What this browser offers the app, and what the app does where something is
 * missing. Pure: it reads only the environment it is given (globalThis by
 * default), so a spec can describe any engine. Seen on the engines tested
 * (README, "Engines"): WebKitGTK 2.50 is cross-origin isolated yet has no
 * SharedArrayBuffer, no WebGPU and no storage.persist; Firefox ESR 153 has no
 * WebGPU, no directory picker and no install prompt; Chromium 156 has all.
 */
type CapabilityId =
  | 'webLocks'
  | 'persist'
  | 'directoryPicker'
  | 'offscreenCanvas'
  | 'wasmSimd'
  | 'installPrompt'
  | 'webgpu'
  | 'wasmThreads'
  | 'crossOriginIsolated';

interface Capability {
  id: CapabilityId;
  /** The API, as a developer would name it. */
  name: string;
  available: boolean;
  /** What the user gets from it (when available) or what the app does without it. */
  effect: string;
}

/** The parts of globalThis read here (all optional: any may be missing). */
export interface Environment {
  navigator?: {
    locks?: unknown;
    storage?: { persist?: unknown };
    gpu?: unknown;
  };
  crossOriginIsolated?: boolean;
  SharedArrayBuffer?: unknown;
  OffscreenCanvas?: unknown;
  WebAssembly?: { validate?: (bytes: Uint8Array<ArrayBuffer>) => boolean };
  showDirectoryPicker?: unknown;
  onbeforeinstallprompt?: unknown;
}

/**
 * ONNX Runtime's WASM threads need SharedArrayBuffer, which browsers give only
 * to cross-origin isolated pages, and not always then (WebKitGTK 2.50: isolated,
 * no SharedArrayBuffer). Asking for threads without it gets one thread anyway,
 * with a warning.
 */
export function wasmThreadsUsable(env: Environment = globalThis as Environment): boolean {
  return env.crossOriginIsolated === true && typeof env.SharedArrayBuffer === 'function';
}

/**
 * The smallest module with a SIMD instruction (v128.const, i8x16.popcnt), as
 * wasm-feature-detect checks it: ONNX Runtime Web ships SIMD builds only.
 */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15,
  253, 98, 11,
]);

function wasmSimd(env: Environment): boolean {
  try {
    return env.WebAssembly?.validate?.(SIMD_PROBE) === true;
  } catch {
    return false;
  }
}

/**
 * What the face models cannot run without, here: WebAssembly SIMD (ONNX
 * Runtime Web's only builds) and OffscreenCanvas (the vision worker reads
 * camera frames through it). Both arrived in Safari 16.4 (iPadOS 16.4); Chrome
 * and Firefox have had them since 2021–2022. Empty where the models can run.
 */
export function modelRuntimeMissing(env: Environment = globalThis as Environment): string[] {
  const missing: string[] = [];
  if (!wasmSimd(env)) missing.push('WebAssembly SIMD');
  if (typeof env.OffscreenCanvas !== 'function') missing.push('OffscreenCanvas');
  return missing;
}

export function capabilities(env: Environment = globalThis as Environment): Capability[] {
  const nav = env.navigator ?? {};
  const has = (v: unknown) => v !== undefined && v !== null;
  const threads = wasmThreadsUsable(env);
  const list: Array<[CapabilityId, string, boolean, string, string]> = [
    [
      'webLocks',
      'Web Locks',
      has(nav.locks),
      'A second tab opens the memory read-only, so two tabs never write at once.',
      'The app cannot tell whether it is open in another tab, so it cannot keep a second tab from writing: use it in one tab only.',
    ],
    [
      'persist',
      'Persistent storage (navigator.storage.persist)',
      typeof nav.storage?.persist === 'function',
      'The app can ask the browser not to clear its storage under disk pressure.',
      'The app cannot ask the browser to keep its storage: export a backup now and then.',
    ],
    [
      'directoryPicker',
      'Folder picker (showDirectoryPicker)',
      typeof env.showDirectoryPicker === 'function',
      "The Python original's folder can be picked directly.",
      "Pick the Python original's folder through the file input, or a zip of it.",
    ],
    [
      'offscreenCanvas',
      'OffscreenCanvas',
      typeof env.OffscreenCanvas === 'function',
      'Camera frames are read and face pictures encoded off the page, in the vision worker.',
      'The vision worker cannot read camera frames: faces are not recognised here (Safari and iPadOS 16.4 or later have it). People, visits and backups still work.',
    ],
    [
      'wasmSimd',
      'WebAssembly SIMD',
      wasmSimd(env),
      'The face models run on WebAssembly with SIMD.',
      'The face models cannot run here (ONNX Runtime needs SIMD: Safari and iPadOS 16.4 or later, Chrome 91, Firefox 89). People, visits and backups still work.',
    ],
    [
      'installPrompt',
      'Install prompt (beforeinstallprompt)',
      'onbeforeinstallprompt' in env,
      'The app offers its own Install button.',
      "No Install button: install from the browser's menu (Safari: Share → Add to Home Screen); the app works the same in a tab.",
    ],
    [
      'webgpu',
      'WebGPU',
      has(nav.gpu),
      'Faces are embedded on the GPU when it has a real adapter (else on the CPU).',
      'Faces are detected and embedded on the CPU (WebAssembly).',
    ],
    [
      'wasmThreads',
      'WebAssembly threads (SharedArrayBuffer)',
      threads,
      'ONNX Runtime uses up to 4 threads.',
      'ONNX Runtime runs on one thread: the live view is slower, everything else works.',
    ],
    [
      'crossOriginIsolated',
      'Cross-origin isolation',
      env.crossOriginIsolated === true,
      'The page is isolated (COOP/COEP), which threads need.',
      'The page is not isolated (the server did not send COOP/COEP): one thread, everything else works.',
    ],
  ];
  return list.map(([id, name, available, yes, no]) => ({
    id,
    name,
    available,
    effect: available ? yes : no,
  }));
}

export function capability(id: CapabilityId, env?: Environment): Capability {
  return capabilities(env).find((c) => c.id === id)!;
}
