import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { facesDir } from '../../support/faces-dir.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** Real face images, beside the repository (../shared/faces), or FACES_DIR. */
export { facesDir };
export const bbt = (file: string): string => join(facesDir, 'bbt', file);
/** Scratch space for generated cameras, profiles and screenshots; gitignored. */
export const tmpDir = join(repoRoot, 'tests', '.tmp');
