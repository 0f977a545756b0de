/**
 * The bundled face models on disk: found in the npm package that ships them
 * and checked against models/manifest.json. A file with `convertedFrom` is
 * built here from another package's files (each checked first), and the
 * result is checked too: the conversion is deterministic, so its checksum is
 * pinned like a downloaded file's. Used by the Vite plugin (build and dev
 * server) and by the Node tools and tests.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { dlibResnetOnnx } from './dlib-resnet.ts';
import manifest from './manifest.json' with { type: 'json' };

type BundledFileName = keyof typeof manifest.files;

export const bundledFileNames = Object.keys(manifest.files) as BundledFileName[];

interface Pinned {
  sha256: string;
  bytes: number;
}

/** Where a converted file's inputs come from (models/manifest.json). */
interface ConvertedFrom {
  package: string;
  version: string;
  dir: string;
  manifest: Pinned & { file: string };
  weights: Pinned & { file: string };
}

function entry(file: BundledFileName): Pinned & { convertedFrom?: ConvertedFrom } {
  return manifest.files[file];
}

function packageDir(pkg: string, dir: string): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve(`${pkg}/package.json`)), dir);
}

/** The folder of the npm package that ships the bundled ONNX models. */
export function bundledModelDir(): string {
  return packageDir(manifest.source.package, manifest.source.dir);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function check(bytes: Uint8Array, want: string, what: string, fix: string): Uint8Array {
  const got = sha256(bytes);
  if (got !== want) {
    throw new Error(
      `${what}: SHA-256 ${got} does not match models/manifest.json (${want}). ${fix}`,
    );
  }
  return bytes;
}

async function readPinned(path: string, want: string, fix: string): Promise<Uint8Array> {
  return check(new Uint8Array(await readFile(path)), want, path, fix);
}

const converted = new Map<BundledFileName, Promise<Uint8Array>>();

async function convert(file: BundledFileName, from: ConvertedFrom): Promise<Uint8Array> {
  const dir = packageDir(from.package, from.dir);
  const fix = `Reinstall ${from.package}@${from.version}.`;
  const json = await readPinned(join(dir, from.manifest.file), from.manifest.sha256, fix);
  const bin = await readPinned(join(dir, from.weights.file), from.weights.sha256, fix);
  const onnx = dlibResnetOnnx(JSON.parse(new TextDecoder().decode(json)), bin);
  return check(
    onnx,
    entry(file).sha256,
    `${file} converted from ${from.package}@${from.version}`,
    'The converter (models/dlib-resnet.ts) or its inputs changed.',
  );
}

/** A bundled model's bytes, after checking its SHA-256 against the manifest. */
export async function readBundledBytes(file: BundledFileName): Promise<Uint8Array> {
  const from = entry(file).convertedFrom;
  if (from) {
    // Converted once per process (about a second); a failure is not cached.
    let job = converted.get(file);
    if (!job) {
      job = convert(file, from);
      converted.set(file, job);
      job.catch(() => converted.delete(file));
    }
    return job;
  }
  return readPinned(
    join(bundledModelDir(), file),
    entry(file).sha256,
    `Reinstall ${manifest.source.package}@${manifest.source.version}.`,
  );
}

/** The versioned path a bundled model is served at, below the app's base URL. */
export function bundledModelPath(file: BundledFileName): string {
  return `models/${manifest.files[file].sha256.slice(0, 8)}/${file}`;
}
