import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { normaliseFolder, unzipOriginalFolder } from './folder-files';

const b = (n: number) => new Uint8Array([n]);

describe('normaliseFolder', () => {
  it('roots the map at the folder holding the anchor, whatever the separators', () => {
    const out = normaliseFolder(
      new Map([
        ['backup\\data\\visio_memoria.db', b(1)],
        ['backup\\data\\embeddings\\person_1.pt', b(2)],
        ['backup/readme.txt', b(3)],
        ['backup/data/__MACOSX/._x', b(4)],
        ['backup/data/unlabeled/', b(5)],
      ]),
      'visio_memoria.db',
    );
    expect([...out.keys()].sort()).toEqual(['embeddings/person_1.pt', 'visio_memoria.db']);
  });

  it('prefers the shallowest anchor and never keeps paths that climb out', () => {
    const out = normaliseFolder(
      {
        'a/visio_memoria.db': b(1),
        'a/old/visio_memoria.db': b(2),
        'a/../../etc/passwd': b(3),
      },
      'visio_memoria.db',
    );
    expect(out.get('visio_memoria.db')).toEqual(b(1));
    expect(out.get('old/visio_memoria.db')).toEqual(b(2));
    expect(out.size).toBe(2);
  });

  it('without the anchor, strips only folders every file shares', () => {
    const out = normaliseFolder(
      [
        ['x/y/a.txt', b(1)],
        ['x/y/z/b.txt', b(2)],
      ],
      'visio_memoria.db',
    );
    expect([...out.keys()].sort()).toEqual(['a.txt', 'z/b.txt']);
  });

  it('unzips a folder zip into the same shape', () => {
    const zip = zipSync({ 'My Visio/visio_memoria.db': b(1), 'My Visio/faiss_mapping.json': b(2) });
    expect([...unzipOriginalFolder(zip).keys()].sort()).toEqual([
      'faiss_mapping.json',
      'visio_memoria.db',
    ]);
  });

  it('inflates only the files the import reads, and refuses a bomb among them before inflating', () => {
    const zeros = new Uint8Array(32 * 2 ** 20);
    let inflated = 0;
    const onInflated = (n: number) => (inflated += n);
    const wanted = (path: string) => /visio_memoria\.db$/.test(path);
    const litter = zipSync({
      'My Visio/visio_memoria.db': b(1),
      'My Visio/video.bin': [zeros, { level: 9 }],
    });
    expect([...unzipOriginalFolder(litter, { wanted, onInflated, slack: 0 }).keys()]).toEqual([
      'visio_memoria.db',
    ]);
    expect(inflated).toBe(1);
    const bomb = zipSync({ 'My Visio/visio_memoria.db': [zeros, { level: 9 }] });
    expect(() => unzipOriginalFolder(bomb, { wanted, onInflated, slack: 0 })).toThrow(
      /would inflate to 32\.0 MB/,
    );
    expect(inflated).toBe(1);
    expect(() => unzipOriginalFolder(zipSync({ '../visio_memoria.db': b(1) }))).toThrow(
      /could point outside its folder/,
    );
  });
});
