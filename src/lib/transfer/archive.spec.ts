import { createHash } from 'node:crypto';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readArchive, writeArchive, type ArchiveParts } from './archive';
import { ARCHIVE_FORMAT_VERSION, migrateArchive, type Migration } from './archive-manifest';
import { TransferError } from './errors';
import { loadSqlJs } from '../sqlite/sql';
import { asyncCodeOf as codeOf } from '../../../tests/support/transfer/error-code';

function rows(n: number, dim: number, seed: number): Float32Array {
  const out = new Float32Array(n * dim);
  let x = seed;
  for (let i = 0; i < out.length; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out[i] = x / 2 ** 31 - 0.5;
  }
  return out;
}

async function makeParts(): Promise<ArchiveParts> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database();
  db.run('CREATE TABLE persons (id INTEGER PRIMARY KEY, name TEXT)');
  db.run("INSERT INTO persons VALUES (1, 'Alice'), (7, 'Chloé')");
  const sqlite = db.export();
  db.close();
  return {
    appVersion: '0.1.0',
    createdAt: '2026-03-01T10:00:00.000Z',
    settings: { thresholdCosine: 0.35, model: 'bundled' },
    sqlite,
    models: [
      {
        id: 'dinov3-vitb16',
        dim: 768,
        persons: new Map([
          [1, rows(3, 768, 1)],
          [7, rows(1, 768, 2)],
        ]),
        unlabeled: new Map([[4, rows(1, 768, 3)]]),
        faiss: { index: new Uint8Array([73, 120, 70, 73, 1, 2, 3]), mapping: [1, 1, 1, 7] },
      },
      {
        id: 'bundled-512',
        dim: 512,
        persons: new Map([[1, rows(2, 512, 4)]]),
        unlabeled: new Map(),
      },
    ],
    crops: new Map([
      ['1.png', new Uint8Array([137, 80, 78, 71, 1])],
      ['unl/4.webp', new Uint8Array([82, 73, 70, 70, 2])],
    ]),
    counts: { persons: 2, sightings: 0, unlabeled: 1 },
  };
}

/** Re-packs a plain export with `change` applied to its entries (manifest included). */
function repack(zip: Uint8Array, change: (files: Record<string, Uint8Array>) => void): Uint8Array {
  const files = unzipSync(zip);
  change(files);
  return zipSync(files);
}

const PASS = 'correct horse battery staple';

