/**
 * What `virtual:test-hooks` resolves to in the e2e build (`vite build --mode e2e`):
 * the workers' APIs become globals of their worker, so that Playwright's
 * `worker.evaluate('self.memoryApi.verify()')` can reach them. The app's build
 * resolves the module to a no-op instead (vite.config.ts), so none of this ships.
 */
export function installTestHooks(hooks: Record<string, unknown>): void {
  Object.assign(self, hooks);
}
