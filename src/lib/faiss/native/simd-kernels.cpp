// Distance kernels written for WebAssembly SIMD128.
//
// They replace FAISS's own fvec_* functions of the same names: the build
// compiles utils/distances_simd.cpp with -Dfvec_inner_product=... renames, so
// FAISS's versions still exist under other names and these are the ones the
// rest of FAISS calls. FAISS's SSE code, translated by emscripten to
// SIMD128, keeps a single accumulator and reduces with emulated hadd, which
// left flat search ~1.4x slower than reading the vectors; four independent
// accumulators bring it to the speed of a plain streaming read.

#include <wasm_simd128.h>

#include <cstddef>

namespace {

inline float hsum(v128_t v) {
    return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) +
            wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

inline v128_t ld(const float* p) {
    return wasm_v128_load(p);
}

} // namespace

namespace faiss {

float fvec_inner_product(const float* x, const float* y, size_t d) {
    v128_t s0 = wasm_f32x4_splat(0.f), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 16 <= d; i += 16) {
        s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(ld(x + i), ld(y + i)));
        s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(ld(x + i + 4), ld(y + i + 4)));
        s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(ld(x + i + 8), ld(y + i + 8)));
        s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(ld(x + i + 12), ld(y + i + 12)));
    }
    for (; i + 4 <= d; i += 4) {
        s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(ld(x + i), ld(y + i)));
    }
    float s = hsum(wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3)));
    for (; i < d; i++) {
        s += x[i] * y[i];
    }
    return s;
}

float fvec_L2sqr(const float* x, const float* y, size_t d) {
    v128_t s0 = wasm_f32x4_splat(0.f), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 16 <= d; i += 16) {
        v128_t e0 = wasm_f32x4_sub(ld(x + i), ld(y + i));
        v128_t e1 = wasm_f32x4_sub(ld(x + i + 4), ld(y + i + 4));
        v128_t e2 = wasm_f32x4_sub(ld(x + i + 8), ld(y + i + 8));
        v128_t e3 = wasm_f32x4_sub(ld(x + i + 12), ld(y + i + 12));
        s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(e0, e0));
        s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(e1, e1));
        s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(e2, e2));
        s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(e3, e3));
    }
    for (; i + 4 <= d; i += 4) {
        v128_t e = wasm_f32x4_sub(ld(x + i), ld(y + i));
        s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(e, e));
    }
    float s = hsum(wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3)));
    for (; i < d; i++) {
        float e = x[i] - y[i];
        s += e * e;
    }
    return s;
}

float fvec_norm_L2sqr(const float* x, size_t d) {
    return fvec_inner_product(x, x, d);
}

void fvec_inner_products_ny(
        float* ip,
        const float* x,
        const float* y,
        size_t d,
        size_t ny) {
    for (size_t j = 0; j < ny; j++, y += d) {
        ip[j] = fvec_inner_product(x, y, d);
    }
}

void fvec_L2sqr_ny(
        float* dis,
        const float* x,
        const float* y,
        size_t d,
        size_t ny) {
    for (size_t j = 0; j < ny; j++, y += d) {
        dis[j] = fvec_L2sqr(x, y, d);
    }
}

} // namespace faiss

// Benchmark baseline: the fastest a search can go is reading every stored
// float once. This sums n floats with the same loop shape as the kernels.
extern "C" float fw_bench_stream_sum(const float* x, size_t n) {
    v128_t s0 = wasm_f32x4_splat(0.f), s1 = s0, s2 = s0, s3 = s0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = wasm_f32x4_add(s0, ld(x + i));
        s1 = wasm_f32x4_add(s1, ld(x + i + 4));
        s2 = wasm_f32x4_add(s2, ld(x + i + 8));
        s3 = wasm_f32x4_add(s3, ld(x + i + 12));
    }
    float s = hsum(wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3)));
    for (; i < n; i++) {
        s += x[i];
    }
    return s;
}
