// percept/vision/image.hpp — non-owning and owning views of interleaved images (height x width x channels).
//
// Layout is numpy's C order for (H, W) or (H, W, C) arrays: channels interleaved within a pixel, rows
// `row_stride` elements apart (== width * channels when tightly packed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "percept/core/error.hpp"

namespace percept::vision {

template <class T>
struct ImageView {
  T* data = nullptr;
  int height = 0;
  int width = 0;
  int channels = 1;
  std::ptrdiff_t row_stride = 0;  ///< elements between the starts of two rows

  ImageView() = default;
  ImageView(T* d, int h, int w, int c, std::ptrdiff_t stride = 0)
      : data(d), height(h), width(w), channels(c), row_stride(stride ? stride : static_cast<std::ptrdiff_t>(w) * c) {}
  /// A const view of a mutable one.
  template <class U>
  requires std::is_same_v<const U, T> ImageView(const ImageView<U>& o)  // NOLINT(google-explicit-constructor)
      : data(o.data), height(o.height), width(o.width), channels(o.channels), row_stride(o.row_stride) {}

  [[nodiscard]] T* row(int y) const noexcept { return data + static_cast<std::ptrdiff_t>(y) * row_stride; }
  [[nodiscard]] std::size_t pixels() const noexcept {
    return static_cast<std::size_t>(height) * static_cast<std::size_t>(width);
  }
  [[nodiscard]] bool contiguous() const noexcept { return row_stride == static_cast<std::ptrdiff_t>(width) * channels; }
  [[nodiscard]] bool same_shape(int h, int w, int c) const noexcept {
    return height == h && width == w && channels == c;
  }
  /// Columns [x0, x0 + w) of every row, no copy.
  [[nodiscard]] ImageView columns(int x0, int w) const noexcept {
    return ImageView(data + static_cast<std::ptrdiff_t>(x0) * channels, height, w, channels, row_stride);
  }
};

template <class T>
class Image {
 public:
  Image() = default;
  Image(int height, int width, int channels)
      : height_(height),
        width_(width),
        channels_(channels),
        pixels_(static_cast<std::size_t>(height) * static_cast<std::size_t>(width) *
                static_cast<std::size_t>(channels)) {}
  [[nodiscard]] ImageView<T> view() noexcept { return ImageView<T>(pixels_.data(), height_, width_, channels_); }
  [[nodiscard]] ImageView<const T> view() const noexcept {
    return ImageView<const T>(pixels_.data(), height_, width_, channels_);
  }
  [[nodiscard]] int height() const noexcept { return height_; }
  [[nodiscard]] int width() const noexcept { return width_; }
  [[nodiscard]] int channels() const noexcept { return channels_; }
  [[nodiscard]] T* data() noexcept { return pixels_.data(); }
  [[nodiscard]] const T* data() const noexcept { return pixels_.data(); }
  std::vector<T>& pixels() noexcept { return pixels_; }

 private:
  int height_ = 0;
  int width_ = 0;
  int channels_ = 1;
  std::vector<T> pixels_;
};

/// Throws InvalidArgument unless the view has a positive size and the expected channel count (0: any).
template <class T>
void check_image(const ImageView<T>& v, const char* what, int channels = 0) {
  if (!v.data || v.height <= 0 || v.width <= 0) throw InvalidArgument(std::string(what) + ": empty image");
  if (channels && v.channels != channels)
    throw InvalidArgument(std::string(what) + ": expected " + std::to_string(channels) + " channel(s), got " +
                          std::to_string(v.channels));
}

}  // namespace percept::vision
