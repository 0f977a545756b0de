/**
 * startWorker and exposeWorker over a real MessageChannel (a worker's port as
 * far as Comlink is concerned): an AppError's code and name cross it both
 * ways, and everything else is thrown as Comlink always threw it.
 */
import { proxy } from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import { ModelError } from '../vision/errors';
import { exposeWorker, startWorker } from './worker-boundary';

const ports: MessagePort[] = [];
afterEach(() => ports.splice(0).forEach((p) => p.close()));

const workerSide = {
  loadModel(): void {
    throw new ModelError('model-not-onnx', 'This file is not an ONNX model.');
  },
  plain(): void {
    throw new Error('just a message');
  },
  notAnError(): void {
    throw 'a string';
  },
  /** Calls the page back and reports what it threw, as the worker saw it. */
  async callBack(onProgress: () => Promise<void>) {
    try {
      await onProgress();
      return null;
    } catch (error) {
      const e = error as AppError;
      return { isAppError: e instanceof AppError, code: e.code, name: e.name, message: e.message };
    }
  },
};

function connect() {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  exposeWorker(workerSide, port1);
  return startWorker<typeof workerSide>(Object.assign(port2, { terminate: () => port2.close() }));
}

describe('the worker boundary', () => {
  it('brings a worker AppError to the page with its code and name', async () => {
    const { api } = connect();
    const error = await api.loadModel().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: 'model-not-onnx',
      name: 'ModelError',
      message: 'This file is not an ONNX model.',
    });
    expect((error as Error).stack).toBeTruthy();
  });

  it('brings a page AppError to the worker with its code and name', async () => {
    const { api } = connect();
    const seen = await api.callBack(
      proxy(async () => {
        throw new ModelError('model-download-failed', 'The download stopped.');
      }),
    );
    expect(seen).toEqual({
      isAppError: true,
      code: 'model-download-failed',
      name: 'ModelError',
      message: 'The download stopped.',
    });
  });

  it('leaves other errors and thrown values as they were', async () => {
    const { api } = connect();
    const plain = await api.plain().catch((e: unknown) => e);
    expect(plain).toBeInstanceOf(Error);
    expect(plain).not.toBeInstanceOf(AppError);
    expect(plain).toMatchObject({ message: 'just a message' });
    expect((plain as { code?: string }).code).toBeUndefined();
    await expect(api.notAnError()).rejects.toBe('a string');
  });
});
