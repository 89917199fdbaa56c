#include "percept/io/video_frame.hpp"

#include <algorithm>
#include <cctype>

#include "percept/core/error.hpp"

namespace percept::io {

std::string to_string(PixelFormat f) {
  switch (f) {
    case PixelFormat::BGR:
      return "bgr";
    case PixelFormat::RGB:
      return "rgb";
    case PixelFormat::Gray:
      return "gray";
    case PixelFormat::YUV420P:
      return "yuv420p";
  }
  return "bgr";
}

PixelFormat parse_pixel_format(const std::string& name) {
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (n == "bgr" || n == "bgr24") return PixelFormat::BGR;
  if (n == "rgb" || n == "rgb24") return PixelFormat::RGB;
  if (n == "gray" || n == "grey" || n == "gray8" || n == "y") return PixelFormat::Gray;
  if (n == "yuv" || n == "yuv420p" || n == "i420") return PixelFormat::YUV420P;
  throw InvalidArgument("pixel_format must be 'bgr', 'rgb', 'gray' or 'yuv420p', got '" + name + "'");
}

std::size_t VideoFrame::byte_size(int width, int height, PixelFormat format) {
  const auto w = static_cast<std::size_t>(width);
  const auto h = static_cast<std::size_t>(height);
  switch (format) {
    case PixelFormat::BGR:
    case PixelFormat::RGB:
      return w * h * 3;
    case PixelFormat::Gray:
      return w * h;
    case PixelFormat::YUV420P:
      return w * h + 2 * ((w + 1) / 2) * ((h + 1) / 2);
  }
  return 0;
}

std::shared_ptr<VideoFrame> VideoFrame::allocate(int width, int height, PixelFormat format) {
  if (width <= 0 || height <= 0)
    throw InvalidArgument("video frame size must be positive, got " + std::to_string(width) + "x" +
                          std::to_string(height));
  auto f = std::make_shared<VideoFrame>();
  f->width = width;
  f->height = height;
  f->format = format;
  f->size = byte_size(width, height, format);
  f->data = std::make_unique_for_overwrite<std::uint8_t[]>(f->size);
  return f;
}

}  // namespace percept::io
