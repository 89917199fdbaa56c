// percept/vision/color.hpp — colour conversions of 8-bit images, bit-compatible with OpenCV's cvtColor
// where noted (fixed-point arithmetic with the same coefficients and rounding).
#pragma once

#include <cstdint>
#include <string>

#include "percept/vision/image.hpp"

namespace percept::vision {

enum class ColorConversion {
  BGR2RGB,   ///< channel swap (also RGB2BGR)
  BGR2GRAY,  ///< Y = 0.299 R + 0.587 G + 0.114 B in cv2's 15-bit fixed point: identical to cv2.COLOR_BGR2GRAY
  RGB2GRAY,
  GRAY2BGR,  ///< replicate (also GRAY2RGB)
  BGR2YUV,   ///< Y (14-bit), U = 0.492 (B - Y) + 128, V = 0.877 (R - Y) + 128 (cv2.COLOR_BGR2YUV)
  RGB2YUV,
  YUV2BGR,  ///< the inverse (cv2.COLOR_YUV2BGR)
  YUV2RGB,
};

/// "bgr2rgb", "rgb2bgr", "bgr2gray", "rgb2gray", "gray2bgr", "gray2rgb", "bgr2yuv", "rgb2yuv", "yuv2bgr", "yuv2rgb".
ColorConversion parse_color_conversion(const std::string& name);
int input_channels(ColorConversion c) noexcept;
int output_channels(ColorConversion c) noexcept;

/// dst must have src's height and width and output_channels(code) channels.
void convert_color(ImageView<const std::uint8_t> src, ImageView<std::uint8_t> dst, ColorConversion code);

}  // namespace percept::vision
