// Loads OpenMM's plugins and ours from OPENMM_PLUGIN_DIR (a ':'-separated list, as ctest sets it),
// prints what failed to load, then runs the tests.
#include "openmm/Platform.h"
#include <cstdlib>
#include <gtest/gtest.h>
#include <iostream>
#include <sstream>
#include <string>

int main(int argc, char** argv) {
    const char* dirs = std::getenv("OPENMM_PLUGIN_DIR");
    std::stringstream list(dirs == nullptr ? OpenMM::Platform::getDefaultPluginsDirectory() : std::string(dirs));
    std::string dir;
    while (std::getline(list, dir, ':'))
        if (!dir.empty())
            OpenMM::Platform::loadPluginsFromDirectory(dir);
    for (const std::string& failure : OpenMM::Platform::getPluginLoadFailures())
        std::cerr << "plugin load failure: " << failure << std::endl;
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
