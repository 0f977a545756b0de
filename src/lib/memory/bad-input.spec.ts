/**
 * Bad input at the memory layer (ARCHITECTURE invariant 6): a damaged SQLite
 * file in IndexedDB, a full disk, and an import of another model's vectors
 * each get a clear MemoryError and leave every stored byte as it was. (A
 * damaged FAISS checkpoint is rebuilt instead: persistence.spec.ts, "rebuilds,
 * never trusts, a checkpoint with …".)
 */
import { describe, expect, it } from 'vitest';
import { loadSqlJs } from '../sqlite/sql';
import { readArchive, writeArchive } from '../transfer/archive';
import type { FaceDatabase } from './face-database';
import { JOURNAL_PREFIX, SQLITE_KEY } from './store/keys';
import {
  dumpStore,
  near,
  openTest,
  pngBlob,
  randomUnit,
  rng,
  tamper,
  uniqueName,
  openedAfterEach,
  errorOf,
  type TestOpen,
} from '../../../tests/support/memory/memory-fixtures';

const DIM = 16;
const { open: openMemory, opened } = openedAfterEach({ dim: DIM }, { flush: false });
const open = (name: string, extra: TestOpen = {}) => openMemory({ name, ...extra });

/** Two people, a queued face; closed cleanly (snapshot + checkpoint, empty journal) unless `crash`. */
async function populate(opts: { crash?: boolean } = {}) {
  const name = uniqueName();
  const r = rng(81);
  const db = await openTest({ name, dim: DIM });
  const a = randomUnit(DIM, r);
  const b = randomUnit(DIM, r);
  for (const [v, who] of [
    [a, 'Ada'],
    [near(a, 0.2, r), 'Ada'],
    [b, 'Bo'],
  ] as const) {
    await db.labelFace(await db.queueUnlabeled(pngBlob(24), v), who);
  }
  await db.queueUnlabeled(pngBlob(8), randomUnit(DIM, r));
  await db.close({ flush: !opts.crash });
  return { name, a, b };
}

/** The memory as the app shows it (names, counts, a search). */
async function shown(db: FaceDatabase, a: Float32Array) {
  const s = await db.stats();
  return {
    names: (await db.listPersons()).map((p) => p.name),
    counts: [s.persons, s.samples, s.unlabeled, s.ntotal],
    match: (await db.findMatch(a)).name,
  };
}

describe('a damaged SQLite file in IndexedDB: a clear error, nothing overwritten', () => {
  const spoilers: Array<[string, (bytes: Uint8Array) => unknown, string]> = [
    ['random bytes', (b) => b.map((_, i) => (i * 7919) & 0xff), 'it is not a SQLite file'],
    ['the first half only', (b) => b.slice(0, b.length >> 1), 'it is truncated'],
    ['the header only', (b) => b.slice(0, 100), 'it is truncated'],
    ['an empty file', () => new Uint8Array(0), 'it is empty'],
    ['a page zeroed', (b) => b.slice().fill(0, 4096, 8192), 'database disk image is malformed'],
    ['its header zeroed', (b) => b.slice().fill(0, 0, 100), 'it is not a SQLite file'],
    ['text in place of bytes', () => 'SQLite format 3', 'it is not a database file'],
    ['an ArrayBuffer in place of bytes', (b) => b.slice().buffer, 'it is not a database file'],
    ['null', () => null, 'it is not a database file'],
  ];

  it.each(spoilers)('%s → storage-corrupt, every key kept', async (_, spoil, reason) => {
    const { name, a } = await populate();
    const good = (await dumpStore(name))[SQLITE_KEY] as Uint8Array;
    await tamper(name, SQLITE_KEY, spoil(good));
    const before = await dumpStore(name);
    const err = await errorOf(open(name));
    expect(err.code).toBe('storage-corrupt');
    expect(err.message).toBe(
      `This memory's database could not be read (${reason}). ` +
        'Nothing was changed: the stored data is kept as it was.',
    );
    expect(await dumpStore(name)).toEqual(before);
    // Not overwritten: with its bytes back, the memory is all there.
    await tamper(name, SQLITE_KEY, good);
    const db = await open(name);
    expect(await shown(db, a)).toEqual({
      names: ['Ada', 'Bo'],
      counts: [2, 3, 1, 3],
      match: 'Ada',
    });
  });

  it('a missing database file beside stored faces is not taken for a new memory', async () => {
    const { name } = await populate();
    await tamper(name, SQLITE_KEY, undefined);
    const before = await dumpStore(name);
    expect(Object.keys(before).length).toBeGreaterThan(5);
    const err = await errorOf(open(name));
    expect(err.code).toBe('storage-corrupt');
    expect(err.message).toBe(
      "This memory's database is missing. Nothing was changed: the stored data is kept as it was.",
    );
    expect(await dumpStore(name)).toEqual(before);
  });

  it('a journal entry whose statements fail → storage-corrupt, nothing changed', async () => {
    const { name } = await populate({ crash: true });
    const store = await dumpStore(name);
    const key = Object.keys(store)
      .filter((k) => k.startsWith(JOURNAL_PREFIX))
      .at(-1)!;
    await tamper(name, key, { ...(store[key] as object), sql: [['DELETE FROM nowhere', []]] });
    const before = await dumpStore(name);
    const err = await errorOf(open(name));
    expect(err.code).toBe('storage-corrupt');
    expect(await dumpStore(name)).toEqual(before);
  });

  it('a brand-new memory still opens (the checks do not refuse an empty store)', async () => {
    const db = await open(uniqueName());
    expect((await db.stats()).persons).toBe(0);
  });
});

