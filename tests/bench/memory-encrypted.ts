/**
 * The memory suite's encryption-at-rest rows (issue #13), measured in the same
 * run as the unencrypted ones and interleaved with them:
 *  - open from the checkpoint with n encrypted 768-d embeddings vs the same
 *    open unencrypted (goal ≤ 1.5), the passphrase's Argon2id shown apart;
 *  - labelFace encrypted vs unencrypted at 1k and at n (goal ≤ 1.5);
 *  - Argon2id with the default parameters (the unlock's fixed cost).
 */
import type { FaceDatabase } from '../../src/lib/memory/face-database.ts';
import { readLockInfo } from '../../src/lib/memory/store/lock-info.ts';
import { ARGON2ID_DEFAULT } from '../../src/lib/memory/lock/kdf.ts';
import type { BenchRow } from './types.ts';
import { median } from './types.ts';

export const BENCH_PASSPHRASE = 'bench passphrase, long enough';

interface Ctx {
  n: number;
  nk: string;
  quick: boolean;
  /** Opens a memory (with the passphrase when `unlock`). */
  open: (name: string, unlock: boolean) => Promise<FaceDatabase>;
  timed: <T>(fn: () => Promise<T>) => Promise<[number, T]>;
  gc: () => void;
  /** Both memories of each size: unencrypted and encrypted, with the same content. */
  names: { plain: string; sealed: string; plainSmall: FaceDatabase; sealedSmall: FaceDatabase };
  queue: (db: FaceDatabase, count: number) => Promise<number[]>;
  row: (r: Omit<BenchRow, 'suite'>) => void;
}

export async function encryptedRows(c: Ctx): Promise<void> {
  const { nk } = c;
  const plainOpens: number[] = [];
  const sealedOpens: number[] = [];
  const withUnlock: number[] = [];
  const kdfs: number[] = [];
  for (let i = 0; i < 5; i++) {
    c.gc();
    const [a, plain] = await c.timed(() => c.open(c.names.plain, false));
    if (plain.openReport.indexSource !== 'checkpoint')
      throw new Error('expected a checkpoint open');
    await plain.close({ flush: false });
    c.gc();
    const [b, sealed] = await c.timed(() => c.open(c.names.sealed, true));
    const report = sealed.openReport;
    if (report.indexSource !== 'checkpoint' || report.encryption !== 'on') {
      throw new Error(`expected an encrypted checkpoint open, got ${JSON.stringify(report)}`);
    }
    await sealed.close({ flush: false });
    plainOpens.push(a);
    // The unlock (Argon2id) is the passphrase's fixed cost, measured inside the same open.
    sealedOpens.push(b - report.unlockMs);
    withUnlock.push(b);
    kdfs.push(report.unlockMs);
  }
  const plainMs = median(plainOpens);
  const sealedMs = median(sealedOpens);
  const info = await readLockInfo(c.names.sealed);
  c.row({
    name: `unlock by passphrase (Argon2id m=${ARGON2ID_DEFAULT.memoryKiB / 1024} MiB, t=${ARGON2ID_DEFAULT.iterations}, p=${ARGON2ID_DEFAULT.parallelism})`,
    value: median(kdfs),
    unit: 'ms',
    note: `hash-wasm 4.13 in Node, inside the open; stored: ${JSON.stringify(info?.passphrase)}`,
  });
  c.row({
    name: `open from checkpoint encrypted, ${nk} × 768-d, less the unlock`,
    value: sealedMs,
    unit: 'ms',
    baseline: { name: 'the same open unencrypted', value: plainMs, unit: 'ms' },
    ratio: sealedMs / plainMs,
    goal: '≤ 1.5',
    met: c.quick ? undefined : sealedMs / plainMs <= 1.5,
    note: `with the unlock: ${median(withUnlock).toFixed(0)} ms; medians of 5, interleaved`,
  });

  const reps = c.quick ? 9 : 15;
  const warm = 3;
  const pairs: Array<[string, FaceDatabase, FaceDatabase]> = [
    ['1k', c.names.plainSmall, c.names.sealedSmall],
  ];
  const bigPlain = await c.open(c.names.plain, false);
  const bigSealed = await c.open(c.names.sealed, true);
  pairs.push([nk, bigPlain, bigSealed]);
  for (const [size, plain, sealed] of pairs) {
    const [qp, qs] = [await c.queue(plain, reps + warm), await c.queue(sealed, reps + warm)];
    // The opens' garbage (the checkpoint's parts, read and decrypted) is collected first.
    c.gc();
    const tp: number[] = [];
    const ts: number[] = [];
    for (let i = 0; i < reps + warm; i++) {
      const [a] = await c.timed(() => plain.labelFace(qp[i]!, `person ${i * 7}`));
      const [b] = await c.timed(() => sealed.labelFace(qs[i]!, `person ${i * 7}`));
      if (i >= warm) {
        tp.push(a);
        ts.push(b);
      }
    }
    c.row({
      name: `labelFace encrypted at ${size} stored`,
      value: median(ts),
      unit: 'ms',
      baseline: { name: 'labelFace unencrypted', value: median(tp), unit: 'ms' },
      ratio: median(ts) / median(tp),
      goal: '≤ 1.5',
      met: median(ts) / median(tp) <= 1.5,
      note: `median of ${reps}, interleaved`,
    });
  }
  await bigPlain.close({ flush: false });
  await bigSealed.close({ flush: false });
}