describe('writeArchive / readArchive', () => {
  it('round-trips every part, with a manifest whose checksums are real SHA-256', async () => {
    const parts = await makeParts();
    const file = await writeArchive(parts);
    const { parts: back, manifest, migratedFrom } = await readArchive(file);
    expect(back).toEqual(parts);
    expect(migratedFrom).toBeNull();
    expect(manifest).toMatchObject({
      type: 'visio-memoria-export',
      formatVersion: ARCHIVE_FORMAT_VERSION,
      appVersion: '0.1.0',
      models: [
        { id: 'dinov3-vitb16', dim: 768, samples: 4, unlabeled: 1, faiss: true },
        { id: 'bundled-512', dim: 512, samples: 2, unlabeled: 0, faiss: false },
      ],
      counts: { persons: 2, sightings: 0, unlabeled: 1, samples: 6, crops: 2 },
    });
    const entries = unzipSync(file);
    for (const [path, { bytes, sha256 }] of Object.entries(manifest.files)) {
      expect(entries[path]!.length).toBe(bytes);
      expect(createHash('sha256').update(entries[path]!).digest('hex')).toBe(sha256);
    }
    expect(Object.keys(manifest.files).sort()).toEqual(
      Object.keys(entries)
        .filter((p) => p !== 'manifest.json')
        .sort(),
    );
    const SQL = await loadSqlJs();
    const db = new SQL.Database(back.sqlite);
    expect(db.exec('SELECT name FROM persons ORDER BY id')[0]!.values).toEqual([
      ['Alice'],
      ['Chloé'],
    ]);
    db.close();
  });

  it('encrypts with a passphrase: VMEX header, 600,000 PBKDF2 iterations, nothing readable', async () => {
    const parts = await makeParts();
    const file = await writeArchive(parts, { passphrase: PASS });
    expect(strFromU8(file.subarray(0, 4))).toBe('VMEX');
    expect(new DataView(file.buffer, file.byteOffset).getUint32(6, true)).toBe(600_000);
    // Embeddings are stored uncompressed in the zip: readable there, not in the encrypted file.
    const sample = parts.models[0]!.persons.get(1)!;
    const needle = Buffer.from(sample.buffer, sample.byteOffset, 64);
    expect(Buffer.from(await writeArchive(parts)).includes(needle)).toBe(true);
    expect(Buffer.from(file).includes(needle)).toBe(false);
    expect((await readArchive(file, { passphrase: PASS })).parts).toEqual(parts);
    // Random salt and IV: the same export encrypts differently each time.
    const again = await writeArchive(parts, { passphrase: PASS });
    expect(Buffer.from(again).equals(Buffer.from(file))).toBe(false);
  });

  it('tells a wrong or missing passphrase from a damaged or truncated encrypted file', async () => {
    const file = await writeArchive(await makeParts(), { passphrase: PASS });
    expect(await codeOf(readArchive(file, { passphrase: 'correct horse battery stapler' }))).toBe(
      'wrong-passphrase',
    );
    expect(await codeOf(readArchive(file))).toBe('passphrase-required');
    expect(await codeOf(readArchive(file.subarray(0, file.length - 1), { passphrase: PASS }))).toBe(
      'archive-truncated',
    );
    expect(await codeOf(readArchive(file.subarray(0, 20), { passphrase: PASS }))).toBe(
      'archive-truncated',
    );
    const flipped = file.slice();
    flipped[flipped.length - 100]! ^= 0x40;
    expect(await codeOf(readArchive(flipped, { passphrase: PASS }))).toBe('archive-corrupt');
    const future = file.slice();
    future[4] = 2;
    expect(await codeOf(readArchive(future, { passphrase: PASS }))).toBe('archive-future-version');
  });

  it('refuses a file whose entry does not match its checksum', async () => {
    const file = await writeArchive(await makeParts());
    const damaged = repack(file, (f) => {
      f['emb/dinov3-vitb16/1.f32']![10]! ^= 0x01;
    });
    expect(await codeOf(readArchive(damaged))).toBe('archive-checksum');
    await expect(readArchive(damaged)).rejects.toThrow(/emb\/dinov3-vitb16\/1\.f32/);
  });

  it('refuses unlisted, missing and undefined entries and a manifest that lies about counts', async () => {
    const file = await writeArchive(await makeParts());
    const extra = repack(file, (f) => {
      f['crops/evil.png'] = new Uint8Array(1);
    });
    expect(await codeOf(readArchive(extra))).toBe('archive-unlisted-file');
    const missing = repack(file, (f) => {
      delete f['crops/1.png'];
    });
    expect(await codeOf(readArchive(missing))).toBe('archive-missing-file');
    const lying = repack(file, (f) => {
      const m = JSON.parse(strFromU8(f['manifest.json']!)) as { models: { samples: number }[] };
      m.models[0]!.samples = 5;
      f['manifest.json'] = strToU8(JSON.stringify(m));
    });
    expect(await codeOf(readArchive(lying))).toBe('archive-corrupt');
  });

  it('rejects truncated plain files at every length', async () => {
    const file = await writeArchive(await makeParts());
    for (let cut = 0; cut < file.length; cut++) {
      expect(await codeOf(readArchive(file.subarray(0, cut)))).toMatch(
        /^archive-(truncated|not-archive)$/,
      );
    }
  });

  it('refuses zero-filled entries the manifest does not list before inflating them', async () => {
    const file = await writeArchive(await makeParts());
    const manifestBytes = unzipSync(file)['manifest.json']!.length;
    // 64 MiB of zeros in a few tens of KB, under names that are not in the manifest.
    const bomb = zipSync({
      ...unzipSync(file),
      'crops/900.png': [new Uint8Array(32 * 2 ** 20), { level: 9 }],
      'zeros.bin': [new Uint8Array(32 * 2 ** 20), { level: 9 }],
    });
    expect(bomb.length).toBeLessThan(file.length + 128 * 1024);
    let inflated = 0;
    const onInflated = (n: number) => (inflated += n);
    expect(await codeOf(readArchive(bomb, { onInflated }))).toBe('archive-unlisted-file');
    // Only the manifest was inflated.
    expect(inflated).toBe(manifestBytes);
  });

  it('refuses entries whose size or name disagrees with the manifest, before inflating them', async () => {
    const file = await writeArchive(await makeParts());
    const withEntry = (path: string, bytes: Uint8Array, listedBytes = bytes.length) =>
      repack(file, (f) => {
        f[path] = bytes;
        const m = JSON.parse(strFromU8(f['manifest.json']!)) as {
          files: Record<string, unknown>;
        };
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        m.files[path] = { bytes: listedBytes, sha256 };
        f['manifest.json'] = strToU8(JSON.stringify(m));
      });
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    for (const [path, listed, code] of [
      ['crops/../../evil.png', 4, 'zip-bad-entry'],
      ['crops/unl/../../x.png', 4, 'zip-bad-entry'],
      ['notes/readme.txt', 4, 'zip-bad-entry'],
      ['crops/2.png', 4 * 2 ** 20, 'zip-bad-entry'],
    ] as const) {
      let inflated = 0;
      const crafted = withEntry(path, png, listed);
      const manifestBytes = unzipSync(crafted)['manifest.json']!.length;
      const read = readArchive(crafted, { onInflated: (n) => (inflated += n) });
      expect(await codeOf(read), path).toBe(code);
      // Names that climb out are refused from the directory alone; others after the manifest.
      expect(inflated, path).toBe(path.includes('..') ? 0 : manifestBytes);
    }
    await expect(readArchive(withEntry('crops/2.png', png, 99))).rejects.toThrow(
      /crops\/2\.png declares 4 bytes where the manifest lists 99/,
    );
    // A listed total beyond the storage left is refused with the numbers.
    await expect(readArchive(file, { availableBytes: 1000 })).rejects.toThrow(
      /storage left on this device is 0\.0 MB/,
    );
  });

  it('refuses a newer format with a clear message, and files that are not exports', async () => {
    const file = await writeArchive(await makeParts());
    const future = repack(file, (f) => {
      const m = JSON.parse(strFromU8(f['manifest.json']!)) as { formatVersion: number };
      m.formatVersion = ARCHIVE_FORMAT_VERSION + 1;
      f['manifest.json'] = strToU8(JSON.stringify(m));
    });
    expect(await codeOf(readArchive(future))).toBe('archive-future-version');
    await expect(readArchive(future)).rejects.toThrow(/newer Visio Memoria.*Update the app/);
    expect(await codeOf(readArchive(zipSync({ 'a.txt': strToU8('hi') })))).toBe(
      'archive-not-archive',
    );
    expect(await codeOf(readArchive(new Uint8Array([137, 80, 78, 71, 0, 0])))).toBe(
      'archive-not-archive',
    );
  });

  it('checks parts before writing and stops when aborted', async () => {
    const parts = await makeParts();
    const badId = { ...parts, models: [{ ...parts.models[0]!, id: '../x' }] };
    expect(await codeOf(writeArchive(badId))).toBe('archive-bad-parts');
    const ragged = {
      ...parts,
      models: [{ ...parts.models[1]!, persons: new Map([[1, new Float32Array(513)]]) }],
    };
    expect(await codeOf(writeArchive(ragged))).toBe('archive-bad-parts');
    const badCrop = { ...parts, crops: new Map([['../../etc', new Uint8Array(1)]]) };
    expect(await codeOf(writeArchive(badCrop))).toBe('archive-bad-parts');
    expect(await codeOf(writeArchive(parts, { passphrase: PASS, iterations: 1000 }))).toBe(
      'archive-bad-parts',
    );
    expect(await codeOf(writeArchive(parts, { passphrase: '' }))).toBe('archive-bad-parts');
    const controller = new AbortController();
    controller.abort();
    await expect(writeArchive(parts, { signal: controller.signal })).rejects.toThrow(/abort/i);
  });
});

