/**
 * Frame-calls rows of `npm run bench` (suite 'frame-calls'), in Node: what one
 * live frame costs the page in memory-worker calls, through the real worker
 * boundary (startWorker/exposeWorker over a MessageChannel: structured clone
 * and Comlink, as between the page and memory.worker) and the real memory
 * (sql.js, FAISS, fake-indexeddb). Same run, same memory, same embeddings:
 *  - now: one `recognise` call per frame (identify + vote + sightings + queue);
 *  - baseline, the page before the house redesign: `identify` for the frame,
 *    then one `observe` per named face, awaited one by one (2 + N round trips
 *    per frame counting the sighting flush the page triggered).
 * Faces per frame 1 and 3, all of them known (the hot path: every frame of a
 * known face), in a memory of 50 people × 5 samples of 512-d.
 */
import 'fake-indexeddb/auto';
import type { Remote } from 'comlink';
import { createMemoryService } from '../../src/lib/memory/service.ts';
import { exposeWorker, startWorker } from '../../src/lib/workers/worker-boundary.ts';
import { InProcessLockManager } from '../support/memory/in-process-lock-manager.ts';
import { near, randomUnit, rng, uniqueName } from '../support/memory/memory-fixtures.ts';
import type { BenchRow, BenchSuite } from './types.ts';
import { median } from './types.ts';

const DIM = 512;
const PEOPLE = 50;
const SAMPLES = 5;

type Api = ReturnType<typeof createMemoryService>;

const suite: BenchSuite = {
  name: 'frame-calls',
  async run({ quick, log }) {
    const frames = quick ? 60 : 300;
    const r = rng(7);
    const { port1, port2 } = new MessageChannel();
    const service = createMemoryService();
    exposeWorker(service, port1);
    const client = startWorker<Api>(
      Object.assign(port2, { terminate: () => port2.close() }) as never,
    );
    const api = client.api as Remote<Api>;
    // The lock manager cannot cross the boundary: open on the worker side, as the worker would.
    await service.open({
      name: uniqueName('frame-calls'),
      modelId: 'bench-512',
      dim: DIM,
      threshold: 0.5,
      maintenanceDelayMs: Infinity,
      locks: new InProcessLockManager(),
    } as never);
    const centres = Array.from({ length: PEOPLE }, () => randomUnit(DIM, r));
    const ids = await api.importPersons(
      centres.map((c, p) => ({
        name: `Person ${p + 1}`,
        embeddings: Array.from({ length: SAMPLES }, () => near(c, 0.3, r)),
      })),
    );
    await api.setThreshold(0.5, 0.4);
    log(`memory: ${PEOPLE} people × ${SAMPLES} samples (${DIM}-d), ${frames} frames per case`);

    const rows: BenchRow[] = [];
    for (const faces of [1, 3]) {
      const who = Array.from({ length: faces }, (_, i) => i * 7);
      const oldMs: number[] = [];
      const newMs: number[] = [];
      const tracks = who.map(() => null as unknown);
      for (let f = 0; f < frames; f++) {
        const embeddings = who.map((p) => near(centres[p]!, 0.3, r));
        // Alternate the order so that neither path always runs on a warmer cache.
        const runOld = async () => {
          const t0 = performance.now();
          const found = await api.identify(embeddings.map((e) => e.slice()));
          for (const id of found) {
            if (id.personId !== null) await api.observe(id.personId, id.similarity);
          }
          oldMs.push(performance.now() - t0);
        };
        const runNew = async () => {
          const t0 = performance.now();
          const got = await api.recognise(
            embeddings.map((e, i) => ({
              embedding: e.slice(),
              score: 0.99,
              boxSidePx: 120,
              track: tracks[i] as never,
              trackId: i + 1,
            })),
          );
          got.forEach((g, i) => (tracks[i] = g.track));
          newMs.push(performance.now() - t0);
        };
        if (f % 2) {
          await runOld();
          await runNew();
        } else {
          await runNew();
          await runOld();
        }
      }
      const now = median(newMs);
      const before = median(oldMs);
      rows.push({
        suite: 'frame-calls',
        name: `memory calls per live frame, ${faces} known face${faces > 1 ? 's' : ''}: one recognise vs identify + one observe per face`,
        value: now,
        unit: 'ms',
        baseline: { name: `identify + ${faces} observe`, value: before, unit: 'ms' },
        ratio: now / before,
        goal: '≤ 1 (no slower)',
        met: now / before <= 1,
        note: `medians of ${frames} frames; ${PEOPLE} people, ${ids.length} enrolled`,
      });
    }
    await service.close();
    client.terminate();
    return rows;
  },
};

export default suite;
