import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import manifest from '../../../models/manifest.json';
import { provenance, provenanceFields } from './provenance';

const readme = readFileSync(new URL('../../../models/README.md', import.meta.url), 'utf8');

/** The cells of the README's provenance table, by file name. */
function readmeRows(): Map<string, string[]> {
  const start = readme.indexOf('## Where each file comes from');
  expect(start, 'models/README.md has its provenance section').toBeGreaterThanOrEqual(0);
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const file = /^\| `([^`]+)`/.exec(line)?.[1];
    if (!file) continue;
    rows.set(
      file,
      line
        .split('|')
        .slice(2, -1)
        .map((c) => c.trim()),
    );
  }
  return rows;
}

it('every bundled file of models/manifest.json has a provenance entry, and nothing else does', () => {
  expect(Object.keys(provenance).sort()).toEqual(Object.keys(manifest.files).sort());
  for (const [file, p] of Object.entries(provenance)) {
    for (const [key, value] of Object.entries(p)) {
      expect(value.trim(), `${file} ${key}`).not.toBe('');
      // The README compares cells verbatim: a `|` would split one.
      expect(value, `${file} ${key}`).not.toContain('|');
    }
  }
});

it('models/README.md lists every file with the same facts as the Settings card', () => {
  const rows = readmeRows();
  expect([...rows.keys()].sort()).toEqual(Object.keys(manifest.files).sort());
  for (const [file, p] of Object.entries(provenance)) {
    expect(rows.get(file), file).toEqual([p.role, ...provenanceFields.map(([k]) => p[k])]);
  }
});

it('says "undocumented" where the package is silent, and the known facts for dlib', () => {
  for (const file of ['fr_detect.onnx', 'fr_landmark.onnx', 'fr_feature.onnx'] as const) {
    expect(provenance[file].trainingData).toBe('undocumented');
    expect(provenance[file].source).toBe(`faceplugin-face-recognition-js@0.0.1, model/${file}`);
  }
  const dlib = provenance['dlib_resnet128.onnx'];
  expect(dlib.source).toContain('@vladmandic/face-api@1.7.15, model/face_recognition_model.bin');
  expect(dlib.weightsLicence).toMatch(/^public domain/);
  expect(dlib.trainingData).toContain('7,485 people');
});
