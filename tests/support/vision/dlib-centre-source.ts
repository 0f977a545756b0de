/**
 * The data of src/lib/vision/dlib-centre.ts: every face of face-api's demo
 * photos through the app's own locator and dlib alignment, raw descriptors
 * (before centring and normalising), averaged.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Embedder } from '../../../src/lib/vision/embedder.ts';
import { FaceLocator } from '../../../src/lib/vision/locator.ts';
import { DLIB_EMBEDDER_ID, getEmbedderSpec } from '../../../src/lib/vision/registry.ts';
import { nodeSessionEnv, readBundledModel, readImage } from './vision-node.ts';

export async function dlibCentreFrom(
  dir: string,
  backend: 'wasm' | 'cpu',
): Promise<{ centre: number[]; faces: number; perPhoto: number[] }> {
  const env = nodeSessionEnv(backend);
  const locator = await FaceLocator.load(
    await readBundledModel('fr_detect.onnx'),
    await readBundledModel('fr_landmark.onnx'),
    env,
  );
  const spec = getEmbedderSpec(DLIB_EMBEDDER_ID)!;
  const embedder = await Embedder.load(spec, await readBundledModel('dlib_resnet128.onnx'), env);
  const sum = new Float64Array(128);
  const perPhoto: number[] = [];
  try {
    const photos = readdirSync(dir)
      .filter((f) => /^sample\d\.jpg$/.test(f))
      .sort();
    for (const f of photos) {
      const img = await readImage(join(dir, f));
      const faces = await locator.locate(img);
      perPhoto.push(faces.length);
      for (const face of faces) {
        const v = await embedder.rawEmbedding(embedder.inputFor(embedder.cropFace(img, face)));
        v.forEach((x, i) => (sum[i]! += x));
      }
    }
  } finally {
    await Promise.all([locator.release(), embedder.release()]);
  }
  const faces = perPhoto.reduce((a, b) => a + b, 0);
  return { centre: Array.from(sum, (s) => s / faces), faces, perPhoto };
}
