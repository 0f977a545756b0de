import { describe, expect, it } from 'vitest';
import {
  capabilities,
  capability,
  modelRuntimeMissing,
  wasmThreadsUsable,
  type Environment,
} from './capabilities';

const fn = () => undefined;
/** A WebAssembly that validates what it is given, as every tested engine's does for the probe. */
const wasm = { validate: (b: Uint8Array<ArrayBuffer>) => WebAssembly.validate(b) };

/** The three engines as seen on this machine (README, "Engines"). */
const chromium: Environment = {
  navigator: { locks: {}, storage: { persist: fn }, gpu: {} },
  crossOriginIsolated: true,
  SharedArrayBuffer: ArrayBuffer,
  OffscreenCanvas: fn,
  WebAssembly: wasm,
  showDirectoryPicker: fn,
  onbeforeinstallprompt: null,
};
const firefox: Environment = {
  navigator: { locks: {}, storage: { persist: fn } },
  crossOriginIsolated: true,
  SharedArrayBuffer: ArrayBuffer,
  OffscreenCanvas: fn,
  WebAssembly: wasm,
};
const webkit: Environment = {
  navigator: { locks: {}, storage: {} },
  crossOriginIsolated: true,
  OffscreenCanvas: fn,
  WebAssembly: wasm,
};

const missing = (env: Environment) =>
  capabilities(env)
    .filter((c) => !c.available)
    .map((c) => c.id);

describe('capabilities', () => {
  it('Chromium has everything', () => {
    expect(missing(chromium)).toEqual([]);
  });

  it('Firefox ESR lacks WebGPU, the folder picker and the install prompt', () => {
    expect(missing(firefox)).toEqual(['directoryPicker', 'installPrompt', 'webgpu']);
  });

  it('WebKit is isolated but has no SharedArrayBuffer: one thread; no storage.persist', () => {
    expect(missing(webkit)).toEqual([
      'persist',
      'directoryPicker',
      'installPrompt',
      'webgpu',
      'wasmThreads',
    ]);
    expect(wasmThreadsUsable(webkit)).toBe(false);
    expect(capability('wasmThreads', webkit).effect).toMatch(/one thread/);
  });

  it('threads need both isolation and SharedArrayBuffer', () => {
    expect(wasmThreadsUsable({ ...chromium, crossOriginIsolated: false })).toBe(false);
    expect(wasmThreadsUsable({ crossOriginIsolated: true, SharedArrayBuffer: ArrayBuffer })).toBe(
      true,
    );
  });

  it('an empty environment lacks everything, and says what the app does instead', () => {
    const all = capabilities({});
    expect(all.every((c) => !c.available)).toBe(true);
    expect(capability('webLocks', {}).effect).toMatch(/one tab only/);
    expect(capability('directoryPicker', {}).effect).toMatch(/zip/);
    expect(new Set(all.map((c) => c.effect)).size).toBe(all.length);
  });

  it('the models need WebAssembly SIMD and OffscreenCanvas: a browser without says which (Safari before 16.4)', () => {
    for (const env of [chromium, firefox, webkit]) expect(modelRuntimeMissing(env)).toEqual([]);
    // Safari 15: WebAssembly without SIMD, no OffscreenCanvas.
    const safari15: Environment = {
      ...webkit,
      OffscreenCanvas: undefined,
      WebAssembly: { validate: () => false },
    };
    expect(modelRuntimeMissing(safari15)).toEqual(['WebAssembly SIMD', 'OffscreenCanvas']);
    expect(capability('wasmSimd', safari15).effect).toMatch(/16\.4/);
    // A validate that throws counts as no SIMD, not as a crash.
    const throwing: Environment = {
      ...chromium,
      WebAssembly: {
        validate: () => {
          throw new Error('x');
        },
      },
    };
    expect(modelRuntimeMissing(throwing)).toEqual(['WebAssembly SIMD']);
  });
});
