/**
 * Test-only globals for the e2e build: vite.config.ts resolves this module to
 * tests/support/test-hooks.ts under `--mode e2e` and to a no-op otherwise.
 */
declare module 'virtual:test-hooks' {
  export function installTestHooks(hooks: Record<string, unknown>): void;
  /** The page's test seams (the e2e camera); nothing outside the e2e build. */
  export function installPageHooks(): void;
}
