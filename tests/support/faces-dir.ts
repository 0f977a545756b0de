import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The real face images: FACES_DIR when set (as the README says), else ../shared/faces
 * beside the repository. Every test, fixture and bench finds them through this.
 */
export const facesDir = resolve(
  process.env.FACES_DIR ??
    join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'faces'),
);
