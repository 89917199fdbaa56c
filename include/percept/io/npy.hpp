// percept/io/npy.hpp — NumPy .npy files (format version 1.0/2.0/3.0): read and write little-endian
// float32, float64, complex64, complex128, int64 and bool arrays, C or Fortran order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace percept::io {

struct NpyArray {
  std::string descr;               ///< numpy dtype string, e.g. "<f4", "<c8"
  std::vector<std::size_t> shape;  ///< as numpy reports it
  bool fortran_order = false;
  std::vector<unsigned char> bytes;  ///< raw data in file order

  [[nodiscard]] std::size_t size() const noexcept;
  [[nodiscard]] std::size_t item_size() const;
  /// The values converted to T in C order (for 2-D Fortran-ordered files the data is transposed into C
  /// order). Supports <f4, <f8, <i8, |b1 into float/double, and <c8/<c16 into std::complex. Throws
  /// FormatError for other dtypes.
  template <class T>
  [[nodiscard]] std::vector<T> values() const;
};

/// Reads a .npy file. Throws FileError (cannot open) or FormatError (not a .npy, unsupported dtype, truncated).
[[nodiscard]] NpyArray read_npy(const std::string& path);

/// Writes a C-ordered array of float32 (descr "<f4"), float64 ("<f8") or complex64 ("<c8") values.
void write_npy(const std::string& path, const float* data, const std::vector<std::size_t>& shape);
void write_npy(const std::string& path, const double* data, const std::vector<std::size_t>& shape);
void write_npy_complex64(const std::string& path, const void* data, const std::vector<std::size_t>& shape);

}  // namespace percept::io
