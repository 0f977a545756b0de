/**
 * npm run dlib-centre: the mean raw dlib descriptor over every face the app's
 * pipeline finds in face-api's six demo photos (@vladmandic/face-api/demo/
 * sample1..6.jpg, people who are not in shared/faces/bbt, the set the
 * thresholds are measured on). Prints src/lib/vision/dlib-centre.ts.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { dlibCentreFrom } from '../tests/support/vision/dlib-centre-source.ts';

const require = createRequire(import.meta.url);
const demo = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
const { centre, faces, perPhoto } = await dlibCentreFrom(demo, 'wasm');
console.error(`${faces} faces (${perPhoto.join(', ')} per photo)`);
const rows: string[] = [];
for (let i = 0; i < centre.length; i += 8)
  rows.push(
    '  ' +
      centre
        .slice(i, i + 8)
        .map((x) => x.toFixed(6))
        .join(', ') +
      ',',
  );
console.log(`/**
 * The mean raw dlib descriptor over the ${faces} faces the app's pipeline finds in
 * face-api's demo photos (@vladmandic/face-api@1.7.15 demo/sample1..6.jpg: ${perPhoto.join(', ')}
 * faces), none of them a person of shared/faces/bbt, where the thresholds are
 * measured. Written by \`npm run dlib-centre\`; dlib-centre.spec.ts checks it.
 *
 * dlib's raw vectors all point one way (cosines of different people near 0.9);
 * less this mean, their cosines spread like the other embedders' and the
 * decision module's two thresholds and calibration work on them unchanged.
 */
export const DLIB_CENTRE: readonly number[] = [
${rows.join('\n')}
];`);
