// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
%module(package="openmmligand") openmmligand_wrapper

%{
#include "AniForce.h"
#include "LigandCouplingForce.h"
#include "openmm/Context.h"
#include "openmm/Force.h"
#include "openmm/OpenMMException.h"
#include <vector>
#ifdef OPENMM_SWIG_HEADERS
// OpenMM's SWIG declarations name every class of the openmm module, plugins' included.
#include "OpenMM.h"
#include "OpenMMAmoeba.h"
#include "OpenMMDrude.h"
#include "openmm/RPMDIntegrator.h"
#include "openmm/RPMDMonteCarloBarostat.h"
#endif
%}

// OpenMM's own SWIG header when the build found it, otherwise a stub declaring the base class.
#ifdef OPENMM_SWIG_HEADERS
%import(module="openmm.openmm") "swig/OpenMMSwigHeaders.i"
#else
%import(module="openmm.openmm") "swig/OpenMMForceStub.i"
#endif

%include "std_string.i"
%include "typemaps.i"

// C++ exceptions become openmm.OpenMMException, as in OpenMM's own wrappers.
%exception {
    try {
        $action
    }
    catch (std::exception& e) {
        PyObject* openmmModule = PyImport_ImportModule("openmm");
        PyObject* exceptionType = openmmModule ? PyObject_GetAttrString(openmmModule, "OpenMMException") : NULL;
        PyErr_SetString(exceptionType ? exceptionType : PyExc_Exception, e.what());
        Py_XDECREF(exceptionType);
        Py_XDECREF(openmmModule);
        SWIG_fail;
    }
}

// Particle index lists travel as Python sequences of ints and come back as lists.
%typemap(in) const std::vector<int>& (std::vector<int> temp) {
    PyObject* sequence = PySequence_Fast($input, "expected a sequence of particle indices");
    if (sequence == NULL)
        SWIG_fail;
    Py_ssize_t size = PySequence_Fast_GET_SIZE(sequence);
    for (Py_ssize_t i = 0; i < size; i++) {
        PyObject* item = PySequence_Fast_GET_ITEM(sequence, i);
        PyObject* index = PyNumber_Index(item);
        if (index == NULL) {
            Py_DECREF(sequence);
            PyErr_SetString(PyExc_TypeError, "particle indices must be integers");
            SWIG_fail;
        }
        long value = PyLong_AsLong(index);
        Py_DECREF(index);
        temp.push_back((int) value);
    }
    Py_DECREF(sequence);
    $1 = &temp;
}
%typemap(typecheck, precedence=SWIG_TYPECHECK_POINTER) const std::vector<int>& {
    $1 = PySequence_Check($input) ? 1 : 0;
}
%typemap(out) const std::vector<int>& {
    $result = PyList_New($1->size());
    for (size_t i = 0; i < $1->size(); i++)
        PyList_SET_ITEM($result, i, PyLong_FromLong((*$1)[i]));
}

// Lambda lists go in as sequences of floats; state energies come back as a list of floats (kJ/mol).
%typemap(in) const std::vector<double>& (std::vector<double> temp) {
    PyObject* sequence = PySequence_Fast($input, "expected a sequence of numbers");
    if (sequence == NULL)
        SWIG_fail;
    Py_ssize_t size = PySequence_Fast_GET_SIZE(sequence);
    for (Py_ssize_t i = 0; i < size; i++) {
        double value = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(sequence, i));
        if (value == -1.0 && PyErr_Occurred()) {
            Py_DECREF(sequence);
            SWIG_fail;
        }
        temp.push_back(value);
    }
    Py_DECREF(sequence);
    $1 = &temp;
}
%typemap(typecheck, precedence=SWIG_TYPECHECK_POINTER) const std::vector<double>& {
    $1 = PySequence_Check($input) ? 1 : 0;
}
%typemap(out) std::vector<double> {
    $result = PyList_New($1.size());
    for (size_t i = 0; i < $1.size(); i++)
        PyList_SET_ITEM($result, i, PyFloat_FromDouble($1[i]));
}

