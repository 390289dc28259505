// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef COMMON_PERIODIC_BOX_ARGS_H_
#define COMMON_PERIODIC_BOX_ARGS_H_

#include "openmm/Vec3.h"
#include "openmm/common/ComputeContext.h"
#include "openmm/common/ComputeKernel.h"

namespace OpenMMLigand {

/**
 * Set the five box arguments that OpenMM's APPLY_PERIODIC_TO_DELTA reads (periodicBoxSize, invPeriodicBoxSize,
 * periodicBoxVecX/Y/Z) from the Context's current box, starting at argument index; T is mm_float4 or mm_double4,
 * as the precision's real4.
 */
template <class T>
void setPeriodicBoxArgs(OpenMM::ComputeContext& cc, OpenMM::ComputeKernel& kernel, int index) {
    OpenMM::Vec3 a, b, c;
    cc.getPeriodicBoxVectors(a, b, c);
    kernel->setArg(index++, T(a[0], b[1], c[2], 0));
    kernel->setArg(index++, T(1.0 / a[0], 1.0 / b[1], 1.0 / c[2], 0));
    kernel->setArg(index++, T(a[0], a[1], a[2], 0));
    kernel->setArg(index++, T(b[0], b[1], b[2], 0));
    kernel->setArg(index, T(c[0], c[1], c[2], 0));
}

/** setPeriodicBoxArgs in the Context's precision. */
inline void setPeriodicBoxArgs(OpenMM::ComputeContext& cc, OpenMM::ComputeKernel& kernel, int index) {
    if (cc.getUseDoublePrecision())
        setPeriodicBoxArgs<OpenMM::mm_double4>(cc, kernel, index);
    else
        setPeriodicBoxArgs<OpenMM::mm_float4>(cc, kernel, index);
}

} // namespace OpenMMLigand

#endif
