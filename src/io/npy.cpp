// .npy reading and writing (see npy.hpp).
#include "percept/io/npy.hpp"

#include <complex>
#include <cstring>
#include <fstream>
#include <numeric>
#include <sstream>

#include "percept/core/error.hpp"

namespace percept::io {

namespace {

std::string dict_value(const std::string& header, const std::string& key, const std::string& path) {
  const auto k = header.find("'" + key + "'");
  if (k == std::string::npos) throw FormatError(path + ": .npy header has no '" + key + "'");
  auto p = header.find(':', k);
  if (p == std::string::npos) throw FormatError(path + ": malformed .npy header");
  ++p;
  while (p < header.size() && header[p] == ' ') ++p;
  return header.substr(p);
}

void write_raw(const std::string& path, const std::string& descr, const void* data, std::size_t bytes,
               const std::vector<std::size_t>& shape) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    dict += std::to_string(shape[i]);
    if (shape.size() == 1 || i + 1 < shape.size()) dict += ",";
    if (i + 1 < shape.size()) dict += " ";
  }
  dict += "), }";
  std::size_t total = 10 + dict.size() + 1;
  const std::size_t pad = (64 - total % 64) % 64;
  dict.append(pad, ' ');
  dict += '\n';
  std::ofstream f(path, std::ios::binary);
  if (!f) throw FileError(path + ": cannot open for writing");
  const unsigned char magic[8] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  f.write(reinterpret_cast<const char*>(magic), 8);
  const auto hl = static_cast<std::uint16_t>(dict.size());
  const unsigned char len[2] = {static_cast<unsigned char>(hl & 0xff), static_cast<unsigned char>(hl >> 8)};
  f.write(reinterpret_cast<const char*>(len), 2);
  f.write(dict.data(), static_cast<std::streamsize>(dict.size()));
  f.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
  if (!f) throw FileError(path + ": write failed");
}

}  // namespace

std::size_t NpyArray::size() const noexcept {
  return std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
}

std::size_t NpyArray::item_size() const {
  if (descr.size() < 3) throw FormatError("npy: bad dtype '" + descr + "'");
  return static_cast<std::size_t>(std::stoul(descr.substr(2)));
}

template <class T>
std::vector<T> NpyArray::values() const {
  const std::size_t n = size();
  std::vector<T> out(n);
  auto get = [&](std::size_t i) -> T {
    const unsigned char* p = bytes.data() + i * item_size();
    if constexpr (std::is_floating_point_v<T>) {
      if (descr == "<f4") {
        float v;
        std::memcpy(&v, p, 4);
        return static_cast<T>(v);
      }
      if (descr == "<f8") {
        double v;
        std::memcpy(&v, p, 8);
        return static_cast<T>(v);
      }
      if (descr == "<i8") {
        std::int64_t v;
        std::memcpy(&v, p, 8);
        return static_cast<T>(v);
      }
      if (descr == "|b1") return static_cast<T>(p[0] != 0);
    } else {
      using R = typename T::value_type;
      if (descr == "<c8") {
        float v[2];
        std::memcpy(v, p, 8);
        return T(static_cast<R>(v[0]), static_cast<R>(v[1]));
      }
      if (descr == "<c16") {
        double v[2];
        std::memcpy(v, p, 16);
        return T(static_cast<R>(v[0]), static_cast<R>(v[1]));
      }
    }
    throw FormatError("npy: cannot convert dtype '" + descr + "'");
  };
  if (fortran_order && shape.size() == 2) {
    const std::size_t r = shape[0], c = shape[1];
    for (std::size_t j = 0; j < c; ++j)
      for (std::size_t i = 0; i < r; ++i) out[i * c + j] = get(j * r + i);
  } else {
    for (std::size_t i = 0; i < n; ++i) out[i] = get(i);
  }
  return out;
}

template std::vector<float> NpyArray::values<float>() const;
template std::vector<double> NpyArray::values<double>() const;
template std::vector<std::complex<float>> NpyArray::values<std::complex<float>>() const;
template std::vector<std::complex<double>> NpyArray::values<std::complex<double>>() const;

NpyArray read_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw FileError(path + ": cannot open");
  unsigned char magic[8];
  if (!f.read(reinterpret_cast<char*>(magic), 8) || magic[0] != 0x93 || std::memcmp(magic + 1, "NUMPY", 5) != 0)
    throw FormatError(path + ": not a .npy file");
  std::size_t hl = 0;
  if (magic[6] == 1) {
    unsigned char b[2];
    if (!f.read(reinterpret_cast<char*>(b), 2)) throw FormatError(path + ": truncated .npy header");
    hl = b[0] | (static_cast<std::size_t>(b[1]) << 8);
  } else {
    unsigned char b[4];
    if (!f.read(reinterpret_cast<char*>(b), 4)) throw FormatError(path + ": truncated .npy header");
    hl = b[0] | (static_cast<std::size_t>(b[1]) << 8) | (static_cast<std::size_t>(b[2]) << 16) |
         (static_cast<std::size_t>(b[3]) << 24);
  }
  std::string header(hl, '\0');
  if (!f.read(header.data(), static_cast<std::streamsize>(hl))) throw FormatError(path + ": truncated .npy header");
  NpyArray a;
  auto d = dict_value(header, "descr", path);
  if (d.size() < 2 || d[0] != '\'') throw FormatError(path + ": malformed descr");
  a.descr = d.substr(1, d.find('\'', 1) - 1);
  a.fortran_order = dict_value(header, "fortran_order", path).rfind("True", 0) == 0;
  auto s = dict_value(header, "shape", path);
  const auto close = s.find(')');
  if (s.empty() || s[0] != '(' || close == std::string::npos) throw FormatError(path + ": malformed shape");
  std::stringstream ss(s.substr(1, close - 1));
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.find_first_not_of(' ') == std::string::npos) continue;
    a.shape.push_back(static_cast<std::size_t>(std::stoull(item)));
  }
  if (a.descr != "<f4" && a.descr != "<f8" && a.descr != "<c8" && a.descr != "<c16" && a.descr != "<i8" &&
      a.descr != "|b1")
    throw FormatError(path + ": unsupported dtype '" + a.descr + "'");
  const std::size_t bytes = a.size() * a.item_size();
  a.bytes.resize(bytes);
  if (!f.read(reinterpret_cast<char*>(a.bytes.data()), static_cast<std::streamsize>(bytes)))
    throw FormatError(path + ": truncated .npy data");
  return a;
}

void write_npy(const std::string& path, const float* data, const std::vector<std::size_t>& shape) {
  const std::size_t n = std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
  write_raw(path, "<f4", data, n * sizeof(float), shape);
}

void write_npy(const std::string& path, const double* data, const std::vector<std::size_t>& shape) {
  const std::size_t n = std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
  write_raw(path, "<f8", data, n * sizeof(double), shape);
}

void write_npy_complex64(const std::string& path, const void* data, const std::vector<std::size_t>& shape) {
  const std::size_t n = std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
  write_raw(path, "<c8", data, n * 8, shape);
}

}  // namespace percept::io
