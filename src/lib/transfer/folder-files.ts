/**
 * A picked folder as a map of relative path → bytes, from either a zip of it or a
 * directory picker (whose paths start with the folder's own name). Both are normalised
 * the same way: '/' separators, no directory entries or OS litter, and the folder that
 * holds the anchor file (e.g. `visio_memoria.db`) becomes the root.
 */
import { readZip, type ZipLimits } from './zip';

export type FileMap = Map<string, Uint8Array>;
export type FileSource = FileMap | Record<string, Uint8Array> | Iterable<[string, Uint8Array]>;

const LITTER = /(^|\/)(__MACOSX\/|\.DS_Store$|Thumbs\.db$|desktop\.ini$)/;

function entries(files: FileSource): Iterable<[string, Uint8Array]> {
  if (files instanceof Map) return files;
  if (Symbol.iterator in files) return files as Iterable<[string, Uint8Array]>;
  return Object.entries(files);
}

/**
 * Normalises paths and re-roots the map at the shallowest folder holding `anchor`
 * (or, without it, strips folders that every file shares).
 */
export function normaliseFolder(files: FileSource, anchor: string): FileMap {
  const clean = new Map<string, Uint8Array>();
  for (const [raw, bytes] of entries(files)) {
    const path = raw.replace(/\\/g, '/').replace(/^(\.\/|\/)+/, '');
    if (path === '' || path.endsWith('/') || LITTER.test(path)) continue;
    if (path.split('/').includes('..')) continue; // never let a name climb out of the folder
    clean.set(path, bytes);
  }
  let prefix: string | undefined;
  for (const path of clean.keys()) {
    if (path === anchor || path.endsWith(`/${anchor}`)) {
      const dir = path.slice(0, path.length - anchor.length);
      if (prefix === undefined || dir.split('/').length < prefix.split('/').length) prefix = dir;
    }
  }
  let root = prefix ?? '';
  while (prefix === undefined) {
    const rest = [...clean.keys()].map((p) => p.slice(root.length));
    const tops = new Set(rest.map((p) => p.split('/')[0]));
    const [only] = tops;
    if (tops.size !== 1 || only === undefined || !rest.every((p) => p.includes('/'))) break;
    root += `${only}/`;
  }
  const out: FileMap = new Map();
  for (const [path, bytes] of clean) {
    if (path.startsWith(root)) out.set(path.slice(root.length), bytes);
  }
  return out;
}

interface UnzipFolderOptions extends ZipLimits {
  /** Whether a path (as stored in the zip) is read at all; others are never inflated. */
  wanted?: (path: string) => boolean;
  onInflated?: (bytes: number) => void;
}

/**
 * The files of a zip archive (paths as stored; normalise with `normaliseFolder`): only
 * the wanted ones are inflated, after the whole directory passed zip.ts's checks.
 */
function unzipFiles(bytes: Uint8Array, opts: UnzipFolderOptions = {}): FileMap {
  const wanted = opts.wanted;
  return readZip(bytes, {
    ...opts,
    code: 'zip-corrupt',
    what: 'The zip file',
    select: wanted ? (e) => (wanted(e.name) ? 'keep' : 'skip') : undefined,
  });
}

/** A zip of the Python original's data folder, as a file map rooted at the folder. */
export function unzipOriginalFolder(bytes: Uint8Array, opts: UnzipFolderOptions = {}): FileMap {
  return normaliseFolder(unzipFiles(bytes, opts), 'visio_memoria.db');
}
