// percept/io/image_resize.hpp — resizing 8-bit images with libswscale.
//
// Lives in io (not vision) because it uses FFmpeg; vision stays standard-library only. Every channel is
// scaled as its own grey plane, so colours are never converted (swscale would otherwise pass packed RGB
// through YUV). Methods: nearest, linear (bilinear), cubic, area, lanczos — swscale's filters, which
// widen with the scale factor when shrinking (so "linear" shrinking is smoother than cv2's INTER_LINEAR).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace percept::io {

enum class ResizeMethod { Nearest, Linear, Cubic, Area, Lanczos };

ResizeMethod parse_resize_method(const std::string& name);

/// Resizes an interleaved (height x width x channels) uint8 image; strides are in bytes.
void resize_image(const std::uint8_t* src, int width, int height, int channels, std::ptrdiff_t src_stride,
                  std::uint8_t* dst, int out_width, int out_height, std::ptrdiff_t dst_stride,
                  ResizeMethod method = ResizeMethod::Linear);

}  // namespace percept::io
