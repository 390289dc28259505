# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the openmm-ligand developers
#
# Finds the OpenMM to build against and checks that it is one we support.
#
# OPENMM_DIR (the prefix holding include/OpenMM.h and lib/libOpenMM.so) defaults to the OpenMM that the Python
# interpreter Python3_EXECUTABLE imports: the parent of openmm.version.openmm_library_path for pip's and
# conda's openmm (site-packages/OpenMM.libs for the wheels), /usr for Debian's python3-openmm, whose
# openmm_library_path is empty.
#
# Defines the imported target OpenMM::OpenMM and OPENMM_VERSION (e.g. 8.6.1), OPENMM_VERSION_MAJOR/MINOR,
# OPENMM_INCLUDE_DIR, OPENMM_PLUGIN_INSTALL_DIR (where OpenMM loads plugins from) and OPENMM_DEFAULT_PLUGIN_DIR.
set(OPENMMLIGAND_SUPPORTED_OPENMM "7.7 and 8.4 to 8.6 (tested: 7.7.0 from Debian, 8.6.1 from pip)")

if(NOT OPENMM_DIR)
  if(NOT Python3_EXECUTABLE)
    message(FATAL_ERROR "openmm-ligand: give -DOPENMM_DIR=<OpenMM prefix> or -DPython3_EXECUTABLE=<a Python that "
                        "imports openmm>; supported OpenMM: ${OPENMMLIGAND_SUPPORTED_OPENMM}")
  endif()
  # Under pip's build isolation the interpreter is the target environment's but its site-packages is hidden:
  # then openmm/version.py (plain Python) is read from that environment's own site directory.
  execute_process(
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/openmm_location.py
    RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "openmm-ligand: ${Python3_EXECUTABLE} cannot import openmm:\n${_err}\n"
                        "Install OpenMM into that Python (pip install openmm==8.6.1), choose another Python with "
                        "-DPython3_EXECUTABLE=..., or give -DOPENMM_DIR=<OpenMM prefix>. "
                        "Supported: ${OPENMMLIGAND_SUPPORTED_OPENMM}.")
  endif()
  string(REPLACE "\n" ";" _out "${_out}")
  list(GET _out 0 _dir)
  list(GET _out 1 OPENMM_PYTHON_VERSION)
  if(_dir STREQUAL "")
    set(_dir /usr)  # Debian's python3-openmm: the library is in the system's library directory
  endif()
  set(OPENMM_DIR ${_dir} CACHE PATH "Where OpenMM is installed (contains include/OpenMM.h and lib)")
  message(STATUS "openmm-ligand: ${Python3_EXECUTABLE} imports OpenMM ${OPENMM_PYTHON_VERSION} from ${OPENMM_DIR}")
endif()

find_path(OPENMM_INCLUDE_DIR OpenMM.h PATHS ${OPENMM_DIR}/include NO_DEFAULT_PATH)
find_library(OPENMM_LIBRARY OpenMM
  PATHS ${OPENMM_DIR}/lib ${OPENMM_DIR}/lib/${CMAKE_LIBRARY_ARCHITECTURE} NO_DEFAULT_PATH)
if(NOT OPENMM_INCLUDE_DIR OR NOT OPENMM_LIBRARY)
  message(FATAL_ERROR "openmm-ligand: OpenMM not found under OPENMM_DIR=${OPENMM_DIR} (include/OpenMM.h: "
                      "${OPENMM_INCLUDE_DIR}; libOpenMM.so: ${OPENMM_LIBRARY}). pip install openmm==8.6.1, or on "
                      "Debian apt-get install libopenmm-dev libopenmm-plugins. Supported: ${OPENMMLIGAND_SUPPORTED_OPENMM}.")
endif()

get_filename_component(OPENMM_LIBRARY_DIR ${OPENMM_LIBRARY} DIRECTORY)

# The version, from the library itself: a program that links and runs against it also proves the C++ ABI
# matches (pip wheels before 8.4 use the old one, _GLIBCXX_USE_CXX11_ABI=0).
set(_probe ${CMAKE_BINARY_DIR}/CMakeFiles/openmm_version_probe.cpp)
file(WRITE ${_probe} "#include \"OpenMM.h\"\n#include <iostream>\n"
                     "int main() { std::cout << OpenMM::Platform::getOpenMMVersion(); return 0; }\n")
