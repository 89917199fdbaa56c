// percept/analysis/normalize.hpp — per-band standardisation of feature frames for deep learning, the
// C++ twin of percept.util.BandStandardizer (same statistics, same formula):
//
//   z[b] = (x[b] - mean[b]) / (std[b] + eps)
//
// Statistics (count, mean, M2 per band, float64) accumulate with Chan et al.'s parallel update, so
// fitting chunk by chunk equals one fit on everything. transform_frame() is noexcept and allocates
// nothing: a streaming analyser's frames can be standardised in the real-time path. Statistics move
// between Python and C++ as (count, mean, m2) — percept.util.BandStandardizer.state_dict()'s keys.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "percept/analysis/spectrum.hpp"

namespace percept::analysis {

class BandStandardizer {
 public:
  explicit BandStandardizer(double eps = 1e-8);

  /// Merges the statistics of every frame of X (bins = bands). Throws InvalidArgument when the band
  /// count differs from earlier fits or X holds NaN/Inf.
  template <class T>
  void partial_fit(const FrameMatrix<T>& X);
  /// Merges one frame (n_bands values; the first call fixes the band count; allocates only then).
  template <class T>
  void partial_fit_frame(const T* frame, std::size_t n_bands);

  /// In place; frame holds n_bands() values. Requires a fit (count() > 0).
  template <class T>
  void transform_frame(T* frame) const noexcept;
  template <class T>
  void inverse_transform_frame(T* frame) const noexcept;
  /// Every frame of X in place. Throws InvalidArgument for a band-count mismatch or no fit.
  template <class T>
  void transform(FrameMatrix<T>& X) const;

  [[nodiscard]] std::size_t n_bands() const noexcept { return mean_.size(); }
  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  [[nodiscard]] double eps() const noexcept { return eps_; }
  [[nodiscard]] const std::vector<double>& mean() const noexcept { return mean_; }
  [[nodiscard]] const std::vector<double>& m2() const noexcept { return m2_; }
  /// Population standard deviation per band (sqrt(M2 / count)).
  [[nodiscard]] std::vector<double> stddev() const;
  /// Replaces the statistics (e.g. from Python's state_dict); throws InvalidArgument when inconsistent.
  void set_statistics(std::uint64_t count, std::vector<double> mean, std::vector<double> m2);

 private:
  void refresh() noexcept;
  void check_bands(std::size_t n) const;
  double eps_;
  std::uint64_t count_ = 0;
  std::vector<double> mean_, m2_, scale_;  // scale_ = 1 / (std + eps), kept current for transform
};

}  // namespace percept::analysis
