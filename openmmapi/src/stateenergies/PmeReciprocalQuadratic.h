// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef OPENMM_LIGAND_PME_RECIPROCAL_QUADRATIC_H_
#define OPENMM_LIGAND_PME_RECIPROCAL_QUADRATIC_H_

#include "openmm/Vec3.h"
#include "internal/windowsExportLigand.h"
#include <vector>

namespace OpenMMLigand {

/**
 * The reciprocal-space energy of OpenMM's smooth particle-mesh Ewald for charges that move linearly with a
 * parameter, q_i(lambda) = q_i + lambda dq_i, written as E(lambda) = A + B lambda + C lambda^2 (kJ/mol).
 *
 * It is the same sum OpenMM's NonbondedForce evaluates on every platform (B-spline order 5, the same grid, alpha,
 * B-spline moduli and influence function; ReferencePME.cpp spells it out), so for the grid and alpha a Context
 * reports (NonbondedForce::getPMEParametersInContext) B and C are the coefficients of that Context's own
 * reciprocal energy. Both come from one complex FFT of the grid holding the spread q as its real part and the
 * spread dq as its imaginary part: no evaluation of the System at another lambda is needed.
 *
 * The Ewald self energy (-alpha/sqrt(pi) sum q^2, which OpenMM counts with the reciprocal part) is not included.
 */
class OPENMM_EXPORT_LIGAND PmeReciprocalQuadratic {
public:
    /** A grid of nx x ny x nz points (as getPMEParametersInContext reports them). */
    PmeReciprocalQuadratic(int nx, int ny, int nz);
    ~PmeReciprocalQuadratic();
    PmeReciprocalQuadratic(const PmeReciprocalQuadratic&) = delete;
    PmeReciprocalQuadratic& operator=(const PmeReciprocalQuadratic&) = delete;
    /**
     * |b(m)|^2 of the order-5 B-spline for each of n frequencies, with OpenMM's repair of near-zero moduli (the
     * device route uses the same).
     */
    static std::vector<double> bsplineModuli(int n);
    /** Whether this grid has these dimensions. */
    bool hasGrid(int nx, int ny, int nz) const;
    /**
     * The coefficients of lambda (linear) and lambda^2 (quadratic), in kJ/mol.
     *
     * @param positions  every particle's position (nm)
     * @param charges    q_i, the charge at lambda = 0 (e), one per position
     * @param slopes     dq_i, the charge gained per unit of lambda (e), one per position
     * @param box        the periodic box vectors (nm), in OpenMM's reduced form
     * @param alpha      the Ewald separation parameter (1/nm)
     */
    void computeCoefficients(const std::vector<OpenMM::Vec3>& positions, const std::vector<double>& charges,
            const std::vector<double>& slopes, const OpenMM::Vec3 box[3], double alpha, double& linear,
            double& quadratic);

private:
    int gridSize[3];
    std::vector<double> moduli[3]; // B-spline moduli per dimension
    void* grid;                    // fftw_complex[nx*ny*nz]
    void* plan;                    // fftw_plan, in place, forward
};

} // namespace OpenMMLigand

#endif /*OPENMM_LIGAND_PME_RECIPROCAL_QUADRATIC_H_*/
