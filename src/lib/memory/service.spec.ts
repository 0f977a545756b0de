import * as Comlink from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { keepErrorCodes } from '../workers/worker-boundary';
import { FaceDatabase } from './face-database';
import { createMemoryService, type MemoryService } from './service';
import {
  near,
  pngBlob,
  randomUnit,
  rng,
  uniqueName,
} from '../../../tests/support/memory/memory-fixtures';

const DIM = 16;
const ports: MessagePort[] = [];
afterEach(() => ports.splice(0).forEach((p) => p.close()));

/** The worker's API over a real MessageChannel, as the page sees it through Comlink. */
function overChannel(): Comlink.Remote<MemoryService> {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  keepErrorCodes(Comlink.transferHandlers);
  Comlink.expose(createMemoryService(), port1);
  return Comlink.wrap<MemoryService>(port2);
}

describe('memory service (the worker API)', () => {
  it('labels and finds across the message boundary; error codes survive it', async () => {
    const api = overChannel();
    const name = uniqueName();
    const opened = await api.open({ name, modelId: 'm', dim: DIM, maintenanceDelayMs: Infinity });
    expect(opened.readOnly).toBe(false);
    const r = rng(61);
    const v = randomUnit(DIM, r);
    const u = await api.queueUnlabeled(pngBlob(), v);
    const id = await api.labelFace(u, 'Ada');
    expect((await api.findMatch(near(v, 0.2, r))).personId).toBe(id);
    expect((await api.identify([v], 2))[0]!.name).toBe('Ada');
    const err = await api.labelFace(u, 'Ada').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as { code?: string }).code).toBe('already-labeled');
    await api.close();
    const again = await api.open({ name, modelId: 'm', dim: DIM });
    expect(again.report.indexSource).toBe('checkpoint');
    expect((await api.listPersons()).map((p) => p.name)).toEqual(['Ada']);
    await api.close();
  });

  it('says the memory is not open yet', async () => {
    const api = overChannel();
    const err = await api.stats().catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('closed');
  });

  it('forwards every public FaceDatabase method, by the same name', async () => {
    const db = await FaceDatabase.open({ name: uniqueName(), modelId: 'm', dim: DIM });
    const own = Object.entries(db).filter(([, v]) => typeof v === 'function');
    const lifecycle = Object.getOwnPropertyNames(FaceDatabase.prototype).filter(
      (name) =>
        name !== 'constructor' &&
        typeof Object.getOwnPropertyDescriptor(FaceDatabase.prototype, name)?.value === 'function',
    );
    await db.close();
    const methods = [...own.map(([name]) => name), ...lifecycle];
    expect(methods).toEqual(expect.arrayContaining(['findMatch', 'labelFace', 'stats', 'close']));
    expect([...FaceDatabase.queuedMethods].sort()).toEqual(own.map(([name]) => name).sort());
    const service = createMemoryService() as unknown as Record<string, unknown>;
    for (const name of methods) expect(typeof service[name], name).toBe('function');
    // Not open yet: each queued method reaches the (absent) memory and says so.
    const api = overChannel() as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    for (const name of FaceDatabase.queuedMethods) {
      const err = await api[name]!().catch((e: unknown) => e);
      expect((err as { code?: string }).code, name).toBe('closed');
    }
  });
});
