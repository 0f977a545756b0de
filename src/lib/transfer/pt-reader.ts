/**
 * Reads embeddings from PyTorch `.pt` files without Python.
 *
 * torch ≥ 1.6 writes a zip: `<name>/data.pkl` (a pickle whose tensors point at storages
 * through persistent ids), `<name>/data/<key>` (raw storage bytes), `<name>/version` and,
 * from torch 2.1, `<name>/byteorder`. Older torch (or `_use_new_zipfile_serialization=False`)
 * writes the legacy stream: magic, protocol and system-info pickles, the object pickle, a
 * pickle of storage keys, then per key an int64 element count and the raw bytes.
 *
 * Accepted content: an n×d tensor, a 1-d tensor, a list/tuple of 1-d (or 1×d) tensors, or a
 * dict holding one of those under `embeddings`. Only whitelisted globals are resolved.
 */
import { readZip as readZipEntries } from './zip';
import { TransferError } from './errors';
import { isPyCallable, pyCallable, unpickle, type PickleHooks } from './pickle';
import {
  STORAGE_TYPES,
  isStorageType,
  isTensor,
  rebuildTensor,
  tensorRows,
  type Storage,
  type StorageType,
} from './torch-tensor';

interface PtEmbeddings {
  rows: Float32Array[];
  /** Length of every row; null when the file holds no rows and no shape says otherwise. */
  dim: number | null;
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

const typeMarker = (pyName: string) =>
  pyCallable(pyName, () => {
    throw new TransferError('pt-unsupported-global', `The file constructs a ${pyName} directly.`);
  });

const ALLOWED: Readonly<Record<string, unknown>> = {
  'torch._utils._rebuild_tensor_v2': pyCallable('_rebuild_tensor_v2', rebuildTensor),
  'torch._utils._rebuild_tensor': pyCallable('_rebuild_tensor', rebuildTensor),
  // A Parameter is its data tensor for our purposes; requires_grad and hooks are dropped.
  'torch._utils._rebuild_parameter': pyCallable('_rebuild_parameter', (args) => args[0]),
  'torch._utils._rebuild_parameter_with_state': pyCallable(
    '_rebuild_parameter_with_state',
    (args) => args[0],
  ),
  // Tensor subclasses: rebuild the plain tensor with the given function, ignore the type.
  'torch._tensor._rebuild_from_type_v2': pyCallable('_rebuild_from_type_v2', (args) => {
    const [fn, , fnArgs] = args;
    if (!isPyCallable(fn) || !Array.isArray(fnArgs)) {
      throw new TransferError('pt-corrupt', 'A tensor subclass in the file is malformed.');
    }
    return fn.call(fnArgs);
  }),
  'torch.Tensor': typeMarker('torch.Tensor'),
  'torch.nn.parameter.Parameter': typeMarker('torch.nn.parameter.Parameter'),
  'collections.OrderedDict': pyCallable('OrderedDict', (args) => {
    if (args.length > 0) {
      throw new TransferError('pt-corrupt', 'An OrderedDict in the file has arguments.');
    }
    return new Map();
  }),
};

function findGlobal(module: string, name: string): unknown {
  const allowed = ALLOWED[`${module}.${name}`];
  if (allowed !== undefined) return allowed;
  if (module === 'torch' && name.endsWith('Storage')) {
    const known = STORAGE_TYPES[name];
    if (!known) {
      throw new TransferError('pt-unsupported-dtype', `The file stores tensors as ${name}.`);
    }
    return { kind: 'storage-type', ...known } satisfies StorageType;
  }
  throw new TransferError(
    'pt-unsupported-global',
    `The file refers to ${module}.${name}, which is not a tensor; it was not evaluated.`,
  );
}

/** Checks a persistent id `('storage', type, key, location, numel[, view])`. */
function parsePid(pid: unknown): { type: StorageType; key: string; numel: number; view: unknown } {
  if (!Array.isArray(pid) || pid[0] !== 'storage') {
    throw new TransferError(
      'pt-corrupt',
      'The file refers to external data that is not a storage.',
    );
  }
  const [, type, key, , numel, view] = pid as unknown[];
  if (!isStorageType(type) || typeof key !== 'string' || !Number.isSafeInteger(numel)) {
    throw new TransferError('pt-corrupt', 'A storage reference in the file is malformed.');
  }
  return { type, key, numel: numel as number, view: view ?? null };
}

function checkSize(storage: Storage): void {
  const needed = (storage.elementOffset + storage.numel) * storage.type.bytes;
  if (!storage.data || storage.data.length < needed) {
    throw new TransferError(
      'pt-corrupt',
      `Storage ${storage.key} holds ${storage.data?.length ?? 0} bytes; its tensors need ${needed}.`,
    );
  }
}

function readZip(bytes: Uint8Array): unknown {
  // A tensor file holds its data.pkl, its storages and a few small records: caps
  // from zip.ts, relative to the .pt file's size (tensors are stored, ratio about 1).
  let files: Record<string, Uint8Array>;
  try {
    files = Object.fromEntries(
      readZipEntries(bytes, { code: 'pt-truncated', what: 'The .pt file' }),
    );
  } catch (cause) {
    if (cause instanceof TransferError && cause.code !== 'pt-truncated') throw cause;
    throw new TransferError(
      'pt-truncated',
      'The .pt file is an incomplete zip archive (truncated or damaged).',
      { cause },
    );
  }
  const pklName = Object.keys(files).find((n) => /^[^/]+\/data\.pkl$/.test(n) || n === 'data.pkl');
  if (!pklName) {
    throw new TransferError('pt-not-torch', 'The zip holds no data.pkl: it is not a PyTorch file.');
  }
  const prefix = pklName.slice(0, pklName.length - 'data.pkl'.length);
  const order = files[`${prefix}byteorder`];
  const littleEndian = order ? new TextDecoder().decode(order).trim() !== 'big' : true;
  const storages = new Map<string, Storage>();
  const hooks: PickleHooks = {
    findGlobal,
    persistentLoad(pid) {
      const { type, key, numel } = parsePid(pid);
      let storage = storages.get(key);
      if (!storage) {
        const data = files[`${prefix}data/${key}`];
        if (!data) {
          throw new TransferError('pt-corrupt', `The file lacks the data of storage ${key}.`);
        }
        storage = { kind: 'storage', key, type, numel, elementOffset: 0, data, littleEndian };
        checkSize(storage);
        storages.set(key, storage);
      }
      return storage;
    },
  };
  return unpickle(files[pklName]!, hooks).value;
}

function readLegacy(bytes: Uint8Array): unknown {
  const plain: PickleHooks = { findGlobal };
  const magic = unpickle(bytes, plain);
  if (magic.value !== LEGACY_MAGIC) {
    throw new TransferError('pt-not-zip', 'The file is a Python pickle but not a PyTorch file.');
  }
  const protocol = unpickle(bytes, plain, magic.end);
  if (protocol.value !== LEGACY_PROTOCOL) {
    throw new TransferError(
      'pt-corrupt',
      `Unknown legacy PyTorch protocol ${String(protocol.value)}.`,
    );
  }
  const sysInfo = unpickle(bytes, plain, protocol.end);
  const info = sysInfo.value instanceof Map ? sysInfo.value : new Map();
  const littleEndian = info.get('little_endian') !== false;
  const roots = new Map<string, Storage>();
  const views: { view: Storage; root: Storage }[] = [];
  const main = unpickle(
    bytes,
    {
      findGlobal,
      persistentLoad(pid) {
        const { type, key, numel, view } = parsePid(pid);
        let root = roots.get(key);
        if (!root) {
          root = {
            kind: 'storage',
            key,
            type,
            numel,
            elementOffset: 0,
            data: undefined,
            littleEndian,
          };
          roots.set(key, root);
        }
        if (view === null) return root;
        // Very old torch: (view_key, offset, size) is root[offset : offset + size].
        const [viewKey, offset, size] = Array.isArray(view) ? (view as unknown[]) : [];
        if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size)) {
          throw new TransferError('pt-corrupt', 'A storage view in the file is malformed.');
        }
        const storage: Storage = {
          ...root,
          key: String(viewKey),
          numel: size as number,
          elementOffset: offset as number,
        };
        views.push({ view: storage, root });
        return storage;
      },
    },
    sysInfo.end,
  );
  const keys = unpickle(bytes, plain, main.end);
  if (!Array.isArray(keys.value))
    throw new TransferError('pt-corrupt', 'The storage key list is missing.');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = keys.end;
  for (const key of keys.value) {
    const root = roots.get(String(key));
    if (pos + 8 > bytes.length) {
      throw new TransferError('pt-truncated', 'The .pt file ends before its tensor data.');
    }
    const numel = Number(view.getBigInt64(pos, true));
    pos += 8;
    const size = numel * (root?.type.bytes ?? 1);
    if (numel < 0 || pos + size > bytes.length) {
      throw new TransferError('pt-truncated', 'The .pt file ends inside its tensor data.');
    }
    if (root) root.data = bytes.subarray(pos, pos + size);
    pos += size;
  }
  for (const { view: v, root } of views) v.data = root.data;
  for (const storage of [...roots.values(), ...views.map((v) => v.view)]) checkSize(storage);
  return main.value;
}

