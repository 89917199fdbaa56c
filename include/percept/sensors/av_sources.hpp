// percept/sensors/av_sources.hpp — the engine's audio input and io::VideoSource behind the Source
// interface.
//
//   AudioSource  an io::Engine capture stream (JACK, ALSA, or the virtual devices) read gaplessly from
//                its lock-free ring on the source's thread; every sample frame keeps the ring's clock
//                time; frames the ring lost are counted in stats().source_dropped.
//   VideoSource  an io::VideoSource (camera, file, network stream, lavfi) in Every mode, converted to
//                BGR (H, W, 3) frames stamped with their capture time.
// The device or stream is opened by start() (errors reach the caller) and closed by stop().
#pragma once

#include <memory>
#include <string>

#include "percept/io/engine.hpp"
#include "percept/io/video_source.hpp"
#include "percept/sensors/source.hpp"

namespace percept::sensors {

struct AudioSourceOptions {
  io::StreamConfig stream;  ///< device, input_channels, sample_rate, period, format, jack_server, ...
  double history_seconds = 30.0;
  double ring_seconds = 2.0;  ///< the engine's capture ring
};

class AudioSource final : public ThreadedSource {
 public:
  explicit AudioSource(AudioSourceOptions options);
  ~AudioSource() override;
  /// What the device runs at (valid once started).
  [[nodiscard]] io::Negotiated negotiated() const;
  [[nodiscard]] std::int64_t xruns() const;

 protected:
  void open() override;
  void on_started() override;
  bool poll() override;
  void close() noexcept override;

 private:
  void deliver(const RingRead& r);
  AudioSourceOptions options_;
  std::unique_ptr<io::Engine> engine_;
  AudioBuffer<float> block_;
  std::vector<float> interleaved_;
  std::vector<std::int64_t> times_;
  io::Negotiated negotiated_;
  mutable std::mutex engine_mutex_;
};

struct VideoSourceOptions {
  std::string source;         ///< what io::VideoSource accepts: /dev/videoN, lavfi:GRAPH, URL, file
  io::VideoSourceOptions io;  ///< size, fps, realtime, timeouts... (pixel format and mode are set here)
  double history_seconds = 3.0;
};

class VideoSource final : public ThreadedSource {
 public:
  explicit VideoSource(VideoSourceOptions options);
  ~VideoSource() override;
  [[nodiscard]] io::VideoInfo info() const;

 protected:
  void open() override;
  bool poll() override;
  void close() noexcept override;

 private:
  VideoSourceOptions options_;
  std::unique_ptr<io::VideoSource> video_;
  io::VideoInfo info_;
  std::uint64_t reported_dropped_ = 0;
  mutable std::mutex video_mutex_;
};

}  // namespace percept::sensors