describe('storage quota exceeded: a clear message, nothing half-written', () => {
  type Fault = (tx: IDBTransaction) => void;
  const faults: Array<[string, Fault]> = [
    [
      // Chromium's way: the transaction aborts with QuotaExceededError at commit.
      'the transaction aborts with QuotaExceededError',
      (tx) => {
        const abort = (tx as unknown as { _abort?: (name: string) => void })._abort;
        expect(typeof abort).toBe('function'); // fake-indexeddb's own abort-with-error
        abort!.call(tx, 'QuotaExceededError');
      },
    ],
    [
      'put throws QuotaExceededError',
      () => {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      },
    ],
  ];

  it.each(faults)('%s → storage-full; storage and memory as before', async (_, fault) => {
    const { name, a } = await populate();
    let full = false;
    const db = await open(name, {
      onWriteStep: (step, tx) => {
        if (full && step === 'commit') fault(tx);
      },
    });
    const queued = (await db.getUnlabeled())[0]!.id;
    const before = await dumpStore(name);
    const view = await shown(db, a);
    full = true;
    const tries: Array<[string, () => Promise<unknown>]> = [
      ['label', () => db.labelFace(queued, 'Cy')],
      ['queue', () => db.queueUnlabeled(pngBlob(), randomUnit(DIM, rng(2)))],
      ['rename', () => db.renamePerson(1, 'Ady')],
      ['merge', () => db.mergePersons(2, 1)],
      ['delete', () => db.deletePerson(1)],
      ['import', () => db.importPersons([{ name: 'Di', embeddings: [randomUnit(DIM, rng(3))] }])],
    ];
    for (const [what, act] of tries) {
      const err = await errorOf(act());
      expect(err.code, what).toBe('storage-full');
      expect(err.message).toBe(
        'The device is out of storage space, so this was not saved. Nothing was changed: ' +
          'free some space and try again.',
      );
    }
    expect(await dumpStore(name)).toEqual(before);
    expect(await shown(db, a)).toEqual(view);
    // Space again: the same action works, and a reopen shows it.
    full = false;
    await db.labelFace(queued, 'Cy');
    await db.close({ flush: false });
    opened.splice(opened.indexOf(db), 1);
    const again = await open(name);
    expect((await again.listPersons()).map((p) => p.name)).toEqual(['Ada', 'Bo', 'Cy']);
  });
});

describe("an import of another model's vectors", () => {
  it('of the open model with the wrong dimension → invalid-embedding, nothing stored', async () => {
    const { name } = await populate();
    const db = await open(name);
    const before = await dumpStore(name);
    const r = rng(4);
    const wrong: Array<[Parameters<FaceDatabase['importPersons']>[0], string]> = [
      [
        [{ name: 'X', embeddings: [randomUnit(768, r)] }],
        "Person 1 of the import: The embedding has 768 values; this memory's model gives 16.",
      ],
      [
        [{ name: 'X', embeddings: new Float32Array(DIM + 1).fill(0.1) }],
        'Person 1 of the import: embeddings must be n×16 numbers.',
      ],
      // A good person first: the whole import is refused, not half of it.
      [
        [
          { name: 'Good', embeddings: [randomUnit(DIM, r)] },
          { name: 'X', embeddings: [randomUnit(512, r)] },
        ],
        "Person 2 of the import: The embedding has 512 values; this memory's model gives 16.",
      ],
    ];
    for (const [entries, message] of wrong) {
      const err = await errorOf(db.importPersons(entries));
      expect(err.code).toBe('invalid-embedding');
      expect(err.message).toBe(message);
    }
    const noDim = await errorOf(
      db.importPersons([{ name: 'X', modelId: 'dinov3-vitb16', embeddings: [randomUnit(768, r)] }]),
    );
    expect(noDim.code).toBe('invalid-input');
    expect(noDim.message).toBe(
      "Person 1 of the import: another model's vectors need their dimension.",
    );
    expect(await dumpStore(name)).toEqual(before);
  });

  it('of another model, with its dimension: kept for that model, not searched with this one', async () => {
    const { name, a } = await populate();
    const db = await open(name);
    const view = await shown(db, a);
    const [id] = await db.importPersons([
      { name: 'Old', modelId: 'dinov3-vitb16', dim: 768, embeddings: [randomUnit(768, rng(5))] },
    ]);
    expect((await db.getPerson(id!)).samples[0]!.modelId).toBe('dinov3-vitb16');
    expect((await db.stats()).ntotal).toBe(view.counts[3]);
    expect((await db.verify()).ok).toBe(true);
  });
});

