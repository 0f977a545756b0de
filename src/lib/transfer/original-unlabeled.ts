/**
 * The original's queue of unknown faces: rows of `unlabeled` matched to their files in
 * `unlabeled/` by file name (the stored paths are absolute paths of the original machine,
 * POSIX or Windows), plus files that no row mentions (a crash between saving and inserting).
 */
import type { OriginalDb } from './original-db';
import { readPtEmbeddings } from './pt-reader';

export interface OriginalUnlabeled {
  /** The row id in `unlabeled`; null for files on disk that no row mentions. */
  originalId: number | null;
  timestampMs: number | null;
  reviewed: boolean;
  /** `<stamp>_<i>`, the file name without extension. */
  fileName: string;
  png?: Uint8Array;
  embedding?: Float32Array;
}

const STAMP = /^(\d{4})-(\d{2})-(\d{2})_(\d{2})-(\d{2})-(\d{2})_\d+$/;

/** The local time in a queue file name (`%Y-%m-%d_%H-%M-%S_<i>`). */
function stampMs(stem: string): number | null {
  const m = STAMP.exec(stem);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return new Date(y, mo - 1, d, h, mi, s).getTime();
}

const baseName = (path: string) => path.replace(/\\/g, '/').split('/').pop() ?? '';
const stemOf = (name: string) => name.replace(/\.[^.]*$/, '');

export function isWellFormed(rows: Float32Array[]): boolean {
  return rows.every((r) => r.every((v) => Number.isFinite(v)));
}

export function readUnlabeled(
  files: Map<string, Uint8Array>,
  rows: OriginalDb['unlabeled'],
  warnings: string[],
): OriginalUnlabeled[] {
  const byName = new Map<string, string>();
  for (const path of files.keys()) {
    if (path.startsWith('unlabeled/')) byName.set(path.slice('unlabeled/'.length), path);
  }
  const used = new Set<string>();
  const out: OriginalUnlabeled[] = [];
  const fill = (item: OriginalUnlabeled, png: string | undefined, pt: string | undefined) => {
    if (png && files.has(png)) {
      item.png = files.get(png);
      used.add(png);
    }
    if (pt && files.has(pt)) {
      used.add(pt);
      try {
        const { rows: vectors } = readPtEmbeddings(files.get(pt)!);
        if (vectors.length !== 1 || !isWellFormed(vectors)) throw new Error('not one embedding');
        item.embedding = vectors[0];
      } catch (error) {
        warnings.push(
          `${pt} cannot be read (${(error as Error).message}); the face has no embedding.`,
        );
      }
    }
  };
  for (const row of rows) {
    const pngName = row.imagePath ? baseName(row.imagePath) : undefined;
    const ptName = row.embeddingPath ? baseName(row.embeddingPath) : undefined;
    const fileName = stemOf(pngName ?? ptName ?? `unlabeled_${row.originalId}`);
    const item: OriginalUnlabeled = {
      originalId: row.originalId,
      timestampMs: row.timestampMs ?? stampMs(fileName),
      reviewed: row.reviewed,
      fileName,
    };
    fill(item, pngName && byName.get(pngName), ptName && byName.get(ptName));
    if (!item.png && !item.embedding) {
      warnings.push(
        `Unlabeled face ${row.originalId} (${fileName}) has no files left; it is skipped.`,
      );
      continue;
    }
    if (!item.png)
      warnings.push(`Unlabeled face ${row.originalId} has no image (${fileName}.png).`);
    if (!(ptName && byName.has(ptName))) {
      warnings.push(`Unlabeled face ${row.originalId} has no embedding file (${fileName}.pt).`);
    }
    out.push(item);
  }
  // Files on disk that no row mentions (e.g. a crash between saving and inserting).
  const orphans = new Map<string, { png?: string; pt?: string }>();
  for (const [name, path] of byName) {
    if (used.has(path) || !/\.(png|pt)$/i.test(name)) continue;
    const entry = orphans.get(stemOf(name)) ?? {};
    if (/\.png$/i.test(name)) entry.png = path;
    else entry.pt = path;
    orphans.set(stemOf(name), entry);
  }
  for (const [stem, { png, pt }] of orphans) {
    const item: OriginalUnlabeled = {
      originalId: null,
      timestampMs: stampMs(stem),
      reviewed: false,
      fileName: stem,
    };
    fill(item, png, pt);
    if (!item.png && !item.embedding) continue;
    warnings.push(
      `unlabeled/${stem} is not in the database; it is imported as a new unlabeled face.`,
    );
    out.push(item);
  }
  return out;
}
