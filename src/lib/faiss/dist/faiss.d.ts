// Types of the emscripten ES module loader (dist/faiss.js), copied next to
// it by build-faiss.sh. Pointers are wasm32 addresses (read them with >>> 0).

export interface FaissModuleOptions {
  instantiateWasm?: (
    imports: WebAssembly.Imports,
    done: (instance: WebAssembly.Instance, module?: WebAssembly.Module) => void,
  ) => object;
  wasmBinary?: ArrayBuffer | Uint8Array;
  print?: (text: string) => void;
  printErr?: (text: string) => void;
}

export interface FaissWasmModule {
  HEAPU8: Uint8Array;
  HEAP32: Int32Array;
  HEAPF32: Float32Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  _fw_last_error(): number;
  _fw_last_error_code(): number;
  _fw_heap_used(): number;
  _fw_flat_data(index: number): number;
  _fw_flat_new(d: number, metric: number): number;
  _fw_ivf_flat_new(quantizer: number, d: number, nlist: number, metric: number): number;
  _fw_idmap_new(sub: number, version2: number): number;
  _fw_free(index: number): void;
  _fw_kind(index: number): number;
  _fw_sub_index(index: number): number;
  _fw_d(index: number): number;
  _fw_ntotal(index: number): number;
  _fw_is_trained(index: number): number;
  _fw_metric(index: number): number;
  _fw_nlist(index: number): number;
  _fw_nprobe(index: number): number;
  _fw_set_nprobe(index: number, nprobe: number): number;
  _fw_train(index: number, n: number, x: number): number;
  _fw_add(index: number, n: number, x: number): number;
  _fw_add_with_ids(index: number, n: number, x: number, ids: number): number;
  _fw_search(index: number, n: number, x: number, k: number, d: number, i: number): number;
  _fw_remove_ids(index: number, n: number, ids: number, nRemoved: number): number;
  _fw_reset(index: number): number;
  _fw_idmap_ids(index: number, out: number): number;
  _fw_write_index(index: number): number;
  _fw_writer_data(writer: number): number;
  _fw_writer_size(writer: number): number;
  _fw_writer_free(writer: number): void;
  _fw_reader_new(bytes: number): number;
  _fw_reader_data(reader: number): number;
  _fw_read_index(reader: number): number;
  _fw_reader_free(reader: number): void;
  _fw_bench_stream_sum(x: number, n: number): number;
}

declare function createFaissModule(options?: FaissModuleOptions): Promise<FaissWasmModule>;
export default createFaissModule;