describe('a name with a direction override (U+202E) or another invisible format character', () => {
  const RLO = 'Eve\u202e';
  it('is refused at every entry point that takes a name, changing nothing', async () => {
    const { name, a } = await populate();
    const db = await open(name);
    const [ada] = await db.listPersons();
    const queued = (await db.getUnlabeled()).map((u) => u.id);
    await db.flush();
    const before = await dumpStore(name);
    const seen = await shown(db, a);
    const attempts: Array<[string, () => Promise<unknown>]> = [
      ['label', () => db.labelFace(queued[0]!, RLO)],
      ['label a group', () => db.labelFaces(queued, 'Eve\u2067')],
      ['rename', () => db.renamePerson(ada!.id, `Ada\u200f`)],
      ['import', () => db.importPersons([{ name: RLO, embeddings: [randomUnit(DIM, rng(9))] }])],
    ];
    for (const [what, attempt] of attempts) {
      const e = await errorOf(attempt());
      expect(e.code, what).toBe('invalid-name');
      expect(e.message, what).toMatch(/invisible formatting characters \(U\+20(2E|67|0F)/);
    }
    expect(await shown(db, a)).toEqual(seen);
    await db.flush();
    expect(await dumpStore(name)).toEqual(before);
  });

  it("in a backup's database: the whole import is refused before the preview, nothing changed", async () => {
    const { name: source } = await populate();
    const from = await open(source);
    const plain = new Uint8Array(
      await (await from.exportArchive({ settings: {} })).file.arrayBuffer(),
    );
    // Rewrite Bo's name inside the archive (checksums recomputed): a file made by hand.
    const { parts } = await readArchive(plain);
    const SQL = await loadSqlJs();
    const sql = new SQL.Database(parts.sqlite);
    sql.run('UPDATE persons SET name = ? WHERE name = ?', ['Bo\u202e', 'Bo']);
    expect(sql.getRowsModified()).toBe(1);
    const crafted = await writeArchive({ ...parts, sqlite: sql.export() });
    sql.close();

    const target = uniqueName();
    const db = await open(target);
    await db.importPersons([{ name: 'Zed', embeddings: [randomUnit(DIM, rng(7))] }]);
    await db.flush();
    const before = await dumpStore(target);
    const e = await db.previewImport(crafted).then(
      () => null,
      (x: unknown) => x as Error,
    );
    expect(e?.message).toMatch(/unusable name .*U\+202E/);
    expect(await dumpStore(target)).toEqual(before);
  });
});

describe('a backup entry whose name the format does not define', () => {
  it('a face image under crops/ that the app never writes refuses the import, nothing changed', async () => {
    const { name: source } = await populate();
    const from = await open(source);
    const plain = new Uint8Array(
      await (await from.exportArchive({ settings: {} })).file.arrayBuffer(),
    );
    const { parts } = await readArchive(plain);
    const target = uniqueName();
    const db = await open(target);
    await db.flush();
    const before = await dumpStore(target);
    for (const path of ['evil.png', 'unl/x/3.png', '3.png.exe/4']) {
      const crops = new Map(parts.crops).set(path, pngBlobBytes());
      const crafted = await writeArchive({ ...parts, crops });
      const e = await db.previewImport(crafted).then(
        () => null,
        (x: unknown) => x as Error & { code?: string },
      );
      expect(e?.code, path).toBe('import-bad-data');
      expect(e?.message, path).toContain(
        `crops/${path}, which is not a face image this app writes`,
      );
    }
    expect(await dumpStore(target)).toEqual(before);
  });
});

function pngBlobBytes(): Uint8Array {
  return new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
}
