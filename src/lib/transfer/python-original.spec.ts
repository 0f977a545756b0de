import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  pythonOriginalFixture,
  readF32Rows,
  readFolder,
} from '../../../tests/fixtures/python-original/fixture.ts';
import { inTimeZone, ZONES } from '../../../tests/support/time-zone';
import {
  originalModel,
  readPythonOriginal,
  readPythonOriginalZip,
  type OriginalImportPlan,
} from './python-original';
import { asyncCodeOf as codeOf } from '../../../tests/support/transfer/error-code';

const fixture = pythonOriginalFixture();

interface Expected {
  dim: number;
  persons: {
    originalId: number;
    name: string;
    firstSeenMs: number;
    lastSeenMs: number;
    visitCount: number;
    samples: number;
  }[];
  sightings: { originalId: number; personId: number; timestampMs: number; similarity: number }[];
  unlabeled: { originalId: number; timestampMs: number; reviewed: boolean; file: string }[];
}

const folder = (name: string) => join(fixture ?? '', name);
const expectedOf = (name: string) =>
  JSON.parse(readFileSync(join(folder(`${name}.expected`), 'expected.json'), 'utf8')) as Expected;

const bits = (a: Float32Array | undefined) =>
  a ? [...new Uint32Array(a.buffer, a.byteOffset, a.length)] : a;

/** Everything the original wrote is in the plan, value for value. */
function expectPlanMatches(plan: OriginalImportPlan, name: string): void {
  const want = expectedOf(name);
  expect(plan.dim).toBe(want.dim);
  expect(plan.persons.map(({ embeddings: _e, embeddingsError: _x, notes: _n, ...p }) => p)).toEqual(
    want.persons.map(({ samples: _s, ...p }) => p),
  );
  for (const p of want.persons) {
    const got = plan.persons.find((q) => q.originalId === p.originalId)!;
    const rows = readF32Rows(
      join(folder(`${name}.expected`), `person_${p.originalId}.f32`),
      want.dim,
    );
    expect(got.embeddings.length).toBe(p.samples);
    expect(got.embeddings.map(bits)).toEqual(rows.map(bits));
  }
  expect(plan.sightings).toEqual(want.sightings);
  const fromDb = plan.unlabeled.filter((u) => u.originalId !== null);
  expect(fromDb.map((u) => [u.originalId, u.timestampMs, u.reviewed, u.fileName])).toEqual(
    want.unlabeled.map((u) => [u.originalId, u.timestampMs, u.reviewed, u.file]),
  );
  for (const u of want.unlabeled) {
    const got = fromDb.find((g) => g.originalId === u.originalId)!;
    const png = new Uint8Array(readFileSync(join(folder(name), 'unlabeled', `${u.file}.png`)));
    expect(got.png).toEqual(png);
    const [row] = readF32Rows(
      join(folder(`${name}.expected`), `unl_${u.originalId}.f32`),
      want.dim,
    );
    expect(bits(got.embedding)).toEqual(bits(row));
  }
  expect(plan.counts.samples).toBe(want.persons.reduce((n, p) => n + p.samples, 0));
}

