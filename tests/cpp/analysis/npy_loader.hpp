// Minimal reader of the little-endian .npy fixtures in tests/data (float32, float64, int64; C or
// Fortran order), for the analysis parity tests.
#pragma once

#include <complex>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace percept::test {

struct NpyArray {
  std::string descr;
  bool fortran = false;
  std::vector<std::size_t> shape;
  std::vector<char> bytes;

  [[nodiscard]] std::size_t size() const {
    std::size_t n = 1;
    for (auto s : shape) n *= s;
    return n;
  }
  /// Values converted to double, in C (row-major) order.
  [[nodiscard]] std::vector<double> as_double() const {
    const std::size_t n = size();
    std::vector<double> flat(n);
    for (std::size_t i = 0; i < n; ++i) {
      if (descr == "<f4") {
        float v;
        std::memcpy(&v, bytes.data() + 4 * i, 4);
        flat[i] = v;
      } else if (descr == "<f8") {
        std::memcpy(&flat[i], bytes.data() + 8 * i, 8);
      } else if (descr == "<i8") {
        std::int64_t v;
        std::memcpy(&v, bytes.data() + 8 * i, 8);
        flat[i] = static_cast<double>(v);
      } else {
        throw std::runtime_error("npy: unsupported dtype " + descr);
      }
    }
    if (!fortran || shape.size() != 2) return flat;
    std::vector<double> c(n);
    const std::size_t r = shape[0], k = shape[1];
    for (std::size_t i = 0; i < r; ++i)
      for (std::size_t j = 0; j < k; ++j) c[i * k + j] = flat[j * r + i];
    return c;
  }
};

inline NpyArray load_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open " + path);
  char magic[8];
  f.read(magic, 8);
  if (std::memcmp(magic, "\x93NUMPY", 6) != 0) throw std::runtime_error("not a .npy file: " + path);
  std::size_t header_len = 0;
  if (magic[6] == 1) {
    unsigned char b[2];
    f.read(reinterpret_cast<char*>(b), 2);
    header_len = static_cast<std::size_t>(b[0] | (b[1] << 8));
  } else {
    unsigned char b[4];
    f.read(reinterpret_cast<char*>(b), 4);
    header_len = static_cast<std::size_t>(b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24));
  }
  std::string header(header_len, '\0');
  f.read(header.data(), static_cast<std::streamsize>(header_len));
  NpyArray a;
  auto d = header.find("'descr': '");
  a.descr = header.substr(d + 10, header.find('\'', d + 10) - d - 10);
  a.fortran = header.find("'fortran_order': True") != std::string::npos;
  auto s = header.find('(', header.find("'shape'"));
  auto e = header.find(')', s);
  std::string dims = header.substr(s + 1, e - s - 1);
  std::size_t pos = 0;
  while (pos < dims.size()) {
    while (pos < dims.size() && (dims[pos] == ' ' || dims[pos] == ',')) ++pos;
    if (pos >= dims.size()) break;
    std::size_t end = pos;
    while (end < dims.size() && dims[end] >= '0' && dims[end] <= '9') ++end;
    a.shape.push_back(std::stoul(dims.substr(pos, end - pos)));
    pos = end;
  }
  const std::size_t item = a.descr == "<f4" ? 4 : 8;
  a.bytes.resize(a.size() * item);
  f.read(a.bytes.data(), static_cast<std::streamsize>(a.bytes.size()));
  if (!f) throw std::runtime_error("truncated .npy file: " + path);
  return a;
}

}  // namespace percept::test
