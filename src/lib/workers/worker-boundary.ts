/**
 * The one way a worker is started (startWorker, on the page) and served
 * (exposeWorker, in the worker). Both install the same Comlink handler for
 * thrown values, so an AppError keeps its `code` and `name` in either
 * direction: a vision worker's 'model-not-onnx' reaches the page as
 * `error.code === 'model-not-onnx'`, and a page callback's error reaches the
 * worker the same way.
 */
import * as Comlink from 'comlink';
import type { Endpoint, Remote, TransferHandler } from 'comlink';
import { AppError } from '../errors';

interface Thrown {
  value: unknown;
}
interface SerializedThrow {
  isError?: boolean;
  value: { message?: string; name?: string; stack?: string; code?: unknown };
}

const installed = new WeakSet<object>();

/**
 * Comlink sends a thrown Error as {message, name, stack} only; this adds the
 * `code` and rebuilds an AppError (with the sender's `name`) on receipt.
 * Idempotent: installing it twice wraps Comlink's handler once.
 */
export function keepErrorCodes(
  handlers: Map<string, TransferHandler<unknown, unknown>> = Comlink.transferHandlers,
): void {
  const base = handlers.get('throw') as TransferHandler<Thrown, SerializedThrow> | undefined;
  if (!base || installed.has(base)) return;
  const withCode: TransferHandler<Thrown, SerializedThrow> = {
    canHandle: (v): v is Thrown => base.canHandle(v),
    serialize(thrown) {
      const [out, transfer] = base.serialize(thrown);
      const code = (thrown.value as { code?: unknown } | null)?.code;
      if (out.isError && typeof code === 'string') out.value = { ...out.value, code };
      return [out, transfer];
    },
    deserialize(v) {
      if (!v.isError || typeof v.value?.code !== 'string') return base.deserialize(v);
      const { code, message = '', name, stack } = v.value;
      const error = new AppError(code, message);
      if (name) error.name = name;
      if (stack) error.stack = stack;
      throw error;
    },
  };
  installed.add(withCode);
  handlers.set('throw', withCode as TransferHandler<unknown, unknown>);
}

/** What a started worker is to the page: its API and a way to end it. */
export interface WorkerClient<Api> {
  api: Remote<Api>;
  /** Ends the worker (and whatever it held: connections, locks). */
  terminate(): void;
}

/**
 * Wraps a started worker. Vite bundles a worker only from
 * `new Worker(new URL('./x.worker.ts', import.meta.url), { type: 'module' })`
 * written at the call site, so callers construct it and pass it here.
 */
export function startWorker<Api>(worker: Endpoint & { terminate(): void }): WorkerClient<Api> {
  keepErrorCodes();
  const api = Comlink.wrap<Api>(worker);
  return {
    api,
    terminate() {
      api[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}

/** Serves `api` from inside a worker (or on `endpoint`, as tests do over a MessageChannel). */
export function exposeWorker(api: object, endpoint?: Endpoint): void {
  keepErrorCodes();
  Comlink.expose(api, endpoint);
}
