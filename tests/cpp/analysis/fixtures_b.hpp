// Helpers for the analysis (part B) tests: librosa fixtures from tests/data and tolerance checks.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "percept/io/npy.hpp"

namespace percept_test {

inline std::string data_path(const std::string& name) {
  return std::string(PERCEPT_TEST_DATA) + "/" + name;
}

template <class T = float>
std::vector<T> load_values(const std::string& name) {
  return percept::io::read_npy(data_path(name)).values<T>();
}

/// |a - b| <= rtol * |b| + atol_rel * max|b| for every element; returns the worst ratio error/allowed.
inline double worst_ratio(const std::vector<float>& a, const std::vector<float>& b, double rtol, double atol_rel) {
  double mx = 0;
  for (float v : b) mx = std::max(mx, std::abs(static_cast<double>(v)));
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double err = std::abs(static_cast<double>(a[i]) - b[i]);
    const double allowed = rtol * std::abs(static_cast<double>(b[i])) + atol_rel * mx;
    worst = std::max(worst, allowed > 0 ? err / allowed : (err > 0 ? 1e30 : 0.0));
  }
  return worst;
}

}  // namespace percept_test
