/**
 * Live-loop rows of `npm run bench` (suite 'live-loop'): the production build
 * (e2e mode) in headless Chromium with the fake camera showing a face that
 * blinks in and out, a memory of people filled through the memory worker:
 * processed frames per second, and the time from a face appearing to its
 * label drawn. The rows live in browser.bench.ts beside the ORT latency rows;
 * this suite runs them alone (`npm run bench -- live-loop`).
 */
import { liveLoopRows } from './browser.bench.ts';
import type { BenchSuite } from './types.ts';

const suite: BenchSuite = {
  name: 'live-loop',
  run: ({ quick, log }) => liveLoopRows(quick, log),
};

export default suite;
