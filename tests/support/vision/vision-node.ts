/**
 * Node-only helpers for the vision tools and tests: decoding PNG/JPEG files
 * to RGBA, and reading the bundled models from the npm package with their
 * checksums verified (the same check the Vite plugin makes at build time).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import * as ortNode from 'onnxruntime-node';
import { PNG } from 'pngjs';
import { readBundledBytes } from '../../../models/bundled-models.ts';
import type { RgbaImage } from '../../../src/lib/vision/image.ts';
import { fetchModel, type ModelStore } from '../../../src/lib/vision/model-store.ts';
import {
  wasmEnv,
  type ModelFiles,
  type OrtModule,
  type SessionEnv,
} from '../../../src/lib/vision/ort-session.ts';
import type { ModelSource } from '../../../src/lib/vision/service.ts';
import type { BundledFile } from '../../../src/lib/vision/registry.ts';

/** Decodes a PNG or JPEG (by its signature) to RGBA. */
export function decodeImage(bytes: Uint8Array, name = 'image'): RgbaImage {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf[0] === 0x89 && buf[1] === 0x50) {
    const png = PNG.sync.read(buf);
    return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
  }
  if (buf[0] === 0xff && buf[1] === 0xd8) {
    const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
    return { width: img.width, height: img.height, data: img.data };
  }
  throw new Error(`${name}: not a PNG or JPEG file`);
}

export async function readImage(path: string): Promise<RgbaImage> {
  return decodeImage(await readFile(path), path);
}

/** Reads a bundled model (checksum verified) as ModelFiles. */
export async function readBundledModel(file: BundledFile): Promise<ModelFiles> {
  return { name: file, model: await readBundledBytes(file) };
}

/** A ModelStore in a folder (Node's stand-in for Cache Storage): one file per URL. */
export class FileModelStore implements ModelStore {
  constructor(private readonly dir: string) {}
  #path(url: string): string {
    return join(this.dir, createHash('sha256').update(url).digest('hex').slice(0, 32));
  }
  async get(url: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.#path(url)));
    } catch {
      return undefined;
    }
  }
  async put(url: string, bytes: Uint8Array): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    // Write then rename, so a crash never leaves a half file that looks cached.
    const tmp = `${this.#path(url)}.part`;
    await writeFile(tmp, bytes);
    await rename(tmp, this.#path(url));
  }
  async delete(url: string): Promise<void> {
    await rm(this.#path(url), { force: true });
  }
}

/** onnxruntime-web's WASM backend (what the app runs) or onnxruntime-node ('cpu', faster, for tools). */
export function nodeSessionEnv(backend: 'wasm' | 'cpu' = 'wasm', cpuThreads = 1): SessionEnv {
  if (backend === 'wasm') return wasmEnv;
  return { ort: ortNode as unknown as OrtModule, providers: ['cpu'], cpuThreads };
}

/** Bundled models from node_modules (checksums verified), remote ones through a folder store. */
export function nodeModelSource(store?: ModelStore): ModelSource {
  return {
    bundled: readBundledModel,
    remote: (url, opts) => {
      if (!store) throw new Error('no model store configured for downloads');
      return fetchModel(url, store, opts);
    },
  };
}
