import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startWithDeadline } from './start-deadline';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('startWithDeadline', () => {
  it('a start in time is used as is; nothing is restarted', async () => {
    const restart = vi.fn();
    const got = startWithDeadline(async () => 'ready', restart, 30_000);
    await expect(got).resolves.toBe('ready');
    expect(restart).not.toHaveBeenCalled();
  });

  it('a start that hangs past the deadline: the worker is restarted once and started again', async () => {
    const attempts: number[] = [];
    const restart = vi.fn();
    const got = startWithDeadline(
      ({ attempt }) => {
        attempts.push(attempt);
        return attempt === 0 ? new Promise<string>(() => undefined) : Promise.resolve('second');
      },
      restart,
      30_000,
    );
    await vi.advanceTimersByTimeAsync(29_999);
    expect(restart).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    await expect(got).resolves.toBe('second');
    expect(restart).toHaveBeenCalledTimes(1);
    expect(attempts).toEqual([0, 1]);
  });

  it('a start that fails before the deadline is a real failure: not retried', async () => {
    const restart = vi.fn();
    const got = startWithDeadline(
      () => Promise.reject(new Error('model missing')),
      restart,
      30_000,
    );
    await expect(got).rejects.toThrow('model missing');
    expect(restart).not.toHaveBeenCalled();
  });

  it('the second start fails: its error is the answer (no third try)', async () => {
    const restart = vi.fn();
    const got = startWithDeadline(
      ({ attempt }) =>
        attempt === 0 ? new Promise<string>(() => undefined) : Promise.reject(new Error('again')),
      restart,
      1_000,
    );
    const settled = expect(got).rejects.toThrow('again');
    await vi.advanceTimersByTimeAsync(1_000);
    await settled;
    expect(restart).toHaveBeenCalledTimes(1);
  });
});
