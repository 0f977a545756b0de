/**
 * The live loop's contract: detection on every frame, embeddings only for
 * new, moved or stale faces; switching the embedder re-embeds everyone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeModelSource, readImage } from '../../../tests/support/vision/vision-node.ts';
import { bbtGroups } from '../../../tests/fixtures/vision/bbt.ts';
import type { RgbaImage } from './image';
import { wasmEnv } from './ort-session';
import { VisionService } from './service';
import { writeDinov3SignatureModel } from '../diagnostics/probe-model/dinov3-probe';

let group: RgbaImage;
const service = new VisionService(wasmEnv, nodeModelSource(), { tracker: { refreshMs: 3000 } });

beforeAll(async () => {
  group = await readImage(bbtGroups()[2]!); // five faces
  await service.init();
});
afterAll(() => service.release());

/** The same picture shifted right by `dx` pixels (the camera pans). */
function shifted(img: RgbaImage, dx: number): RgbaImage {
  const data = new Uint8ClampedArray(img.data.length).fill(127);
  for (let y = 0; y < img.height; y++) {
    const row = y * img.width * 4;
    data.set(img.data.subarray(row, row + (img.width - dx) * 4), row + dx * 4);
  }
  return { width: img.width, height: img.height, data };
}

describe('VisionService.processFrame', () => {
  it('embeds each face once over a second of frames, again after the refresh period', async () => {
    service.resetTracker();
    const embedded: number[] = [];
    let faces = 0;
    for (let i = 0; i < 10; i++) {
      const r = await service.processFrame(group, i * 100);
      faces = r.faces.length;
      embedded.push(r.faces.filter((f) => f.embedding).length);
      expect(r.embedderId).toBe('face-fr512');
    }
    expect(faces).toBe(5);
    // A new track's first 3 frames (the live vote needs a few embeddings), then none till the refresh.
    expect(embedded).toEqual([5, 5, 5, 0, 0, 0, 0, 0, 0, 0]);
    const later = await service.processFrame(group, 3300);
    expect(later.faces.filter((f) => f.embedding)).toHaveLength(5);
    const first = later.faces[0]!;
    expect(first.embedding).toHaveLength(512);
    // Each embedded crop comes with the quality gate's verdict.
    expect(later.faces.every((f) => typeof f.quality?.ok === 'boolean')).toBe(true);
    expect(later.faces.filter((f) => f.quality!.ok).length).toBe(5);
    expect([first.crop!.width, first.crop!.height]).toEqual([160, 160]);
  });

  it('keeps track ids through a small pan and re-embeds after a large one', async () => {
    service.resetTracker();
    const a = await service.processFrame(group, 0);
    // Past the new tracks' eager embeddings (frames 2 and 3).
    await service.processFrame(group, 30);
    await service.processFrame(group, 60);
    const b = await service.processFrame(shifted(group, 4), 100);
    expect(b.faces.map((f) => f.trackId).sort()).toEqual(a.faces.map((f) => f.trackId).sort());
    expect(b.faces.filter((f) => f.embedding)).toHaveLength(0);
    // Panning on in steps the tracker can follow; faces drift far from where they were embedded.
    let again = 0;
    for (let dx = 8; dx <= 40; dx += 4) {
      const r = await service.processFrame(shifted(group, dx), 100 + dx * 10);
      again += r.faces.filter((f) => f.embedding && !f.isNew).length;
    }
    expect(again).toBeGreaterThanOrEqual(3);
  });

  it('switching the embedder forgets the tracks, so every face is embedded with the new model', async () => {
    await service.processFrame(group, 0);
    const w = writeDinov3SignatureModel({ dim: 48, heads: 3, layers: 1 });
    const info = await service.useEmbedderFiles('dinov3-vitb16', [
      { name: 'model.onnx', bytes: w.model },
    ]);
    expect(info).toMatchObject({
      id: 'dinov3-vitb16',
      dim: 48,
      thresholdCosine: 0.65,
      origin: 'file',
    });
    expect(info.licence.notice).toContain('Built with DINOv3');
    const r = await service.processFrame(group, 50);
    expect(r.embedderId).toBe('dinov3-vitb16');
    expect(r.faces.filter((f) => f.embedding?.length === 48)).toHaveLength(5);
    const back = await service.useEmbedder('face-fr512');
    expect(back).toMatchObject({ id: 'face-fr512', dim: 512, origin: 'bundled' });
  });
});

describe('VisionService.embedAll', () => {
  it('embeds every face of a group photo, largest first, each with its crop', async () => {
    const faces = await service.embedAll(group);
    expect(faces).toHaveLength(5);
    const areas = faces.map((f) => (f.box.x2 - f.box.x1) * (f.box.y2 - f.box.y1));
    expect(areas).toEqual([...areas].sort((a, b) => b - a));
    for (const f of faces) {
      expect(f.embedding.length).toBe(service.info()!.dim);
      expect(f.crop.width).toBeGreaterThan(0);
    }
    // Five different people: no two embeddings of the photo look alike.
    for (let i = 0; i < faces.length; i++) {
      for (let j = i + 1; j < faces.length; j++) {
        let dot = 0;
        for (let k = 0; k < faces[i]!.embedding.length; k++) {
          dot += faces[i]!.embedding[k]! * faces[j]!.embedding[k]!;
        }
        expect(dot).toBeLessThan(service.info()!.thresholdCosine);
      }
    }
    expect(await service.embedAll(group, 2)).toHaveLength(2);
  });
});

describe('VisionService.init', () => {
  it('asks for the three bundled files before opening a session, each once', async () => {
    const source = nodeModelSource();
    const asked: string[] = [];
    let sessionsBefore = -1;
    const counting = {
      ...source,
      bundled: (file: Parameters<typeof source.bundled>[0]) => {
        asked.push(file);
        if (asked.length === 3) sessionsBefore = opened;
        return source.bundled(file);
      },
    };
    let opened = 0;
    const env = {
      ...wasmEnv,
      ort: {
        ...wasmEnv.ort,
        InferenceSession: {
          create: (...args: Parameters<typeof wasmEnv.ort.InferenceSession.create>) => {
            opened++;
            return wasmEnv.ort.InferenceSession.create(...args);
          },
        },
      } as typeof wasmEnv.ort,
    };
    const s = new VisionService(env, counting);
    try {
      await s.init();
      expect([...asked].sort()).toEqual(['fr_detect.onnx', 'fr_feature.onnx', 'fr_landmark.onnx']);
      expect(sessionsBefore).toBe(0);
      expect(opened).toBe(3);
    } finally {
      await s.release();
    }
  });
});
