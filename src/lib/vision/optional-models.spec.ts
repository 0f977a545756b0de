import { describe, expect, it } from 'vitest';
import { OPTIONAL_MODEL_FILES, OPTIONAL_MODEL_URLS } from './optional-models';
import {
  bundledFiles,
  bundledUrl,
  getEmbedderSpec,
  BUNDLED_EMBEDDER_ID,
  type BundledFile,
} from './registry';

describe('optional bundled models', () => {
  it('the runtime rule matches exactly the optional files, at their versioned URLs', () => {
    for (const file of Object.keys(bundledFiles) as BundledFile[]) {
      const url = new URL(bundledUrl(file, '/'), 'https://app.example').href;
      expect(OPTIONAL_MODEL_URLS.test(url), file).toBe(OPTIONAL_MODEL_FILES.includes(file));
    }
  });

  it('the default embedder is never optional (it must be there offline from the first visit)', () => {
    const source = getEmbedderSpec(BUNDLED_EMBEDDER_ID)!.source;
    expect(source.kind).toBe('bundled');
    if (source.kind === 'bundled') expect(OPTIONAL_MODEL_FILES).not.toContain(source.file);
  });
});
