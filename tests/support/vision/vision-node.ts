/**
 * Node-only helpers for the vision tools and tests: decoding JPEG, PNG and
 * WebP files (told by their bytes, not their names) to upright RGBA, and reading the bundled models from the npm package with their
 * checksums verified (the same check the Vite plugin makes at build time).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decode as decodeWebp } from '@cwasm/webp';
import jpeg from 'jpeg-js';
import * as ortNode from 'onnxruntime-node';
import { PNG } from 'pngjs';
import { readBundledBytes } from '../../../models/bundled-models.ts';
import { createRgba, type RgbaImage } from '../../../src/lib/vision/image.ts';
import {
  FORMAT_NAMES,
  jpegOrientation,
  sniffImageFormat,
} from '../../../src/lib/vision/image-format.ts';
import { fetchModel, type ModelStore } from '../../../src/lib/vision/model-store.ts';
import {
  wasmEnv,
  type ModelFiles,
  type OrtModule,
  type SessionEnv,
} from '../../../src/lib/vision/ort-session.ts';
import type { ModelSource } from '../../../src/lib/vision/service.ts';
import type { BundledFile } from '../../../src/lib/vision/registry.ts';

/** A file the Node tools cannot decode; its message names the file and says why. */
export class UnreadableImageError extends Error {
  override readonly name = 'UnreadableImageError';
}

/**
 * Decodes a JPEG, PNG or WebP (told by its bytes, whatever the file is
 * called) to RGBA, a JPEG turned upright by its EXIF orientation. Anything
 * else, or a damaged file, throws UnreadableImageError naming `name`.
 */
export function decodeImage(bytes: Uint8Array, name = 'image'): RgbaImage {
  const format = sniffImageFormat(bytes);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    if (format === 'png') {
      const png = PNG.sync.read(buf);
      return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
    }
    if (format === 'jpeg') {
      const img = jpeg.decode(buf, {
        useTArray: true,
        formatAsRGBA: true,
        maxMemoryUsageInMB: 1024,
      });
      return orient(
        { width: img.width, height: img.height, data: img.data },
        jpegOrientation(bytes),
      );
    }
    if (format === 'webp') {
      const img = decodeWebp(bytes);
      return { width: img.width, height: img.height, data: new Uint8Array(img.data.buffer) };
    }
  } catch (error) {
    throw new UnreadableImageError(`${name}: a damaged ${FORMAT_NAMES[format!]} file`, {
      cause: error,
    });
  }
  throw new UnreadableImageError(
    format
      ? `${name}: ${FORMAT_NAMES[format]} pictures are not read here (JPEG, PNG and WebP are)`
      : `${name}: not a picture (not JPEG, PNG or WebP by its content)`,
  );
}

/** The image as displayed for EXIF orientation 1–8 (rotations and mirrors). */
function orient(img: RgbaImage, orientation: number): RgbaImage {
  if (orientation <= 1 || orientation > 8) return img;
  const { width: w, height: h } = img;
  const swap = orientation >= 5;
  const out = createRgba(swap ? h : w, swap ? w : h);
  const src = new Uint32Array(Uint8Array.from(img.data).buffer);
  const dst = new Uint32Array(out.data.buffer);
  const ow = out.width;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Where stored pixel (x, y) lands when displayed.
      let dx: number;
      let dy: number;
      switch (orientation) {
        case 2:
          [dx, dy] = [w - 1 - x, y];
          break;
        case 3:
          [dx, dy] = [w - 1 - x, h - 1 - y];
          break;
        case 4:
          [dx, dy] = [x, h - 1 - y];
          break;
        case 5:
          [dx, dy] = [y, x];
          break;
        case 6:
          [dx, dy] = [h - 1 - y, x];
          break;
        case 7:
          [dx, dy] = [h - 1 - y, w - 1 - x];
          break;
        default:
          [dx, dy] = [y, w - 1 - x];
          break; // 8
      }
      dst[dy * ow + dx] = src[y * w + x]!;
    }
  }
  return out;
}

/** Reads and decodes an image file by its content (see decodeImage). */
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
