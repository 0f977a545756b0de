/**
 * DLIB_CENTRE is what its comment says: the mean raw descriptor of the faces
 * in face-api's demo photos through the app's pipeline (here on onnxruntime-web
 * WASM; `npm run dlib-centre` wrote it on the same backend, to 6 decimals).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dlibCentreFrom } from '../../../tests/support/vision/dlib-centre-source.ts';
import { DLIB_CENTRE } from './dlib-centre';

describe('DLIB_CENTRE', () => {
  it('is the mean of the 22 faces of face-api’s six demo photos', async () => {
    const pkg = createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json');
    const { centre, faces, perPhoto } = await dlibCentreFrom(join(dirname(pkg), 'demo'), 'wasm');
    expect(perPhoto).toEqual([3, 3, 3, 4, 5, 4]);
    expect(faces).toBe(22);
    expect(DLIB_CENTRE).toHaveLength(128);
    const worst = Math.max(...centre.map((c, i) => Math.abs(c - DLIB_CENTRE[i]!)));
    expect(worst).toBeLessThan(5e-7);
  }, 120_000);
});
