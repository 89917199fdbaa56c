// percept/io/video_writer.hpp — encodes frames into a video file (H.264 via libx264 when FFmpeg has it,
// MPEG-4 part 2 otherwise). The container follows the file's extension (.mp4, .mkv, .avi, .mov, ...).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "percept/io/video_frame.hpp"

struct AVFormatContext;
struct AVCodecContext;
struct AVFrame;
struct AVPacket;
struct AVStream;
struct SwsContext;

namespace percept::io {

struct VideoWriterOptions {
  std::string codec;                            ///< FFmpeg encoder name; empty: libx264, else mpeg4
  PixelFormat input_format = PixelFormat::BGR;  ///< layout of the frames given to write()
  int crf = 23;                                 ///< libx264 constant rate factor (quality; lower is better)
  std::string preset = "veryfast";              ///< libx264 preset
  std::int64_t bit_rate = 0;  ///< bits/s for encoders without crf (mpeg4); 0: 2 bits per pixel per second-ish default
  std::string container;      ///< FFmpeg muxer name; empty: from the extension
  std::map<std::string, std::string> codec_options;
};

class VideoWriter {
 public:
  VideoWriter(const std::string& path, int width, int height, double fps, const VideoWriterOptions& options = {});
  ~VideoWriter();
  VideoWriter(const VideoWriter&) = delete;
  VideoWriter& operator=(const VideoWriter&) = delete;

  /// Writes one frame laid out as options.input_format, tightly packed (packed: height*width*channels
  /// bytes; yuv420p: three planes). `pts` in seconds; NaN: the next frame at 1/fps after the previous one.
  void write(const std::uint8_t* data, std::size_t size, double pts = std::numeric_limits<double>::quiet_NaN());
  /// Writes a decoded frame (its format and size must match the writer's); `pts` as above (the frame's
  /// own pts is not used: pass frame.pts - first_pts to keep a source's timing).
  void write(const VideoFrame& frame, double pts = std::numeric_limits<double>::quiet_NaN());
  /// Flushes the encoder and writes the trailer. Idempotent; the destructor calls it (errors then ignored).
  void close();

  [[nodiscard]] const std::string& codec_name() const noexcept { return codec_name_; }
  [[nodiscard]] std::int64_t frames_written() const noexcept { return frames_; }
  [[nodiscard]] PixelFormat input_format() const noexcept { return options_.input_format; }
  [[nodiscard]] int width() const noexcept { return width_; }
  [[nodiscard]] int height() const noexcept { return height_; }

 private:
  void encode(AVFrame* frame);
  void write_locked(const std::uint8_t* data, std::size_t size, double pts);
  void close_locked();

  std::mutex mutex_;  // write/close may come from several threads (Python releases the GIL)

  std::string path_;
  int width_ = 0;
  int height_ = 0;
  double fps_ = 0.0;
  VideoWriterOptions options_;
  std::string codec_name_;
  AVFormatContext* fmt_ = nullptr;
  AVCodecContext* enc_ = nullptr;
  AVStream* stream_ = nullptr;
  AVFrame* frame_ = nullptr;
  AVPacket* packet_ = nullptr;
  SwsContext* sws_ = nullptr;
  std::int64_t frames_ = 0;
  std::int64_t next_pts_ = 0;
  bool header_written_ = false;
  bool closed_ = false;
};

}  // namespace percept::io
