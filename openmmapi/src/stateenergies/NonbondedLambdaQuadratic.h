// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef OPENMM_LIGAND_NONBONDED_LAMBDA_QUADRATIC_H_
#define OPENMM_LIGAND_NONBONDED_LAMBDA_QUADRATIC_H_

// The state-energy machinery: K lambda-state energies (and exact dU/dlambda) of a System whose NonbondedForce charges
// follow a lambda through parameter offsets, from one evaluation. This folder holds the library's side of it; the
// force's own softcore terms are computed by the kernels' K-state pass (LigandCouplingForceImpl drives both).
// Routes for the NonbondedForce's B and C (E = A + B lambda + C lambda^2), chosen per Context in
// LigandCouplingForceImpl:
//   - device (OpenCL, CUDA with OpenMM 8): platforms/common/src/CommonNonbondedLambdaQuadratic.cpp, wholly on the
//     GPU, six numbers read back;
//   - host (Reference, CPU, OpenMM 7.7's GPU platforms, or OPENMMLIGAND_NONBONDED_ROUTE=host): this class, with the
//     reciprocal sum of PmeReciprocalQuadratic (FFTW, on the Context's own grid);
//   - fitted (methods neither covers, e.g. LJPME, or a Context whose offsets differ from the System's): B and C from
//     the Context's own energies at extra lambda values (LigandCouplingForceImpl).
// LambdaDependence reads how every other force depends on the lambdas (which are quadratic, which polynomial of what
// degree, which cannot be treated exactly), and so which forces each route must cover.
// NonbondedChargeOffsets keeps each NonbondedForce's offsets as the Context was created, so that every route uses
// the Context's numbers, not the System's.
#include "openmm/NonbondedForce.h"
#include "openmm/internal/ContextImpl.h"
#include <memory>
#include <string>

namespace OpenMMLigand {

class PmeReciprocalQuadratic;
class NonbondedChargeOffsets;

/**
 * The energy of a NonbondedForce whose charges follow a Context parameter lambda through parameter offsets,
 * q_i(lambda) = q_i + lambda dq_i (and exception charge products likewise), is exactly A + B lambda + C lambda^2.
 * This computes B and C (kJ/mol) for a Context's current positions and box, as OpenMM defines that energy on every
 * platform: direct-space pair sums (no cutoff, reaction field, PME's erfc), for PME also the exclusion
 * corrections, the self energy, the neutralizing-plasma term of the OpenMM release running, and the reciprocal
 * sum on the Context's own grid (PmeReciprocalQuadratic). All in double precision on the host: no evaluation of
 * the System at another lambda. This is the host route (Reference, CPU, OpenMM 7.7); OpenCL and CUDA with OpenMM 8
 * take the device route (CommonNonbondedLambdaQuadratic), which never downloads the positions.
 *
 * Plain Ewald and LJPME are not covered (covers() says so). One object per Context: it keeps the PME grid.
 */
class NonbondedLambdaQuadratic {
public:
    NonbondedLambdaQuadratic();
    ~NonbondedLambdaQuadratic();
    /** Whether this NonbondedForce's method is one this class computes exactly. */
    static bool covers(const OpenMM::NonbondedForce& nonbonded);
    /**
     * The coefficients of lambda (b) and lambda^2 (c), in kJ/mol, of the NonbondedForce's energy in this Context,
     * on the host: the positions are downloaded, the pair sums and the reciprocal sum run on the CPU.
     *
     * @param nonbonded  the force (for its PME grid and alpha in this Context)
     * @param offsets    its charges and offsets as this Context computes with them (with base charges)
     */
    void compute(OpenMM::ContextImpl& context, const OpenMM::NonbondedForce& nonbonded,
            const NonbondedChargeOffsets& offsets, double& b, double& c);
    /**
     * The PME alpha (1/nm) and grid a Context uses for a NonbondedForce (getPMEParametersInContext, after the
     * first evaluation some platforms need before they can answer).
     */
    void pmeParameters(OpenMM::ContextImpl& context, const OpenMM::NonbondedForce& nonbonded, double& alpha, int& gridX,
            int& gridY, int& gridZ);
    /** How many times compute() has run in this process (tests check that the GPU routes never call it). */
    static long long getHostComputationCount();

private:
    bool nonbondedEvaluated = false; // whether this Context has evaluated the NonbondedForce (see compute())
    std::shared_ptr<PmeReciprocalQuadratic> reciprocal;
};

/**
 * Whether the OpenMM release running counts the energy of the neutralizing plasma of a charged periodic box with
 * PME, -ONE_4PI_EPS0 pi Q^2 / (2 V alpha^2), in NonbondedForce's energy (newer releases do; 7.7 does not).
 * Measured once per process on the Reference platform: one unit charge in a box, against the self and
 * reciprocal energies computed here.
 */
bool openmmCountsNeutralizingPlasma();

} // namespace OpenMMLigand

#endif
