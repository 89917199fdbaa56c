// percept/core/clock.hpp — the one monotonic clock that stamps every modality.
//
// Audio blocks, video frames and sensor readings all carry times from this clock, so that they can be
// aligned without conversion. It is std::chrono::steady_clock, which on Linux is CLOCK_MONOTONIC — the
// same clock FFmpeg's av_gettime_relative() and JACK's frame-time helpers use. Reading it goes through
// the vDSO: no system call, safe on the audio thread.
#pragma once

#include <chrono>
#include <cstdint>

namespace percept {

struct Clock {
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  /// Nanoseconds since the clock's (arbitrary, boot-relative) epoch.
  [[nodiscard]] static std::int64_t now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now().time_since_epoch()).count();
  }
  /// Seconds since the clock's epoch, as a double (what Python sees).
  [[nodiscard]] static double now_seconds() noexcept { return static_cast<double>(now_ns()) * 1e-9; }
  [[nodiscard]] static double to_seconds(std::int64_t ns) noexcept { return static_cast<double>(ns) * 1e-9; }
  [[nodiscard]] static std::int64_t from_seconds(double s) noexcept { return static_cast<std::int64_t>(s * 1e9); }
};

}  // namespace percept
