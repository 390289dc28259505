// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#include "CpuMatrixProduct.h"
#include <algorithm>
#include <cstring>

using namespace OpenMMLigand;

namespace {

/** Eight floats as one value (GCC vector extension): one AVX register in the AVX2 clone, two SSE ones otherwise. */
typedef float Float8 __attribute__((vector_size(32)));

/**
 * One block of up to 6 rows x 16 columns of C: c[i] = init + sum over k in ks (all k < nk when DENSE) of
 * A[r0 + i][k] B[k][o0..o0+15]. ROWS is the block's row count, a template argument so that a full block's
 * inner loop carries no tests; DENSE drops the column list (its extra load per k) where every column is used.
 */
template <int ROWS, bool DENSE>
inline __attribute__((always_inline)) void matrixBlock(const float* a, int lda, const int* ks, int nk,
        const float* panel, Float8 init0, Float8 init1, float* c, int ldc, bool skipZeros) {
    Float8 acc[2 * ROWS];
    for (int i = 0; i < ROWS; i++) {
        acc[2 * i] = init0;
        acc[2 * i + 1] = init1;
    }
    for (int j = 0; j < nk; j++) {
        const int k = DENSE ? j : ks[j];
        float x[ROWS];
        bool allZero = true;
        for (int i = 0; i < ROWS; i++) {
            x[i] = a[(size_t) i * lda + k];
            allZero &= (x[i] == 0.0f);
        }
        if (skipZeros && allZero)
            continue;
        Float8 b0, b1;
        std::memcpy(&b0, panel + (size_t) k * 16, sizeof(Float8));
        std::memcpy(&b1, panel + (size_t) k * 16 + 8, sizeof(Float8));
        for (int i = 0; i < ROWS; i++) {
            acc[2 * i] += x[i] * b0;
            acc[2 * i + 1] += x[i] * b1;
        }
    }
    for (int i = 0; i < ROWS; i++)
        std::memcpy(c + (size_t) i * ldc, &acc[2 * i], 2 * sizeof(Float8));
}

template <bool DENSE>
inline __attribute__((always_inline)) void matrixBlockOfRows(int rows, const float* a, int lda, const int* ks, int nk,
        const float* panel, Float8 init0, Float8 init1, float* c, int ldc, bool skipZeros) {
    switch (rows) {
    case 6:
        matrixBlock<6, DENSE>(a, lda, ks, nk, panel, init0, init1, c, ldc, skipZeros);
        break;
    case 5:
        matrixBlock<5, DENSE>(a, lda, ks, nk, panel, init0, init1, c, ldc, skipZeros);
        break;
    case 4:
        matrixBlock<4, DENSE>(a, lda, ks, nk, panel, init0, init1, c, ldc, skipZeros);
        break;
    case 3:
        matrixBlock<3, DENSE>(a, lda, ks, nk, panel, init0, init1, c, ldc, skipZeros);
        break;
    case 2:
        matrixBlock<2, DENSE>(a, lda, ks, nk, panel, init0, init1, c, ldc, skipZeros);
        break;
    default:
        matrixBlock<1, DENSE>(a, lda, ks, nk, panel, init0, init1, c, ldc, skipZeros);
        break;
    }
}

/**
 * C[r][o] = (bias ? bias[o] : 0) + sum over k in ks (or every k < nk if ks is null) of A[r][k] B[k][o], for r < m
 * and o < n (row strides lda, ldb, ldc). B comes twice: as is (K x ldb, used when n is not a multiple of 16) and
 * packed (packColumns: each block of 16 columns stored as K contiguous rows of 16, so that a block's panel is read
 * sequentially). The register-blocked form of a matrix product: 6 rows x 16 columns of C stay in registers while k
 * runs (two vector loads of B and six broadcasts of A per 12 vector multiply-adds with AVX2). With skipZeros, a k
 * whose six A values are all zero is skipped (AEV columns of absent species); with blockActive, a 16-column block
 * of C whose flag is 0 is not computed (left as it is).
 */
inline __attribute__((always_inline)) void matrixProductBody(int m, int n, const float* A, int lda, const int* ks,
        int nk, const float* B, int ldb, const float* packedB, int K, const float* bias, float* C, int ldc,
        bool skipZeros, const char* blockActive) {
    if (n % 16 != 0) {
        for (int r = 0; r < m; r++)
            for (int o = 0; o < n; o++) {
                float sum = bias ? bias[o] : 0.0f;
                for (int c = 0; c < nk; c++) {
                    const int k = ks ? ks[c] : c;
                    sum += A[(size_t) r * lda + k] * B[(size_t) k * ldb + o];
                }
                C[(size_t) r * ldc + o] = sum;
            }
        return;
    }
    // Column blocks outside, row blocks inside: the panel of B a column block reads (k x 16 floats) stays in
    // cache while every row block uses it.
    for (int o0 = 0; o0 < n; o0 += 16) {
        if (blockActive != nullptr && !blockActive[o0 / 16])
            continue;
        Float8 init0{}, init1{};
        if (bias != nullptr) {
            std::memcpy(&init0, bias + o0, sizeof(Float8));
            std::memcpy(&init1, bias + o0 + 8, sizeof(Float8));
        }
        const float* panel = packedB + (size_t) (o0 / 16) * K * 16;
        for (int r0 = 0; r0 < m; r0 += 6) {
            const int rows = std::min(6, m - r0);
            const float* a = A + (size_t) r0 * lda;
            float* c = C + (size_t) r0 * ldc + o0;
            if (ks == nullptr)
                matrixBlockOfRows<true>(rows, a, lda, ks, nk, panel, init0, init1, c, ldc, skipZeros);
            else
                matrixBlockOfRows<false>(rows, a, lda, ks, nk, panel, init0, init1, c, ldc, skipZeros);
        }
    }
}

// The body compiled twice: for AVX2 with FMA, and for plain x86-64; the processor decides at run time. (Not
// target_clones("arch=haswell"): its resolver checks the processor model, which virtual machines often hide.)
__attribute__((target("avx2,fma"))) void matrixProductAvx2(int m, int n, const float* A, int lda, const int* ks, int nk,
        const float* B, int ldb, const float* packedB, int K, const float* bias, float* C, int ldc, bool skipZeros,
        const char* blockActive) {
    matrixProductBody(m, n, A, lda, ks, nk, B, ldb, packedB, K, bias, C, ldc, skipZeros, blockActive);
}

void matrixProductPlain(int m, int n, const float* A, int lda, const int* ks, int nk, const float* B, int ldb,
        const float* packedB, int K, const float* bias, float* C, int ldc, bool skipZeros, const char* blockActive) {
    matrixProductBody(m, n, A, lda, ks, nk, B, ldb, packedB, K, bias, C, ldc, skipZeros, blockActive);
}

const bool HAVE_AVX2_FMA = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");

} // namespace

void OpenMMLigand::matrixProduct(int m, int n, const float* A, int lda, const int* ks, int nk, const PackedMatrix& B,
        const float* bias, float* C, int ldc, bool skipZeros, const char* blockActive) {
    (HAVE_AVX2_FMA ? matrixProductAvx2 : matrixProductPlain)(m, n, A, lda, ks, nk, B.plain.data(), B.columns,
            B.packed.data(), B.rows, bias, C, ldc, skipZeros, blockActive);
}
