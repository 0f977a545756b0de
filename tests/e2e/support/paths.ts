import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** Real face images, beside the repository (../shared/faces), overridable for other layouts. */
export const facesDir = resolve(process.env.FACES_DIR ?? join(repoRoot, '..', 'shared', 'faces'));
export const bbt = (file: string): string => join(facesDir, 'bbt', file);
/** Scratch space for generated cameras, profiles and screenshots; gitignored. */
export const tmpDir = join(repoRoot, 'tests', '.tmp');
