// The C API that the TypeScript wrapper (../index.ts) calls.
//
// Every entry point catches what FAISS throws, so an error never unwinds
// into JavaScript (which would leave the instance in an unknown state): it
// returns an error code, or a null pointer, and fw_last_error() gives the
// message. Sizes and counts are ints (wasm32), ids are int64 arrays in the
// heap, and an index pointer is an opaque number for JavaScript.

#include <malloc.h>

#include <cstdio>
#include <cstring>
#include <new>

#include <faiss/Index.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>

using faiss::Index;
using idx_t = faiss::Index::idx_t;

namespace {

enum ErrorCode { OK = 0, FAISS_ERROR = 1, OUT_OF_MEMORY = 2, STD_ERROR = 3, UNKNOWN = 4 };

// A fixed buffer: reporting an error must not allocate (and leak) memory.
char last_error[2048];
int last_code = OK;

int fail(int code, const char* msg) {
    std::snprintf(last_error, sizeof(last_error), "%s", msg);
    last_code = code;
    return code;
}

template <class F>
int guard(F&& f) {
    last_error[0] = 0;
    last_code = OK;
    try {
        f();
        return OK;
    } catch (const faiss::FaissException& e) {
        return fail(FAISS_ERROR, e.what());
    } catch (const std::bad_alloc&) {
        return fail(OUT_OF_MEMORY, "out of memory (std::bad_alloc)");
    } catch (const std::exception& e) {
        return fail(STD_ERROR, e.what());
    } catch (...) {
        return fail(UNKNOWN, "unknown C++ exception");
    }
}

faiss::MetricType metric_of(int metric) {
    FAISS_THROW_IF_NOT_FMT(
            metric == faiss::METRIC_INNER_PRODUCT || metric == faiss::METRIC_L2,
            "unsupported metric %d (0 = inner product, 1 = L2)",
            metric);
    return faiss::MetricType(metric);
}

enum Kind { OTHER = 0, FLAT = 1, IVF_FLAT = 2, ID_MAP = 3, ID_MAP2 = 4 };

} // namespace

