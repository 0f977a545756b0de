import { describe, expect, it } from 'vitest';
import { acquireWriterLock } from '../../../src/lib/memory/store/locks';
import { InProcessLockManager } from './in-process-lock-manager';

describe('InProcessLockManager (test support for Web Locks semantics)', () => {
  it('grants ifAvailable once, then null until released', async () => {
    const locks = new InProcessLockManager();
    const a = await acquireWriterLock(locks, 'm');
    const b = await acquireWriterLock(locks, 'm');
    expect([a.held, b.held]).toEqual([true, false]);
    expect(locks.heldNames()).toEqual(['m']);
    a.release();
    await Promise.resolve();
    await Promise.resolve();
    const c = await acquireWriterLock(locks, 'm');
    expect(c.held).toBe(true);
  });

  it('queues waiters in order and drops everything on crash', async () => {
    const locks = new InProcessLockManager();
    const order: string[] = [];
    let release!: () => void;
    const first = locks.request('x', {}, () => new Promise<void>((r) => (release = r)));
    const second = locks.request('x', {}, () => order.push('second'));
    await Promise.resolve();
    expect(order).toEqual([]);
    release();
    await first;
    await second;
    expect(order).toEqual(['second']);
    const held = await acquireWriterLock(locks, 'y');
    locks.crash();
    expect(locks.heldNames()).toEqual([]);
    held.release(); // a late release of a crashed grant changes nothing
    const again = await acquireWriterLock(locks, 'y');
    expect(again.held).toBe(true);
  });
});
