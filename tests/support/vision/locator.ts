import { afterAll, beforeAll } from 'vitest';
import { FaceLocator } from '../../../src/lib/vision/locator.ts';
import { wasmEnv } from '../../../src/lib/vision/ort-session.ts';
import { readBundledModel } from './vision-node.ts';

/**
 * The bundled detector + landmark models (onnxruntime-web, WASM) for a spec
 * file: loaded before its tests, released after. Read `.locator` in a test.
 */
export function bundledLocatorForSpec(): { readonly locator: FaceLocator } {
  const held: { locator?: FaceLocator } = {};
  beforeAll(async () => {
    held.locator = await FaceLocator.load(
      await readBundledModel('fr_detect.onnx'),
      await readBundledModel('fr_landmark.onnx'),
      wasmEnv,
    );
  });
  afterAll(() => held.locator?.release());
  return {
    get locator() {
      if (!held.locator) throw new Error('the locator is loaded in beforeAll');
      return held.locator;
    },
  };
}
