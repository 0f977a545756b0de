/**
 * A cheap look at stored SQLite bytes before sql.js opens them: the header
 * (https://sqlite.org/fileformat.html#the_database_header) says what the file
 * is and how long it must be, so a value that is not a database, or one cut
 * short, is refused in O(1), before anything could be written on top of it.
 */
const MAGIC = 'SQLite format 3\0';
const HEADER_BYTES = 100;

/** Why these bytes cannot be this memory's database, or null when they may be. */
export function sqliteFileProblem(bytes: unknown): string | null {
  if (!(bytes instanceof Uint8Array)) return 'it is not a database file';
  if (bytes.length < HEADER_BYTES) return bytes.length ? 'it is truncated' : 'it is empty';
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC.charCodeAt(i)) return 'it is not a SQLite file';
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const raw = view.getUint16(16);
  const pageSize = raw === 1 ? 65_536 : raw;
  if (pageSize < 512 || pageSize > 65_536 || (pageSize & (pageSize - 1)) !== 0) {
    return 'its header is damaged';
  }
  if (bytes.length % pageSize !== 0) return 'it is truncated';
  // The page count is valid when the change counter matches "version-valid-for".
  const pages = view.getUint32(28);
  if (pages > 0 && view.getUint32(24) === view.getUint32(92)) {
    if (bytes.length < pages * pageSize) return 'it is truncated';
    if (bytes.length > pages * pageSize) return 'its header is damaged';
  }
  return null;
}
