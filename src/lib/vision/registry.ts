/**
 * The embedders the app knows. A model's dimension is never written here: it
 * is read from the loaded model (see embedder.ts). Thresholds are cosine
 * similarities at or above which two faces count as the same person.
 */
import manifest from '../../../models/manifest.json';
import { DLIB_CENTRE } from './dlib-centre';
import { DLIB_MEAN_255, IMAGENET, SYMMETRIC_127, type Normalisation } from './preprocess';

/** How a face becomes the embedder's input image. */
type CropSpec =
  /** Similarity-aligned onto the ArcFace 5-point template scaled to the input size. */
  | { kind: 'aligned' }
  /** The detector's box made square, widened by `marginFrac` each side, resized. */
  | { kind: 'box'; marginFrac: number }
  /** dlib's alignment: its 5-point mean face, padding 0.25 (align-dlib.ts). */
  | { kind: 'dlib' };

interface RemoteFile {
  /** Where the .onnx file is; external data it names is fetched from the same folder. */
  url: string;
  /** Approximate total download, for the confirmation before it starts. */
  approxBytes: number;
}

export interface EmbedderSpec {
  id: string;
  displayName: string;
  /** Bundled: a file of models/manifest.json, shipped with the app. Remote: downloaded on request. */
  source: { kind: 'bundled'; file: BundledFile } | ({ kind: 'remote' } & RemoteFile);
  input: { name: string; size: number; norm: Normalisation };
  /** The output holding the embedding; the model must have it. */
  output: string;
  crop: CropSpec;
  /** The live vote's upper threshold: at or above, an embedding votes for its best person. */
  thresholdCosine: number;
  /**
   * The live vote's lower threshold: below, an embedding votes "stranger"; between
   * the two it votes nobody ("not sure", see decision/decide.ts).
   */
  lowerCosine: number;
  licence: { name: string; url: string; notice: string };
  /** Int8 dynamically quantised models give batch-dependent vectors: always embed one face per run. */
  quantised: boolean;
  /**
   * Subtracted from the model's output before L2-normalising, for a model whose
   * raw vectors all point one way (dlib's: cosines of different people near 0.9).
   */
  centre?: readonly number[];
}

export type BundledFile = keyof typeof manifest.files;

export const bundledFiles = manifest.files;

/** URL of a bundled model file in the app: versioned by its checksum so caches never go stale. */
export function bundledUrl(file: BundledFile, base = '/'): string {
  const sha8 = manifest.files[file].sha256.slice(0, 8);
  return `${base.endsWith('/') ? base : base + '/'}models/${sha8}/${file}`;
}

const HF = 'https://huggingface.co/onnx-community';
const DINOV3_LICENCE = {
  name: 'DINOv3 License',
  url: 'https://ai.meta.com/resources/models-and-libraries/dinov3-license/',
  notice:
    'Built with DINOv3. DINOv3 is licensed under the DINOv3 License, Copyright © Meta Platforms, Inc. All Rights Reserved.',
};

function dinov3(size: 's' | 'b', quantised: boolean, approxBytes: number): EmbedderSpec {
  const file = quantised ? 'model_quantized.onnx' : 'model.onnx';
  return {
    id: `dinov3-vit${size}16${quantised ? '-q8' : ''}`,
    displayName: `DINOv3 ViT-${size.toUpperCase()}/16${quantised ? ' (int8)' : ''}`,
    source: {
      kind: 'remote',
      url: `${HF}/dinov3-vit${size}16-pretrain-lvd1689m-ONNX/resolve/main/onnx/${file}`,
      approxBytes,
    },
    input: { name: 'pixel_values', size: 224, norm: IMAGENET },
    output: 'pooler_output',
    crop: { kind: 'aligned' },
    thresholdCosine: 0.65,
    // No pair statistics shipped for DINOv3 (a general image model, not a face
    // recogniser): the original's 0.65 is the upper threshold, and the band below it
    // is about as wide as the bundled model's (0.094), 0.10 here; calibrate from the
    // user's own people for better.
    lowerCosine: 0.55,
    licence: DINOV3_LICENCE,
    quantised,
  };
}

export const BUNDLED_EMBEDDER_ID = 'face-fr512';
export const DLIB_EMBEDDER_ID = 'dlib-resnet128';

export const embedders: readonly EmbedderSpec[] = [
  {
    id: BUNDLED_EMBEDDER_ID,
    displayName: 'Face recogniser (bundled, 512-d)',
    source: { kind: 'bundled', file: 'fr_feature.onnx' },
    input: { name: 'input', size: 112, norm: SYMMETRIC_127 },
    output: 'output',
    crop: { kind: 'aligned' },
    // Chosen on shared/faces/bbt alone (same person ≥ 0.35, different ≤ 0.28); see models/README.md.
    thresholdCosine: 0.314,
    // The live vote's band, calibrated with the real Node pipeline on a CALIBRATION
    // SUBSET of bbt (amy, bernadette, howard, leonard; all 5 crops each): same-person
    // cosines 0.381 … (5th pct 0.465), different-person ≤ 0.198 (99th pct 0.174).
    // Upper 0.314 sits in that gap (kept); lower 0.22 is just above every
    // different-person cosine there. Held out (penny, raj, sheldon, stuart): same
    // ≥ 0.454, different ≤ 0.230 — no pair on the wrong side of either threshold
    // except different-person pairs inside the band (not sure, never a name).
    lowerCosine: 0.22,
    licence: {
      name: 'MIT (as declared by the npm package; origin of the weights undocumented)',
      url: 'https://www.npmjs.com/package/faceplugin-face-recognition-js',
      notice: `Face models from the npm package ${manifest.source.package}@${manifest.source.version}.`,
    },
    quantised: false,
  },
  {
    id: DLIB_EMBEDDER_ID,
    displayName: 'dlib face recogniser (bundled, 128-d)',
    source: { kind: 'bundled', file: 'dlib_resnet128.onnx' },
    input: { name: 'input', size: 150, norm: DLIB_MEAN_255 },
    output: 'descriptor',
    crop: { kind: 'dlib' },
    centre: DLIB_CENTRE,
    // Cosines of centred vectors (dlib-centre.ts). Upper: the best pairs accuracy on all
    // of shared/faces/bbt (776 / 780 pairs; same-person ≥ 0.550, different ≤ 0.593:
    // no gap, unlike the 512-d model). Lower, as for that model: the app's calibration on
    // amy, bernadette, howard, leonard (its upper 0.508, lower 0.488). See models/README.md.
    thresholdCosine: 0.554,
    lowerCosine: 0.488,
    licence: {
      name: 'Weights: public domain (Davis King, dlib); code: MIT (face-api); training data: research-only terms',
      url: 'https://github.com/davisking/dlib-models#dlib_face_recognition_resnet_model_v1datbz2',
      notice:
        'dlib face recognition ResNet by Davis E. King, released into the public domain, as converted by @vladmandic/face-api@1.7.15 (MIT). ' +
        'It was trained on about 3 million faces of 7,485 people from FaceScrub, VGG Face and images scraped from the web; ' +
        'those data sets are licensed for non-commercial research, which may restrict commercial use of a model trained on them.',
    },
    quantised: false,
  },
  dinov3('s', false, 88_000_000),
  dinov3('s', true, 23_000_000),
  dinov3('b', false, 343_000_000),
  dinov3('b', true, 88_000_000),
];

export function getEmbedderSpec(id: string): EmbedderSpec | undefined {
  return embedders.find((e) => e.id === id);
}
