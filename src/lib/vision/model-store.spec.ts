/**
 * Download → store → load, against a real HTTP server on 127.0.0.1 serving a
 * generated DINOv3-signature model in the external-data layout.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileModelStore } from '../../../tests/support/vision/vision-node.ts';
import { isAbort } from '../errors';
import { ModelError } from './errors';
import { fetchModel, isStored, type DownloadProgress } from './model-store';
import { OrtSession, wasmEnv } from './ort-session';
import { writeDinov3SignatureModel } from '../diagnostics/probe-model/dinov3-probe';

const written = writeDinov3SignatureModel({ dim: 64, layers: 1, externalData: true });
const files: Record<string, Uint8Array> = {
  '/m/onnx/model.onnx': written.model,
  '/m/onnx/model.onnx_data': written.externalData.get('model.onnx_data')!,
  // A file that was cut before it reached the server (served complete, with its own length).
  '/cut/onnx/model.onnx': written.model.subarray(0, 5000),
};
const requests: string[] = [];
let server: Server;
let base: string;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vm-store-'));
  server = createServer((req, res) => {
    requests.push(req.url!);
    const body = files[req.url!];
    if (!body) return void res.writeHead(404).end();
    if (req.url!.startsWith('/slow/')) return; // never answers; the test aborts it
    res.writeHead(200, { 'content-length': String(body.byteLength) });
    // Several chunks, so progress is reported along the way.
    for (let i = 0; i < body.byteLength; i += 64 * 1024) res.write(body.subarray(i, i + 64 * 1024));
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('fetchModel', () => {
  it('downloads a model and its external data once, with progress, and loads it', async () => {
    const store = new FileModelStore(join(dir, 'a'));
    const url = `${base}/m/onnx/model.onnx`;
    expect(await isStored(url, store)).toBe(false);
    const progress: DownloadProgress[] = [];
    const got = await fetchModel(url, store, { onProgress: (p) => progress.push(p) });
    expect(got.model).toEqual(written.model);
    expect(got.externalData?.get('model.onnx_data')?.byteLength).toBe(
      files['/m/onnx/model.onnx_data']!.byteLength,
    );
    const dataProgress = progress.filter((p) => p.file === 'model.onnx_data');
    expect(dataProgress.length).toBeGreaterThan(3);
    expect(dataProgress.at(-1)).toMatchObject({ loadedBytes: dataProgress.at(-1)!.totalBytes });
    expect(await isStored(url, store)).toBe(true);

    const before = requests.length;
    const again = await fetchModel(url, store);
    expect(requests.length).toBe(before); // from the store, no request
    const session = await OrtSession.open(again, wasmEnv);
    expect(session.outputs.map((o) => o.name)).toContain('pooler_output');
    await session.release();
  });

  it('joins a download already running instead of starting another', async () => {
    const store = new FileModelStore(join(dir, 'b'));
    const url = `${base}/m/onnx/model.onnx`;
    const before = requests.length;
    const [a, b] = await Promise.all([fetchModel(url, store), fetchModel(url, store)]);
    expect(a).toBe(b);
    expect(requests.length - before).toBe(2); // model + data, once each
  });

  it('cancel: an aborted download is an AbortError and nothing is stored', async () => {
    const store = new FileModelStore(join(dir, 'c'));
    files['/slow/model.onnx'] = written.model;
    const ac = new AbortController();
    const p = fetchModel(`${base}/slow/model.onnx`, store, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const err = await p.catch((e: unknown) => e);
    expect(isAbort(err)).toBe(true);
    expect(await readdir(join(dir, 'c')).catch(() => [])).toEqual([]);
  });

  it('a cut download is model-truncated; a missing file is model-download-failed; neither is stored', async () => {
    const store = new FileModelStore(join(dir, 'd'));
    const cut = await fetchModel(`${base}/cut/onnx/model.onnx`, store).catch((e: unknown) => e);
    expect(cut).toBeInstanceOf(ModelError);
    expect((cut as ModelError).code).toBe('model-truncated');
    const missing = await fetchModel(`${base}/nothing/model.onnx`, store).catch((e: unknown) => e);
    expect((missing as ModelError).code).toBe('model-download-failed');
    expect(await readdir(join(dir, 'd')).catch(() => [])).toEqual([]);
  });
});
