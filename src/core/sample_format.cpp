#include "percept/core/sample_format.hpp"

#include <cmath>
#include <cstring>
#include <string>

#include "percept/core/error.hpp"

namespace percept {
namespace {

template <class T>
T clip_round(double v, double lo, double hi) noexcept {
  if (!(v == v)) return T{0};  // NaN
  v = std::nearbyint(v);
  if (v < lo) v = lo;
  if (v > hi) v = hi;
  return static_cast<T>(v);
}

template <class F>
void deinterleave_impl(const void* src, SampleFormat format, AudioView<F> dst) noexcept {
  const std::size_t nc = dst.num_channels();
  const std::size_t nf = dst.num_frames();
  switch (format) {
    case SampleFormat::UInt8: {
      const auto* s = static_cast<const std::uint8_t*>(src);
      for (std::size_t i = 0; i < nf; ++i)
        for (std::size_t c = 0; c < nc; ++c)
          dst.channel(c)[i] = static_cast<F>((static_cast<int>(s[i * nc + c]) - 128) * (1.0 / 128.0));
      break;
    }
    case SampleFormat::Int16: {
      const auto* s = static_cast<const std::int16_t*>(src);
      for (std::size_t i = 0; i < nf; ++i)
        for (std::size_t c = 0; c < nc; ++c) dst.channel(c)[i] = static_cast<F>(s[i * nc + c] * (1.0 / 32768.0));
      break;
    }
    case SampleFormat::Int24: {
      const auto* s = static_cast<const std::uint8_t*>(src);
      for (std::size_t i = 0; i < nf; ++i)
        for (std::size_t c = 0; c < nc; ++c) {
          const std::uint8_t* p = s + 3 * (i * nc + c);
          std::int32_t v =
              static_cast<std::int32_t>(static_cast<std::uint32_t>(p[0]) << 8 | static_cast<std::uint32_t>(p[1]) << 16 |
                                        static_cast<std::uint32_t>(p[2]) << 24) >>
              8;
          dst.channel(c)[i] = static_cast<F>(v * (1.0 / 8388608.0));
        }
      break;
    }
    case SampleFormat::Int32: {
      const auto* s = static_cast<const std::int32_t*>(src);
      for (std::size_t i = 0; i < nf; ++i)
        for (std::size_t c = 0; c < nc; ++c) dst.channel(c)[i] = static_cast<F>(s[i * nc + c] * (1.0 / 2147483648.0));
      break;
    }
    case SampleFormat::Float32: {
      const auto* s = static_cast<const float*>(src);
      for (std::size_t i = 0; i < nf; ++i)
        for (std::size_t c = 0; c < nc; ++c) dst.channel(c)[i] = static_cast<F>(s[i * nc + c]);
      break;
    }
    case SampleFormat::Float64: {
      const auto* s = static_cast<const double*>(src);
      for (std::size_t i = 0; i < nf; ++i)
        for (std::size_t c = 0; c < nc; ++c) dst.channel(c)[i] = static_cast<F>(s[i * nc + c]);
      break;
    }
  }
}

template <class F>
void interleave_impl(AudioView<const F> src, SampleFormat format, void* dst) noexcept {
  const std::size_t nc = src.num_channels();
  const std::size_t nf = src.num_frames();
  switch (format) {
    case SampleFormat::UInt8: {
      auto* d = static_cast<std::uint8_t*>(dst);
      for (std::size_t i = 0; i < nf; ++i)
        for (std::size_t c = 0; c < nc; ++c)
          d[i * nc + c] = static_cast<std::uint8_t>(
              clip_round<int>(static_cast<double>(src.channel(c)[i]) * 128.0, -128.0, 127.0) + 128);
      break;
    }
    case SampleFormat::Int16: {
      auto* d = static_cast<std::int16_t*>(dst);
      for (std::size_t i = 0; i < nf; ++i)
        for (std::size_t c = 0; c < nc; ++c)
          d[i * nc + c] = clip_round<std::int16_t>(static_cast<double>(src.channel(c)[i]) * 32768.0, -32768.0, 32767.0);
      break;
    }
    case SampleFormat::Int24: {
      auto* d = static_cast<std::uint8_t*>(dst);
      for (std::size_t i = 0; i < nf; ++i)
        for (std::size_t c = 0; c < nc; ++c) {
          const auto v = static_cast<std::uint32_t>(
              clip_round<std::int32_t>(static_cast<double>(src.channel(c)[i]) * 8388608.0, -8388608.0, 8388607.0));
          std::uint8_t* p = d + 3 * (i * nc + c);
          p[0] = static_cast<std::uint8_t>(v & 0xFFu);
          p[1] = static_cast<std::uint8_t>((v >> 8) & 0xFFu);
          p[2] = static_cast<std::uint8_t>((v >> 16) & 0xFFu);
        }
      break;
    }
    case SampleFormat::Int32: {
      auto* d = static_cast<std::int32_t*>(dst);
      for (std::size_t i = 0; i < nf; ++i)
        for (std::size_t c = 0; c < nc; ++c)
          d[i * nc + c] = clip_round<std::int32_t>(static_cast<double>(src.channel(c)[i]) * 2147483648.0, -2147483648.0,
                                                   2147483647.0);
      break;
    }
    case SampleFormat::Float32: {
      auto* d = static_cast<float*>(dst);
      for (std::size_t i = 0; i < nf; ++i)
        for (std::size_t c = 0; c < nc; ++c) d[i * nc + c] = static_cast<float>(src.channel(c)[i]);
      break;
    }
    case SampleFormat::Float64: {
      auto* d = static_cast<double*>(dst);
      for (std::size_t i = 0; i < nf; ++i)
        for (std::size_t c = 0; c < nc; ++c) d[i * nc + c] = static_cast<double>(src.channel(c)[i]);
      break;
    }
  }
}

template <class F>
bool has_non_finite_impl(const F* data, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(data[i])) return true;
  return false;
}

}  // namespace

