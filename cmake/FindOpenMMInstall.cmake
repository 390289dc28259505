# Finds an installed OpenMM (Debian's under /usr by default, or a conda/own build through OPENMM_DIR)
# and defines the imported target OpenMM::OpenMM plus OPENMM_PLUGIN_INSTALL_DIR, the directory
# OpenMM loads plugins from, so `cmake --install` puts ours beside its own.
set(OPENMM_DIR "/usr" CACHE PATH "Where OpenMM is installed (contains include/openmm and lib)")
find_path(OPENMM_INCLUDE_DIR OpenMM.h PATHS ${OPENMM_DIR}/include NO_DEFAULT_PATH)
find_library(OPENMM_LIBRARY OpenMM
  PATHS ${OPENMM_DIR}/lib ${OPENMM_DIR}/lib/${CMAKE_LIBRARY_ARCHITECTURE} NO_DEFAULT_PATH)
if(NOT OPENMM_INCLUDE_DIR OR NOT OPENMM_LIBRARY)
  message(FATAL_ERROR "OpenMM not found under OPENMM_DIR=${OPENMM_DIR} "
                      "(on Debian: apt-get install libopenmm-dev libopenmm-plugins)")
endif()
get_filename_component(OPENMM_LIBRARY_DIR ${OPENMM_LIBRARY} DIRECTORY)
# Debian keeps plugins in <libdir>/openmm/plugins, OpenMM's own installs in <libdir>/plugins.
if(EXISTS ${OPENMM_LIBRARY_DIR}/openmm/plugins)
  set(_plugin_dir ${OPENMM_LIBRARY_DIR}/openmm/plugins)
else()
  set(_plugin_dir ${OPENMM_LIBRARY_DIR}/plugins)
endif()
set(OPENMM_PLUGIN_INSTALL_DIR ${_plugin_dir} CACHE PATH "Where OpenMM loads plugins from")
set(OPENMM_DEFAULT_PLUGIN_DIR ${_plugin_dir})
# Platform headers include their siblings without a directory ("ReferencePlatform.h").
set(_inc_root ${OPENMM_INCLUDE_DIR})
add_library(OpenMM::OpenMM SHARED IMPORTED)
set_target_properties(OpenMM::OpenMM PROPERTIES
  IMPORTED_LOCATION ${OPENMM_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES "${_inc_root}")
set(OPENMM_REFERENCE_INCLUDE_DIR ${_inc_root}/openmm/reference)
set(OPENMM_CPU_INCLUDE_DIR ${_inc_root}/openmm/cpu)
message(STATUS "OpenMM: ${OPENMM_LIBRARY}, headers ${_inc_root}, plugins ${OPENMM_PLUGIN_INSTALL_DIR}")
