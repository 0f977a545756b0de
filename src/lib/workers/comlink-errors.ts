import type { TransferHandler } from 'comlink';

interface Thrown {
  value: unknown;
}
interface SerializedThrow {
  isError?: boolean;
  value: { message?: string; name?: string; stack?: string; code?: unknown };
}

/**
 * Comlink sends a thrown Error as {message, name, stack} only, and the
 * receiving side rebuilds it with Object.assign. Adding `code` here (in the
 * worker) is enough for the main thread's Error to carry it: a 'read-only' or
 * 'name-taken' stays distinguishable across the worker boundary.
 */
export function keepErrorCodes(handlers: Map<string, TransferHandler<unknown, unknown>>): void {
  const base = handlers.get('throw') as TransferHandler<Thrown, SerializedThrow> | undefined;
  if (!base) return;
  const withCode: TransferHandler<Thrown, SerializedThrow> = {
    canHandle: (v): v is Thrown => base.canHandle(v),
    serialize(thrown) {
      const [out, transfer] = base.serialize(thrown);
      const code = (thrown.value as { code?: unknown } | null)?.code;
      if (out.isError && typeof code === 'string') out.value = { ...out.value, code };
      return [out, transfer];
    },
    deserialize: (v) => base.deserialize(v),
  };
  handlers.set('throw', withCode as TransferHandler<unknown, unknown>);
}
