// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef CPU_MATRIX_PRODUCT_H_
#define CPU_MATRIX_PRODUCT_H_

// The CPU ANI kernel's matrix products (its networks' layers over the atoms of one element): register-blocked,
// compiled for AVX2+FMA and for plain x86-64, the processor choosing at run time.
#include <cstddef>
#include <vector>

namespace OpenMMLigand {

/**
 * A row-major matrix, also packed for the matrix products: each block of 16 columns as its rows of 16 floats,
 * one after the other (when the column count is a multiple of 16), so that a block is read sequentially.
 */
struct PackedMatrix {
    int rows = 0, columns = 0;
    std::vector<float> plain, packed;
    static PackedMatrix of(const std::vector<float>& values, int rows, int columns) {
        PackedMatrix m{rows, columns, values, {}};
        if (columns % 16 == 0) {
            m.packed.resize(values.size());
            for (int block = 0; block < columns / 16; block++)
                for (int r = 0; r < rows; r++)
                    for (int j = 0; j < 16; j++)
                        m.packed[((size_t) block * rows + r) * 16 + j] = values[(size_t) r * columns + block * 16 + j];
        }
        return m;
    }
};

/**
 * C[r][o] = (bias ? bias[o] : 0) + sum over k in ks (or every k < nk if ks is null) of A[r][k] B[k][o], for r < m and
 * o < n (row strides lda and ldc; B as PackedMatrix holds it). With skipZeros, a k whose six A values of a row block
 * are all zero is skipped (AEV columns of absent species); with blockActive, a 16-column block of C whose flag is 0 is
 * not computed (left as it is).
 */
void matrixProduct(int m, int n, const float* A, int lda, const int* ks, int nk, const PackedMatrix& B,
        const float* bias, float* C, int ldc, bool skipZeros, const char* blockActive);

} // namespace OpenMMLigand

#endif
