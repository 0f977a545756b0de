/**
 * Tensors as `torch.save` describes them (storage + offset + size + stride) and their
 * conversion to float32 rows. Only floating dtypes convert; the rest are recognised so
 * the error can name them.
 */
import { TransferError } from './errors';

type TorchDtype =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool'
  | 'complex64'
  | 'complex128';

/** `torch.<Name>Storage` → dtype and bytes per element. */
export const STORAGE_TYPES: Readonly<Record<string, { dtype: TorchDtype; bytes: number }>> = {
  FloatStorage: { dtype: 'float32', bytes: 4 },
  DoubleStorage: { dtype: 'float64', bytes: 8 },
  HalfStorage: { dtype: 'float16', bytes: 2 },
  BFloat16Storage: { dtype: 'bfloat16', bytes: 2 },
  LongStorage: { dtype: 'int64', bytes: 8 },
  IntStorage: { dtype: 'int32', bytes: 4 },
  ShortStorage: { dtype: 'int16', bytes: 2 },
  CharStorage: { dtype: 'int8', bytes: 1 },
  ByteStorage: { dtype: 'uint8', bytes: 1 },
  BoolStorage: { dtype: 'bool', bytes: 1 },
  ComplexFloatStorage: { dtype: 'complex64', bytes: 8 },
  ComplexDoubleStorage: { dtype: 'complex128', bytes: 16 },
};

export interface StorageType {
  readonly kind: 'storage-type';
  readonly dtype: TorchDtype;
  readonly bytes: number;
}

/** A typed storage. `data` is filled once its bytes are known (later for the legacy format). */
export interface Storage {
  readonly kind: 'storage';
  readonly key: string;
  readonly type: StorageType;
  /** Elements in this storage (after a legacy view, the view's elements). */
  readonly numel: number;
  /** Element offset into `data` (non-zero only for legacy storage views). */
  readonly elementOffset: number;
  data: Uint8Array | undefined;
  littleEndian: boolean;
}

interface Tensor {
  readonly kind: 'tensor';
  readonly storage: Storage;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

export function isTensor(value: unknown): value is Tensor {
  return typeof value === 'object' && value !== null && (value as Tensor).kind === 'tensor';
}

export function isStorageType(value: unknown): value is StorageType {
  return (
    typeof value === 'object' && value !== null && (value as StorageType).kind === 'storage-type'
  );
}

function isIntList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => Number.isSafeInteger(v) && (v as number) >= 0);
}

/** `torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, ...)`. */
export function rebuildTensor(args: unknown[]): Tensor {
  const [storage, offset, shape, stride] = args;
  const ok =
    typeof storage === 'object' &&
    storage !== null &&
    (storage as Storage).kind === 'storage' &&
    Number.isSafeInteger(offset) &&
    (offset as number) >= 0 &&
    isIntList(shape) &&
    isIntList(stride) &&
    shape.length === stride.length;
  if (!ok) throw new TransferError('pt-corrupt', 'A tensor in the file has an invalid layout.');
  return { kind: 'tensor', storage: storage as Storage, offset: offset as number, shape, stride };
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function elementReader(storage: Storage): (index: number) => number {
  const { data, type, littleEndian: le } = storage;
  if (!data) throw new TransferError('pt-corrupt', `Storage ${storage.key} has no data.`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const base = storage.elementOffset;
  switch (type.dtype) {
    case 'float32':
      return (i) => view.getFloat32((base + i) * 4, le);
    case 'float64':
      return (i) => view.getFloat64((base + i) * 8, le);
    case 'float16':
      return (i) => halfToFloat(view.getUint16((base + i) * 2, le));
    case 'bfloat16': {
      const bits = new DataView(new ArrayBuffer(4));
      return (i) => {
        bits.setUint32(0, view.getUint16((base + i) * 2, le) << 16);
        return bits.getFloat32(0);
      };
    }
    default:
      throw new TransferError(
        'pt-unsupported-dtype',
        `The tensor holds ${type.dtype} values; embeddings must be float32, float16, bfloat16 or float64.`,
      );
  }
}

/**
 * The tensor as float32 rows: a 1-d tensor is one row, a 2-d tensor n rows of its
 * second dimension. Strides and the storage offset are honoured; every index is
 * bounds-checked against the storage before any value is read.
 */
export function tensorRows(tensor: Tensor): { rows: Float32Array[]; dim: number } {
  const { shape, stride, storage } = tensor;
  if (shape.length !== 1 && shape.length !== 2) {
    throw new TransferError(
      'pt-unexpected-content',
      `Expected a vector or a matrix of embeddings, found a tensor of shape [${shape.join(', ')}].`,
    );
  }
  const n = shape.length === 2 ? shape[0]! : 1;
  const dim = shape[shape.length - 1]!;
  const rowStride = shape.length === 2 ? stride[0]! : 0;
  const colStride = stride[shape.length - 1]!;
  const read = elementReader(storage);
  if (n > 0 && dim > 0) {
    const last = tensor.offset + (n - 1) * rowStride + (dim - 1) * colStride;
    if (last >= storage.numel) {
      throw new TransferError('pt-corrupt', 'A tensor reaches past the end of its storage.');
    }
  }
  const rows: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const row = new Float32Array(dim);
    const start = tensor.offset + i * rowStride;
    for (let j = 0; j < dim; j++) row[j] = read(start + j * colStride);
    rows.push(row);
  }
  return { rows, dim };
}