try_run(_probe_run _probe_compiled ${CMAKE_BINARY_DIR}/CMakeFiles/openmm_version_probe ${_probe}
  CMAKE_FLAGS "-DINCLUDE_DIRECTORIES=${OPENMM_INCLUDE_DIR}" "-DCMAKE_BUILD_RPATH=${OPENMM_LIBRARY_DIR}"
  LINK_LIBRARIES ${OPENMM_LIBRARY}
  CXX_STANDARD 17
  COMPILE_OUTPUT_VARIABLE _probe_compile_output RUN_OUTPUT_VARIABLE OPENMM_VERSION)
if(NOT _probe_compiled OR NOT _probe_run EQUAL 0)
  message(FATAL_ERROR "openmm-ligand: cannot build and run a program against ${OPENMM_LIBRARY}. OpenMM wheels "
                      "before 8.4 are built with the old C++ ABI and are not supported. Supported: "
                      "${OPENMMLIGAND_SUPPORTED_OPENMM}.\n${_probe_compile_output}")
endif()
string(STRIP "${OPENMM_VERSION}" OPENMM_VERSION)
string(REGEX MATCH "^([0-9]+)\\.([0-9]+)" _mm "${OPENMM_VERSION}")
set(OPENMM_VERSION_MAJOR ${CMAKE_MATCH_1})
set(OPENMM_VERSION_MINOR ${CMAKE_MATCH_2})
if(NOT (OPENMM_VERSION VERSION_GREATER_EQUAL 7.7 AND OPENMM_VERSION VERSION_LESS 7.8) AND
   NOT (OPENMM_VERSION VERSION_GREATER_EQUAL 8.4 AND OPENMM_VERSION VERSION_LESS 8.7))
  message(FATAL_ERROR "openmm-ligand: found OpenMM ${OPENMM_VERSION} (${OPENMM_LIBRARY}); supported: "
                      "${OPENMMLIGAND_SUPPORTED_OPENMM}.")
endif()
if(OPENMM_PYTHON_VERSION AND NOT OPENMM_PYTHON_VERSION VERSION_EQUAL OPENMM_VERSION)
  message(FATAL_ERROR "openmm-ligand: ${Python3_EXECUTABLE} imports OpenMM ${OPENMM_PYTHON_VERSION} but the "
                      "library in ${OPENMM_DIR} is OpenMM ${OPENMM_VERSION}")
endif()

# Debian keeps plugins in <libdir>/openmm/plugins, OpenMM's own installs (and the wheels) in <libdir>/plugins.
if(EXISTS ${OPENMM_LIBRARY_DIR}/openmm/plugins)
  set(_plugin_dir ${OPENMM_LIBRARY_DIR}/openmm/plugins)
else()
  set(_plugin_dir ${OPENMM_LIBRARY_DIR}/plugins)
endif()
set(OPENMM_PLUGIN_INSTALL_DIR ${_plugin_dir} CACHE PATH "Where OpenMM loads plugins from")
set(OPENMM_DEFAULT_PLUGIN_DIR ${_plugin_dir})
# Platform headers include their siblings without a directory ("ReferencePlatform.h").
add_library(OpenMM::OpenMM SHARED IMPORTED)
set_target_properties(OpenMM::OpenMM PROPERTIES
  IMPORTED_LOCATION ${OPENMM_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES "${OPENMM_INCLUDE_DIR}")
set(OPENMM_REFERENCE_INCLUDE_DIR ${OPENMM_INCLUDE_DIR}/openmm/reference)
set(OPENMM_CPU_INCLUDE_DIR ${OPENMM_INCLUDE_DIR}/openmm/cpu)
message(STATUS "openmm-ligand: OpenMM ${OPENMM_VERSION}: ${OPENMM_LIBRARY}, headers ${OPENMM_INCLUDE_DIR}, "
               "plugins ${OPENMM_PLUGIN_INSTALL_DIR}")
