/**
 * Bytes of storage this origin may still use (quota − usage), or undefined where the
 * browser does not say (and in Node): the cap on what an imported zip may inflate to.
 */
export async function storageLeft(): Promise<number | undefined> {
  try {
    const storage = (globalThis.navigator as Navigator | undefined)?.storage;
    if (!storage?.estimate) return undefined;
    const { quota, usage } = await storage.estimate();
    return quota === undefined ? undefined : Math.max(0, quota - (usage ?? 0));
  } catch {
    return undefined;
  }
}