describe.skipIf(!fixture)('readPythonOriginal on folders written like FaceDatabaseFAISS', () => {
  it('imports the original folder completely, and its flat index agrees', async () => {
    const plan = await readPythonOriginal(readFolder(folder('folder')));
    expectPlanMatches(plan, 'folder');
    expect(plan.modelId).toBe('dinov3-vitb16');
    expect(plan.counts).toMatchObject({
      persons: 6,
      samples: 18,
      unlabeled: 21,
      unlabeledPending: 3,
    });
    expect(plan.faiss).toMatchObject({
      agrees: true,
      info: { kind: 'flat', dim: 768, ntotal: 18 },
    });
    expect(plan.faiss!.mapping).toEqual(
      JSON.parse(readFileSync(join(folder('folder'), 'faiss_mapping.json'), 'utf8')),
    );
    expect(plan.warnings).toEqual([]);
  });

  it('gives the same plan from a zip of the folder (with a top folder) and from a picker', async () => {
    const files = readFolder(folder('folder'));
    const direct = await readPythonOriginal(files);
    const zipped = zipSync(
      Object.fromEntries([...files].map(([path, bytes]) => [`visio backup/${path}`, bytes])),
    );
    expect(await readPythonOriginalZip(zipped)).toEqual(direct);
    // A directory picker's paths start with the picked folder's name (webkitRelativePath).
    const picked = new Map(
      [...files].map(([path, bytes]) => [`visio_memoria_data/${path}`, bytes]),
    );
    picked.set('visio_memoria_data/.DS_Store', new Uint8Array(3));
    expect(await readPythonOriginal(picked)).toEqual(direct);
  });

  it('reads the older schema: persons.id, REAL times, list .pt, a legacy .pt, {row: id} mapping', async () => {
    const plan = await readPythonOriginal(readFolder(folder('folder-legacy')));
    expectPlanMatches(plan, 'folder-legacy');
    const vera = plan.persons.find((p) => p.name === 'Vera')!;
    expect(vera.embeddings).toEqual([]);
    expect(vera.embeddingsError?.code).toBe('original-bad-embeddings');
    expect(plan.warnings).toEqual([
      expect.stringMatching(/"Vera" has no embeddings\/person_5\.pt/),
    ]);
    expect(plan.faiss?.agrees).toBe(true);
  });

  it('checks an IVFFlat index (5,000 rows, as the original builds it) vector by vector', async () => {
    const plan = await readPythonOriginal(readFolder(folder('folder-ivf')));
    expectPlanMatches(plan, 'folder-ivf');
    expect(plan.faiss).toMatchObject({
      agrees: true,
      info: {
        kind: 'ivf-flat',
        dim: 768,
        ntotal: 5000,
        nlist: 100,
        nprobe: 10,
        metric: 'inner-product',
      },
    });
  });

  it('does not use an index whose vectors differ from the embeddings', async () => {
    const files = readFolder(folder('folder'));
    const index = files.get('faiss_index.bin')!.slice();
    index[index.length - 5]! ^= 0x01; // one bit of the last row
    files.set('faiss_index.bin', index);
    const plan = await readPythonOriginal(files);
    expect(plan.faiss).toMatchObject({ agrees: false, reason: expect.stringMatching(/row 17/) });
    expect(plan.counts.samples).toBe(18);
  });

  const disagreeing: [string, RegExp][] = [
    ['mapping-longer', /19 rows but the mapping|18 rows but the mapping 19/],
    ['mapping-unknown-id', /person 999/],
    ['index-dim-384', /384-d/],
    ['index-l2', /l2 metric/],
    ['index-truncated', /truncated/],
  ];
  for (const [variant, reason] of disagreeing) {
    it(`bad/${variant}: keeps every person and says why the index is rebuilt`, async () => {
      const plan = await readPythonOriginal(readFolder(folder(`bad/${variant}`)));
      expect(plan.faiss?.agrees).toBe(false);
      expect(plan.faiss?.reason).toMatch(reason);
      expect(plan.warnings).toEqual([expect.stringMatching(/FAISS index is rebuilt/)]);
      expect(plan.counts).toMatchObject({ persons: 6, samples: 18 });
    });
  }

  it('bad/pt-truncated: the person comes without samples and a warning; strict refuses', async () => {
    const files = readFolder(folder('bad/pt-truncated'));
    const plan = await readPythonOriginal(files);
    const chloe = plan.persons.find((p) => p.originalId === 3)!;
    expect(chloe.embeddings).toEqual([]);
    expect(chloe.embeddingsError?.code).toBe('pt-truncated');
    expect(plan.warnings.some((w) => w.includes('person_3.pt'))).toBe(true);
    expect(plan.faiss?.agrees).toBe(false);
    expect(await codeOf(readPythonOriginal(files, { strict: true }))).toBe(
      'original-bad-embeddings',
    );
  });

  it('bad/pt-not-zip: an image in place of person_2.pt is reported as such', async () => {
    const plan = await readPythonOriginal(readFolder(folder('bad/pt-not-zip')));
    expect(plan.persons.find((p) => p.originalId === 2)?.embeddingsError?.code).toBe('pt-not-zip');
  });

  it('bad/unlabeled-missing-files: the queued face without files is skipped with a warning', async () => {
    const plan = await readPythonOriginal(readFolder(folder('bad/unlabeled-missing-files')));
    expect(plan.counts.unlabeled).toBe(20);
    expect(plan.warnings).toEqual([expect.stringMatching(/Unlabeled face 21 .* no files left/)]);
  });

  it('a missing or unreadable database is fatal', async () => {
    expect(await codeOf(readPythonOriginal(readFolder(folder('bad/no-db'))))).toBe(
      'original-no-db',
    );
    expect(await codeOf(readPythonOriginal(readFolder(folder('bad/db-garbage'))))).toBe(
      'original-bad-db',
    );
    expect(await codeOf(readPythonOriginal(readFolder(folder('bad/db-truncated'))))).toBe(
      'original-bad-db',
    );
  });

  it('imports unlabeled files no row mentions, and stops when aborted', async () => {
    const files = readFolder(folder('folder'));
    const png = files.get('unlabeled/2026-02-25_14-30-12_0.png')!;
    const pt = files.get('unlabeled/2026-02-25_14-30-12_0.pt')!;
    files.set('unlabeled/2027-01-02_03-04-05_1.png', png);
    files.set('unlabeled/2027-01-02_03-04-05_1.pt', pt);
    const plan = await readPythonOriginal(files);
    const orphan = plan.unlabeled.find((u) => u.originalId === null)!;
    expect(orphan).toMatchObject({ fileName: '2027-01-02_03-04-05_1', reviewed: false });
    expect(orphan.timestampMs).toBe(new Date(2027, 0, 2, 3, 4, 5).getTime());
    // Its name is a local time: pinned in two zones, it is that wall-clock time there.
    for (const z of ZONES) {
      const there = await inTimeZone(z.zone, () => readPythonOriginal(files));
      expect(there.unlabeled.find((u) => u.originalId === null)!.timestampMs, z.zone).toBe(
        Date.UTC(2027, 0, 2, 3 - z.winterOffsetH, 4, 5),
      );
    }
    expect(orphan.png).toBe(png);
    const controller = new AbortController();
    controller.abort();
    await expect(readPythonOriginal(files, { signal: controller.signal })).rejects.toThrow(
      /abort/i,
    );
  });
});

describe('readPythonOriginalZip without a fixture', () => {
  it('rejects a file that is not a zip', async () => {
    expect(await codeOf(readPythonOriginalZip(new Uint8Array([1, 2, 3, 4, 5])))).toBe(
      'zip-corrupt',
    );
  });

  it('rejects a zip without visio_memoria.db', async () => {
    const zip = zipSync({ 'photos/a.png': new Uint8Array(4) });
    expect(await codeOf(readPythonOriginalZip(zip))).toBe('original-no-db');
  });
});

describe('originalModel', () => {
  it('names the model from the dimension found, and none for a dimension no model gives', () => {
    expect(originalModel(768)).toEqual({ modelId: 'dinov3-vitb16', modelName: 'DINOv3 ViT-B/16' });
    expect(originalModel(384)).toEqual({ modelId: 'dinov3-vits16', modelName: 'DINOv3 ViT-S/16' });
    // 512-d: the preview must not call it DINOv3 ViT-B/16 while warning that no model matches.
    expect(originalModel(512)).toEqual({ modelId: 'python-original-512d', modelName: null });
  });
});
