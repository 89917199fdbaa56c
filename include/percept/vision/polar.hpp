// percept/vision/polar.hpp — polar and log-polar ("retina to cortex") resampling with a precomputed
// look-up table.
//
// The map is computed once (calculate the LUT: for every output pixel the source position, the four
// neighbour pixels and their bilinear weights in 15-bit fixed point) and applied to every frame
// (convert the image: four multiply-adds per channel, no trigonometry; SSE2 for 3 channels, and maps of
// 100k pixels or more split over two threads).
//
// Output layout is OpenCV's warpPolar: rows are angles (row i at 2 pi i / height, measured from +x towards
// +y, i.e. clockwise on screen), columns are radii from the centre outwards. Radius of column j:
//   Linear      r = j * max_radius / width                                    (cv2.WARP_POLAR_LINEAR)
//   Log         r = exp(j * ln(max_radius) / width) - 1                       (cv2.WARP_POLAR_LOG)
//   LogFovea    log(r + a) sampled uniformly: r = a * ((max_radius + a) / a)^(j / width) - a
//               near the centre (r << a) this is linear (a fovea of constant resolution), outside it
//               logarithmic; a = `fovea` in pixels.
// Source positions are quantised to 1/32 pixel and weights to 1/32768 exactly as cv2.remap does for
// INTER_LINEAR, and neighbours outside the image count as 0 (cv2.WARP_FILL_OUTLIERS / BORDER_CONSTANT),
// so Linear and Log reproduce cv2.warpPolar(..., INTER_LINEAR | WARP_FILL_OUTLIERS) up to 1 grey level.
#pragma once

#include <cstdint>
#include <vector>

#include "percept/vision/image.hpp"

namespace percept::vision {

enum class PolarMode { Linear, Log, LogFovea };

struct PolarSpec {
  int src_width = 0;
  int src_height = 0;
  int width = 0;   ///< radial samples (output columns)
  int height = 0;  ///< angular samples (output rows)
  double center_x = 0.0;
  double center_y = 0.0;
  double max_radius = 0.0;
  PolarMode mode = PolarMode::Linear;
  double fovea = 1.0;  ///< `a` of LogFovea, pixels (> 0)
};

class PolarMap {
 public:
  /// Calculates the look-up table (InvalidArgument for empty sizes or a non-positive radius/fovea).
  explicit PolarMap(const PolarSpec& spec);

  [[nodiscard]] const PolarSpec& spec() const noexcept { return spec_; }
  /// Resamples `src` (src_height x src_width, any channel count) into `dst` (height x width, same channels).
  void apply(ImageView<const std::uint8_t> src, ImageView<std::uint8_t> dst) const;
  /// The source x / y position of every output pixel (float, height x width), as cv2.remap's maps.
  [[nodiscard]] const std::vector<float>& map_x() const noexcept { return map_x_; }
  [[nodiscard]] const std::vector<float>& map_y() const noexcept { return map_y_; }
  /// Radius sampled by output column j.
  [[nodiscard]] double radius(int column) const noexcept;

 private:
  struct Pos {
    std::int16_t x, y;  // top-left neighbour
  };
  // An output pixel whose neighbours are partly or wholly outside the image: explicit weights (outside = 0)
  // around a neighbour position clamped inside. Written after the fast pass.
  struct Fixup {
    std::uint32_t index;  // output pixel (row * width + column)
    Pos pos;
    std::uint16_t w[4];  // weights / 32 of (x,y) (x+1,y) (x,y+1) (x+1,y+1)
  };
  PolarSpec spec_;
  std::vector<Pos> pos_;             // per output pixel
  std::vector<std::uint16_t> frac_;  // per output pixel: ax | ay << 5, the position's 1/32-pixel fraction
  std::vector<Fixup> fixups_;
  std::vector<float> map_x_, map_y_;
};

/// Splits a polar image in PolarMap's layout (row i at angle 2 pi i / h, measured from +x towards +y) into the
/// visual hemifields: `left` = rows with angles in [90, 270) degrees (they sample the left half of the source
/// image), `right` = rows in [270, 360) followed by [0, 90) (the right half, kept contiguous across the wrap).
/// Row i is in `left` when ceil(h/4) <= i < ceil(3h/4). Both are copies.
void split_polar_hemifields(ImageView<const std::uint8_t> polar, Image<std::uint8_t>& left, Image<std::uint8_t>& right);

}  // namespace percept::vision