std::size_t bytes_per_sample(SampleFormat format) noexcept {
  switch (format) {
    case SampleFormat::UInt8:
      return 1;
    case SampleFormat::Int16:
      return 2;
    case SampleFormat::Int24:
      return 3;
    case SampleFormat::Int32:
    case SampleFormat::Float32:
      return 4;
    case SampleFormat::Float64:
      return 8;
  }
  return 0;
}

std::string_view to_string(SampleFormat format) noexcept {
  switch (format) {
    case SampleFormat::UInt8:
      return "uint8";
    case SampleFormat::Int16:
      return "int16";
    case SampleFormat::Int24:
      return "int24";
    case SampleFormat::Int32:
      return "int32";
    case SampleFormat::Float32:
      return "float32";
    case SampleFormat::Float64:
      return "float64";
  }
  return "unknown";
}

SampleFormat parse_sample_format(std::string_view name) {
  for (auto f : {SampleFormat::UInt8, SampleFormat::Int16, SampleFormat::Int24, SampleFormat::Int32,
                 SampleFormat::Float32, SampleFormat::Float64})
    if (name == to_string(f)) return f;
  throw InvalidArgument("unknown sample format '" + std::string(name) +
                        "' (expected uint8, int16, int24, int32, float32 or float64)");
}

bool is_integer(SampleFormat format) noexcept {
  return format != SampleFormat::Float32 && format != SampleFormat::Float64;
}

void deinterleave(const void* src, SampleFormat format, AudioView<float> dst) noexcept {
  deinterleave_impl(src, format, dst);
}
void deinterleave(const void* src, SampleFormat format, AudioView<double> dst) noexcept {
  deinterleave_impl(src, format, dst);
}
void interleave(AudioView<const float> src, SampleFormat format, void* dst) noexcept {
  interleave_impl(src, format, dst);
}
void interleave(AudioView<const double> src, SampleFormat format, void* dst) noexcept {
  interleave_impl(src, format, dst);
}
bool has_non_finite(const float* data, std::size_t n) noexcept {
  return has_non_finite_impl(data, n);
}
bool has_non_finite(const double* data, std::size_t n) noexcept {
  return has_non_finite_impl(data, n);
}

}  // namespace percept
