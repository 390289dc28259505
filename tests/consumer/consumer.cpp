// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
//
// Compiled against the installed headers and library only (tests/consumer/check_installed_api.sh): every installed
// header is included, a LigandCouplingForce is evaluated on the Reference platform (the kernel plugins loaded from
// the directory given) and compared with the Lennard-Jones energy written out here, and a System holding it goes
// through an XML round trip.
#include "AniForce.h"
#include "AniForceProxy.h"
#include "LigandCouplingForce.h"
#include "LigandCouplingForceProxy.h"
#include "LigandKernels.h"
#include "internal/AniForceImpl.h"
#include "internal/LigandCouplingForceImpl.h"
#include "openmm/Context.h"
#include "openmm/Platform.h"
#include "openmm/System.h"
#include "openmm/VerletIntegrator.h"
#include "openmm/serialization/XmlSerializer.h"
#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>

using namespace OpenMM;
using namespace OpenMMLigand;

static double energyOf(const System& system, const std::vector<Vec3>& positions) {
    VerletIntegrator integrator(0.001);
    Context context(system, integrator, Platform::getPlatformByName("Reference"));
    context.setPositions(positions);
    return context.getState(State::Energy).getPotentialEnergy();
}

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: consumer PLUGIN_DIRECTORY\n");
        return 2;
    }
    try {
        Platform::loadPluginsFromDirectory(argv[1]);
        if (!Platform::getPlatformByName("Reference").supportsKernels({CalcLigandCouplingForceKernel::Name()})) {
            std::fprintf(stderr, "the Reference platform has no %s kernel after loading %s\n",
                    CalcLigandCouplingForceKernel::Name().c_str(), argv[1]);
            return 1;
        }
        // A ligand atom and an environment atom 0.5 nm apart, uncharged: the energy at lambda = 1 is plain LJ.
        const double sigma = 0.3, epsilon = 1.2, r = 0.5;
        System system;
        auto* force = new LigandCouplingForce();
        for (int i = 0; i < 2; i++) {
            system.addParticle(12.0);
            force->addParticle(0.0, sigma, epsilon);
        }
        force->setLigandParticles({0});
        system.addForce(force);
        const std::vector<Vec3> positions = {Vec3(0, 0, 0), Vec3(r, 0, 0)};
        const double sr6 = std::pow(sigma / r, 6), expected = 4 * epsilon * (sr6 * sr6 - sr6);
        const double energy = energyOf(system, positions);
        std::stringstream xml;
        XmlSerializer::serialize<System>(&system, "System", xml);
        std::unique_ptr<System> copy(XmlSerializer::deserialize<System>(xml));
        const double copied = energyOf(*copy, positions);
        std::printf("energy %.12f kJ/mol, Lennard-Jones %.12f kJ/mol, after an XML round trip %.12f kJ/mol\n", energy,
                expected, copied);
        return std::abs(energy - expected) <= 1e-9 * std::abs(expected) && copied == energy ? 0 : 1;
    }
    catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
}
