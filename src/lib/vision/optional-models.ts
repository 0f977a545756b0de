/**
 * Bundled models that are not the default are not precached: a first visit
 * would download them for every user (dlib's recogniser alone is 22 MB as
 * float32). They are served with the app and kept offline by the service
 * worker once fetched (CacheFirst in OPTIONAL_MODEL_CACHE), which happens when
 * the user chooses one in Settings: from then on it works offline like the
 * rest. vite.config.ts reads these for the precache's ignores and the rule.
 */
import type { BundledFile } from './registry';

export const OPTIONAL_MODEL_CACHE = 'visio-models-optional';

export const OPTIONAL_MODEL_FILES: readonly BundledFile[] = ['dlib_resnet128.onnx'];

/** For the precache's globIgnores (models/<sha8>/<file>). */
export const OPTIONAL_MODEL_GLOBS = OPTIONAL_MODEL_FILES.map((f) => `**/models/*/${f}`);

/** The same files as URLs, for the runtime cache rule. */
export const OPTIONAL_MODEL_URLS = new RegExp(
  `/models/[0-9a-f]{8}/(?:${OPTIONAL_MODEL_FILES.map((f) => f.replace(/[.]/g, '\\.')).join('|')})$`,
);
