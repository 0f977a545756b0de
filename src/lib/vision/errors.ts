import { AppError } from '../errors';

/** Why a model could not be used; each comes with a sentence fit to show as it is. */
type ModelErrorCode =
  | 'model-not-onnx'
  | 'model-truncated'
  | 'model-external-data-missing'
  | 'model-external-data-truncated'
  | 'model-signature'
  | 'model-load-failed'
  | 'model-download-failed'
  | 'model-unknown';

export class ModelError extends AppError<ModelErrorCode> {
  override readonly name = 'ModelError';
}
