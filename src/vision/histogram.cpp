#include "percept/vision/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

namespace percept::vision {

namespace {

// numpy's computation type for the bins: float32 data keeps float32, everything else float64.
template <class T>
using BinType = std::conditional_t<std::is_same_v<T, float>, float, double>;

template <class T>
struct Binner {
  using B = BinType<T>;
  int bins;
  B first, last, norm;
  std::vector<B> edges;

  Binner(int n, double lo, double hi) : bins(n) {
    first = static_cast<B>(lo);
    last = static_cast<B>(hi);
    norm = static_cast<B>(static_cast<double>(n) / (hi - lo));
    edges.resize(static_cast<std::size_t>(n) + 1);
    const double step = (hi - lo) / n;  // numpy.linspace: i * step + start, the last edge exactly stop
    for (int i = 0; i < n; ++i) edges[static_cast<std::size_t>(i)] = static_cast<B>(i * step + lo);
    edges[static_cast<std::size_t>(n)] = static_cast<B>(hi);
  }
  // Bin of a value, or -1 when it is not counted.
  [[nodiscard]] std::ptrdiff_t index(T value) const noexcept {
    const B v = static_cast<B>(value);
    if (!(v >= first && v <= last)) return -1;
    auto i = static_cast<std::ptrdiff_t>((v - first) * norm);
    if (i >= bins) i = bins - 1;
    if (v < edges[static_cast<std::size_t>(i)])
      --i;
    else if (i != bins - 1 && v >= edges[static_cast<std::size_t>(i) + 1])
      ++i;
    return i;
  }
};

template <class T>
std::pair<double, double> resolve_range(const T* data, std::size_t n, int bins,
                                        const std::optional<std::pair<double, double>>& range) {
  if (bins < 1) throw InvalidArgument("histogram: bins must be a positive integer, got " + std::to_string(bins));
  double lo = 0.0, hi = 1.0;
  if (range) {
    lo = range->first;
    hi = range->second;
    if (!std::isfinite(lo) || !std::isfinite(hi))
      throw InvalidArgument("histogram: supplied range of [" + std::to_string(lo) + ", " + std::to_string(hi) +
                            "] is not finite");
    if (lo > hi) throw InvalidArgument("histogram: max must be larger than min in range parameter");
  } else if (n > 0) {
    T mn = data[0], mx = data[0];
    bool finite = true;
    for (std::size_t i = 0; i < n; ++i) {
      const T v = data[i];
      if constexpr (std::is_floating_point_v<T>)
        if (!std::isfinite(v)) finite = false;
      mn = std::min(mn, v);
      mx = std::max(mx, v);
    }
    if (!finite) throw InvalidArgument("histogram: autodetected range is not finite (the data has NaN or Inf)");
    // numpy keeps these in the data's float type (float32 stays float32).
    using B = BinType<T>;
    B bl = static_cast<B>(mn), bh = static_cast<B>(mx);
    if (bl == bh) {
      bl = static_cast<B>(bl - static_cast<B>(0.5));
      bh = static_cast<B>(bh + static_cast<B>(0.5));
    }
    return {static_cast<double>(bl), static_cast<double>(bh)};
  }
  if (lo == hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  return {lo, hi};
}

template <class T>
void fill_edges(const Binner<T>& b, Histogram& h) {
  h.edges.assign(b.edges.begin(), b.edges.end());
}

}  // namespace

template <class T>
Histogram histogram(const T* data, std::size_t n, int bins, std::optional<std::pair<double, double>> range) {
  const auto [lo, hi] = resolve_range(data, n, bins, range);
  Binner<T> b(bins, lo, hi);
  Histogram h;
  h.counts.assign(static_cast<std::size_t>(bins), 0);
  fill_edges(b, h);
  if constexpr (std::is_same_v<T, std::uint8_t>) {
    std::ptrdiff_t lut[256];
    for (int v = 0; v < 256; ++v) lut[v] = b.index(static_cast<std::uint8_t>(v));
    std::int64_t raw[256] = {0};
    for (std::size_t i = 0; i < n; ++i) ++raw[data[i]];
    for (int v = 0; v < 256; ++v)
      if (lut[v] >= 0) h.counts[static_cast<std::size_t>(lut[v])] += raw[v];
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      const std::ptrdiff_t k = b.index(data[i]);
      if (k >= 0) ++h.counts[static_cast<std::size_t>(k)];
    }
  }
  return h;
}

Histogram histogram_channels(ImageView<const std::uint8_t> image, int bins,
                             std::optional<std::pair<double, double>> range) {
  check_image(image, "histogram_channels");
  std::uint8_t mn = 255, mx = 0;
  if (!range) {
    for (int y = 0; y < image.height; ++y) {
      const std::uint8_t* r = image.row(y);
      for (int x = 0; x < image.width * image.channels; ++x) {
        mn = std::min(mn, r[x]);
        mx = std::max(mx, r[x]);
      }
    }
  }
  const std::uint8_t probe[2] = {mn, mx};
  const auto [lo, hi] = range ? resolve_range<std::uint8_t>(nullptr, 0, bins, range)
                              : resolve_range<std::uint8_t>(probe, 2, bins, std::nullopt);
  Binner<std::uint8_t> b(bins, lo, hi);
  Histogram h;
  const int c = image.channels;
  h.counts.assign(static_cast<std::size_t>(bins) * static_cast<std::size_t>(c), 0);
  fill_edges(b, h);
  std::vector<std::int64_t> raw(256 * static_cast<std::size_t>(c), 0);
  for (int y = 0; y < image.height; ++y) {
    const std::uint8_t* r = image.row(y);
    for (int x = 0; x < image.width; ++x)
      for (int k = 0; k < c; ++k) ++raw[static_cast<std::size_t>(k) * 256 + r[x * c + k]];
  }
  for (int v = 0; v < 256; ++v) {
    const std::ptrdiff_t i = b.index(static_cast<std::uint8_t>(v));
    if (i < 0) continue;
    for (int k = 0; k < c; ++k)
      h.counts[static_cast<std::size_t>(k) * static_cast<std::size_t>(bins) + static_cast<std::size_t>(i)] +=
          raw[static_cast<std::size_t>(k) * 256 + static_cast<std::size_t>(v)];
  }
  return h;
}

template Histogram histogram<std::uint8_t>(const std::uint8_t*, std::size_t, int,
                                           std::optional<std::pair<double, double>>);
template Histogram histogram<float>(const float*, std::size_t, int, std::optional<std::pair<double, double>>);
template Histogram histogram<double>(const double*, std::size_t, int, std::optional<std::pair<double, double>>);

}  // namespace percept::vision
