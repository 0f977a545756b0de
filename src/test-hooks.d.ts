/**
 * Test-only globals for the e2e build: vite.config.ts resolves this module to
 * tests/support/test-hooks.ts under `--mode e2e` and to a no-op otherwise.
 */
declare module 'virtual:test-hooks' {
  export function installTestHooks(hooks: Record<string, unknown>): void;
  /** The page's test seams (the e2e camera); nothing outside the e2e build. */
  export function installPageHooks(): void;
  /**
   * The memory worker's crash seams (tests/support/memory-seams.ts): a write hook
   * that can hold an action's transaction open, and globals to drive it and to
   * dump the stored memory. Empty outside the e2e build.
   */
  export const memorySeams: {
    onWriteStep?: (step: string, tx: IDBTransaction, action?: string) => void;
    globals?: Record<string, unknown>;
  };
}
