// percept/sensors/media_source.hpp — audio and video of one FFmpeg input (a file, a network stream,
// an FFmpeg lavfi graph, a V4L2/ALSA device through libavdevice) as two Sources on one clock.
//
// One background thread demuxes and decodes; it feeds an audio Source (float32 sample frames,
// continuous) and a video Source (uint8 BGR (H, W, 3) frames). Both are started and stopped like any
// Source; the input runs while either is running.
//
// Timestamps (percept::Clock ns):
//   Pts      (default) the container's presentation times mapped onto the clock by one offset per input,
//            the smallest (arrival time - pts) seen so far: audio and video keep the relative timing the
//            sender gave them, and network jitter does not move them.
//   Arrival  the time a video frame / the last sample of an audio block left the decoder.
// `realtime` paces inputs that are not live (files, lavfi graphs) at their own rate, like ffmpeg -re.
#pragma once

#include <memory>
#include <string>

#include "percept/sensors/source.hpp"

namespace percept::sensors {

enum class MediaTimestamps { Pts, Arrival };

struct MediaOptions {
  std::string url;     ///< path, URL, or a lavfi graph (with format "lavfi"): "sine=f=440[out0]"
  std::string format;  ///< FFmpeg input format ("lavfi", "mpegts", "v4l2"...), empty = probe
  bool audio = true;   ///< use the best audio stream (when the input has one)
  bool video = true;   ///< use the best video stream (when the input has one)
  bool realtime = true;
  MediaTimestamps timestamps = MediaTimestamps::Pts;
  double audio_history_seconds = 30.0;
  double video_history_seconds = 3.0;
  double open_timeout_seconds = 10.0;  ///< network inputs: give up opening / reading after this long
};

class MediaInput;

/// Opens `options.url` now (errors: FileError, DeviceError, FormatError naming the input) and returns
/// its sources; `audio` or `video` is null when the input has no such stream or it was not asked for.
struct MediaSources {
  std::shared_ptr<Source> audio;
  std::shared_ptr<Source> video;
};
[[nodiscard]] MediaSources open_media(const MediaOptions& options);

}  // namespace percept::sensors
