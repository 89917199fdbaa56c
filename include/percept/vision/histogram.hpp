// percept/vision/histogram.hpp — histograms with numpy.histogram's bins, bit for bit.
//
// Edges are numpy.linspace(lo, hi, bins + 1); every bin is half open [e_i, e_{i+1}) except the last,
// which includes hi; values outside [lo, hi] (and NaN) are not counted. Index computation follows
// numpy's uniform-bin fast path (scale, truncate, then correct against the edges), in float32 for
// float32 data and float64 otherwise, so counts equal numpy's also for values on an edge.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "percept/vision/image.hpp"

namespace percept::vision {

struct Histogram {
  std::vector<std::int64_t> counts;  ///< bins values (channels * bins for histogram_channels, row per channel)
  std::vector<double> edges;         ///< bins + 1 values (as numpy, in the data's float type, widened)
};

/// numpy.histogram(data, bins, range). No range: (min, max) of the data (min - 0.5, max + 0.5 when they
/// are equal; (0, 1) for no data); non-finite data then throws InvalidArgument, as numpy raises.
template <class T>
Histogram histogram(const T* data, std::size_t n, int bins, std::optional<std::pair<double, double>> range = {});

/// One histogram per channel of an interleaved image: counts is channels x bins (row major).
Histogram histogram_channels(ImageView<const std::uint8_t> image, int bins,
                             std::optional<std::pair<double, double>> range = {});

extern template Histogram histogram<std::uint8_t>(const std::uint8_t*, std::size_t, int,
                                                  std::optional<std::pair<double, double>>);
extern template Histogram histogram<float>(const float*, std::size_t, int, std::optional<std::pair<double, double>>);
extern template Histogram histogram<double>(const double*, std::size_t, int, std::optional<std::pair<double, double>>);

}  // namespace percept::vision
