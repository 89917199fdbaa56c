// percept/core/audio_block.hpp — non-owning views and owning buffers of planar audio.
//
// Planar ("separate channels") is the processing layout everywhere in percept: channel c is a
// contiguous run of frames. Interleaved data (what devices and files carry) is converted at the edge
// with the helpers in sample_format.hpp.
//
//   AudioView<T>        non-owning, cheap to copy and to slice by frames or channels
//   AudioBuffer<T>      owning storage; allocates only in its constructor and resize()
//
// A view of a numpy array of shape (channels, frames), C-contiguous, is `AudioView` over row pointers.
#pragma once

#include <cassert>
#include <cstddef>
#include <span>
#include <type_traits>
#include <vector>

namespace percept {

template <class T>
class AudioView {
 public:
  using value_type = std::remove_const_t<T>;

  AudioView() = default;
  /// `channels` points at `num_channels` channel pointers; the view starts `offset` frames in.
  AudioView(T* const* channels, std::size_t num_channels, std::size_t num_frames, std::size_t offset = 0) noexcept
      : channels_(channels), num_channels_(num_channels), num_frames_(num_frames), offset_(offset) {}

  [[nodiscard]] std::size_t num_channels() const noexcept { return num_channels_; }
  [[nodiscard]] std::size_t num_frames() const noexcept { return num_frames_; }
  [[nodiscard]] bool empty() const noexcept { return num_frames_ == 0 || num_channels_ == 0; }

  /// Pointer to the first frame of channel `c`.
  [[nodiscard]] T* channel(std::size_t c) const noexcept {
    assert(c < num_channels_);
    return channels_[c] + offset_;
  }
  [[nodiscard]] std::span<T> channel_span(std::size_t c) const noexcept { return {channel(c), num_frames_}; }
  [[nodiscard]] T& operator()(std::size_t c, std::size_t i) const noexcept {
    assert(i < num_frames_);
    return channel(c)[i];
  }

  /// Frames [start, start + count) of every channel.
  [[nodiscard]] AudioView frames(std::size_t start, std::size_t count) const noexcept {
    assert(start + count <= num_frames_);
    return AudioView(channels_, num_channels_, count, offset_ + start);
  }
  /// Channels [first, first + count), all frames.
  [[nodiscard]] AudioView channels(std::size_t first, std::size_t count) const noexcept {
    assert(first + count <= num_channels_);
    return AudioView(channels_ + first, count, num_frames_, offset_);
  }

  /// A view of T converts to a view of const T.
  operator AudioView<const T>() const noexcept  // NOLINT(google-explicit-constructor)
      requires(!std::is_const_v<T>) {
    return AudioView<const T>(const_cast<const T* const*>(channels_), num_channels_, num_frames_, offset_);
  }

  /// Sets every sample to zero.
  void clear() const noexcept requires(!std::is_const_v<T>) {
    for (std::size_t c = 0; c < num_channels_; ++c)
      for (std::size_t i = 0; i < num_frames_; ++i) channel(c)[i] = T{};
  }

 private:
  T* const* channels_ = nullptr;
  std::size_t num_channels_ = 0;
  std::size_t num_frames_ = 0;
  std::size_t offset_ = 0;
};

/// Copies min(frames) x min(channels) samples from `src` to `dst`.
template <class T>
void copy(AudioView<const T> src, AudioView<T> dst) noexcept {
  const std::size_t nc = src.num_channels() < dst.num_channels() ? src.num_channels() : dst.num_channels();
  const std::size_t nf = src.num_frames() < dst.num_frames() ? src.num_frames() : dst.num_frames();
  for (std::size_t c = 0; c < nc; ++c) {
    const T* s = src.channel(c);
    T* d = dst.channel(c);
    for (std::size_t i = 0; i < nf; ++i) d[i] = s[i];
  }
}

/// Owning planar buffer: one contiguous allocation, channel c at data() + c * capacity_frames.
template <class T>
class AudioBuffer {
 public:
  AudioBuffer() = default;
  AudioBuffer(std::size_t num_channels, std::size_t num_frames) { resize(num_channels, num_frames); }

  AudioBuffer(const AudioBuffer& other) : data_(other.data_) { rebuild(other.num_channels_, other.num_frames_); }
  AudioBuffer& operator=(const AudioBuffer& other) {
    if (this != &other) {
      data_ = other.data_;
      rebuild(other.num_channels_, other.num_frames_);
    }
    return *this;
  }
  AudioBuffer(AudioBuffer&&) noexcept = default;
  AudioBuffer& operator=(AudioBuffer&&) noexcept = default;

  /// Allocates (zeroed) storage; the previous contents are lost.
  void resize(std::size_t num_channels, std::size_t num_frames) {
    data_.assign(num_channels * num_frames, T{});
    rebuild(num_channels, num_frames);
  }

  [[nodiscard]] std::size_t num_channels() const noexcept { return num_channels_; }
  [[nodiscard]] std::size_t num_frames() const noexcept { return num_frames_; }
  [[nodiscard]] T* channel(std::size_t c) noexcept { return data_.data() + c * num_frames_; }
  [[nodiscard]] const T* channel(std::size_t c) const noexcept { return data_.data() + c * num_frames_; }
  [[nodiscard]] T* data() noexcept { return data_.data(); }
  [[nodiscard]] const T* data() const noexcept { return data_.data(); }
  [[nodiscard]] std::vector<T>& storage() noexcept { return data_; }
  [[nodiscard]] const std::vector<T>& storage() const noexcept { return data_; }

  [[nodiscard]] AudioView<T> view() noexcept { return {pointers_.data(), num_channels_, num_frames_}; }
  [[nodiscard]] AudioView<const T> view() const noexcept {
    return {const_pointers_.data(), num_channels_, num_frames_};
  }

  /// Keeps the first `n` frames of every channel (n <= num_frames()); moves data, may not allocate.
  void truncate(std::size_t n) {
    assert(n <= num_frames_);
    if (n == num_frames_) return;
    for (std::size_t c = 1; c < num_channels_; ++c)
      for (std::size_t i = 0; i < n; ++i) data_[c * n + i] = data_[c * num_frames_ + i];
    data_.resize(num_channels_ * n);
    rebuild(num_channels_, n);
  }

 private:
  void rebuild(std::size_t nc, std::size_t nf) {
    num_channels_ = nc;
    num_frames_ = nf;
    pointers_.resize(nc);
    const_pointers_.resize(nc);
    for (std::size_t c = 0; c < nc; ++c) {
      pointers_[c] = data_.data() + c * nf;
      const_pointers_[c] = pointers_[c];
    }
  }

  std::vector<T> data_;
  std::vector<T*> pointers_;
  std::vector<const T*> const_pointers_;
  std::size_t num_channels_ = 0;
  std::size_t num_frames_ = 0;
};

}  // namespace percept
