// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the openmm-ligand developers
#include "AniModel.h"
#include <algorithm>
#include <bzlib.h>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

using namespace OpenMMLigand;
namespace fs = std::filesystem;

namespace {

const char* const PERIODIC_TABLE[] = {"", "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si",
        "P", "S", "Cl", "Ar", "K", "Ca", "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As",
        "Se", "Br", "Kr", "Rb", "Sr", "Y", "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te",
        "I", "Xe"};

int atomicNumberOf(const std::string& symbol, const std::string& file) {
    for (int z = 1; z < (int) (sizeof(PERIODIC_TABLE) / sizeof(PERIODIC_TABLE[0])); z++)
        if (symbol == PERIODIC_TABLE[z])
            return z;
    throwAniError(file, ": unknown element '", symbol, "'");
}

/** Reads files and hashes every byte read (FNV-1a, 64 bit). */
class HashingReader {
public:
    std::string read(const fs::path& path) {
        std::ifstream in(path, std::ios::binary);
        if (!in)
            throwAniError("cannot read the model file ", path.string());
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        for (unsigned char c : bytes) {
            hash ^= c;
            hash *= 1099511628211ULL;
        }
        return bytes;
    }
    std::string checksum() const {
        char text[17];
        snprintf(text, sizeof(text), "%016llx", (unsigned long long) hash);
        return text;
    }

private:
    uint64_t hash = 14695981039346656037ULL;
};

std::string trim(const std::string& s) {
    size_t a = s.find_first_not_of(" \t\r\n"), b = s.find_last_not_of(" \t\r\n");
    return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

/** "[a,b,c]" -> {"a", "b", "c"}. */
std::vector<std::string> listItems(const std::string& value, const std::string& file) {
    std::string v = trim(value);
    if (v.size() < 2 || v.front() != '[' || v.back() != ']')
        throwAniError(file, ": expected a [list], got '", v, "'");
    std::vector<std::string> items;
    std::string item;
    for (char c : v.substr(1, v.size() - 2)) {
        if (c == ',') {
            items.push_back(trim(item));
            item.clear();
        }
        else
            item += c;
    }
    if (!trim(item).empty())
        items.push_back(trim(item));
    return items;
}

/** The value as a float32 holds it: NeuroChem trained the models with float32 parameters, and TorchANI (the peer
 * AniForce is tested against) holds the AEV parameters and self energies as float32 too. */
double asFloat32(double value) {
    return (double) (float) value;
}

std::vector<double> float32Numbers(const std::vector<double>& values) {
    std::vector<double> result;
    for (double v : values)
        result.push_back(asFloat32(v));
    return result;
}

std::vector<double> numbers(const std::vector<std::string>& items, const std::string& file) {
    std::vector<double> result;
    for (const std::string& item : items) {
        try {
            size_t used;
            result.push_back(std::stod(item, &used));
            if (used != item.size())
                throw std::invalid_argument(item);
        }
        catch (const std::exception&) {
            throwAniError(file, ": '", item, "' is not a number");
        }
    }
    return result;
}

std::vector<float> floats(const std::string& bytes, size_t count, const fs::path& path) {
    if (bytes.size() != 4 * count)
        throwAniError(path.string(), " holds ", bytes.size(), " bytes; the network file says ", count,
                " float32 values (", 4 * count, " bytes)");
    std::vector<float> values(count);
    std::memcpy(values.data(), bytes.data(), bytes.size());
    for (float v : values)
        if (!std::isfinite(v))
            throwAniError(path.string(), " holds a non-finite parameter");
    return values;
}

/** The text of a NeuroChem .nnf file: a header line ending in '=', then bzip2-compressed text. */
std::string nnfText(const std::string& bytes, const fs::path& path) {
    size_t start = bytes.find('=');
    if (start == std::string::npos || start + 2 > bytes.size())
        throwAniError(path.string(), ": not a NeuroChem network file (no header)");
    std::string compressed = bytes.substr(start + 2);
    for (unsigned int size = 1 << 16; size <= (1u << 26); size *= 4) {
        std::vector<char> out(size);
        unsigned int length = size;
        int status = BZ2_bzBuffToBuffDecompress(
                out.data(), &length, const_cast<char*>(compressed.data()), compressed.size(), 0, 0);
        if (status == BZ_OK)
            return std::string(out.data(), length);
        if (status != BZ_OUTBUFF_FULL)
            throwAniError(path.string(), ": its compressed part is not valid bzip2 data");
    }
    throwAniError(path.string(), ": its decompressed text is implausibly large");
}

/** key=value; pairs of one block of .nnf text. */
std::map<std::string, std::string> keyValues(const std::string& text) {
    std::map<std::string, std::string> result;
    size_t pos = 0;
    while (true) {
        size_t eq = text.find('=', pos);
        if (eq == std::string::npos)
            break;
        size_t end = text.find(';', eq);
        if (end == std::string::npos)
            break;
        size_t keyStart = text.find_last_of(" \t\r\n[", eq);
        keyStart = keyStart == std::string::npos ? pos : std::max(keyStart + 1, pos);
        result[trim(text.substr(keyStart, eq - keyStart))] = trim(text.substr(eq + 1, end - eq - 1));
        pos = end + 1;
    }
    return result;
}

int integerValue(const std::map<std::string, std::string>& block, const std::string& key, const fs::path& path) {
    auto it = block.find(key);
    if (it == block.end())
        throwAniError(path.string(), ": a layer has no '", key, "'");
    try {
        return std::stoi(it->second);
    }
    catch (const std::exception&) {
        throwAniError(path.string(), ": '", key, "=", it->second, "' is not an integer");
    }
}

/** "FILE:name[count]" -> (name, count). */
std::pair<std::string, size_t> fileReference(
        const std::map<std::string, std::string>& block, const std::string& key, const fs::path& path) {
    auto it = block.find(key);
    if (it == block.end() || it->second.rfind("FILE:", 0) != 0)
        throwAniError(path.string(), ": a layer has no '", key, "=FILE:...'");
    std::string v = it->second.substr(5);
    size_t open = v.find('['), close = v.find(']');
    if (open == std::string::npos || close == std::string::npos || close < open)
        throwAniError(path.string(), ": cannot read '", it->second, "'");
    return {v.substr(0, open), (size_t) std::stoul(v.substr(open + 1, close - open - 1))};
}

AniNetwork readNetwork(const fs::path& path, int aevLength, HashingReader& reader) {
    std::string text = nnfText(reader.read(path), path);
    std::map<std::string, std::string> header = keyValues(text.substr(0, text.find("layer")));
    if (header.count("inputsize") && std::stoi(header["inputsize"]) != aevLength)
        throwAniError(path.string(), ": inputsize=", header["inputsize"], " but the AEV parameters give ", aevLength);
    AniNetwork network;
    size_t pos = 0;
    int inputs = aevLength;
    while ((pos = text.find("layer [", pos)) != std::string::npos) {
        // A block ends at a ']' that starts a line (the ']' of "FILE:name[count]" does not).
        size_t blockEnd = text.find("\n]", pos);
        if (blockEnd == std::string::npos)
            throwAniError(path.string(), ": a layer block is not closed");
        std::map<std::string, std::string> block = keyValues(text.substr(pos + 7, blockEnd - pos - 7));
        AniLayer layer;
        layer.inputs = inputs;
        layer.outputs = integerValue(block, "nodes", path);
        int blocksize = integerValue(block, "blocksize", path);
        if (blocksize != inputs)
            throwAniError(path.string(), ": layer ", network.layers.size() + 1, " takes ", blocksize,
                    " inputs but the layer before gives ", inputs);
        int activation = integerValue(block, "activation", path);
        if (activation != AniLayer::Identity && activation != AniLayer::Celu)
            throwAniError(path.string(), ": activation code ", activation,
                    " is not supported (6: identity and 9: CELU(0.1) are)");
        layer.activation = (AniLayer::Activation) activation;
        auto weights = fileReference(block, "weights", path);
        auto biases = fileReference(block, "biases", path);
        if (weights.second != (size_t) layer.inputs * layer.outputs || biases.second != (size_t) layer.outputs)
            throwAniError(path.string(), ": layer ", network.layers.size() + 1, " declares ", weights.second,
                    " weights and ", biases.second, " biases for ", layer.inputs, " -> ", layer.outputs, " nodes");
        fs::path folder = path.parent_path();
        layer.weights = floats(reader.read(folder / weights.first), weights.second, folder / weights.first);
        layer.biases = floats(reader.read(folder / biases.first), biases.second, folder / biases.first);
        inputs = layer.outputs;
        network.layers.push_back(std::move(layer));
        pos = blockEnd + 2;
    }
    if (network.layers.empty())
        throwAniError(path.string(), ": no layers");
    if (network.layers.back().outputs != 1)
        throwAniError(path.string(), ": the last layer has ", network.layers.back().outputs, " outputs, not 1");
    return network;
}

} // namespace

int AniModel::speciesPairIndex(int a, int b) const {
    if (a > b)
        std::swap(a, b);
    int s = numSpecies();
    return a * s - a * (a - 1) / 2 + (b - a);
}

int AniModel::speciesOf(int atomicNumber) const {
    for (int i = 0; i < (int) atomicNumbers.size(); i++)
        if (atomicNumbers[i] == atomicNumber)
            return i;
    return -1;
}

std::shared_ptr<const AniModel> AniModel::load(const std::string& directoryName) {
    fs::path directory(directoryName);
    if (!fs::is_directory(directory))
        throwAniError("the model directory ", directoryName, " does not exist");
    auto model = std::make_shared<AniModel>();
    model->directory = fs::absolute(directory).lexically_normal().string();
    HashingReader reader;

    // The AEV parameters: the one *.params file.
    std::vector<fs::path> paramFiles;
    for (const auto& entry : fs::directory_iterator(directory))
        if (entry.path().extension() == ".params")
            paramFiles.push_back(entry.path());
    if (paramFiles.size() != 1)
        throwAniError("the model directory ", directoryName, " must hold exactly one *.params file (AEV parameters), ",
                "it holds ", paramFiles.size());
    const std::string paramsName = paramFiles[0].string();
    std::map<std::string, std::string> params;
    {
        std::istringstream lines(reader.read(paramFiles[0]));
        std::string line;
        while (std::getline(lines, line)) {
            size_t eq = line.find('=');
            if (eq != std::string::npos)
                params[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
        }
    }
    auto need = [&](const std::string& key) {
        if (!params.count(key))
            throwAniError(paramsName, ": no '", key, "'");
        return params[key];
    };
    model->radialCutoff = numbers({need("Rcr")}, paramsName)[0];
    model->angularCutoff = numbers({need("Rca")}, paramsName)[0];
    model->radialEta = float32Numbers(numbers(listItems(need("EtaR"), paramsName), paramsName));
    model->radialShifts = float32Numbers(numbers(listItems(need("ShfR"), paramsName), paramsName));
    model->angularZeta = float32Numbers(numbers(listItems(need("Zeta"), paramsName), paramsName));
    model->angleShifts = float32Numbers(numbers(listItems(need("ShfZ"), paramsName), paramsName));
    model->angularEta = float32Numbers(numbers(listItems(need("EtaA"), paramsName), paramsName));
    model->angularShifts = float32Numbers(numbers(listItems(need("ShfA"), paramsName), paramsName));
    model->elements = listItems(need("Atyp"), paramsName);
    if (model->radialCutoff <= 0 || model->angularCutoff <= 0 || model->angularCutoff > model->radialCutoff)
        throwAniError(paramsName, ": the cutoffs must satisfy 0 < Rca <= Rcr");
    if (model->elements.empty() || model->radialEta.empty() || model->radialShifts.empty() ||
            model->angularZeta.empty() || model->angleShifts.empty() || model->angularEta.empty() ||
            model->angularShifts.empty())
        throwAniError(paramsName, ": an AEV parameter list is empty");
    for (const std::string& e : model->elements)
        model->atomicNumbers.push_back(atomicNumberOf(e, paramsName));

    // Self energies: lines "H,0=-0.5978...".
    const fs::path saePath = directory / "sae_linfit.dat";
    model->selfEnergies.assign(model->elements.size(), 0.0);
    std::vector<bool> seen(model->elements.size(), false);
    {
        std::istringstream lines(reader.read(saePath));
        std::string line;
        while (std::getline(lines, line)) {
            size_t comma = line.find(','), eq = line.find('=');
            if (comma == std::string::npos || eq == std::string::npos)
                continue;
            std::string symbol = trim(line.substr(0, comma));
            auto it = std::find(model->elements.begin(), model->elements.end(), symbol);
            if (it == model->elements.end())
                throwAniError(saePath.string(), ": element ", symbol, " is not among the model's species");
            int s = it - model->elements.begin();
            model->selfEnergies[s] = asFloat32(numbers({trim(line.substr(eq + 1))}, saePath.string())[0]);
            seen[s] = true;
        }
    }
    for (size_t s = 0; s < seen.size(); s++)
        if (!seen[s])
            throwAniError(saePath.string(), ": no self energy for ", model->elements[s]);

    // The ensemble: train0 .. train<N-1>, every one whole. N is the highest trainK present plus one, and for the
    // published ANI-2x (its AEV parameter file's name) the eight members it was published with: a member deleted,
    // emptied or left out must not load silently as a smaller ensemble with another energy.
    int numMembers = 0;
    for (const auto& entry : fs::directory_iterator(directory)) {
        const std::string name = entry.path().filename().string();
        if (name.size() > 5 && name.compare(0, 5, "train") == 0 &&
                name.find_first_not_of("0123456789", 5) == std::string::npos && name.size() < 9)
            numMembers = std::max(numMembers, std::stoi(name.substr(5)) + 1);
    }
    const bool publishedAni2x = (paramFiles[0].filename() == "rHCNOSFCl-5.1R_16-3.5A_a8-4.params");
    if (publishedAni2x && numMembers < 8)
        numMembers = 8;
    if (numMembers == 0)
        throwAniError("the model directory ", directoryName, " has no ensemble member (train0/networks)");
    for (int member = 0; member < numMembers; member++) {
        const std::string memberName = "train" + std::to_string(member);
        fs::path networks = directory / memberName / "networks";
        if (!fs::is_directory(networks))
            throwAniError("the model directory ", directoryName, " lacks ensemble member ", memberName, " (",
                    memberName, "/networks) of its ", numMembers, publishedAni2x ? " (ANI-2x is published with 8)" : "",
                    ": restore it from the model's source");
        std::vector<AniNetwork> perSpecies;
        for (const std::string& e : model->elements)
            perSpecies.push_back(readNetwork(networks / ("ANN-" + e + ".nnf"), model->aevLength(), reader));
        model->networks.push_back(std::move(perSpecies));
    }
    model->checksum = reader.checksum();
    return model;
}
