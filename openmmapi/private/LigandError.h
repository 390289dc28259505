// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#ifndef OPENMM_LIGAND_ERROR_H_
#define OPENMM_LIGAND_ERROR_H_

#include "openmm/OpenMMException.h"
#include <sstream>
#include <string>

namespace OpenMMLigand {

/**
 * The one way this library reports bad input: an OpenMM::OpenMMException whose message is the force's name, ": ",
 * and the concatenation of the parts, each written with operator<<.
 */
template <class... Parts>
[[noreturn]] void throwForceError(const char* force, const Parts&... parts) {
    std::ostringstream message;
    message << force << ": ";
    (void) std::initializer_list<int>{((message << parts), 0)...};
    throw OpenMM::OpenMMException(message.str());
}

/**
 * Bad input to LigandCouplingForce (see throwForceError).
 *
 *     throwLigandError("particle ", index, " has a non-finite position");
 */
template <class... Parts>
[[noreturn]] void throwLigandError(const Parts&... parts) {
    throwForceError("LigandCouplingForce", parts...);
}

/** A value written as operator<< writes it (for building fixedSettings() and similar strings). */
template <class T>
std::string toText(const T& value) {
    std::ostringstream s;
    s << value;
    return s.str();
}

} // namespace OpenMMLigand

#endif
