#include "percept/sensors/av_sources.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "percept/core/clock.hpp"
#include "percept/core/error.hpp"

namespace percept::sensors {

namespace {

StreamFormat audio_format(const AudioSourceOptions& o) {
  if (o.stream.input_channels == 0) throw InvalidArgument("AudioSource: input_channels must be at least 1");
  if (!(o.stream.sample_rate > 0) || !std::isfinite(o.stream.sample_rate))
    throw InvalidArgument("AudioSource: sample_rate must be positive, got " + std::to_string(o.stream.sample_rate));
  if (!(o.ring_seconds > 0) || o.ring_seconds > 600)
    throw InvalidArgument("AudioSource: ring_seconds must be in (0, 600], got " + std::to_string(o.ring_seconds));
  StreamFormat f;
  f.kind = "audio";
  f.type = ElementType::Float32;
  f.item_shape = {o.stream.input_channels};
  f.nominal_rate = o.stream.sample_rate;
  f.continuous = true;
  return f;
}

StreamFormat video_format(const VideoSourceOptions& o) {
  if (o.source.empty()) throw InvalidArgument("VideoSource: no source given");
  StreamFormat f;
  f.kind = "video";
  f.type = ElementType::UInt8;
  const int w = o.io.width.value_or(0), h = o.io.height.value_or(0);
  f.item_shape = {static_cast<std::size_t>(std::max(h, 1)), static_cast<std::size_t>(std::max(w, 1)), 3};
  f.nominal_rate = o.io.fps.value_or(30.0);
  f.fields = {"b", "g", "r"};
  return f;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
AudioSource::AudioSource(AudioSourceOptions options)
    : ThreadedSource(audio_format(options), options.history_seconds), options_(std::move(options)) {}

AudioSource::~AudioSource() {
  stop_and_join();
}

io::Negotiated AudioSource::negotiated() const {
  std::lock_guard lock(engine_mutex_);
  return negotiated_;
}

std::int64_t AudioSource::xruns() const {
  std::lock_guard lock(engine_mutex_);
  return engine_ ? engine_->stats().xruns : 0;
}

void AudioSource::open() {
  io::EngineOptions eo;
  eo.stream = options_.stream;
  eo.stream.output_channels = 0;
  eo.tap = io::CaptureTap::Input;
  eo.playback = io::PlaybackSource::Silence;
  eo.ring_frames = static_cast<std::size_t>(options_.ring_seconds * options_.stream.sample_rate);
  auto engine = std::make_unique<io::Engine>(eo);  // opens the device: DeviceError reaches the caller
  const io::Negotiated n = engine->negotiated();
  StreamFormat f = format();
  f.item_shape = {n.input_channels};
  f.nominal_rate = n.sample_rate;
  set_format(std::move(f));
  // Reads of ~10 ms (at least one period): small enough for a live view, large enough to be cheap.
  const auto frames = std::max<std::size_t>(n.period, static_cast<std::size_t>(n.sample_rate / 100.0));
  block_ = AudioBuffer<float>(n.input_channels, frames);
  interleaved_.assign(frames * n.input_channels, 0.0f);
  times_.assign(frames, 0);
  std::lock_guard lock(engine_mutex_);
  negotiated_ = n;
  engine_ = std::move(engine);
}

void AudioSource::on_started() {
  engine_->start();
}

bool AudioSource::poll() {
  RingRead r;
  try {
    r = engine_->capture().read(block_.view(), 0.1);
  } catch (const TimeoutError&) {
    engine_->check();  // throws StreamError when the device died
    return true;
  } catch (const StreamError&) {
    // The device died: keep the frames captured before it did (fewer than one block), then fail.
    r = engine_->capture().read_available(block_.view());
    deliver(r);
    throw;
  }
  deliver(r);
  return true;
}

void AudioSource::deliver(const RingRead& r) {
  if (r.lost_frames > 0) add_source_dropped(r.lost_frames);
  const std::size_t ch = block_.num_channels();
  for (std::size_t c = 0; c < ch; ++c) {
    const float* src = block_.channel(c);
    for (std::size_t i = 0; i < r.frames; ++i) interleaved_[i * ch + c] = src[i];
  }
  const AudioRing& ring = engine_->capture();
  for (std::size_t i = 0; i < r.frames; ++i) times_[i] = ring.time_of(r.first_frame + static_cast<std::int64_t>(i));
  push(interleaved_.data(), r.frames, times_.data());
}

void AudioSource::close() noexcept {
  std::unique_ptr<io::Engine> engine;
  {
    std::lock_guard lock(engine_mutex_);
    engine = std::move(engine_);
  }
  if (engine) engine->stop();
}

// ---------------------------------------------------------------------------------------------------
VideoSource::VideoSource(VideoSourceOptions options)
    : ThreadedSource(video_format(options), options.history_seconds, 4), options_(std::move(options)) {}

VideoSource::~VideoSource() {
  stop_and_join();
}

io::VideoInfo VideoSource::info() const {
  std::lock_guard lock(video_mutex_);
  return info_;
}

void VideoSource::open() {
  io::VideoSourceOptions o = options_.io;
  o.pixel_format = io::PixelFormat::BGR;
  o.mode = QueueMode::Every;
  o.queue_size = std::max<std::size_t>(o.queue_size, 64);
  auto video = std::make_unique<io::VideoSource>(options_.source, o);
  const io::VideoInfo info = video->info();
  StreamFormat f = format();
  f.item_shape = {static_cast<std::size_t>(info.height), static_cast<std::size_t>(info.width), 3};
  if (info.fps > 0) f.nominal_rate = info.fps;
  set_format(std::move(f));
  std::lock_guard lock(video_mutex_);
  info_ = info;
  reported_dropped_ = 0;
  video_ = std::move(video);
}

bool VideoSource::poll() {
  io::VideoSource::FramePtr frame;
  const PopStatus st = video_->read(frame, std::chrono::milliseconds(100));
  const std::uint64_t dropped = video_->stats().dropped;
  if (dropped > reported_dropped_) {
    add_source_dropped(static_cast<std::int64_t>(dropped - reported_dropped_));
    reported_dropped_ = dropped;
  }
  if (st == PopStatus::Closed) return false;
  if (st == PopStatus::Timeout || !frame) return true;
  if (frame->width != info_.width || frame->height != info_.height || frame->format != io::PixelFormat::BGR)
    throw StreamError("VideoSource '" + options_.source + "': frame size changed mid-stream to " +
                      std::to_string(frame->width) + "x" + std::to_string(frame->height));
  push(frame->data.get(), 1, &frame->capture_ns);
  return true;
}

void VideoSource::close() noexcept {
  std::unique_ptr<io::VideoSource> video;
  {
    std::lock_guard lock(video_mutex_);
    video = std::move(video_);
  }
  if (video) video->close();
}

}  // namespace percept::sensors
