/**
 * Tests that read local times run in these two zones, pinned (Node reads TZ afresh on
 * each Date call), with the UTC offset each has in winter, so that a local time read as
 * UTC, or in the machine's own zone, fails in at least one of them.
 */
export const ZONES = [
  { zone: 'Europe/Berlin', winterOffsetH: 1 },
  { zone: 'America/Los_Angeles', winterOffsetH: -8 },
] as const;

/** Runs `fn` with TZ set to `zone`, then puts TZ back. */
export async function inTimeZone<T>(zone: string, fn: () => T | Promise<T>): Promise<T> {
  const before = process.env.TZ;
  process.env.TZ = zone;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.TZ;
    else process.env.TZ = before;
  }
}
