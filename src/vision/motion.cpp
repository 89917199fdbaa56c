#include "percept/vision/motion.hpp"

#include "vectorize.hpp"

#include <cstdlib>
#include <string>

namespace percept::vision {

namespace {
PERCEPT_VECTORIZE void absdiff_row(const std::uint8_t* __restrict p, const std::uint8_t* __restrict q,
                                   std::uint8_t* __restrict d, int n) {
  for (int i = 0; i < n; ++i) d[i] = static_cast<std::uint8_t>(p[i] > q[i] ? p[i] - q[i] : q[i] - p[i]);
}

void check_pair(const ImageView<const std::uint8_t>& a, const ImageView<const std::uint8_t>& b, const char* what) {
  check_image(a, what);
  check_image(b, what);
  if (!b.same_shape(a.height, a.width, a.channels))
    throw InvalidArgument(std::string(what) + ": frames differ in shape (" + std::to_string(a.height) + "x" +
                          std::to_string(a.width) + "x" + std::to_string(a.channels) + " vs " +
                          std::to_string(b.height) + "x" + std::to_string(b.width) + "x" + std::to_string(b.channels) +
                          ")");
}
}  // namespace

void frame_difference(ImageView<const std::uint8_t> a, ImageView<const std::uint8_t> b, ImageView<std::uint8_t> dst) {
  check_pair(a, b, "frame_difference");
  if (!dst.same_shape(a.height, a.width, a.channels))
    throw InvalidArgument("frame_difference: output must have the frames' shape");
  const int n = a.width * a.channels;
  for (int y = 0; y < a.height; ++y) {
    const std::uint8_t* p = a.row(y);
    const std::uint8_t* q = b.row(y);
    std::uint8_t* d = dst.row(y);
    absdiff_row(p, q, d, n);
  }
}

MotionEnergy motion_energy(ImageView<const std::uint8_t> a, ImageView<const std::uint8_t> b, int threshold) {
  check_pair(a, b, "motion_energy");
  if (threshold < 0 || threshold > 255)
    throw InvalidArgument("motion_energy: threshold must be in [0, 255], got " + std::to_string(threshold));
  std::uint64_t sum_abs = 0, sum_sq = 0, changed = 0;
  const int c = a.channels;
  for (int y = 0; y < a.height; ++y) {
    const std::uint8_t* p = a.row(y);
    const std::uint8_t* q = b.row(y);
    std::uint64_t row_abs = 0, row_sq = 0;
    for (int x = 0; x < a.width; ++x) {
      bool moved = false;
      for (int k = 0; k < c; ++k) {
        const int d = std::abs(static_cast<int>(p[x * c + k]) - static_cast<int>(q[x * c + k]));
        row_abs += static_cast<std::uint64_t>(d);
        row_sq += static_cast<std::uint64_t>(d * d);
        moved |= d > threshold;
      }
      changed += moved ? 1u : 0u;
    }
    sum_abs += row_abs;
    sum_sq += row_sq;
  }
  const double elements = static_cast<double>(a.pixels()) * c;
  MotionEnergy e;
  e.mean_abs = static_cast<double>(sum_abs) / elements;
  e.mean_square = static_cast<double>(sum_sq) / elements;
  e.changed = static_cast<double>(changed) / static_cast<double>(a.pixels());
  return e;
}

}  // namespace percept::vision
