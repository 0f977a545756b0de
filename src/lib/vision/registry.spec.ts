import { expect, it } from 'vitest';
import {
  bundledFileNames,
  bundledModelPath,
  readBundledBytes,
} from '../../../models/bundled-models.ts';
import { IMAGENET } from './preprocess';
import { bundledUrl, embedders, getEmbedderSpec } from './registry';

it('the app fetches bundled models where the build puts them, and their checksums hold', async () => {
  for (const f of bundledFileNames) {
    expect(bundledUrl(f, '/app/')).toBe(`/app/${bundledModelPath(f)}`);
    expect(bundledUrl(f)).toMatch(/^\/models\/[0-9a-f]{8}\/(fr_\w+|dlib_resnet128)\.onnx$/);
    await expect(readBundledBytes(f)).resolves.toBeInstanceOf(Uint8Array);
  }
});

it('DINOv3 entries: ViT-S/16 and ViT-B/16, fp32 and int8, exact preprocessing, 0.65, licence notice', () => {
  const ids = embedders.map((e) => e.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const id of ['dinov3-vits16', 'dinov3-vits16-q8', 'dinov3-vitb16', 'dinov3-vitb16-q8']) {
    const e = getEmbedderSpec(id)!;
    expect(e.input).toEqual({ name: 'pixel_values', size: 224, norm: IMAGENET });
    expect(e.output).toBe('pooler_output');
    expect(e.thresholdCosine).toBe(0.65);
    expect(e.licence.notice).toContain('Built with DINOv3');
    expect(e.source.kind).toBe('remote');
    if (e.source.kind === 'remote') {
      expect(e.source.url).toMatch(
        /^https:\/\/huggingface\.co\/onnx-community\/dinov3-vit[sb]16-pretrain-lvd1689m-ONNX\//,
      );
    }
  }
  expect(IMAGENET.mean[0] / 255).toBeCloseTo(0.485, 6);
  expect(IMAGENET.std[2] / 255).toBeCloseTo(0.225, 6);
});

it("every embedder has the live vote's band: −1 ≤ lower < upper ≤ 1", () => {
  for (const e of embedders) {
    expect(e.lowerCosine, e.id).toBeLessThan(e.thresholdCosine);
    expect(e.lowerCosine, e.id).toBeGreaterThanOrEqual(-1);
    expect(e.thresholdCosine, e.id).toBeLessThanOrEqual(1);
  }
  expect(getEmbedderSpec('face-fr512')).toMatchObject({
    lowerCosine: 0.22,
    thresholdCosine: 0.314,
  });
  expect(getEmbedderSpec('dlib-resnet128')).toMatchObject({
    lowerCosine: 0.488,
    thresholdCosine: 0.554,
  });
});

it('the dlib entry: its alignment, face-api’s normalisation, its centre, the training-data terms in its notice', () => {
  const e = getEmbedderSpec('dlib-resnet128')!;
  expect(e.input).toEqual({
    name: 'input',
    size: 150,
    norm: { mean: [122.782, 117.001, 104.298], std: [255, 255, 255] },
  });
  expect(e.crop).toEqual({ kind: 'dlib' });
  expect(e.centre).toHaveLength(128);
  expect(e.source).toEqual({ kind: 'bundled', file: 'dlib_resnet128.onnx' });
  expect(e.licence.notice).toMatch(/public domain/);
  expect(e.licence.notice).toMatch(/non-commercial research/);
});
