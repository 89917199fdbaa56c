// percept/io/video_frame.hpp — one decoded video frame: tightly packed pixels plus its times.
//
// Pixels are owned by the frame (one allocation, no padding between rows), so that a frame can be handed
// to numpy without a copy: packed formats are (height, width, 3) or (height, width) arrays, YUV 4:2:0 is
// three consecutive planes Y (h x w), U and V ((h+1)/2 x (w+1)/2).
// Times: `pts` is the presentation time in seconds from the stream (NaN when the stream has none);
// `capture_ns` is percept::Clock::now_ns() when the frame's data arrived (the moment the demuxer handed
// over its packet) — the monotonic clock audio and sensors use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>

namespace percept::io {

enum class PixelFormat { BGR, RGB, Gray, YUV420P };

/// "bgr", "rgb", "gray", "yuv420p".
std::string to_string(PixelFormat f);
/// Parses "bgr"/"bgr24", "rgb"/"rgb24", "gray"/"grey"/"gray8", "yuv"/"yuv420p"/"i420"; InvalidArgument otherwise.
PixelFormat parse_pixel_format(const std::string& name);

struct VideoFrame {
  int width = 0;
  int height = 0;
  PixelFormat format = PixelFormat::BGR;
  std::unique_ptr<std::uint8_t[]> data;
  std::size_t size = 0;  ///< bytes in data
  double pts = std::numeric_limits<double>::quiet_NaN();
  std::int64_t capture_ns = 0;
  std::int64_t index =
      0;  ///< 0-based number of the frame in decoding order (VideoSource: continuous across reconnects)

  /// Allocates an uninitialised frame of the given geometry.
  static std::shared_ptr<VideoFrame> allocate(int width, int height, PixelFormat format);
  /// Bytes a frame of this geometry needs.
  static std::size_t byte_size(int width, int height, PixelFormat format);

  [[nodiscard]] int channels() const noexcept {
    return format == PixelFormat::Gray ? 1 : (format == PixelFormat::YUV420P ? 1 : 3);
  }
  [[nodiscard]] int num_planes() const noexcept { return format == PixelFormat::YUV420P ? 3 : 1; }
  [[nodiscard]] int plane_width(int plane) const noexcept { return plane == 0 ? width : (width + 1) / 2; }
  [[nodiscard]] int plane_height(int plane) const noexcept { return plane == 0 ? height : (height + 1) / 2; }
  /// Bytes per row of a plane (packed: width * channels).
  [[nodiscard]] std::size_t plane_stride(int plane) const noexcept {
    return static_cast<std::size_t>(plane_width(plane)) * static_cast<std::size_t>(channels());
  }
  [[nodiscard]] std::size_t plane_offset(int plane) const noexcept {
    std::size_t off = 0;
    for (int p = 0; p < plane; ++p) off += plane_stride(p) * static_cast<std::size_t>(plane_height(p));
    return off;
  }
  [[nodiscard]] std::uint8_t* plane(int p) noexcept { return data.get() + plane_offset(p); }
  [[nodiscard]] const std::uint8_t* plane(int p) const noexcept { return data.get() + plane_offset(p); }
};

}  // namespace percept::io
