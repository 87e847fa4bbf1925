// cuBLAS, emulated on the host: the GEMMs koopscope's backend calls (column-major, plain and
// strided-batched, float and double), computed by OpenBLAS. Every argument is checked as cuBLAS
// checks it, and every operand's extent against the emulated driver's allocations, so a product
// that would read or write past a buffer is refused with CUBLAS_STATUS_INVALID_VALUE.
#include <cblas.h>
#include <stdint.h>
#include <stdlib.h>

typedef int cublasStatus_t;
enum {
    CUBLAS_STATUS_SUCCESS = 0, CUBLAS_STATUS_NOT_INITIALIZED = 1, CUBLAS_STATUS_ALLOC_FAILED = 3,
    CUBLAS_STATUS_INVALID_VALUE = 7,
};
enum { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1, CUBLAS_OP_C = 2 };

int ks_emulation_in_bounds(uintptr_t address, size_t bytes);   // the emulated driver's

typedef struct { unsigned magic; } Handle;
static const unsigned handle_magic = 0x6b73626c;

cublasStatus_t cublasCreate_v2(Handle **handle) {
    if (!handle) return CUBLAS_STATUS_INVALID_VALUE;
    Handle *h = malloc(sizeof(Handle));
    if (!h) return CUBLAS_STATUS_ALLOC_FAILED;
    h->magic = handle_magic;
    *handle = h;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasDestroy_v2(Handle *handle) {
    if (!handle || handle->magic != handle_magic) return CUBLAS_STATUS_NOT_INITIALIZED;
    handle->magic = 0;
    free(handle);
    return CUBLAS_STATUS_SUCCESS;
}

// The elements a column-major rows × columns operand with leading dimension ld spans.
static size_t extent(int rows, int columns, int ld) {
    return rows == 0 || columns == 0 ? 0 : (size_t)ld * (size_t)(columns - 1) + (size_t)rows;
}

static cublasStatus_t check(const Handle *h, int ta, int tb, int m, int n, int k, const void *alpha, const void *a, int lda,
                            long long sa, const void *b, int ldb, long long sb, const void *beta, const void *c, int ldc,
                            long long sc, int batch, size_t element) {
    if (!h || h->magic != handle_magic) return CUBLAS_STATUS_NOT_INITIALIZED;
    if ((ta != CUBLAS_OP_N && ta != CUBLAS_OP_T && ta != CUBLAS_OP_C) || (tb != CUBLAS_OP_N && tb != CUBLAS_OP_T && tb != CUBLAS_OP_C))
        return CUBLAS_STATUS_INVALID_VALUE;
    if (m < 0 || n < 0 || k < 0 || batch < 0 || !alpha || !beta) return CUBLAS_STATUS_INVALID_VALUE;
    int ar = ta == CUBLAS_OP_N ? m : k, ac = ta == CUBLAS_OP_N ? k : m;
    int br = tb == CUBLAS_OP_N ? k : n, bc = tb == CUBLAS_OP_N ? n : k;
    if (lda < (ar > 1 ? ar : 1) || ldb < (br > 1 ? br : 1) || ldc < (m > 1 ? m : 1)) return CUBLAS_STATUS_INVALID_VALUE;
    if (m == 0 || n == 0 || batch == 0) return CUBLAS_STATUS_SUCCESS;
    struct { const void *p; size_t span; long long stride; } operands[3] = {
        {a, extent(ar, ac, lda), sa}, {b, extent(br, bc, ldb), sb}, {c, extent(m, n, ldc), sc}};
    for (int i = 0; i < 3; i++) {
        if (operands[i].span == 0) continue;
        if (!operands[i].p || operands[i].stride < 0) return CUBLAS_STATUS_INVALID_VALUE;
        size_t last = (size_t)operands[i].stride * (size_t)(batch - 1) + operands[i].span;
        if (!ks_emulation_in_bounds((uintptr_t)operands[i].p, last * element)) return CUBLAS_STATUS_INVALID_VALUE;
    }
    return CUBLAS_STATUS_SUCCESS;
}

static enum CBLAS_TRANSPOSE op(int t) { return t == CUBLAS_OP_N ? CblasNoTrans : CblasTrans; }

// The strided-batched GEMM of element type T through BLAS's cblas_?gemm, and the plain one as a
// batch of one.
#define GEMMS(P, p, T)                                                                                     \
    cublasStatus_t cublas##P##gemmStridedBatched(Handle *h, int ta, int tb, int m, int n, int k, const T *alpha, \
                                                 const T *a, int lda, long long sa, const T *b, int ldb,  \
                                                 long long sb, const T *beta, T *c, int ldc, long long sc, int batch) { \
        cublasStatus_t status = check(h, ta, tb, m, n, k, alpha, a, lda, sa, b, ldb, sb, beta, c, ldc, sc, batch, sizeof(T)); \
        if (status != CUBLAS_STATUS_SUCCESS || m == 0 || n == 0) return status;                           \
        for (int i = 0; i < batch; i++)                                                                   \
            cblas_##p##gemm(CblasColMajor, op(ta), op(tb), m, n, k, *alpha, a + i * sa, lda, b + i * sb, ldb, *beta, \
                            c + i * sc, ldc);                                                             \
        return CUBLAS_STATUS_SUCCESS;                                                                     \
    }                                                                                                     \
    cublasStatus_t cublas##P##gemm_v2(Handle *h, int ta, int tb, int m, int n, int k, const T *alpha, const T *a, int lda, \
                                      const T *b, int ldb, const T *beta, T *c, int ldc) {                \
        return cublas##P##gemmStridedBatched(h, ta, tb, m, n, k, alpha, a, lda, 0, b, ldb, 0, beta, c, ldc, 0, 1); \
    }

GEMMS(S, s, float)
GEMMS(D, d, double)
