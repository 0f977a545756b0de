/**
 * memory.worker: the face database (sql.js, FAISS, IndexedDB) behind Comlink.
 * A thin shell over ../memory/memory-service; the main thread imports only
 * `type MemoryWorkerApi` and connects with ../memory/memory-client.
 */
import * as Comlink from 'comlink';
import sqlWasmUrl from 'sql.js/dist/sql-wasm-browser.wasm?url';
import { keepErrorCodes } from './comlink-errors';
import { createMemoryService } from '../memory/service';

keepErrorCodes(Comlink.transferHandlers);
const api = createMemoryService({ sqlWasmUrl });
export type MemoryWorkerApi = typeof api;
Comlink.expose(api);
// For e2e tests (Playwright's worker.evaluate, e.g. api.verify() after a crash): only code
// running in this worker sees its global scope; the page reaches the API through Comlink alone.
(self as unknown as { memoryApi: MemoryWorkerApi }).memoryApi = api;