%typemap(out) std::vector<int> {
    $result = PyList_New($1.size());
    for (size_t i = 0; i < $1.size(); i++)
        PyList_SET_ITEM($result, i, PyLong_FromLong($1[i]));
}

%apply double& OUTPUT { double& charge, double& sigma, double& epsilon };
%apply int& OUTPUT { int& particle, int& atomicNumber };
%apply int& OUTPUT { int& particle1, int& particle2 };

// Quantities with units are accepted where a physical value goes in; getters return Quantities, as
// OpenMM's own forces do. Bare numbers are taken to be in OpenMM's units (nm, kJ/mol, e).
%pythonprepend OpenMMLigand::LigandCouplingForce::addParticle %{
    charge, sigma, epsilon = _units.in_charge(charge), _units.in_nm(sigma), _units.in_kj(epsilon)
%}
%pythonprepend OpenMMLigand::LigandCouplingForce::setParticleParameters %{
    charge, sigma, epsilon = _units.in_charge(charge), _units.in_nm(sigma), _units.in_kj(epsilon)
%}
%pythonappend OpenMMLigand::LigandCouplingForce::getParticleParameters %{
    val = _units.particle_quantities(val)
%}
%pythonprepend OpenMMLigand::LigandCouplingForce::setCutoffDistance %{
    distance = _units.in_nm(distance)
%}
%pythonprepend OpenMMLigand::LigandCouplingForce::setSwitchingDistance %{
    distance = _units.in_nm(distance)
%}
%pythonappend OpenMMLigand::LigandCouplingForce::getCutoffDistance %{
    val = _units.nm(val)
%}
%pythonappend OpenMMLigand::LigandCouplingForce::getSwitchingDistance %{
    val = _units.nm(val)
%}

// cast() returns a view into a Force another object owns: keep that object (and through it its System)
// alive as long as the view.
%pythonappend OpenMMLigand::LigandCouplingForce::cast %{
    val._owner = force
%}

%pythonappend OpenMMLigand::AniForce::getCutoffDistance %{
    val = _units.nm(val)
%}
%pythonappend OpenMMLigand::AniForce::cast %{
    val._owner = force
%}
%ignore OpenMMLigand::AniForce::getModel;

%pythoncode %{
from . import _units
%}

%feature("kwargs") OpenMMLigand::LigandCouplingForce::addParticle;
%feature("kwargs") OpenMMLigand::LigandCouplingForce::setParticleParameters;

#define OPENMM_EXPORT_LIGAND
%include "LigandCouplingForce.h"

%extend OpenMMLigand::LigandCouplingForce {
    /**
     * Return force as a LigandCouplingForce. OpenMM hands plugin forces back as plain openmm.Force
     * (System.getForce, XmlSerializer.deserialize); this recovers the full interface.
     * Raises OpenMMException if force is not a LigandCouplingForce.
     */
    static OpenMMLigand::LigandCouplingForce& cast(OpenMM::Force& force) {
        OpenMMLigand::LigandCouplingForce* typed = dynamic_cast<OpenMMLigand::LigandCouplingForce*>(&force);
        if (typed == NULL)
            throw OpenMM::OpenMMException("LigandCouplingForce.cast: the force is not a LigandCouplingForce");
        return *typed;
    }
    /** Whether force (any openmm.Force) is a LigandCouplingForce. */
    static bool isinstance(OpenMM::Force& force) {
        return dynamic_cast<OpenMMLigand::LigandCouplingForce*>(&force) != NULL;
    }
}

%include "AniForce.h"

%extend OpenMMLigand::AniForce {
    /** Return force (an openmm.Force that is an AniForce) as an AniForce; raises OpenMMException otherwise. */
    static OpenMMLigand::AniForce& cast(OpenMM::Force& force) {
        OpenMMLigand::AniForce* typed = dynamic_cast<OpenMMLigand::AniForce*>(&force);
        if (typed == NULL)
            throw OpenMM::OpenMMException("AniForce.cast: the force is not an AniForce");
        return *typed;
    }
    /** Whether force (any openmm.Force) is an AniForce. */
    static bool isinstance(OpenMM::Force& force) {
        return dynamic_cast<OpenMMLigand::AniForce*>(&force) != NULL;
    }
}
