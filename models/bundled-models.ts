/**
 * The bundled face models on disk: found in the npm package that ships them
 * and checked against models/manifest.json. Used by the Vite plugin (build
 * and dev server) and by the Node tools and tests.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import manifest from './manifest.json' with { type: 'json' };

type BundledFileName = keyof typeof manifest.files;

export const bundledFileNames = Object.keys(manifest.files) as BundledFileName[];

/** The folder of the npm package that ships the bundled models. */
export function bundledModelDir(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve(`${manifest.source.package}/package.json`);
  return join(dirname(pkg), manifest.source.dir);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A bundled model's bytes, after checking its SHA-256 against the manifest. */
export async function readBundledBytes(file: BundledFileName): Promise<Uint8Array> {
  const path = join(bundledModelDir(), file);
  const bytes = new Uint8Array(await readFile(path));
  const want = manifest.files[file].sha256;
  const got = sha256(bytes);
  if (got !== want) {
    throw new Error(
      `${path}: SHA-256 ${got} does not match models/manifest.json (${want}). ` +
        `Reinstall ${manifest.source.package}@${manifest.source.version}.`,
    );
  }
  return bytes;
}

/** The versioned path a bundled model is served at, below the app's base URL. */
export function bundledModelPath(file: BundledFileName): string {
  return `models/${manifest.files[file].sha256.slice(0, 8)}/${file}`;
}
