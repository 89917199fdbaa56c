// Private to src/io: the FFmpeg half of VideoSource/VideoReader — demuxer, decoder and pixel converter.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>

#include "percept/io/video_source.hpp"

struct AVFormatContext;
struct AVCodecContext;
struct AVFrame;
struct AVPacket;
struct SwsContext;

namespace percept::io {

class VideoInput {
 public:
  /// `external_abort`, when given, interrupts blocking calls too (VideoSource's stop flag, so that close()
  /// also cuts short the opening of a reconnection).
  VideoInput(const std::string& source, const VideoSourceOptions& options,
             const std::atomic<bool>* external_abort = nullptr);
  ~VideoInput();
  VideoInput(const VideoInput&) = delete;
  VideoInput& operator=(const VideoInput&) = delete;

  [[nodiscard]] const VideoInfo& info() const noexcept { return info_; }
  /// Decodes the next frame. False at the end of the stream or after interrupt().
  bool read(std::shared_ptr<VideoFrame>& out);
  void seek(double seconds);
  /// Makes any blocking call return now, and every later one fail fast (thread-safe).
  void interrupt() noexcept { abort_ = true; }
  [[nodiscard]] bool interrupted() const noexcept { return abort_; }
  [[nodiscard]] std::uint64_t decode_errors() const noexcept { return decode_errors_; }

  static int interrupt_callback(void* opaque);

 private:
  void open();
  void convert(const AVFrame* src, VideoFrame& dst);
  [[noreturn]] void throw_read_error(int err, const char* what);

  std::string source_;
  std::string url_;
  VideoSourceOptions options_;
  VideoInfo info_;
  bool device_ = false;
  bool network_ = false;
  bool lavfi_ = false;

  AVFormatContext* fmt_ = nullptr;
  AVCodecContext* dec_ = nullptr;
  AVFrame* frame_ = nullptr;
  AVPacket* packet_ = nullptr;
  SwsContext* sws_ = nullptr;
  int sws_key_[6] = {-1, -1, -1, -1, -1, -1};
  int stream_ = -1;
  double time_base_ = 0.0;
  bool draining_ = false;
  bool finished_ = false;
  double skip_until_ = -1.0;  // after seek(): frames before this pts are decoded and discarded
  std::int64_t next_index_ = 0;
  std::uint64_t decode_errors_ = 0;
  std::uint64_t frames_out_ = 0;
  std::deque<std::pair<std::int64_t, std::int64_t>> arrivals_;  // (packet pts, capture ns)

  std::atomic<bool> abort_{false};
  const std::atomic<bool>* external_abort_ = nullptr;
  std::atomic<bool> timed_out_{false};
  std::atomic<std::int64_t> deadline_ns_{0};
};

}  // namespace percept::io
