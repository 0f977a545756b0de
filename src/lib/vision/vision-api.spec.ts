/**
 * The vision worker's logic in Node, with a stand-in VisionService (the real
 * one is tested in service.spec.ts) and an in-memory model store: init once,
 * staging a model beside the one in use, committing or discarding it, keeping
 * picked files offline, and forgetting a download.
 */
import { describe, expect, it } from 'vitest';
import { writeDinov3SignatureModel } from '../diagnostics/probe-model/dinov3-probe';
import { createRgba, type RgbaImage } from './image';
import type { ModelStore } from './model-store';
import type { SessionEnv } from './ort-session';
import { getEmbedderSpec } from './registry';
import type { EmbedderInfo, FrameResult, StillFace } from './service';
import { createVisionApi, type VisionServiceLike } from './vision-api';

const NEXT = 'dinov3-vits16';
const NEXT_URL = (getEmbedderSpec(NEXT)!.source as { url: string }).url;

class MemoryStore implements ModelStore {
  readonly files = new Map<string, Uint8Array>();
  get = async (url: string) => this.files.get(url);
  put = async (url: string, bytes: Uint8Array) => void this.files.set(url, bytes);
  delete = async (url: string) => void this.files.delete(url);
}

/** A VisionService stand-in: records what was asked, fails where told to. */
class FakeService implements VisionServiceLike {
  static made: FakeService[] = [];
  released = false;
  embedder = 'face-fr512';
  constructor(readonly failLoad = false) {
    FakeService.made.push(this);
  }
  async init(): Promise<EmbedderInfo> {
    return this.info();
  }
  info(): EmbedderInfo {
    return { id: this.embedder } as EmbedderInfo;
  }
  locatorProvider = () => 'wasm' as const;
  async processFrame(img: RgbaImage, nowMs: number): Promise<FrameResult> {
    const face = { trackId: 1, embedding: new Float32Array([img.width, nowMs]), crop: img };
    return { faces: [face] } as unknown as FrameResult;
  }
  async embedStill(img: RgbaImage): Promise<StillFace> {
    return {
      box: { x1: 0, y1: 0, x2: 1, y2: 1 },
      score: 1,
      embedding: new Float32Array([img.width]),
      crop: img,
    };
  }
  async embedAll(img: RgbaImage): Promise<StillFace[]> {
    return [await this.embedStill(img), await this.embedStill(img)];
  }
  async useEmbedder(id: string): Promise<EmbedderInfo> {
    if (this.failLoad) throw new Error(`cannot load ${id}`);
    this.embedder = id;
    return this.info();
  }
  useEmbedderFiles = (id: string) => this.useEmbedder(id);
  cancelLoad() {}
  resetTracker() {}
  useSecondEmbedder = async () => null;
  secondEmbedding = async () => undefined;
  async release() {
    this.released = true;
  }
}

function setup(opts: { failStaged?: boolean } = {}) {
  FakeService.made = [];
  const store = new MemoryStore();
  const envs: string[] = [];
  const api = createVisionApi<RgbaImage>({
    sessionEnv: async (onFallback) => {
      envs.push('env');
      onFallback('no WebGPU here');
      return {} as SessionEnv;
    },
    modelSource: () => ({
      bundled: async () => ({ name: 'x', model: new Uint8Array() }),
      remote: async () => ({ name: 'x', model: new Uint8Array() }),
    }),
    store,
    pixels: (img, maxSide = 640) => ({ ...img, width: Math.min(img.width, maxSide) }),
    encode: async (crop) => new Blob([`${crop.width}`]),
    newService: () => new FakeService(opts.failStaged && FakeService.made.length > 0),
  });
  return { api, store, envs };
}

const image = createRgba(2000, 10);
const picked = () => [
  { name: 'model.onnx', bytes: writeDinov3SignatureModel({ dim: 16, heads: 1, layers: 1 }).model },
];

