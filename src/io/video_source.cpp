// VideoSource (background grab thread), VideoReader (synchronous, seekable) and probe_video.
#include "percept/io/video_source.hpp"

#include <cmath>

#include "percept/core/clock.hpp"
#include "percept/core/error.hpp"
#include "video_input.hpp"

namespace percept::io {

// ---------------------------------------------------------------------------------------------------------
VideoReader::VideoReader(const std::string& source, const VideoSourceOptions& options)
    : input_(std::make_unique<VideoInput>(source, options)) {}
VideoReader::~VideoReader() = default;
const VideoInfo& VideoReader::info() const {
  return input_->info();
}
std::shared_ptr<VideoFrame> VideoReader::read() {
  std::lock_guard lock(mutex_);
  std::shared_ptr<VideoFrame> f;
  if (!input_->read(f)) return nullptr;
  return f;
}
void VideoReader::seek(double seconds) {
  std::lock_guard lock(mutex_);
  input_->seek(seconds);
}

VideoInfo probe_video(const std::string& source, const VideoSourceOptions& options) {
  VideoInput input(source, options);
  return input.info();
}

// ---------------------------------------------------------------------------------------------------------
VideoSource::VideoSource(const std::string& source, const VideoSourceOptions& options)
    : source_(source),
      options_(options),
      input_(std::make_unique<VideoInput>(source, options, &stop_)),
      queue_(options.mode, options.queue_size == 0 ? 1 : options.queue_size) {
  if (options.queue_size == 0) throw InvalidArgument("video source '" + source + "': queue_size must be >= 1");
  info_ = input_->info();
  running_ = true;
  thread_ = std::thread([this] { run(); });
}

VideoSource::~VideoSource() {
  close();
}

void VideoSource::run() {
  const bool live = info_.live;
  const bool pace = !live && options_.realtime.value_or(options_.mode == QueueMode::Latest);
  std::int64_t pace_origin_ns = 0;
  double pace_origin_pts = 0.0;
  bool paced = false;
  int reconnects_left = options_.reconnect;
  std::int64_t next_index = 0;
  std::exception_ptr failure;
  while (!stop_) {
    try {
      std::shared_ptr<VideoFrame> frame;
      if (!input_->read(frame)) {
        if (stop_ || !live || reconnects_left <= 0) break;
        throw StreamError("video source '" + source_ + "' ended");
      }
      frame->index = next_index++;  // continuous across reconnects
      if (pace && std::isfinite(frame->pts)) {
        if (!paced) {
          pace_origin_ns = Clock::now_ns();
          pace_origin_pts = frame->pts;
          paced = true;
        } else {
          const std::int64_t due = pace_origin_ns + Clock::from_seconds(frame->pts - pace_origin_pts);
          while (!stop_) {
            const std::int64_t wait = due - Clock::now_ns();
            if (wait <= 0) break;
            std::this_thread::sleep_for(std::chrono::nanoseconds(std::min<std::int64_t>(wait, 20000000)));
          }
        }
      }
      if (live || options_.mode == QueueMode::Latest)
        queue_.push(std::move(frame));
      else if (!queue_.push_wait(std::move(frame)))
        break;  // closed
    } catch (const Error&) {
      if (stop_) break;
      if (live && reconnects_left > 0) {
        --reconnects_left;
        decode_errors_ += input_->decode_errors();
        // Reopen; a failure to reopen uses up another attempt.
        while (!stop_) {
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
          if (stop_) break;
          try {
            auto fresh = std::make_unique<VideoInput>(source_, options_, &stop_);
            std::lock_guard lock(mutex_);
            if (stop_) break;
            input_ = std::move(fresh);
            ++reconnects_;
            break;
          } catch (const Error&) {
            if (reconnects_left-- <= 0) {
              failure = std::current_exception();
              break;
            }
          }
        }
        if (failure) break;
        continue;
      }
      failure = std::current_exception();
      break;
    } catch (...) {
      failure = std::current_exception();
      break;
    }
  }
  {
    std::lock_guard lock(mutex_);
    if (!stop_) error_ = failure;
  }
  running_ = false;
  ended_ = true;
  queue_.close();
}

PopStatus VideoSource::read(FramePtr& out, std::chrono::nanoseconds timeout) {
  if (closed_) throw StreamError("video source '" + source_ + "' is closed");
  const PopStatus s = queue_.pop(out, timeout);
  if (s == PopStatus::Closed) {
    std::lock_guard lock(mutex_);
    if (error_ && !error_reported_) {
      error_reported_ = true;
      std::rethrow_exception(error_);
    }
  }
  return s;
}

VideoSource::FramePtr VideoSource::read(std::chrono::nanoseconds timeout) {
  FramePtr f;
  const PopStatus s = read(f, timeout);
  if (s == PopStatus::Timeout)
    throw TimeoutError("video source '" + source_ + "': no frame within " +
                       std::to_string(std::chrono::duration<double>(timeout).count()) + " s");
  return s == PopStatus::Ok ? f : nullptr;
}

VideoSource::FramePtr VideoSource::latest() const {
  auto n = queue_.newest();
  return n ? *n : nullptr;
}

VideoSourceStats VideoSource::stats() const {
  VideoSourceStats s;
  const auto q = queue_.stats();
  s.decoded = q.pushed;
  s.delivered = q.popped;
  s.dropped = q.dropped;
  s.queued = q.size;
  s.reconnects = reconnects_;
  {
    std::lock_guard lock(mutex_);
    s.decode_errors = decode_errors_ + (input_ ? input_->decode_errors() : 0);
  }
  s.running = running_;
  s.ended = ended_;
  return s;
}

void VideoSource::close() {
  if (closed_) return;
  stop_ = true;
  {
    std::lock_guard lock(mutex_);
    if (input_) input_->interrupt();
  }
  queue_.close();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(mutex_);
    if (input_) decode_errors_ += input_->decode_errors();
    input_.reset();  // closes the device / connection
  }
  closed_ = true;
}

}  // namespace percept::io