extern "C" {

const char* fw_last_error() {
    return last_error;
}

int fw_last_error_code() {
    return last_code;
}

/// Bytes of the heap in use (malloc'd and not freed).
size_t fw_heap_used() {
    return mallinfo().uordblks;
}

Index* fw_flat_new(int d, int metric) {
    Index* out = nullptr;
    guard([&] {
        FAISS_THROW_IF_NOT_FMT(d > 0, "dimension must be positive, got %d", d);
        if (metric_of(metric) == faiss::METRIC_INNER_PRODUCT) {
            out = new faiss::IndexFlatIP(d);
        } else {
            out = new faiss::IndexFlatL2(d);
        }
    });
    return out;
}

/// The IVF owns (and frees) its quantizer.
Index* fw_ivf_flat_new(Index* quantizer, int d, int nlist, int metric) {
    Index* out = nullptr;
    guard([&] {
        FAISS_THROW_IF_NOT_FMT(nlist > 0, "nlist must be positive, got %d", nlist);
        auto ivf = new faiss::IndexIVFFlat(quantizer, d, nlist, metric_of(metric));
        ivf->own_fields = true;
        out = ivf;
    });
    return out;
}

/// The map owns (and frees) the index it wraps.
Index* fw_idmap_new(Index* sub, int version2) {
    Index* out = nullptr;
    guard([&] {
        faiss::IndexIDMap* map = version2 ? new faiss::IndexIDMap2(sub)
                                          : new faiss::IndexIDMap(sub);
        map->own_fields = true;
        out = map;
    });
    return out;
}

void fw_free(Index* index) {
    delete index;
}

int fw_kind(Index* index) {
    if (dynamic_cast<faiss::IndexIDMap2*>(index)) return ID_MAP2;
    if (dynamic_cast<faiss::IndexIDMap*>(index)) return ID_MAP;
    if (dynamic_cast<faiss::IndexIVFFlat*>(index)) return IVF_FLAT;
    if (dynamic_cast<faiss::IndexFlat*>(index)) return FLAT;
    return OTHER;
}

/// The quantizer of an IVF index or the index inside an id map (owned by it).
Index* fw_sub_index(Index* index) {
    if (auto map = dynamic_cast<faiss::IndexIDMap*>(index)) return map->index;
    if (auto ivf = dynamic_cast<faiss::IndexIVF*>(index)) return ivf->quantizer;
    return nullptr;
}

/// The stored vectors of a flat index (ntotal x d floats), for benchmarks.
const float* fw_flat_data(Index* index) {
    auto flat = dynamic_cast<faiss::IndexFlat*>(index);
    return flat ? flat->get_xb() : nullptr;
}

int fw_d(Index* index) {
    return index->d;
}

double fw_ntotal(Index* index) {
    return double(index->ntotal);
}

int fw_is_trained(Index* index) {
    return index->is_trained ? 1 : 0;
}

int fw_metric(Index* index) {
    return int(index->metric_type);
}

int fw_nlist(Index* index) {
    auto ivf = dynamic_cast<faiss::IndexIVF*>(index);
    return ivf ? int(ivf->nlist) : -1;
}

int fw_nprobe(Index* index) {
    auto ivf = dynamic_cast<faiss::IndexIVF*>(index);
    return ivf ? int(ivf->nprobe) : -1;
}

int fw_set_nprobe(Index* index, int nprobe) {
    return guard([&] {
        auto ivf = dynamic_cast<faiss::IndexIVF*>(index);
        FAISS_THROW_IF_NOT_MSG(ivf, "nprobe needs an IVF index");
        FAISS_THROW_IF_NOT_FMT(nprobe > 0, "nprobe must be positive, got %d", nprobe);
        ivf->nprobe = nprobe;
    });
}

int fw_train(Index* index, int n, const float* x) {
    return guard([&] { index->train(n, x); });
}

int fw_add(Index* index, int n, const float* x) {
    return guard([&] { index->add(n, x); });
}

int fw_add_with_ids(Index* index, int n, const float* x, const idx_t* ids) {
    return guard([&] { index->add_with_ids(n, x, ids); });
}

int fw_search(Index* index, int n, const float* x, int k, float* distances, idx_t* labels) {
    return guard([&] { index->search(n, x, k, distances, labels); });
}

int fw_remove_ids(Index* index, int n, const idx_t* ids, int* n_removed) {
    return guard([&] {
        faiss::IDSelectorBatch sel(n, ids);
        *n_removed = int(index->remove_ids(sel));
    });
}

int fw_reset(Index* index) {
    return guard([&] { index->reset(); });
}

/// Copies the ids of an id map (ntotal of them) to out.
int fw_idmap_ids(Index* index, idx_t* out) {
    return guard([&] {
        auto map = dynamic_cast<faiss::IndexIDMap*>(index);
        FAISS_THROW_IF_NOT_MSG(map, "not an IndexIDMap");
        std::memcpy(out, map->id_map.data(), map->id_map.size() * sizeof(idx_t));
    });
}

/// Serialises an index; the bytes stay in the returned writer until
/// fw_writer_free.
faiss::VectorIOWriter* fw_write_index(Index* index) {
    faiss::VectorIOWriter* out = nullptr;
    guard([&] {
        auto w = new faiss::VectorIOWriter();
        try {
            faiss::write_index(index, w);
        } catch (...) {
            delete w;
            throw;
        }
        out = w;
    });
    return out;
}

const uint8_t* fw_writer_data(faiss::VectorIOWriter* w) {
    return w->data.data();
}

size_t fw_writer_size(faiss::VectorIOWriter* w) {
    return w->data.size();
}

void fw_writer_free(faiss::VectorIOWriter* w) {
    delete w;
}

/// A reader with room for n bytes, which JavaScript copies in directly.
faiss::VectorIOReader* fw_reader_new(size_t n) {
    faiss::VectorIOReader* out = nullptr;
    guard([&] {
        auto r = new faiss::VectorIOReader();
        r->name = "index bytes";
        try {
            r->data.resize(n);
        } catch (...) {
            delete r;
            throw;
        }
        out = r;
    });
    return out;
}

uint8_t* fw_reader_data(faiss::VectorIOReader* r) {
    return r->data.data();
}

Index* fw_read_index(faiss::VectorIOReader* r) {
    Index* out = nullptr;
    guard([&] {
        r->rp = 0;
        Index* index = faiss::read_index(r);
        if (r->rp != r->data.size()) {
            char msg[160];
            std::snprintf(
                    msg,
                    sizeof(msg),
                    "%zu bytes left over after the index (trailing or corrupt data)",
                    r->data.size() - r->rp);
            delete index;
            FAISS_THROW_MSG(msg);
        }
        out = index;
    });
    return out;
}

void fw_reader_free(faiss::VectorIOReader* r) {
    delete r;
}

} // extern "C"
