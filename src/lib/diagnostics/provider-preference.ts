/**
 * Which execution provider the models should use: automatic (WebGPU when
 * there is a real GPU adapter, else WASM) or always WASM, e.g. where a GPU
 * driver misbehaves. A device preference, so it lives in localStorage beside
 * the settings; the vision worker honours it when it starts.
 */
import type { Provider } from '../vision/ort-session';

export type ProviderPreference = 'auto' | 'wasm';

export const PROVIDER_KEY = 'visio.provider.v1';

export function readProviderPreference(): ProviderPreference {
  try {
    return globalThis.localStorage?.getItem(PROVIDER_KEY) === 'wasm' ? 'wasm' : 'auto';
  } catch {
    return 'auto';
  }
}

export function writeProviderPreference(p: ProviderPreference): void {
  try {
    if (p === 'auto') localStorage.removeItem(PROVIDER_KEY);
    else localStorage.setItem(PROVIDER_KEY, p);
  } catch {
    /* private mode: lasts for this session only */
  }
}

/** The provider to force on the vision worker's init, if any. */
export function forcedProvider(p = readProviderPreference()): Provider | undefined {
  return p === 'wasm' ? 'wasm' : undefined;
}
