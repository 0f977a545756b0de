// The BLAS routines FAISS calls (sgemm_, sgemv_), written for WebAssembly
// SIMD128, so that no Fortran BLAS has to be compiled to WebAssembly.
//
// FAISS uses sgemm_ for batched search (20 queries or more) and for k-means
// during IVF training. A scalar loop made IVF training at 100k vectors take
// a quarter of an hour; this one computes C in tiles of 4 x 2 dot products
// held in SIMD registers.
//
// The LAPACK routines FAISS references (PCA, OPQ, random rotations, additive
// quantizers) are not part of this build: they throw a FaissException that
// the C API turns into a JavaScript error.

#include <wasm_simd128.h>

#include <cstddef>
#include <vector>

#include <faiss/impl/FaissAssert.h>

namespace {

inline bool is_trans(const char* t) {
    return *t == 'T' || *t == 't' || *t == 'C' || *t == 'c';
}

inline float hsum(v128_t v) {
    return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) +
            wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

inline float dot(const float* a, const float* b, int k) {
    v128_t s0 = wasm_f32x4_splat(0.f), s1 = s0;
    int l = 0;
    for (; l + 8 <= k; l += 8) {
        s0 = wasm_f32x4_add(
                s0, wasm_f32x4_mul(wasm_v128_load(a + l), wasm_v128_load(b + l)));
        s1 = wasm_f32x4_add(
                s1,
                wasm_f32x4_mul(wasm_v128_load(a + l + 4), wasm_v128_load(b + l + 4)));
    }
    float s = hsum(wasm_f32x4_add(s0, s1));
    for (; l < k; l++) {
        s += a[l] * b[l];
    }
    return s;
}

inline void store(float* c, float v, float alpha, float beta) {
    *c = beta == 0.f ? alpha * v : alpha * v + beta * *c;
}

// C[i + j*ldc] = alpha * <A row i, B col j> + beta * C[i + j*ldc], where row i
// of op(A) is contiguous at a + i*lda and column j of op(B) at b + j*ldb.
void gemm_dots(
        int m,
        int n,
        int k,
        float alpha,
        const float* a,
        int lda,
        const float* b,
        int ldb,
        float beta,
        float* c,
        int ldc) {
    const int rows_per_block = 64; // 64 rows of 768 floats stay in L2
    const int k4 = k & ~3;
    for (int i0 = 0; i0 < m; i0 += rows_per_block) {
        const int i1 = i0 + rows_per_block < m ? i0 + rows_per_block : m;
        int j = 0;
        for (; j + 2 <= n; j += 2) {
            const float* b0 = b + (size_t)j * ldb;
            const float* b1 = b0 + ldb;
            int i = i0;
            for (; i + 4 <= i1; i += 4) {
                const float* a0 = a + (size_t)i * lda;
                const float* a1 = a0 + lda;
                const float* a2 = a1 + lda;
                const float* a3 = a2 + lda;
                v128_t s00 = wasm_f32x4_splat(0.f), s10 = s00, s20 = s00,
                       s30 = s00, s01 = s00, s11 = s00, s21 = s00, s31 = s00;
                for (int l = 0; l < k4; l += 4) {
                    v128_t vb0 = wasm_v128_load(b0 + l);
                    v128_t vb1 = wasm_v128_load(b1 + l);
                    v128_t va = wasm_v128_load(a0 + l);
                    s00 = wasm_f32x4_add(s00, wasm_f32x4_mul(va, vb0));
                    s01 = wasm_f32x4_add(s01, wasm_f32x4_mul(va, vb1));
                    va = wasm_v128_load(a1 + l);
                    s10 = wasm_f32x4_add(s10, wasm_f32x4_mul(va, vb0));
                    s11 = wasm_f32x4_add(s11, wasm_f32x4_mul(va, vb1));
                    va = wasm_v128_load(a2 + l);
                    s20 = wasm_f32x4_add(s20, wasm_f32x4_mul(va, vb0));
                    s21 = wasm_f32x4_add(s21, wasm_f32x4_mul(va, vb1));
                    va = wasm_v128_load(a3 + l);
                    s30 = wasm_f32x4_add(s30, wasm_f32x4_mul(va, vb0));
                    s31 = wasm_f32x4_add(s31, wasm_f32x4_mul(va, vb1));
                }
                float r[8] = {
                        hsum(s00), hsum(s10), hsum(s20), hsum(s30),
                        hsum(s01), hsum(s11), hsum(s21), hsum(s31)};
                for (int l = k4; l < k; l++) {
                    r[0] += a0[l] * b0[l];
                    r[1] += a1[l] * b0[l];
                    r[2] += a2[l] * b0[l];
                    r[3] += a3[l] * b0[l];
                    r[4] += a0[l] * b1[l];
                    r[5] += a1[l] * b1[l];
                    r[6] += a2[l] * b1[l];
                    r[7] += a3[l] * b1[l];
                }
                float* c0 = c + i + (size_t)j * ldc;
                float* c1 = c0 + ldc;
                for (int t = 0; t < 4; t++) {
                    store(c0 + t, r[t], alpha, beta);
                    store(c1 + t, r[4 + t], alpha, beta);
                }
            }
            for (; i < i1; i++) {
                const float* ai = a + (size_t)i * lda;
                store(c + i + (size_t)j * ldc, dot(ai, b0, k), alpha, beta);
                store(c + i + (size_t)(j + 1) * ldc, dot(ai, b1, k), alpha, beta);
            }
        }
        for (; j < n; j++) {
            const float* bj = b + (size_t)j * ldb;
            for (int i = i0; i < i1; i++) {
                store(c + i + (size_t)j * ldc,
                      dot(a + (size_t)i * lda, bj, k),
                      alpha,
                      beta);
            }
        }
    }
}

// Copies the rows x cols column-major matrix m (leading dimension ld) into
// a row-major one, so that its rows become contiguous.
std::vector<float> transpose(const float* m, int rows, int cols, int ld) {
    std::vector<float> t((size_t)rows * cols);
    for (int c = 0; c < cols; c++) {
        for (int r = 0; r < rows; r++) {
            t[(size_t)r * cols + c] = m[r + (size_t)c * ld];
        }
    }
    return t;
}

[[noreturn]] void no_lapack(const char* name) {
    FAISS_THROW_FMT(
            "%s (LAPACK) is not part of the WebAssembly build of FAISS", name);
}

} // namespace

