// src/dsp/fir_kernels.hpp (private) — the single-precision vector kernels that the FIRs
// (oversampling.cpp) and the ring modulator's fused kernel (virtual_analog.cpp) share.
//
// Eight-float vectors (GCC/Clang vector extensions): two SSE registers per vector on baseline x86-64, one AVX
// register in the callers' x86-64-v3 / v4 clones. Everything is always inlined, so that it is compiled for
// the caller's target. Vectors are passed by reference: by value they would have a target-dependent ABI.
#pragma once

#include <cstddef>
#include <cstring>

namespace percept::dsp::fir {

typedef float v8f __attribute__((vector_size(32)));

[[gnu::always_inline]] inline void load8(v8f& v, const float* p) noexcept {
  std::memcpy(&v, p, sizeof v);
}

/// Accumulators for NV vectors of eight interpolation phases of two signals.
template <int NV>
struct Rows2 {
  v8f a[NV] = {};
  v8f b[NV] = {};

  /// One table row (NV x 8 phases of one tap) times x into a, times y into b: each coefficient is loaded
  /// once for both signals.
  [[gnu::always_inline]] void add(const float* row, float x, float y) noexcept {
    v8f p[NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) load8(p[v], row + 8 * v);
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) a[v] += p[v] * x;
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) b[v] += p[v] * y;
  }
  /// The first `n` (<= 8 NV) phases of a and b, as doubles.
  [[gnu::always_inline]] void store(double* oa, double* ob, std::size_t n) const noexcept {
    for (std::size_t j = 0; j < n; ++j) {
      oa[j] = static_cast<double>(a[j / 8][j % 8]);
      ob[j] = static_cast<double>(b[j / 8][j % 8]);
    }
  }
};

/// 32 products of a dot product into four accumulators.
[[gnu::always_inline]] inline void dot32(v8f (&s)[4], const float* x, const float* y) noexcept {
#pragma GCC unroll 4
  for (int v = 0; v < 4; ++v) {
    v8f p, q;
    load8(p, x + 8 * v);
    load8(q, y + 8 * v);
    s[v] += p * q;
  }
}

/// The sum of four accumulators, in double.
[[gnu::always_inline]] inline double hsum(const v8f (&s)[4]) noexcept {
  const v8f t = (s[0] + s[1]) + (s[2] + s[3]);
  double r = 0;
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) r += static_cast<double>(t[j]);
  return r;
}

}  // namespace percept::dsp::fir
