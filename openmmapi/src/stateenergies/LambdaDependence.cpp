// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#include "LambdaDependence.h"
#include "LigandError.h"
#include "lepton/Operation.h"
#include "lepton/ParsedExpression.h"
#include "lepton/Parser.h"
#include "openmm/CustomAngleForce.h"
#include "openmm/CustomBondForce.h"
#include "openmm/CustomCVForce.h"
#include "openmm/CustomCentroidBondForce.h"
#include "openmm/CustomCompoundBondForce.h"
#include "openmm/CustomExternalForce.h"
#include "openmm/CustomGBForce.h"
#include "openmm/CustomHbondForce.h"
#include "openmm/CustomManyParticleForce.h"
#include "openmm/CustomNonbondedForce.h"
#include "openmm/CustomTorsionForce.h"
#include <algorithm>
#include <cmath>

using namespace OpenMM;
using namespace OpenMMLigand;
using std::string;
using std::vector;

namespace {

/** The degree of base^exponent for a base of degree d: a polynomial only for a non-negative integer exponent. */
int integerPower(int d, double exponent) {
    const int none = LambdaDependence::NOT_POLYNOMIAL;
    if (d == 0)
        return 0;
    if (exponent >= 0 && exponent == std::floor(exponent) && exponent * d < none)
        return (int) exponent * d;
    return none;
}

int nodeDegree(const Lepton::ExpressionTreeNode& node, const string& variable) {
    const Lepton::Operation& op = node.getOperation();
    vector<int> child;
    for (const Lepton::ExpressionTreeNode& c : node.getChildren())
        child.push_back(nodeDegree(c, variable));
    const int none = LambdaDependence::NOT_POLYNOMIAL;
    auto capped = [none](int d) { return std::min(d, none); };
    switch (op.getId()) {
    case Lepton::Operation::CONSTANT:
        return 0;
    case Lepton::Operation::VARIABLE:
        return op.getName() == variable ? 1 : 0;
    case Lepton::Operation::ADD:
    case Lepton::Operation::SUBTRACT:
        return std::max(child[0], child[1]);
    case Lepton::Operation::MULTIPLY:
        return capped(child[0] + child[1]);
    case Lepton::Operation::DIVIDE:
        return child[1] == 0 ? child[0] : none;
    case Lepton::Operation::NEGATE:
    case Lepton::Operation::ADD_CONSTANT:
    case Lepton::Operation::MULTIPLY_CONSTANT:
        return child[0];
    case Lepton::Operation::SQUARE:
        return capped(2 * child[0]);
    case Lepton::Operation::CUBE:
        return capped(3 * child[0]);
    case Lepton::Operation::POWER_CONSTANT:
        return integerPower(child[0], dynamic_cast<const Lepton::Operation::PowerConstant&>(op).getValue());
    case Lepton::Operation::POWER: {
        // x^c with a constant c (as the parser leaves it before optimize()).
        const Lepton::ExpressionTreeNode& exponent = node.getChildren()[1];
        if (exponent.getOperation().getId() == Lepton::Operation::CONSTANT)
            return integerPower(
                    child[0], dynamic_cast<const Lepton::Operation::Constant&>(exponent.getOperation()).getValue());
        return (child[0] == 0 && child[1] == 0) ? 0 : none;
    }
    default:
        // Any other function (exp, step, select, min, abs, a tabulated function, a power with a variable exponent
        // ...): a polynomial only if the variable does not reach it.
        for (int d : child)
            if (d != 0)
                return none;
        return 0;
    }
}

/** The parameters a force reports derivatives for (CustomExternalForce and a few others cannot). */
template <class T>
auto derivativeNamesOf(const T& force, int) -> decltype(force.getNumEnergyParameterDerivatives(), vector<string>()) {
    vector<string> names;
    for (int i = 0; i < force.getNumEnergyParameterDerivatives(); i++)
        names.push_back(force.getEnergyParameterDerivativeName(i));
    return names;
}

template <class T>
vector<string> derivativeNamesOf(const T&, long) {
    return vector<string>();
}

/** The energy expression and derivative requests of a Custom force (false if force is not one of these kinds). */
template <class T>
bool readCustom(const Force& force, const char* kind, string& expression, vector<string>& globals,
        vector<string>& derivatives, string& kindName) {
    const T* custom = dynamic_cast<const T*>(&force);
    if (custom == nullptr)
        return false;
    expression = custom->getEnergyFunction();
    for (int i = 0; i < custom->getNumGlobalParameters(); i++)
        globals.push_back(custom->getGlobalParameterName(i));
    derivatives = derivativeNamesOf(*custom, 0);
    kindName = kind;
    return true;
}

bool readAnyCustom(const Force& f, string& expression, vector<string>& globals, vector<string>& derivatives,
        string& kind, bool& expressionIsEnergy) {
    expressionIsEnergy = true;
    if (readCustom<CustomBondForce>(f, "CustomBondForce", expression, globals, derivatives, kind) ||
            readCustom<CustomAngleForce>(f, "CustomAngleForce", expression, globals, derivatives, kind) ||
            readCustom<CustomTorsionForce>(f, "CustomTorsionForce", expression, globals, derivatives, kind) ||
            readCustom<CustomExternalForce>(f, "CustomExternalForce", expression, globals, derivatives, kind) ||
            readCustom<CustomNonbondedForce>(f, "CustomNonbondedForce", expression, globals, derivatives, kind) ||
            readCustom<CustomCompoundBondForce>(f, "CustomCompoundBondForce", expression, globals, derivatives, kind) ||
            readCustom<CustomCentroidBondForce>(f, "CustomCentroidBondForce", expression, globals, derivatives, kind) ||
            readCustom<CustomHbondForce>(f, "CustomHbondForce", expression, globals, derivatives, kind) ||
            readCustom<CustomManyParticleForce>(f, "CustomManyParticleForce", expression, globals, derivatives, kind))
        return true;
    // Their energies are not a sum of one expression's values: dependence known, degree not read.
    expressionIsEnergy = false;
    if (readCustom<CustomCVForce>(f, "CustomCVForce", expression, globals, derivatives, kind))
        return true;
    const CustomGBForce* gb = dynamic_cast<const CustomGBForce*>(&f);
    if (gb != nullptr) {
        for (int i = 0; i < gb->getNumGlobalParameters(); i++)
            globals.push_back(gb->getGlobalParameterName(i));
        for (int i = 0; i < gb->getNumEnergyParameterDerivatives(); i++)
            derivatives.push_back(gb->getEnergyParameterDerivativeName(i));
        kind = "CustomGBForce";
        return true;
    }
    return false;
}

/** Whether a NonbondedForce has offsets driven by this parameter; with chargesOnly, a sigma/epsilon offset throws. */
bool hasOffsets(const NonbondedForce& force, int index, const string& name, bool chargesOnly, const string& caller) {
    string parameter;
    int particle;
    double charge, sigma, epsilon;
    bool found = false;
    for (int i = 0; i < force.getNumParticleParameterOffsets() + force.getNumExceptionParameterOffsets(); i++) {
        if (i < force.getNumParticleParameterOffsets())
            force.getParticleParameterOffset(i, parameter, particle, charge, sigma, epsilon);
        else
            force.getExceptionParameterOffset(
                    i - force.getNumParticleParameterOffsets(), parameter, particle, charge, sigma, epsilon);
        if (parameter != name)
            continue;
        found = true;
        if (chargesOnly && (sigma != 0.0 || epsilon != 0.0))
            throwLigandError(caller, ": the NonbondedForce (force ", index, ") offsets sigma or epsilon by '", name,
                    "'; only charge offsets keep its energy a polynomial in it");
    }
    return found;
}

bool contains(const vector<string>& names, const string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

} // namespace

int LambdaDependence::degree(const string& expression, const string& variable) {
    return nodeDegree(Lepton::Parser::parse(expression).getRootNode(), variable);
}

LambdaDependence::LambdaDependence(const System& system, const LigandCouplingForce& owner, const string& caller) {
    const string sterics = owner.getStericsParameterName(), electrostatics = owner.getElectrostaticsParameterName();
    for (int i = 0; i < system.getNumForces(); i++) {
        const Force& force = system.getForce(i);
        if (&force == &owner)
            continue;
        DependentForce entry{i, force.getForceGroup(), "", false, 0, 0, false, false};
        const NonbondedForce* nonbonded = dynamic_cast<const NonbondedForce*>(&force);
        const LigandCouplingForce* other = dynamic_cast<const LigandCouplingForce*>(&force);
        string expression, kind;
        vector<string> globals, derivatives;
        bool expressionIsEnergy;
        if (nonbonded != nullptr) {
            if (hasOffsets(*nonbonded, i, sterics, false, caller))
                throwLigandError(caller, ": the NonbondedForce (force ", i, ") has parameter offsets driven by '",
                        sterics,
                        "', the softcore sterics parameter; only its electrostatics parameter may drive offsets");
            if (!hasOffsets(*nonbonded, i, electrostatics, true, caller))
                continue;
            entry.kind = "NonbondedForce";
            entry.nonbondedOffsets = true;
            entry.electrostaticsDegree = 2;
            offsetNonbonded.push_back(nonbonded);
            offsetNonbondedGroups |= 1 << entry.group;
        }
        else if (other != nullptr) {
            for (const string& name : {other->getStericsParameterName(), other->getElectrostaticsParameterName()})
                if (name == sterics || name == electrostatics)
                    throwLigandError(caller, ": another LigandCouplingForce (force ", i, ") uses the parameter '", name,
                            "' too");
            continue;
        }
        else if (readAnyCustom(force, expression, globals, derivatives, kind, expressionIsEnergy)) {
            bool usesSterics = contains(globals, sterics), usesElectrostatics = contains(globals, electrostatics);
            if (!usesSterics && !usesElectrostatics)
                continue;
            entry.kind = kind + (force.getName() == kind ? "" : " '" + force.getName() + "'");
            if (usesSterics)
                entry.stericsDegree = expressionIsEnergy ? std::max(1, degree(expression, sterics)) : NOT_POLYNOMIAL;
            if (usesElectrostatics)
                entry.electrostaticsDegree =
                        expressionIsEnergy ? std::max(1, degree(expression, electrostatics)) : NOT_POLYNOMIAL;
            entry.reportsStericsDerivative = contains(derivatives, sterics);
            entry.reportsElectrostaticsDerivative = contains(derivatives, electrostatics);
        }
        else
            continue; // OpenMM's other forces have no global parameters
        forces.push_back(entry);
    }
}
