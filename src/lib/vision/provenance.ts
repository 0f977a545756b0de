/**
 * Where each bundled model file comes from, under which terms, and what that
 * means for a business that wants to ship it. The one source for the Settings
 * card ("Where the models come from") and for the table in models/README.md
 * (provenance.spec.ts holds the two together). Checksums stay pinned in
 * models/manifest.json; the package names and versions below are read from it.
 *
 * Only what the packages and their authors state is written as fact; what is
 * not stated says "undocumented". Fields hold plain text (no `|`), so the
 * README's table cells can be compared with them verbatim.
 */
import manifest from '../../../models/manifest.json' with { type: 'json' };
import type { BundledFile } from './registry';

export interface FileProvenance {
  /** What the file does in the pipeline. */
  role: string;
  /** npm package@version and the path inside it (or what the file is built from). */
  source: string;
  codeLicence: string;
  weightsLicence: string;
  trainingData: string;
  /** Plain language: can a business ship this file? */
  commercialUse: string;
}

const fp = manifest.source;
const fpSource = (file: string) => `${fp.package}@${fp.version}, ${fp.dir}/${file}`;
const dlib = manifest.files['dlib_resnet128.onnx'].convertedFrom;

const FP_CODE = `MIT, as the package.json of ${fp.package} declares; its LICENSE is a generic MIT text (Copyright (c) 2021 gitguanqi) that does not mention the models`;
const FP_WEIGHTS =
  'undocumented: the package does not say where the weights come from or under which terms; only its package-wide MIT declaration covers them';
const FP_COMMERCIAL =
  'weights of unknown origin and training data: a business cannot establish the right to ship them';

export const provenance: Record<BundledFile, FileProvenance> = {
  'fr_detect.onnx': {
    role: 'Face detector (UltraFace RFB-320 by its input and output shapes, an inference, not documented)',
    source: fpSource('fr_detect.onnx'),
    codeLicence: FP_CODE,
    weightsLicence: FP_WEIGHTS,
    trainingData: 'undocumented',
    commercialUse: FP_COMMERCIAL,
  },
  'fr_landmark.onnx': {
    role: '68-point face landmarks (iBUG order), used to align faces for every embedder, dlib included',
    source: fpSource('fr_landmark.onnx'),
    codeLicence: FP_CODE,
    weightsLicence: FP_WEIGHTS,
    trainingData: 'undocumented',
    commercialUse: FP_COMMERCIAL,
  },
  'fr_feature.onnx': {
    role: '512-d face embedder (the default)',
    source: fpSource('fr_feature.onnx'),
    codeLicence: FP_CODE,
    weightsLicence: FP_WEIGHTS,
    trainingData: 'undocumented',
    commercialUse: FP_COMMERCIAL,
  },
  'dlib_resnet128.onnx': {
    role: '128-d face embedder (dlib_face_recognition_resnet_model_v1), selectable',
    source: `${dlib.package}@${dlib.version}, ${dlib.dir}/${dlib.weights.file} and ${dlib.dir}/${dlib.manifest.file}, converted to ONNX by this project at build time (models/dlib-resnet.ts)`,
    codeLicence:
      'MIT (face-api.js and @vladmandic/face-api: the layer code the graph follows and the TensorFlow.js conversion); the ONNX graph is written by this project',
    weightsLicence:
      'public domain (Davis E. King, dlib-models: anyone can do whatever they want with these model files); stored as 8 bits by face-api.js, so not bit-for-bit dlib',
    trainingData:
      'about 3 million faces of 7,485 people from FaceScrub, the VGG Face data set and images scraped from the web (people of LFW left out); FaceScrub and VGG Face are distributed for non-commercial research, the scraped images have no stated licence',
    commercialUse:
      'weights public domain, but trained on data sets with non-commercial research terms: get legal advice before commercial use',
  },
};

/** The labels the Settings card and the README table use, in order. */
export const provenanceFields = [
  ['source', 'Source'],
  ['codeLicence', 'Code licence'],
  ['weightsLicence', 'Weights licence'],
  ['trainingData', 'Training data'],
  ['commercialUse', 'Commercial use'],
] as const satisfies readonly (readonly [keyof FileProvenance, string])[];