/** Level 0: the file's top object; 1: inside a dict; 2: inside a list (tensors only). */
function collect(value: unknown, out: PtEmbeddings, level: 0 | 1 | 2 = 0): void {
  if (isTensor(value)) {
    if (
      level === 2 &&
      (value.shape.length > 2 || (value.shape.length === 2 && value.shape[0] !== 1))
    ) {
      throw new TransferError(
        'pt-unexpected-content',
        'The list holds a matrix, not single embeddings.',
      );
    }
    const { rows, dim } = tensorRows(value);
    if (out.dim !== null && out.dim !== dim) {
      throw new TransferError(
        'pt-unexpected-content',
        `The file mixes embeddings of ${out.dim} and ${dim} values.`,
      );
    }
    out.dim = dim;
    for (const row of rows) out.rows.push(row);
    return;
  }
  if (Array.isArray(value) && level < 2) {
    for (const item of value) collect(item, out, 2);
    return;
  }
  if (value instanceof Map && level === 0) {
    const inner: unknown = value.get('embeddings') ?? value.get('embedding');
    if (inner !== undefined) return collect(inner, out, 1);
  }
  throw new TransferError('pt-unexpected-content', 'The .pt file holds no embedding tensor.');
}

/** Reads the embeddings of one `.pt` file (either serialisation, any accepted layout). */
export function readPtEmbeddings(bytes: Uint8Array): PtEmbeddings {
  if (bytes.length === 0) throw new TransferError('pt-not-zip', 'The .pt file is empty.');
  const isZip = bytes[0] === 0x50 && bytes[1] === 0x4b;
  const isPickle = bytes[0] === 0x80 && bytes[1] !== undefined && bytes[1] >= 2 && bytes[1] <= 5;
  if (!isZip && !isPickle) {
    throw new TransferError(
      'pt-not-zip',
      'The file is neither a PyTorch zip archive nor a legacy PyTorch file.',
    );
  }
  const value = isZip ? readZip(bytes) : readLegacy(bytes);
  const out: PtEmbeddings = { rows: [], dim: null };
  collect(value, out);
  return out;
}
