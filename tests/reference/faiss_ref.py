#!/usr/bin/python3
"""Reference side of the FAISS WebAssembly tests and benchmark: Debian's
python3-faiss (native FAISS 1.7.3). Run with /usr/bin/python3.

  faiss_ref.py write DIR    writes indexes, data and expected results
  faiss_ref.py search DIR   loads DIR/*.index (written by the wasm build),
                            searches DIR/xq.f32 and re-serialises each index
  faiss_ref.py bench DIR    times native search on DIR/xb.f32 / DIR/ivf.index

Arrays travel as raw little-endian files (.f32 float32, .i64 int64); the
small metadata as JSON (stdout or DIR/meta.json).
"""
import json
import os
import statistics
import sys
import time

import numpy as np

import faiss

D = 37  # not a multiple of 4 or 16: exercises the SIMD kernels' tails
K = 5


def normalised(x):
    x = np.ascontiguousarray(x, dtype="float32")
    faiss.normalize_L2(x)
    return x


def clustered(rng, n_ids, per_id, d, noise):
    centres = normalised(rng.standard_normal((n_ids, d)))
    x = np.repeat(centres, per_id, axis=0)
    x += noise / np.sqrt(d) * rng.standard_normal(x.shape)
    return normalised(x)


def save(dir, name, index, xq, k):
    faiss.write_index(index, os.path.join(dir, name + ".index"))
    dist, labels = index.search(xq, k)
    dist.astype("<f4").tofile(os.path.join(dir, name + ".D.f32"))
    labels.astype("<i8").tofile(os.path.join(dir, name + ".I.i64"))
    with open(os.path.join(dir, name + ".index"), "rb") as f:
        data = f.read()
    return {
        "k": k,
        "ntotal": int(index.ntotal),
        "fourcc": data[:4].decode(),
        "lists": "sprs" if b"sprs" in data else "full" if b"full" in data else None,
    }


def write(dir):
    rng = np.random.default_rng(7)
    xb = clustered(rng, 100, 20, D, 0.6)  # 2000 vectors
    xq = clustered(rng, 100, 1, D, 0.6)[:20]
    xb.astype("<f4").tofile(os.path.join(dir, "xb.f32"))
    xq.astype("<f4").tofile(os.path.join(dir, "xq.f32"))
    meta = {"d": D, "nb": len(xb), "nq": len(xq), "indexes": {}}
    out = meta["indexes"]

    flat = faiss.IndexFlatIP(D)
    flat.add(xb)
    out["flat_ip"] = save(dir, "flat_ip", flat, xq, K)

    flat_l2 = faiss.IndexFlatL2(D)
    flat_l2.add(xb)
    out["flat_l2"] = save(dir, "flat_l2", flat_l2, xq, K)

    # FAISS writes "full" list sizes when more than half of the lists are
    # non-empty (index_write.cpp: n_non0 > nlist / 2), else sparse pairs.
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(D), D, 16, faiss.METRIC_INNER_PRODUCT)
    ivf.train(xb)
    ivf.add(xb)
    ivf.nprobe = 4
    out["ivf_full"] = save(dir, "ivf_full", ivf, xq, K)

    sparse = faiss.IndexIVFFlat(faiss.IndexFlatIP(D), D, 64, faiss.METRIC_INNER_PRODUCT)
    sparse.train(xb)
    sparse.add(xb[::200])  # 10 vectors: at most 10 of 64 lists non-empty
    sparse.nprobe = 64
    out["ivf_sparse"] = save(dir, "ivf_sparse", sparse, xq, 3)

    ids = (1000 + 3 * np.arange(len(xb))).astype("int64")
    idmap = faiss.IndexIDMap(faiss.IndexFlatIP(D))
    idmap.add_with_ids(xb, ids)
    out["idmap_flat"] = save(dir, "idmap_flat", idmap, xq, K)

    inner = faiss.IndexIVFFlat(faiss.IndexFlatIP(D), D, 16, faiss.METRIC_INNER_PRODUCT)
    inner.train(xb)
    inner.nprobe = 16
    idmap2 = faiss.IndexIDMap2(inner)
    idmap2.add_with_ids(xb, ids)
    out["idmap2_ivf"] = save(dir, "idmap2_ivf", idmap2, xq, K)

    with open(os.path.join(dir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)


def search(dir):
    with open(os.path.join(dir, "spec.json")) as f:
        spec = json.load(f)
    xq = np.fromfile(os.path.join(dir, "xq.f32"), dtype="<f4").reshape(-1, spec["d"])
    out = {}
    for name, k in spec["k"].items():
        index = faiss.read_index(os.path.join(dir, name + ".index"))
        dist, labels = index.search(xq, k)
        with open(os.path.join(dir, name + ".index"), "rb") as f:
            same = f.read()
        serialised = faiss.serialize_index(index).tobytes()
        out[name] = {
            "fourcc": serialised[:4].decode(),
            "ntotal": int(index.ntotal),
            "distances": dist.ravel().tolist(),
            "labels": labels.ravel().tolist(),
            "reserialisedIdentical": serialised == same,
        }
    json.dump(out, sys.stdout)


def median_ms(fn, reps):
    for _ in range(3):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def bench(dir):
    with open(os.path.join(dir, "spec.json")) as f:
        spec = json.load(f)
    d, reps = spec["d"], spec["reps"]
    xq = np.fromfile(os.path.join(dir, "xq.f32"), dtype="<f4").reshape(-1, d)
    out = {"threads": faiss.omp_get_max_threads()}
    flat = faiss.IndexFlatIP(d)
    flat.add(np.fromfile(os.path.join(dir, "xb.f32"), dtype="<f4").reshape(-1, d))
    indexes = {"flat": flat}
    if os.path.exists(os.path.join(dir, "ivf.index")):
        indexes["ivf"] = faiss.read_index(os.path.join(dir, "ivf.index"))
    for name, index in indexes.items():
        for k in spec["k"]:
            i = [0]

            def one():
                index.search(xq[i[0] % len(xq)][None, :], k)
                i[0] += 1

            out["%s_k%d" % (name, k)] = median_ms(one, reps)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    {"write": write, "search": search, "bench": bench}[sys.argv[1]](sys.argv[2])
