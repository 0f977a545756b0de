/**
 * Vite plugin: the build's large compressible files, served compressed.
 *
 * At build (after the service worker is written), every .wasm, .js, .mjs,
 * .onnx, .json, .webmanifest, .css, .html and .svg file of at least 1 KiB
 * gets a `.br` and a `.gz` beside it, when they are smaller. `vite preview`
 * (`npm start`, the e2e tests, the bench) then answers a request that
 * accepts br or gzip with that file and its Content-Encoding, before Vite's
 * own static middleware; the other headers (COOP/COEP/CSP) are set by the
 * middleware before it. A static host can serve the same files (most pick up
 * `.br`/`.gz` siblings themselves).
 *
 * Brotli runs at quality 11 (the ORT WebAssembly: 2.3 MB against 2.7 MB at
 * 9), but at 9 for model weights, where 11 saves ~1% for 20× the time, and
 * for files over 20 MB (ORT's WebGPU build, fetched only by WebGPU devices).
 * Results are kept by content hash in node_modules/.cache, so only a changed
 * file is compressed again.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Plugin, ResolvedConfig } from 'vite';

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/** What each compressible extension is served as. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.wasm': 'application/wasm',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.onnx': 'application/octet-stream',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.css': 'text/css',
  '.html': 'text/html;charset=utf-8',
  '.svg': 'image/svg+xml',
};

const MIN_BYTES = 1024;
const LARGE_BYTES = 20 * 1024 * 1024;

export type Encoding = 'br' | 'gzip';
const SUFFIX: Record<Encoding, string> = { br: '.br', gzip: '.gz' };

function brotliQuality(file: string, size: number): number {
  return file.endsWith('.onnx') || size > LARGE_BYTES ? 9 : 11;
}

async function compress(
  bytes: Buffer,
  encoding: Encoding,
  quality: number,
  cacheDir: string,
): Promise<Buffer> {
  const key = createHash('sha256').update(bytes).digest('hex');
  const cached = join(cacheDir, `${key}.${encoding}${quality}`);
  if (existsSync(cached)) return readFile(cached);
  const out =
    encoding === 'br'
      ? await brotli(bytes, {
          params: {
            [zlib.constants.BROTLI_PARAM_QUALITY]: quality,
            [zlib.constants.BROTLI_PARAM_LGWIN]: 24,
            [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
          },
        })
      : await gzip(bytes, { level: quality });
  await mkdir(cacheDir, { recursive: true });
  const tmp = `${cached}.${process.pid}.tmp`;
  await writeFile(tmp, out);
  await rename(tmp, cached); // whole or absent, for a build that runs beside this one
  return out;
}

async function* files(dir: string): AsyncGenerator<string> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (e.isFile()) yield p;
  }
}

/** Writes the `.br` and `.gz` siblings under `outDir`; returns bytes before and after, per encoding. */
export async function precompressDir(
  outDir: string,
  cacheDir: string,
): Promise<{ files: number; raw: number; br: number; gzip: number }> {
  const total = { files: 0, raw: 0, br: 0, gzip: 0 };
  const jobs: Promise<void>[] = [];
  for await (const file of files(outDir)) {
    if (!(extname(file) in CONTENT_TYPES)) continue;
    const { size } = await stat(file);
    if (size < MIN_BYTES) continue;
    jobs.push(
      (async () => {
        const bytes = await readFile(file);
        const sizes = { br: size, gzip: size };
        for (const enc of ['br', 'gzip'] as const) {
          const quality = enc === 'br' ? brotliQuality(file, size) : 9;
          const out = await compress(bytes, enc, quality, cacheDir);
          if (out.length >= size * 0.95) continue; // not worth a Content-Encoding
          await writeFile(file + SUFFIX[enc], out);
          sizes[enc] = out.length;
        }
        total.files++;
        total.raw += size;
        total.br += sizes.br;
        total.gzip += sizes.gzip;
      })(),
    );
  }
  await Promise.all(jobs);
  return total;
}

/** The encoding to send for an Accept-Encoding header, among those on disk: br first. */
export function pickEncoding(
  accept: string | undefined,
  available: readonly Encoding[],
): Encoding | undefined {
  const ok = new Set<string>();
  for (const part of (accept ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (name && (!q || Number(q.slice(2)) > 0)) ok.add(name);
  }
  return (['br', 'gzip'] as const).find((e) => available.includes(e) && ok.has(e));
}

/** A connect middleware serving `<file>.br`/`.gz` from `root` for requests that accept them. */
export function servePrecompressed(root: string, base = '/') {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.headers.range) return next();
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return next();
    }
    if (!path.startsWith(base)) return next();
    path = path.slice(base.length - 1);
    if (path.endsWith('/')) path += 'index.html';
    const file = resolve(root, `.${path}`);
    const type = CONTENT_TYPES[extname(file)];
    if (!type || !file.startsWith(root + sep) || !existsSync(file)) return next();
    const available = (['br', 'gzip'] as const).filter((e) => existsSync(file + SUFFIX[e]));
    if (!available.length) return next();
    res.setHeader('Vary', 'Accept-Encoding');
    const enc = pickEncoding(req.headers['accept-encoding'], available);
    if (!enc) return next();
    const encoded = file + SUFFIX[enc];
    stat(encoded).then(
      (st) => {
        const etag = `W/"${st.size}-${st.mtime.getTime()}-${enc}"`;
        res.setHeader('ETag', etag);
        res.setHeader('Cache-Control', 'no-cache'); // as Vite's preview: revalidate
        if (req.headers['if-none-match'] === etag) {
          res.statusCode = 304;
          res.end();
          return;
        }
        res.setHeader('Content-Type', type);
        res.setHeader('Content-Encoding', enc);
        res.setHeader('Content-Length', String(st.size));
        res.setHeader('Last-Modified', st.mtime.toUTCString());
        if (req.method === 'HEAD') {
          res.end();
          return;
        }
        readFile(encoded).then(
          (b) => res.end(b),
          () => next(),
        );
      },
      () => next(),
    );
  };
}

export function precompress(): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'visio:precompress',
    configResolved(c) {
      config = c;
    },
    closeBundle: {
      order: 'post',
      sequential: true,
      async handler() {
        if (config.command !== 'build' || config.build.ssr) return;
        const outDir = resolve(config.root, config.build.outDir);
        const cacheDir = join(config.root, 'node_modules', '.cache', 'visio-precompress');
        const t0 = performance.now();
        const r = await precompressDir(outDir, cacheDir);
        const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
        config.logger.info(
          `precompressed ${r.files} files in ${((performance.now() - t0) / 1000).toFixed(1)} s ` +
            `(${relative(config.root, outDir)}): ${mb(r.raw)} → brotli ${mb(r.br)}, gzip ${mb(r.gzip)}`,
        );
      },
    },
    configurePreviewServer(server) {
      const root = resolve(server.config.root, server.config.build.outDir);
      server.middlewares.use(servePrecompressed(root, server.config.base));
    },
  };
}
