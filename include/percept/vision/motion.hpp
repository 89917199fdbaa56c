// percept/vision/motion.hpp — frame differencing, motion energy and the hemifield split.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>

#include "percept/vision/image.hpp"

namespace percept::vision {

/// dst = |a - b| per element (uint8, same shapes).
void frame_difference(ImageView<const std::uint8_t> a, ImageView<const std::uint8_t> b, ImageView<std::uint8_t> dst);

struct MotionEnergy {
  double mean_abs = 0.0;     ///< mean |a - b| over all elements (0..255)
  double mean_square = 0.0;  ///< mean (a - b)^2 — the energy
  double changed = 0.0;      ///< fraction of pixels where any channel differs by more than the threshold
};

/// Motion between two frames of the same shape.
MotionEnergy motion_energy(ImageView<const std::uint8_t> a, ImageView<const std::uint8_t> b, int threshold = 25);

/// Left and right visual hemifields of an image: columns [0, ceil(w/2) + overlap) and
/// [floor(w/2) - overlap, w) (an odd middle column, the vertical meridian, belongs to both). No copy.
template <class T>
std::pair<ImageView<T>, ImageView<T>> split_hemifields(ImageView<T> image, int overlap = 0) {
  check_image(image, "split_hemifields");
  if (overlap < 0 || overlap > image.width / 2)
    throw InvalidArgument("split_hemifields: overlap must be in [0, width/2], got " + std::to_string(overlap));
  const int left_w = (image.width + 1) / 2 + overlap;
  const int right_x = image.width / 2 - overlap;
  return {image.columns(0, left_w), image.columns(right_x, image.width - right_x)};
}

}  // namespace percept::vision
