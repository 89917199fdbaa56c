// percept/analysis/array2d.hpp — a small owning row-major 2-D array for analysis results.
//
// Rows are the feature axis (frequency bins, chroma, components) and columns are frames, the layout of
// librosa's (n_features, n_frames) arrays, so a result hands over to numpy without reordering.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace percept::analysis {

template <class T>
struct Array2D {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<T> data;  // rows * cols values, row-major

  Array2D() = default;
  Array2D(std::size_t r, std::size_t c, T fill = T{}) : rows(r), cols(c), data(r * c, fill) {}

  [[nodiscard]] T* row(std::size_t r) noexcept { return data.data() + r * cols; }
  [[nodiscard]] const T* row(std::size_t r) const noexcept { return data.data() + r * cols; }
  [[nodiscard]] T& operator()(std::size_t r, std::size_t c) noexcept { return data[r * cols + c]; }
  [[nodiscard]] const T& operator()(std::size_t r, std::size_t c) const noexcept { return data[r * cols + c]; }
  [[nodiscard]] bool empty() const noexcept { return rows == 0 || cols == 0; }
  [[nodiscard]] std::size_t size() const noexcept { return data.size(); }
};

}  // namespace percept::analysis
