// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
//
// Loads OpenMM's plugins and ours from OPENMM_PLUGIN_DIR (a ':'-separated list, as ctest sets it), then checks
// that every platform this build made a plugin for (OPENMMLIGAND_BUILT_PLATFORMS) and that OpenMM has loaded
// supports our kernel: a plugin that was built but did not load fails the run, instead of its platform's cases
// silently vanishing. A platform OpenMM itself could not load (CUDA without a driver) is reported and skipped.
#include "openmm/Platform.h"
#include <cstdlib>
#include <gtest/gtest.h>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {
std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::stringstream list(text);
    std::string part;
    while (std::getline(list, part, separator))
        if (!part.empty())
            parts.push_back(part);
    return parts;
}

bool platformLoaded(const std::string& name) {
    for (int i = 0; i < OpenMM::Platform::getNumPlatforms(); i++)
        if (OpenMM::Platform::getPlatform(i).getName() == name)
            return true;
    return false;
}
} // namespace

int main(int argc, char** argv) {
    const char* dirs = std::getenv("OPENMM_PLUGIN_DIR");
    for (const std::string& dir : split(dirs == nullptr ? OpenMM::Platform::getDefaultPluginsDirectory() : dirs, ':'))
        OpenMM::Platform::loadPluginsFromDirectory(dir);
    const std::vector<std::string>& failures = OpenMM::Platform::getPluginLoadFailures();
    for (const std::string& failure : failures)
        std::cerr << "plugin load failure: " << failure << std::endl;
    std::vector<std::string> missing;
    for (const std::string& name : split(OPENMMLIGAND_BUILT_PLATFORMS, ',')) {
        if (!platformLoaded(name))
            std::cerr << "OpenMM has no " << name << " platform here: its openmm-ligand plugin is not tested"
                      << std::endl;
        else if (!OpenMM::Platform::getPlatformByName(name).supportsKernels({"CalcLigandCouplingForce"}))
            missing.push_back(name);
    }
    if (!missing.empty()) {
        for (const std::string& name : missing)
            std::cerr << "FAILED: the openmm-ligand " << name << " plugin was built but did not load" << std::endl;
        return 1;
    }
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
