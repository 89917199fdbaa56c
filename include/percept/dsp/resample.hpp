// percept/dsp/resample.hpp — sample-rate conversion with libsoxr.
//
// resample() matches librosa.resample(res_type='soxr_hq'): libsoxr's HQ recipe (python-soxr's
// 'HQ'), output length ceil(n * target / source) (librosa's fix_length: trimmed or zero-padded).
// StreamResampler converts block by block with state kept, for long files and live streams.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "percept/core/audio_block.hpp"

namespace percept::dsp {

/// libsoxr's quality recipes; names follow python-soxr / librosa ('soxr_qq' ... 'soxr_vhq').
enum class ResampleQuality { Quick, Low, Medium, High, VeryHigh };

/// Parses "soxr_hq", "hq", "HQ", "soxr_vhq", "vhq", "mq", "lq", "qq"; throws InvalidArgument.
[[nodiscard]] ResampleQuality parse_resample_quality(const char* name);

/// Output length librosa gives: ceil(n * target_rate / source_rate).
[[nodiscard]] std::size_t resampled_length(std::size_t n, double source_rate, double target_rate) noexcept;

/// Resamples every channel of `in` from `source_rate` to `target_rate` into a new buffer of
/// resampled_length() frames. Equal rates copy.
template <class T>
[[nodiscard]] AudioBuffer<T> resample(AudioView<const T> in, double source_rate, double target_rate,
                                      ResampleQuality quality = ResampleQuality::High);

/// Streaming conversion with state: feed blocks with process(), then drain the tail with flush().
/// process() may allocate only on growth of its output buffer; for real-time use call reserve() first.
class StreamResampler {
 public:
  StreamResampler(double source_rate, double target_rate, std::size_t channels,
                  ResampleQuality quality = ResampleQuality::High);
  ~StreamResampler();
  StreamResampler(StreamResampler&&) noexcept;
  StreamResampler& operator=(StreamResampler&&) noexcept;
  StreamResampler(const StreamResampler&) = delete;
  StreamResampler& operator=(const StreamResampler&) = delete;

  /// Converts interleaved `frames` of input; writes at most `out_capacity` interleaved frames to `out`
  /// and returns how many were written. Input is always consumed whole: size `out_capacity` with
  /// max_output_frames(frames).
  std::size_t process(const float* in, std::size_t frames, float* out, std::size_t out_capacity);
  /// Ends the stream: writes the remaining output (call until it returns 0).
  std::size_t flush(float* out, std::size_t out_capacity);
  /// An upper bound on the output frames for `input_frames` of input.
  [[nodiscard]] std::size_t max_output_frames(std::size_t input_frames) const noexcept;
  /// Delay of the filter, in output frames.
  [[nodiscard]] double delay() const noexcept;
  void reset();

  [[nodiscard]] double source_rate() const noexcept { return source_rate_; }
  [[nodiscard]] double target_rate() const noexcept { return target_rate_; }
  [[nodiscard]] std::size_t channels() const noexcept { return channels_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  double source_rate_;
  double target_rate_;
  std::size_t channels_;
};

}  // namespace percept::dsp