extern "C" {

// C (m x n) = alpha * op(A) (m x k) * op(B) (k x n) + beta * C, column-major.
int sgemm_(
        const char* transa,
        const char* transb,
        int* m,
        int* n,
        int* k,
        const float* alpha,
        const float* a,
        int* lda,
        const float* b,
        int* ldb,
        float* beta,
        float* c,
        int* ldc) {
    const int M = *m, N = *n, K = *k;
    if (M <= 0 || N <= 0) {
        return 0;
    }
    if (K <= 0 || *alpha == 0.f) {
        for (int j = 0; j < N; j++) {
            for (int i = 0; i < M; i++) {
                float* cij = c + i + (size_t)j * *ldc;
                *cij = *beta == 0.f ? 0.f : *beta * *cij;
            }
        }
        return 0;
    }
    // op(A) row i is contiguous when A is transposed; op(B) column j when B
    // is not. Otherwise copy the operand into that layout first.
    std::vector<float> at, bt;
    const float* arows = a;
    int arow_stride = *lda;
    if (!is_trans(transa)) { // op(A) = A, m x k column-major
        at = transpose(a, M, K, *lda);
        arows = at.data();
        arow_stride = K;
    }
    const float* bcols = b;
    int bcol_stride = *ldb;
    if (is_trans(transb)) { // op(B) = B^T, B is n x k column-major
        bt = transpose(b, N, K, *ldb);
        bcols = bt.data();
        bcol_stride = K;
    }
    gemm_dots(M, N, K, *alpha, arows, arow_stride, bcols, bcol_stride, *beta, c, *ldc);
    return 0;
}

// y = alpha * op(A) * x + beta * y, A m x n column-major.
int sgemv_(
        const char* trans,
        int* m,
        int* n,
        float* alpha,
        const float* a,
        int* lda,
        const float* x,
        int* incx,
        float* beta,
        float* y,
        int* incy) {
    const int M = *m, N = *n;
    const bool t = is_trans(trans);
    const int ny = t ? N : M, nx = t ? M : N;
    std::vector<float> xs(nx), acc(ny, 0.f);
    for (int i = 0; i < nx; i++) {
        xs[i] = x[(size_t)i * *incx];
    }
    if (t) { // y_j = <column j of A, x>
        for (int j = 0; j < N; j++) {
            acc[j] = dot(a + (size_t)j * *lda, xs.data(), M);
        }
    } else { // y += x_j * column j of A
        for (int j = 0; j < N; j++) {
            const float* aj = a + (size_t)j * *lda;
            for (int i = 0; i < M; i++) {
                acc[i] += xs[j] * aj[i];
            }
        }
    }
    for (int i = 0; i < ny; i++) {
        store(y + (size_t)i * *incy, acc[i], *alpha, *beta);
    }
    return 0;
}

int dgemm_(const char*, const char*, int*, int*, int*, const double*, const double*,
           int*, const double*, int*, double*, double*, int*) {
    no_lapack("dgemm_");
}
int ssyrk_(const char*, const char*, int*, int*, float*, float*, int*, float*,
           float*, int*) {
    no_lapack("ssyrk_");
}
int ssyev_(const char*, const char*, int*, float*, int*, float*, float*, int*,
           int*) {
    no_lapack("ssyev_");
}
int dsyev_(const char*, const char*, int*, double*, int*, double*, double*, int*,
           int*) {
    no_lapack("dsyev_");
}
int sgesvd_(const char*, const char*, int*, int*, float*, int*, float*, float*,
            int*, float*, int*, float*, int*, int*) {
    no_lapack("sgesvd_");
}
int dgesvd_(const char*, const char*, int*, int*, double*, int*, double*,
            double*, int*, double*, int*, double*, int*, int*) {
    no_lapack("dgesvd_");
}
int sgeqrf_(int*, int*, float*, int*, float*, float*, int*, int*) {
    no_lapack("sgeqrf_");
}
int sorgqr_(int*, int*, int*, float*, int*, float*, float*, int*, int*) {
    no_lapack("sorgqr_");
}
int sgelsd_(int*, int*, int*, float*, int*, float*, int*, float*, float*, int*,
            float*, int*, int*, int*) {
    no_lapack("sgelsd_");
}
void sgetrf_(int*, int*, float*, int*, int*, int*) {
    no_lapack("sgetrf_");
}
void sgetri_(int*, float*, int*, int*, float*, int*, int*) {
    no_lapack("sgetri_");
}
void dgetrf_(int*, int*, double*, int*, int*, int*) {
    no_lapack("dgetrf_");
}
void dgetri_(int*, double*, int*, int*, double*, int*, int*) {
    no_lapack("dgetri_");
}

} // extern "C"
