/**
 * Which execution provider the models should use: automatic (WebGPU when
 * there is a real GPU adapter, else WASM) or always WASM, e.g. where a GPU
 * driver misbehaves. A device preference kept with the settings (the
 * Settings state owns it); the vision worker honours it when it starts.
 */
import { loadSettings, pageStorage, type ProviderPreference } from '../settings/settings';
import type { Provider } from '../vision/ort-session';

/** The provider to force on the vision worker's init, if any. */
export function forcedProvider(
  p: ProviderPreference = loadSettings(pageStorage()).provider,
): Provider | undefined {
  return p === 'wasm' ? 'wasm' : undefined;
}
