/**
 * sql.js, loaded once. Under Node (tests, tools) sql.js finds its wasm beside itself; in a
 * bundle the caller passes the URL of `sql.js/dist/sql-wasm-browser.wasm` (a `?url` import).
 * The memory layer has the same loader (src/lib/memory/sql.ts); one may replace the other.
 */
import initSqlJs from 'sql.js';
import type { SqlJsStatic } from 'sql.js';

let loading: Promise<SqlJsStatic> | undefined;

export function loadSqlJs(wasmUrl?: string): Promise<SqlJsStatic> {
  loading ??= initSqlJs(wasmUrl ? { locateFile: () => wasmUrl } : undefined);
  return loading;
}
