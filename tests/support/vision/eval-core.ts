/**
 * The real pipeline over image files (detect → landmarks → align → embed),
 * for `npm run eval`, the vision benchmark and the recognition tests.
 */
import { readFile, readdir } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import {
  pairsMetrics,
  rank1,
  type PairsMetrics,
  type Rank1Result,
  type ScoredPair,
} from '../../../src/lib/vision/metrics.ts';
import { cosine } from '../../../src/lib/vision/preprocess.ts';
import type { VisionService } from '../../../src/lib/vision/service.ts';
import { readImage, UnreadableImageError } from './vision-node.ts';

/** Files that are never pictures (a pairs list, notes beside the images). */
const NOT_IMAGE = /\.(csv|txt|md|json)$|^\./i;

/**
 * The embedding of the largest face in an image file (read by its content);
 * undefined when no face is found, 'unreadable' when it is not a picture the
 * tools decode (then its name goes to `unreadable`, and the run goes on).
 */
async function embedFile(
  service: VisionService,
  path: string,
  unreadable?: string[],
): Promise<Float32Array | undefined> {
  let image;
  try {
    image = await readImage(path);
  } catch (error) {
    if (!(error instanceof UnreadableImageError) || !unreadable) throw error;
    unreadable.push(basename(path));
    return undefined;
  }
  return (await service.embedStill(image))?.embedding;
}

/** LFW-style pairs: `file_x,file_y,decision` (Yes/No), a header line allowed. */
function parsePairs(csv: string): { x: string; y: string; same: boolean }[] {
  const rows: { x: string; y: string; same: boolean }[] = [];
  for (const line of csv.split(/\r?\n/)) {
    const cells = line.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
    if (cells.length < 3) continue;
    const d = cells[2]!.toLowerCase();
    if (d !== 'yes' && d !== 'no') continue; // header or comment
    rows.push({ x: cells[0]!, y: cells[1]!, same: d === 'yes' });
  }
  return rows;
}

async function listImages(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && !NOT_IMAGE.test(e.name)) out.push(join(e.parentPath, e.name));
  }
  return out;
}

/** A path from a pairs file: relative to imagesDir, or a file name found anywhere below it. */
function resolver(imagesDir: string, all: string[]): (p: string) => string | undefined {
  const byName = new Map<string, string>();
  for (const f of all) if (!byName.has(basename(f))) byName.set(basename(f), f);
  const set = new Set(all);
  return (p) => {
    const direct = isAbsolute(p) ? p : join(imagesDir, p);
    return set.has(direct) ? direct : byName.get(basename(p));
  };
}

interface PairsReport extends PairsMetrics {
  model: string;
  /** Images read in which no face was found (or missing from the folder). */
  facesNotFound: number;
  /** Files that are not a picture the tools read (skipped, not counted as faces not found). */
  unreadable: string[];
}

export async function evalPairs(
  service: VisionService,
  pairsCsv: string,
  imagesDir: string,
  threshold: number,
  model: string,
): Promise<PairsReport> {
  const pairs = parsePairs(await readFile(pairsCsv, 'utf8'));
  const resolve = resolver(imagesDir, await listImages(imagesDir));
  const cache = new Map<string, Float32Array | undefined>();
  const missing = new Set<string>();
  const unreadable: string[] = [];
  const embed = async (p: string) => {
    const path = resolve(p);
    if (!path) {
      missing.add(p);
      return undefined;
    }
    if (!cache.has(path)) {
      const before = unreadable.length;
      const e = await embedFile(service, path, unreadable);
      cache.set(path, e);
      if (!e && unreadable.length === before) missing.add(p);
    }
    return cache.get(path);
  };
  const scored: ScoredPair[] = [];
  for (const p of pairs) {
    const [a, b] = [await embed(p.x), await embed(p.y)];
    scored.push({ cos: a && b ? cosine(a, b) : undefined, same: p.same });
  }
  return {
    model,
    ...pairsMetrics(scored, threshold),
    facesNotFound: missing.size,
    unreadable,
  };
}

/** Every pair of images of a folder of person folders, for a pairs evaluation without a CSV. */
export async function allPairs(service: VisionService, dir: string): Promise<ScoredPair[]> {
  const people = await personFolders(dir);
  const items: { label: string; e: Float32Array | undefined }[] = [];
  for (const [label, files] of people)
    for (const f of files) items.push({ label, e: await embedFile(service, f, []) });
  const out: ScoredPair[] = [];
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      const [a, b] = [items[i]!, items[j]!];
      out.push({ cos: a.e && b.e ? cosine(a.e, b.e) : undefined, same: a.label === b.label });
    }
  }
  return out;
}

/** Person folders (with at least one image) and their images in name order; `groups` is skipped. */
async function personFolders(dir: string): Promise<Map<string, string[]>> {
  const people = new Map<string, string[]>();
  const entries = (await readdir(dir, { withFileTypes: true })).filter(
    (e) => e.isDirectory() && e.name !== 'groups',
  );
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const files = (await readdir(join(dir, e.name))).filter((f) => !NOT_IMAGE.test(f));
    files.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    if (files.length)
      people.set(
        e.name,
        files.map((f) => join(dir, e.name, f)),
      );
  }
  return people;
}

interface IdentifyReport extends Rank1Result {
  model: string;
  people: number;
  facesNotFound: number;
  /** Files that are not a picture the tools read (skipped and named). */
  unreadable: string[];
}

/** Enrols the first image of each person, identifies the rest (rank-1, nearest by cosine). */
export async function evalIdentify(
  service: VisionService,
  dir: string,
  model: string,
): Promise<IdentifyReport> {
  const people = await personFolders(dir);
  const enrolled: { label: string; embedding: Float32Array }[] = [];
  const queries: { label: string; embedding: Float32Array | undefined }[] = [];
  const unreadable: string[] = [];
  let notFound = 0;
  for (const [label, files] of people) {
    // The first readable picture enrols the person; the rest are queries.
    let first = true;
    for (const f of files) {
      const before = unreadable.length;
      const e = await embedFile(service, f, unreadable);
      if (unreadable.length > before) continue;
      if (!e) notFound++;
      if (first) {
        if (e) enrolled.push({ label, embedding: e });
        first = false;
      } else queries.push({ label, embedding: e });
    }
  }
  return {
    model,
    people: people.size,
    ...rank1(enrolled, queries),
    facesNotFound: notFound,
    unreadable,
  };
}
