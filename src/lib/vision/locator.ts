/**
 * Where the faces are: UltraFace boxes, then 68 landmarks per box reduced to
 * the five alignment points. Both bundled models, one session each.
 */
import { decodeLandmarks, fivePoints, landmarkInput, landmarkRegion, LANDMARK_SIZE } from './align';
import { dlibFivePoints } from './align-dlib';
import type { Detection } from './box';
import {
  decodeDetections,
  defaultDetectOptions,
  detectorInput,
  DETECTOR_HEIGHT,
  DETECTOR_WIDTH,
  type DetectOptions,
} from './detector';
import type { FaceGeometry } from './embedder';
import { ModelError } from './errors';
import type { RgbaImage } from './image';
import { OrtSession, type ModelFiles, type SessionEnv } from './ort-session';

export interface LocatedFace extends Detection, FaceGeometry {}

function expectNames(s: OrtSession, inputs: string[], outputs: string[]): void {
  const ok =
    inputs.every((n) => s.inputs.some((i) => i.name === n)) &&
    outputs.every((n) => s.outputs.some((o) => o.name === n));
  if (!ok) {
    throw new ModelError(
      'model-signature',
      `${s.name} has inputs ${s.inputs.map((i) => i.name).join(', ')} and outputs ${s.outputs.map((o) => o.name).join(', ')}; expected ${inputs.join(', ')} → ${outputs.join(', ')}.`,
    );
  }
}

export class FaceLocator {
  private constructor(
    readonly detector: OrtSession,
    readonly landmarker: OrtSession,
  ) {}

  static async load(
    detect: ModelFiles,
    landmark: ModelFiles,
    env: SessionEnv,
  ): Promise<FaceLocator> {
    const detector = await OrtSession.open(detect, env, async (s) => {
      expectNames(s, ['input'], ['scores', 'boxes']);
      await s.run({
        input: {
          data: new Float32Array(3 * DETECTOR_WIDTH * DETECTOR_HEIGHT),
          dims: [1, 3, DETECTOR_HEIGHT, DETECTOR_WIDTH],
        },
      });
    });
    try {
      const landmarker = await OrtSession.open(landmark, env, async (s) => {
        expectNames(s, ['input'], ['output']);
        await s.run({
          input: {
            data: new Float32Array(LANDMARK_SIZE * LANDMARK_SIZE),
            dims: [1, 1, LANDMARK_SIZE, LANDMARK_SIZE],
          },
        });
      });
      return new FaceLocator(detector, landmarker);
    } catch (e) {
      await detector.release();
      throw e;
    }
  }

  async detect(img: RgbaImage, opts: Partial<DetectOptions> = {}): Promise<Detection[]> {
    const o = { ...defaultDetectOptions, ...opts };
    const out = await this.detector.run({
      input: { data: detectorInput(img, o.padFrac), dims: [1, 3, DETECTOR_HEIGHT, DETECTOR_WIDTH] },
    });
    return decodeDetections(out.scores!.data, out.boxes!.data, img, o);
  }

  /** The alignment points of the face in `box`: ArcFace's five and dlib's five. */
  async points(img: RgbaImage, box: Detection): Promise<Omit<FaceGeometry, 'box'>> {
    const region = landmarkRegion(box);
    const out = await this.landmarker.run({
      input: { data: landmarkInput(img, region), dims: [1, 1, LANDMARK_SIZE, LANDMARK_SIZE] },
    });
    const pts = decodeLandmarks(out.output!.data, region);
    return { five: fivePoints(pts), dlibFive: dlibFivePoints(pts) };
  }

  /** Every face with its alignment points, best score first. */
  async locate(img: RgbaImage, opts: Partial<DetectOptions> = {}): Promise<LocatedFace[]> {
    const boxes = await this.detect(img, opts);
    const faces: LocatedFace[] = [];
    for (const b of boxes) faces.push({ ...b, box: b, ...(await this.points(img, b)) });
    return faces;
  }

  async release(): Promise<void> {
    await Promise.all([this.detector.release(), this.landmarker.release()]);
  }
}