describe('vision api (the vision worker, without the browser)', () => {
  it('needs init() first, and makes its session env and service once', async () => {
    const { api, envs } = setup();
    expect(() => api.info()).toThrow(/init\(\) first/);
    await expect(api.stageEmbedder(NEXT)).rejects.toThrow(/init\(\) first/);
    const messages: string[] = [];
    expect((await api.init('/', (m) => messages.push(m))).id).toBe('face-fr512');
    await api.init('/', () => undefined);
    expect(envs).toHaveLength(1);
    expect(FakeService.made).toHaveLength(1);
    expect(messages).toEqual(['no WebGPU here']);
  });

  it('scales images per use and encodes crops', async () => {
    const { api } = setup();
    await api.init('/', () => undefined);
    const frame = await api.processFrame(image, 7);
    expect(Array.from(frame.faces[0]!.embedding!)).toEqual([640, 7]);
    expect(await frame.faces[0]!.crop!.text()).toBe('640');
    expect(Array.from((await api.embedStill(image))!.embedding)).toEqual([1280]);
    expect((await api.embedPhoto(image)).map((f) => f.embedding[0])).toEqual([1600, 1600]);
  });

  it('stages a model beside the one in use, then commits it', async () => {
    const { api } = setup();
    await api.init('/', () => undefined);
    await expect(api.embedStaged(image)).rejects.toThrow(/nothing staged/);
    await expect(api.commitStaged()).rejects.toThrow(/nothing staged/);
    expect((await api.stageEmbedder(NEXT)).id).toBe(NEXT);
    expect(api.info()!.id).toBe('face-fr512'); // the live view keeps its model meanwhile
    expect(Array.from((await api.embedStaged(image))!)).toEqual([1280]);
    const [current, staged] = FakeService.made;
    expect((await api.commitStaged()).id).toBe(NEXT);
    expect(api.info()!.id).toBe(NEXT);
    expect(current!.released).toBe(true);
    expect(staged!.released).toBe(false);
  });

  it('a second stage or a discard releases the staged model; a failed one leaves nothing staged', async () => {
    const ok = setup();
    await ok.api.init('/', () => undefined);
    await ok.api.stageEmbedder(NEXT);
    await ok.api.stageEmbedder(NEXT);
    expect(FakeService.made.map((s) => s.released)).toEqual([false, true, false]);
    await ok.api.discardStaged();
    expect(FakeService.made[2]!.released).toBe(true);

    const bad = setup({ failStaged: true });
    await bad.api.init('/', () => undefined);
    await expect(bad.api.stageEmbedder(NEXT)).rejects.toThrow(`cannot load ${NEXT}`);
    expect(FakeService.made[1]!.released).toBe(true);
    await expect(bad.api.embedStaged(image)).rejects.toThrow(/nothing staged/);
    expect(bad.api.info()!.id).toBe('face-fr512');
  });

  it('keeps picked files offline under the model address, and forgets them', async () => {
    const { api, store } = setup();
    await api.init('/', () => undefined);
    expect(await api.storedModels()).toEqual([]);
    await api.stageEmbedderFiles(NEXT, picked());
    expect([...store.files.keys()]).toEqual([NEXT_URL]);
    expect(await api.storedModels()).toEqual([NEXT]);
    await api.forgetModel(NEXT);
    expect(store.files.size).toBe(0);
    expect(await api.storedModels()).toEqual([]);
    await api.forgetModel('face-fr512'); // bundled: nothing to forget
  });

  it('answers storedModels from what it found once, until a stage or forget', async () => {
    const { api, store } = setup();
    await api.init('/', () => undefined);
    expect(await api.storedModels()).toEqual([]);
    await store.put(NEXT_URL, picked()[0]!.bytes); // behind its back
    expect(await api.storedModels()).toEqual([]);
    await api.stageEmbedder(NEXT); // a download was stored: it looks again
    expect(await api.storedModels()).toEqual([NEXT]);
  });
});
