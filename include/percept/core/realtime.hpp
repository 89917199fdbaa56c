// percept/core/realtime.hpp — marks the audio thread, so that tests can trap what it must never do.
//
// Every audio callback percept runs (JACK, ALSA, virtual device) is wrapped in an AudioThreadScope. The
// flag costs one thread_local store on entry and exit. A test build that replaces operator new/delete
// checks in_audio_callback() and records any allocation made inside a callback (see
// tests/cpp/io/test_engine_rt.cpp); percept itself never reads it on a hot path.
#pragma once

namespace percept::rt {

inline thread_local bool t_in_audio_callback = false;

[[nodiscard]] inline bool in_audio_callback() noexcept {
  return t_in_audio_callback;
}

class AudioThreadScope {
 public:
  AudioThreadScope() noexcept { t_in_audio_callback = true; }
  ~AudioThreadScope() { t_in_audio_callback = false; }
  AudioThreadScope(const AudioThreadScope&) = delete;
  AudioThreadScope& operator=(const AudioThreadScope&) = delete;
};

}  // namespace percept::rt