describe('sample ids per row (format 2)', () => {
  it('round-trips them, refuses ones that do not fit, and reads a format-1 file without them', async () => {
    const parts = await makeParts();
    parts.models[0]!.sampleIds = new Map([
      [1, [11, 12, 15]],
      [7, [40]],
    ]);
    const file = await writeArchive(parts);
    const { parts: back, manifest } = await readArchive(file);
    expect(manifest.formatVersion).toBe(2);
    expect(back.models[0]!.sampleIds).toEqual(parts.models[0]!.sampleIds);
    expect(strFromU8(unzipSync(file)['emb/dinov3-vitb16/1.ids.json']!)).toBe('[11,12,15]');

    const wrong = await makeParts();
    wrong.models[0]!.sampleIds = new Map([[1, [11, 12]]]);
    expect(await codeOf(writeArchive(wrong))).toBe('archive-bad-parts');

    // A format-1 reader's file: no ids, version 1 — upgraded on reading.
    const v1 = repack(await writeArchive(await makeParts()), (files) => {
      const m = JSON.parse(strFromU8(files['manifest.json']!)) as { formatVersion: number };
      m.formatVersion = 1;
      files['manifest.json'] = strToU8(JSON.stringify(m));
    });
    const read = await readArchive(v1);
    expect(read.migratedFrom).toBe(1);
    expect(read.parts.models[0]!.sampleIds).toBeUndefined();
  });
});

describe('migrateArchive', () => {
  const v1 = () => ({
    type: 'visio-memoria-export',
    formatVersion: 1,
    appVersion: '0.1.0',
    createdAt: '2026-03-01T10:00:00.000Z',
    models: [],
    counts: {},
    files: {},
    settings: {},
  });

  it('runs each step from the file version up to the current one, in order', () => {
    const steps: number[] = [];
    const step =
      (from: number): Migration =>
      ({ manifest, files }) => {
        steps.push(from);
        return { manifest: { ...manifest, [`upgradedFrom${from}`]: true }, files };
      };
    const { manifest, migratedFrom } = migrateArchive(
      { manifest: v1(), files: new Map() },
      { 1: step(1), 2: step(2) },
      3,
    );
    expect(steps).toEqual([1, 2]);
    expect(migratedFrom).toBe(1);
    expect(manifest).toMatchObject({ formatVersion: 3, upgradedFrom1: true, upgradedFrom2: true });
  });

  it('refuses a version it has no step for, and manifests that are incomplete', () => {
    expect(() => migrateArchive({ manifest: v1(), files: new Map() }, {}, 2)).toThrow(
      TransferError,
    );
    const noModels = { ...v1(), models: undefined };
    expect(() => migrateArchive({ manifest: noModels, files: new Map() })).toThrow(/models/);
  });
});
