import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  pythonOriginalFixture,
  readF32Rows,
  readFolder,
} from '../../../../tests/fixtures/python-original/fixture.ts';
import { loadSqlJs } from '../../sqlite/sql';
import {
  dumpStore,
  storedCheckpoint,
  randomUnit,
  rng,
  uniqueName,
  openedAfterEach,
} from '../../../../tests/support/memory/memory-fixtures';

const fixture = pythonOriginalFixture();
const folder = (name: string) => join(fixture ?? '', name);
const MODEL = 'dinov3-vitb16';

interface Expected {
  persons: Array<{
    originalId: number;
    name: string;
    firstSeenMs: number;
    lastSeenMs: number;
    visitCount: number;
    samples: number;
  }>;
  sightings: Array<{ personId: number; timestampMs: number; similarity: number }>;
  unlabeled: Array<{ reviewed: boolean }>;
}
const expectedOf = (name: string) =>
  JSON.parse(readFileSync(join(folder(`${name}.expected`), 'expected.json'), 'utf8')) as Expected;

const { open: memory } = openedAfterEach({ modelId: MODEL, dim: 768 });

const files = (name: string) => ({ files: [...readFolder(folder(name))] });

describe.skipIf(!fixture)('import of the Python original (through FaceDatabase)', () => {
  it('brings every person, sighting, embedding and waiting face; its flat index is used as is', async () => {
    const name = uniqueName();
    const db = await memory({ name });
    const want = expectedOf('folder');
    const preview = await db.previewOriginal(files('folder'));
    expect(preview.file).toMatchObject({ modelId: MODEL, modelName: 'DINOv3 ViT-B/16', dim: 768 });
    expect(preview).toMatchObject({
      kind: 'python-original',
      mode: 'restore',
      newNames: want.persons.map((p) => p.name),
      faiss: { use: 'as-is', reason: null },
      file: { modelId: MODEL, dim: 768 },
      models: [{ id: MODEL, dim: 768, samples: 18, withCrop: 0, searchable: true }],
    });
    const pending = want.unlabeled.filter((u) => !u.reviewed).length;
    expect(preview.counts).toMatchObject({
      newPersons: 6,
      samples: 18,
      sightings: want.sightings.length,
      unlabeled: pending,
    });
    const result = await db.applyImport(preview.id);
    expect(result.faiss).toEqual({ use: 'as-is', reason: null });
    expect(result.stats).toMatchObject({
      persons: 6,
      samples: 18,
      sightings: want.sightings.length,
      unlabeled: pending,
      ntotal: 18,
      indexType: 'IndexFlatIP',
    });
    for (const p of want.persons) {
      const person = (await db.listPersons()).find((q) => q.name === p.name)!;
      expect(person).toMatchObject({
        firstSeenMs: p.firstSeenMs,
        lastSeenMs: p.lastSeenMs,
        visitCount: p.visitCount,
        sampleCount: p.samples,
      });
      const detail = await db.getPerson(person.id, 100);
      expect(detail.samples.every((s) => s.modelId === MODEL && !s.hasCrop)).toBe(true);
      const theirs = want.sightings.filter((g) => g.personId === p.originalId);
      expect(detail.recentSightings.map((g) => [g.timestampMs, g.similarity]).sort()).toEqual(
        theirs.map((g) => [g.timestampMs, g.similarity]).sort(),
      );
      // Each stored embedding finds its own person first, at similarity 1.
      const rows = readF32Rows(join(folder('folder.expected'), `person_${p.originalId}.f32`), 768);
      for (const v of rows) {
        const hit = await db.findMatch(v);
        expect(hit.personId).toBe(person.id);
        expect(hit.similarity).toBeCloseTo(1, 5);
      }
    }
    const queued = await db.getUnlabeled();
    expect(queued).toHaveLength(pending);
    const crop = await db.getUnlabeledCrop(queued[0]!.id);
    expect(crop?.type).toBe('image/png');
    // "As is": the checkpoint's inner index is the original's faiss_index.bin, byte for byte.
    await db.flush();
    const ck = await storedCheckpoint(name, MODEL);
    const original = readFileSync(join(folder('folder'), 'faiss_index.bin'));
    expect(Buffer.from(ck.bytes.subarray(37, 37 + original.length)).equals(original)).toBe(true);
  });

  it('uses the original IVF index (5,000 rows) as is, and it searches right', async () => {
    const db = await memory();
    const preview = await db.previewOriginal(files('folder-ivf'));
    const result = await db.applyImport(preview.id);
    expect(result.faiss?.use).toBe('as-is');
    expect(result.stats).toMatchObject({ samples: 5000, ntotal: 5000, indexType: 'IndexIVFFlat' });
    const want = expectedOf('folder-ivf');
    const persons = new Map((await db.listPersons()).map((p) => [p.name, p.id]));
    for (const p of want.persons.slice(0, 5)) {
      const rows = readF32Rows(
        join(folder('folder-ivf.expected'), `person_${p.originalId}.f32`),
        768,
      );
      expect((await db.findMatch(rows[0]!)).personId).toBe(persons.get(p.name));
    }
  });

  it('into a memory on another model: kept as DINOv3 ViT-B/16, not searchable, and says why', async () => {
    const db = await memory({ modelId: 'face-fr512', dim: 512 });
    const preview = await db.previewOriginal({
      zip: zipSync({ 'backup/': new Uint8Array(0), ...prefixed(readFolder(folder('folder'))) }),
    });
    expect(preview.faiss?.use).toBe('later');
    expect(preview.models).toEqual([
      { id: MODEL, dim: 768, samples: 18, withCrop: 0, searchable: false },
    ]);
    expect(preview.warnings.join(' ')).toMatch(
      /18 sample\(s\) carry dinov3-vitb16 vectors \(768-d\).*no face image.*keep dinov3-vitb16.*enrol those people again/,
    );
    const result = await db.applyImport(preview.id);
    expect(result.stats).toMatchObject({
      persons: 6,
      samples: 18,
      ntotal: 0,
      modelId: 'face-fr512',
    });
    const plan = await db.planReembed(MODEL, 768);
    expect(plan.ready).toBe(18); // switching to DINOv3 ViT-B/16 finds every vector in place
  });

  it('merges into an existing memory by name, and a second import adds nothing', async () => {
    const db = await memory();
    const [alice] = await db.importPersons([
      { name: 'alice', embeddings: [randomUnit(768, rng(1))], visitCount: 4 },
    ]);
    const first = await db.previewOriginal(files('folder'));
    expect(first).toMatchObject({ mode: 'merge', grown: [{ name: 'alice', samples: 3 }] });
    expect(first.newNames).not.toContain('Alice');
    const result = await db.applyImport(first.id);
    // The memory held a vector of that model already: the original's index cannot be the index.
    expect(result.faiss?.use).toBe('add');
    expect((await db.getPerson(alice!)).sampleCount).toBe(4);
    expect((await db.getPerson(alice!)).visitCount).toBe(4 + 3);
    const stats = await db.stats();
    const second = await db.previewOriginal(files('folder'));
    expect(second.counts).toMatchObject({ newPersons: 0, samples: 0, duplicateSamples: 18 });
    await db.applyImport(second.id);
    expect(await db.stats()).toEqual(stats);
    expect((await db.getPerson(alice!)).visitCount).toBe(7);
  });

  it('a folder it cannot read changes nothing', async () => {
    const name = uniqueName();
    const db = await memory({ name });
    await db.importPersons([{ name: 'Zoe', embeddings: [randomUnit(768, rng(2))] }]);
    await db.flush();
    const before = await dumpStore(name);
    for (const bad of ['bad/no-db', 'bad/db-garbage']) {
      await expect(db.previewOriginal(files(bad))).rejects.toMatchObject({
        code: expect.stringMatching(/^original-/) as unknown,
      });
    }
    await expect(db.previewOriginal({ zip: new Uint8Array([1, 2, 3]) })).rejects.toMatchObject({
      code: 'zip-corrupt',
    });
    expect(await dumpStore(name)).toEqual(before);
  });
});

function prefixed(map: Map<string, Uint8Array>): Record<string, Uint8Array> {
  return Object.fromEntries([...map].map(([k, v]) => [`backup/${k}`, v]));
}

describe('import of the Python original: names', () => {
  it('a name with a direction override (U+202E) refuses the whole import, nothing changed', async () => {
    const SQL = await loadSqlJs();
    const sql = new SQL.Database();
    sql.run('CREATE TABLE persons (id INTEGER PRIMARY KEY, name TEXT)');
    sql.run("INSERT INTO persons (id, name) VALUES (1, 'Ann'), (2, ?)", ['Bob\u202e']);
    const dbFile = sql.export();
    sql.close();
    const name = uniqueName();
    const db = await memory({ name });
    await db.importPersons([{ name: 'Zoe', embeddings: [randomUnit(768, rng(2))] }]);
    await db.flush();
    const before = await dumpStore(name);
    const error = await db.previewOriginal({ files: [['visio_memoria.db', dbFile]] }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/unusable name .*U\+202E/);
    expect(await dumpStore(name)).toEqual(before);
  });
});
