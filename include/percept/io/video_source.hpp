// percept/io/video_source.hpp — video from cameras, files, network streams and FFmpeg test sources.
//
// A source string is one of
//   /dev/videoN (or "v4l2:/dev/videoN")   a V4L2 camera; size, fps and input pixel format are requested
//                                         from the driver and read back after opening
//   lavfi:GRAPH                            an FFmpeg filter-graph source, e.g. "lavfi:testsrc2=size=640x480:rate=30"
//   scheme://...                           a network stream (rtsp, udp, tcp, http, ...) or any FFmpeg URL
//   anything else                          a file path
// (VideoSourceOptions::input_format forces a demuxer/device by FFmpeg name instead.)
//
// VideoReader decodes synchronously on the caller's thread and can seek (frame extraction).
// VideoSource decodes on a background thread into a FrameQueue: QueueMode::Latest keeps only the newest
// frame (older unread ones are counted as skipped), QueueMode::Every queues up to queue_size frames (a
// live source drops and counts what does not fit; a file waits for the reader, losing nothing).
// Blocking FFmpeg calls are bounded by an interrupt callback: opening by open_timeout, every read by
// read_timeout, and close() interrupts them at once. Closing (or destroying) a source joins the thread and
// closes the device, so a camera is free again as soon as the object is gone.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "percept/core/frame_queue.hpp"
#include "percept/io/video_frame.hpp"

namespace percept::io {

struct VideoSourceOptions {
  std::optional<int> width;   ///< output size (requested from a camera; other sources are scaled)
  std::optional<int> height;  ///< give both or neither
  std::optional<double> fps;  ///< requested from a camera (V4L2 "framerate"); noted as ignored elsewhere
  PixelFormat pixel_format = PixelFormat::BGR;
  QueueMode mode = QueueMode::Latest;
  std::size_t queue_size = 8;                  ///< Every mode
  std::string input_format;                    ///< force an FFmpeg demuxer/device ("v4l2", "mpegts", "lavfi", ...)
  std::string input_pixel_format;              ///< camera pixel format request ("mjpeg", "yuyv422", ...)
  std::map<std::string, std::string> options;  ///< extra demuxer/protocol options (FFmpeg names)
  double open_timeout = 10.0;                  ///< seconds
  double read_timeout = 5.0;                   ///< seconds without data before a read fails with TimeoutError
  int threads = 0;                             ///< decoder threads; 0 = automatic
  /// Pace a non-live source (file, lavfi) at its frame times, like ffmpeg -re. Default: on in Latest mode
  /// (a file then behaves like a camera), off in Every mode (decode as fast as the reader takes frames).
  std::optional<bool> realtime;
  int reconnect = 0;    ///< times a live network stream is reopened after it fails or ends
  bool strict = false;  ///< a camera request that was not granted throws DeviceError
};

struct VideoInfo {
  std::string source;
  std::string format_name;          ///< FFmpeg demuxer ("mov,mp4,m4a,3gp,3g2,mj2", "video4linux2,v4l2", "lavfi")
  std::string codec;                ///< decoder name ("h264", "rawvideo", ...)
  std::string native_pixel_format;  ///< as decoded ("yuv420p", "yuyv422", ...)
  int native_width = 0;
  int native_height = 0;
  int width = 0;  ///< of the frames delivered
  int height = 0;
  double fps = 0.0;               ///< average frame rate (0 when unknown)
  double duration = 0.0;          ///< seconds; NaN when unknown (live)
  std::int64_t frame_count = -1;  ///< from the container, -1 when unknown
  std::int64_t bit_rate = 0;
  bool live = false;  ///< a device or network stream
  PixelFormat pixel_format = PixelFormat::BGR;
  std::vector<std::string> notes;  ///< requests that were not granted or not applicable
};

struct VideoSourceStats {
  std::uint64_t decoded = 0;    ///< frames decoded and offered to the reader (== delivered + dropped + queued)
  std::uint64_t delivered = 0;  ///< frames handed to the reader
  std::uint64_t dropped = 0;    ///< frames lost: skipped in Latest mode, refused by a full queue in Every mode
  std::uint64_t decode_errors = 0;
  std::uint64_t reconnects = 0;
  std::size_t queued = 0;
  bool running = false;  ///< the grab thread is still producing
  bool ended = false;    ///< the stream ended (end of file, closed, or failed)
};

class VideoInput;  // the FFmpeg demuxer + decoder + converter (src/io/video_input.hpp)

/// Synchronous decoding with seeking: frame extraction from files.
class VideoReader {
 public:
  explicit VideoReader(const std::string& source, const VideoSourceOptions& options = {});
  ~VideoReader();
  VideoReader(const VideoReader&) = delete;
  VideoReader& operator=(const VideoReader&) = delete;

  [[nodiscard]] const VideoInfo& info() const;
  /// The next frame, or nullptr at the end of the stream.
  std::shared_ptr<VideoFrame> read();
  /// Positions the reader so that the next read() returns the first frame whose pts >= seconds
  /// (seeks to the preceding key frame and decodes forward).
  void seek(double seconds);

 private:
  std::mutex mutex_;  // read/seek from several threads
  std::unique_ptr<VideoInput> input_;
};

/// Opens the source, reads its header and returns what it found (no frame is decoded).
VideoInfo probe_video(const std::string& source, const VideoSourceOptions& options = {});

class VideoSource {
 public:
  using FramePtr = std::shared_ptr<const VideoFrame>;

  /// Opens the source (throws DeviceError/FileError/FormatError/StreamError/TimeoutError naming it) and
  /// starts the grab thread.
  explicit VideoSource(const std::string& source, const VideoSourceOptions& options = {});
  ~VideoSource();
  VideoSource(const VideoSource&) = delete;
  VideoSource& operator=(const VideoSource&) = delete;

  [[nodiscard]] const VideoInfo& info() const noexcept { return info_; }
  [[nodiscard]] const VideoSourceOptions& options() const noexcept { return options_; }

  /// Waits up to `timeout` for the next frame (Latest: the newest one not yet read). Ok: `out` is set;
  /// Timeout: nothing yet; Closed: the stream ended and every frame was read — if it ended with an error,
  /// that error is thrown (once) instead.
  PopStatus read(FramePtr& out, std::chrono::nanoseconds timeout);
  /// read() waiting at most `timeout`; nullptr at the end; TimeoutError if nothing came in time.
  FramePtr read(std::chrono::nanoseconds timeout = std::chrono::seconds(10));
  /// The newest frame decoded so far (also if it was already read), without waiting; nullptr before the first.
  [[nodiscard]] FramePtr latest() const;

  [[nodiscard]] VideoSourceStats stats() const;
  /// Stops the grab thread (interrupting any blocking read), joins it and closes the input. Idempotent.
  void close();
  [[nodiscard]] bool closed() const noexcept { return closed_; }

 private:
  void run();

  std::string source_;
  VideoSourceOptions options_;
  VideoInfo info_;
  std::atomic<bool> stop_{false};  // before input_: the input's interrupt callback reads it while opening
  std::unique_ptr<VideoInput> input_;
  FrameQueue<FramePtr> queue_;
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::atomic<bool> ended_{false};
  std::atomic<std::uint64_t> decode_errors_{0};
  std::atomic<std::uint64_t> reconnects_{0};
  mutable std::mutex mutex_;  // guards error_, input_ replacement
  std::exception_ptr error_;
  bool error_reported_ = false;
  std::atomic<bool> closed_{false};
};

}  // namespace percept::io
