/**
 * memory.worker: the face database (sql.js, FAISS, IndexedDB) behind Comlink.
 * A thin shell over ../memory/service; the page imports only
 * `type MemoryWorkerApi` and connects with ./clients.
 */
import sqlWasmUrl from 'sql.js/dist/sql-wasm-browser.wasm?url';
import { installTestHooks, memorySeams } from 'virtual:test-hooks';
import { createMemoryService } from '../memory/service';
import { exposeWorker } from './worker-boundary';

// memorySeams is empty outside the e2e build: no write hook, no extra globals.
const api = createMemoryService({ sqlWasmUrl, onWriteStep: memorySeams.onWriteStep });
export type MemoryWorkerApi = typeof api;
exposeWorker(api);
installTestHooks({ memoryApi: api, ...memorySeams.globals });
