/**
 * memory.worker: the face database (sql.js, FAISS, IndexedDB) behind Comlink.
 * A thin shell over ../memory/service; the page imports only
 * `type MemoryWorkerApi` and connects with ./clients.
 */
import sqlWasmUrl from 'sql.js/dist/sql-wasm-browser.wasm?url';
import { installTestHooks } from 'virtual:test-hooks';
import { createMemoryService } from '../memory/service';
import { exposeWorker } from './worker-boundary';

const api = createMemoryService({ sqlWasmUrl });
export type MemoryWorkerApi = typeof api;
exposeWorker(api);
installTestHooks({ memoryApi: api });
