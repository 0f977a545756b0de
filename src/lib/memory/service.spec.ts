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

  it('reopens an unlocked memory with the data key it holds, not a kept passphrase', async () => {
    const api = overChannel();
    const name = uniqueName();
    const opts = { name, modelId: 'm', dim: DIM, maintenanceDelayMs: Infinity };
    await api.open(opts);
    const v = randomUnit(DIM, rng(62));
    const id = await api.labelFace(await api.queueUnlabeled(pngBlob(), v), 'Ada');
    await api.enableEncryption({
      passphrase: 'open sesame',
      kdf: { memoryKiB: 64, iterations: 1 },
    });
    // A reopen (model switch, visit gap) needs no passphrase and derives nothing.
    const again = await api.open(opts);
    expect(again.report).toMatchObject({ encryption: 'on' });
    expect(again.report.unlockMs).toBeLessThan(50);
    expect((await api.findMatch(v)).personId).toBe(id);
    // A changed passphrase wraps the same key: the reopen still works, and the old one does not.
    await api.setPassphrase('a new one', { memoryKiB: 64, iterations: 1 });
    expect((await api.open(opts)).report.encryption).toBe('on');
    await api.close();
    // Closed: the key is forgotten; the memory asks to be unlocked again.
    const locked = await api.open(opts).catch((e: unknown) => e);
    expect((locked as { code?: string }).code).toBe('locked');
    const old = await api.open({ ...opts, unlock: { passphrase: 'open sesame' } }).catch((e) => e);
    expect((old as { code?: string }).code).toBe('wrong-passphrase');
    await api.open({ ...opts, unlock: { passphrase: 'a new one' } });
    expect((await api.findMatch(v)).personId).toBe(id);
    await api.close();
  });
});
