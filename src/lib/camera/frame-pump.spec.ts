import { describe, expect, it } from 'vitest';
import { FramePump, RateMeter } from './frame-pump';

/** A manual clock: each `frame()` is one video frame. */
function manualSchedule() {
  let pending: (() => void) | null = null;
  return {
    schedule(tick: () => void) {
      pending = tick;
      return () => {
        if (pending === tick) pending = null;
      };
    },
    frame() {
      const t = pending;
      pending = null;
      t?.();
    },
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('FramePump', () => {
  it('drops frames while busy and always processes the newest one', async () => {
    const clock = manualSchedule();
    let frameNo = 0;
    const seen: number[] = [];
    let release: () => void = () => {};
    const pump = new FramePump<number>({
      grab: () => frameNo,
      process: (f) =>
        new Promise<void>((resolve) => {
          seen.push(f);
          release = resolve;
        }),
      schedule: clock.schedule,
    });
    pump.start();
    frameNo = 1;
    clock.frame(); // takes frame 1
    await flush();
    for (frameNo = 2; frameNo <= 5; frameNo++) clock.frame(); // busy: 2..5 dropped
    await flush();
    release();
    await flush();
    frameNo = 6;
    clock.frame(); // the newest frame, not a queued one
    await flush();
    expect(seen).toEqual([1, 6]);
    expect(pump.dropped).toBe(4);
    pump.stop();
  });

  it('keeps running after a failed frame and reports the error', async () => {
    const clock = manualSchedule();
    const errors: unknown[] = [];
    let n = 0;
    const pump = new FramePump<number>({
      grab: () => ++n,
      process: async (f) => {
        if (f === 1) throw new Error('boom');
      },
      schedule: clock.schedule,
      onError: (e) => errors.push(e),
    });
    pump.start();
    clock.frame();
    await flush();
    clock.frame();
    await flush();
    expect(errors).toHaveLength(1);
    expect(pump.processed).toBe(1);
    pump.stop();
  });

  it('stops ticking when stopped', async () => {
    const clock = manualSchedule();
    let grabs = 0;
    const pump = new FramePump<number>({
      grab: () => ++grabs,
      process: async () => {},
      schedule: clock.schedule,
    });
    pump.start();
    clock.frame();
    await flush();
    pump.stop();
    clock.frame();
    await flush();
    expect(grabs).toBe(1);
    expect(pump.running).toBe(false);
  });

  it('skips empty grabs without counting them', async () => {
    const clock = manualSchedule();
    const pump = new FramePump<number>({
      grab: () => null,
      process: async () => {},
      schedule: clock.schedule,
    });
    pump.start();
    clock.frame();
    await flush();
    expect(pump.processed).toBe(0);
    pump.stop();
  });
});

describe('RateMeter', () => {
  it('measures frames per second over its window', () => {
    const m = new RateMeter(1000);
    for (let t = 0; t <= 1000; t += 100) m.mark(t); // 10 intervals of 100 ms
    expect(m.rate(1000)).toBeCloseTo(10, 5);
    expect(m.rate(5000)).toBe(0); // nothing recent
  });
});
