/**
 * vision.worker: a thin Comlink shell over ../vision/vision-api with the
 * browser's parts. Owns the ONNX Runtime sessions; frames come in as
 * transferred ImageBitmaps, results go out with their embeddings transferred
 * and crops encoded.
 */
import { CacheStorageStore } from '../vision/model-store';
import { bitmapToRgba, browserModelSource, browserSessionEnv } from '../vision/ort-browser';
import { encodeImage } from '../vision/thumbnail';
import { createVisionApi } from '../vision/vision-api';
import { exposeWorker } from './worker-boundary';

export type { EncodedFace, EncodedFrame } from '../vision/vision-api';

const api = createVisionApi<ImageBitmap>({
  sessionEnv: browserSessionEnv,
  modelSource: browserModelSource,
  store: new CacheStorageStore(),
  pixels: bitmapToRgba,
  encode: (crop) => encodeImage(crop),
});
export type VisionApi = typeof api;
exposeWorker(api);
