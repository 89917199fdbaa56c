// percept/core/sample_format.hpp — sample formats and conversion between interleaved device/file
// buffers and planar float processing buffers.
//
// Integer <-> float scaling follows the convention of libsndfile, PortAudio and JACK: an N-bit signed
// integer v maps to v / 2^(N-1), so the conversion is exact both ways for every integer value, and
// float values outside [-1, 1 - 2^-(N-1)] clip on the way back. Int24 is packed little-endian, 3 bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "percept/core/audio_block.hpp"

namespace percept {

enum class SampleFormat : std::uint8_t { UInt8, Int16, Int24, Int32, Float32, Float64 };

/// Bytes one sample of `format` takes in a packed buffer.
[[nodiscard]] std::size_t bytes_per_sample(SampleFormat format) noexcept;
/// "uint8", "int16", "int24", "int32", "float32", "float64".
[[nodiscard]] std::string_view to_string(SampleFormat format) noexcept;
/// Parses the names above; throws InvalidArgument for anything else.
[[nodiscard]] SampleFormat parse_sample_format(std::string_view name);
[[nodiscard]] bool is_integer(SampleFormat format) noexcept;

/// Converts `frames` interleaved frames of `format` in `src` into the planar float view `dst`
/// (dst.num_channels() channels are read; src holds exactly that many channels per frame).
/// Real-time safe: no allocation.
void deinterleave(const void* src, SampleFormat format, AudioView<float> dst) noexcept;
void deinterleave(const void* src, SampleFormat format, AudioView<double> dst) noexcept;

/// Converts planar `src` into interleaved `format` in `dst`, clipping to the format's range.
/// NaN becomes 0 for integer formats (use has_non_finite() first to refuse it). Real-time safe.
void interleave(AudioView<const float> src, SampleFormat format, void* dst) noexcept;
void interleave(AudioView<const double> src, SampleFormat format, void* dst) noexcept;

/// True when any sample is NaN or +-Inf.
[[nodiscard]] bool has_non_finite(const float* data, std::size_t n) noexcept;
[[nodiscard]] bool has_non_finite(const double* data, std::size_t n) noexcept;

}  // namespace percept
