/**
 * sql.js for the transfer layer: the memory's own loader (one sql.js instance per realm). Under
 * Node (tests, tools) sql.js finds its wasm beside itself; in a bundle the first caller passes
 * the URL of `sql.js/dist/sql-wasm-browser.wasm` (the memory worker does, when it opens).
 */
export { loadSqlJs } from '../memory/sql';
