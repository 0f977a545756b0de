/** scripts/precompress-plugin.ts: the .br/.gz siblings it writes and how the preview server sends them. */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  pickEncoding,
  precompressDir,
  servePrecompressed,
} from '../../scripts/precompress-plugin.ts';

describe('pickEncoding', () => {
  it('prefers brotli, honours q=0, and needs the file on disk', () => {
    expect(pickEncoding('gzip, deflate, br, zstd', ['br', 'gzip'])).toBe('br');
    expect(pickEncoding('gzip, deflate, br', ['gzip'])).toBe('gzip');
    expect(pickEncoding('br;q=0, gzip;q=0.5', ['br', 'gzip'])).toBe('gzip');
    expect(pickEncoding('identity', ['br', 'gzip'])).toBeUndefined();
    expect(pickEncoding(undefined, ['br'])).toBeUndefined();
  });
});

interface Got {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('precompressDir + servePrecompressed', () => {
  let dir: string;
  let server: Server;
  let port: number;
  const js = 'export const x = 1;\n'.repeat(500);
  const wasm = Buffer.alloc(64 * 1024, 7);
  const random = randomBytes(4096);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'precompress-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), `<!doctype html>${'<p>hi</p>'.repeat(300)}`);
    await writeFile(join(dir, 'assets', 'a.js'), js);
    await writeFile(join(dir, 'assets', 'a.js.map'), js); // maps are left alone
    await writeFile(join(dir, 'assets', 'b.wasm'), wasm);
    await writeFile(join(dir, 'assets', 'small.js'), 'export {};'); // under 1 KiB
    await writeFile(join(dir, 'assets', 'noise.onnx'), random); // does not shrink
    await precompressDir(dir, join(dir, '.cache'));
    const serve = servePrecompressed(dir);
    server = createServer((req, res) => {
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp'); // as the headers middleware
      serve(req, res, () => {
        res.statusCode = 299; // "fell through to Vite's static middleware"
        res.end('raw');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes .br and .gz beside the compressible files that shrink', async () => {
    expect(zlib.brotliDecompressSync(await readFile(join(dir, 'assets/a.js.br'))).toString()).toBe(
      js,
    );
    expect(zlib.gunzipSync(await readFile(join(dir, 'assets/b.wasm.gz')))).toEqual(wasm);
    const exists = (p: string) =>
      stat(join(dir, p)).then(
        () => true,
        () => false,
      );
    expect(await exists('index.html.br')).toBe(true);
    expect(await exists('assets/a.js.map.br')).toBe(false);
    expect(await exists('assets/small.js.br')).toBe(false);
    expect(await exists('assets/noise.onnx.br')).toBe(false);
  });

  it('sends brotli (or gzip) with its Content-Encoding, type, length and Vary', async () => {
    const br = await get(port, '/assets/b.wasm?x=1', { 'accept-encoding': 'gzip, br' });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toBe('application/wasm');
    expect(br.headers['vary']).toBe('Accept-Encoding');
    expect(br.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(Number(br.headers['content-length'])).toBe(br.body.length);
    expect(zlib.brotliDecompressSync(br.body)).toEqual(wasm);

    const gz = await get(port, '/', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers['content-type']).toBe('text/html;charset=utf-8');
    expect(zlib.gunzipSync(gz.body).toString()).toContain('<p>hi</p>');

    const again = await get(port, '/assets/b.wasm', {
      'accept-encoding': 'br',
      'if-none-match': String(br.headers['etag']),
    });
    expect(again.status).toBe(304);
  });

  it('leaves everything else to the next middleware', async () => {
    for (const [path, headers] of [
      ['/assets/b.wasm', {}], // no Accept-Encoding
      ['/assets/b.wasm', { 'accept-encoding': 'br', range: 'bytes=0-9' }],
      ['/assets/small.js', { 'accept-encoding': 'br' }],
      ['/assets/noise.onnx', { 'accept-encoding': 'br' }],
      ['/../../etc/passwd', { 'accept-encoding': 'br' }],
      ['/missing.js', { 'accept-encoding': 'br' }],
    ] as const) {
      const r = await get(port, path, headers);
      expect(r.status, path).toBe(299);
    }
  });
});
