extern "C" {
#include <libavcodec/avcodec.h>
#include <libavdevice/avdevice.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include "percept/sensors/media_source.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <mutex>
#include <thread>

#include "percept/core/clock.hpp"
#include "percept/core/error.hpp"
#include "percept/io/ffmpeg_error.hpp"

namespace percept::sensors {

namespace {

bool is_device_format(const std::string& f) {
  for (const char* d : {"v4l2", "video4linux2", "alsa", "pulse", "jack", "x11grab", "fbdev", "kmsgrab", "oss"})
    if (f == d) return true;
  return false;
}

}  // namespace

class MediaStreamSource;

// The demuxer/decoder shared by one input's audio and video sources.
class MediaInput {
 public:
  explicit MediaInput(MediaOptions o) : options_(std::move(o)) {
    if (options_.url.empty()) throw InvalidArgument("open_media: no input given");
    if (!(options_.open_timeout_seconds > 0)) throw InvalidArgument("open_media: open_timeout_seconds must be > 0");
    static std::once_flag once;
    std::call_once(once, [] {
      avdevice_register_all();
      if (av_log_get_level() == AV_LOG_INFO) av_log_set_level(AV_LOG_ERROR);  // no encoder banners on stderr
    });
    open_input();
  }
  ~MediaInput() {
    stop_thread();
    close_input();
  }
  MediaInput(const MediaInput&) = delete;
  MediaInput& operator=(const MediaInput&) = delete;

  StreamFormat audio_format() const { return audio_format_; }
  StreamFormat video_format() const { return video_format_; }
  bool has_audio() const { return audio_index_ >= 0; }
  bool has_video() const { return video_index_ >= 0; }
  const MediaOptions& options() const { return options_; }

  void attach(MediaStreamSource* audio, MediaStreamSource* video) {
    std::lock_guard lock(sinks_mutex_);
    audio_sink_ = audio;
    video_sink_ = video;
  }
  void detach(MediaStreamSource* s) {
    std::lock_guard lock(sinks_mutex_);
    if (audio_sink_ == s) audio_sink_ = nullptr;
    if (video_sink_ == s) video_sink_ = nullptr;
  }

  void acquire() {
    std::lock_guard lock(life_mutex_);
    if (users_++ > 0) return;
    try {
      if (!ic_) open_input();
      stop_.store(false);
      failed_.store(false);
      ended_.store(false);
      thread_ = std::thread([this] { run(); });
    } catch (...) {
      --users_;
      throw;
    }
  }
  void release() noexcept {
    std::lock_guard lock(life_mutex_);
    if (users_ == 0 || --users_ > 0) return;
    stop_thread();
    close_input();
  }

  bool failed() const noexcept { return failed_.load(std::memory_order_acquire); }
  bool ended() const noexcept { return ended_.load(std::memory_order_acquire); }
  std::string error() const {
    std::lock_guard lock(error_mutex_);
    return error_;
  }

 private:
  void open_input();
  void close_input() noexcept;
  void stop_thread() noexcept {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  void run() noexcept;
  void decode(AVCodecContext* dec, const AVPacket* pkt, bool is_video, std::int64_t arrival);
  void deliver_video(AVFrame* f, std::int64_t arrival);
  void deliver_audio(AVFrame* f, std::int64_t arrival);
  std::int64_t to_clock(std::int64_t pts, AVRational tb) const;
  static int interrupt_cb(void* opaque) {
    auto* self = static_cast<MediaInput*>(opaque);
    if (self->stop_.load(std::memory_order_relaxed)) return 1;
    const std::int64_t deadline = self->io_deadline_ns_.load(std::memory_order_relaxed);
    return deadline > 0 && Clock::now_ns() > deadline ? 1 : 0;
  }

  MediaOptions options_;
  AVFormatContext* ic_ = nullptr;
  AVCodecContext* vdec_ = nullptr;
  AVCodecContext* adec_ = nullptr;
  SwsContext* sws_ = nullptr;
  SwrContext* swr_ = nullptr;
  AVFrame* frame_ = nullptr;
  AVPacket* pkt_ = nullptr;
  int audio_index_ = -1, video_index_ = -1;
  StreamFormat audio_format_, video_format_;
  bool paced_ = false;
  std::vector<std::uint8_t> video_buf_;
  std::vector<float> audio_buf_;
  std::vector<std::int64_t> times_;

  std::atomic<std::int64_t> offset_ns_{std::numeric_limits<std::int64_t>::max()};
  std::int64_t pace_base_clock_ = 0, pace_base_pts_ = std::numeric_limits<std::int64_t>::min();
  std::int64_t last_audio_t_ = std::numeric_limits<std::int64_t>::min();
  std::int64_t last_video_t_ = std::numeric_limits<std::int64_t>::min();
  std::atomic<std::int64_t> io_deadline_ns_{0};

  std::mutex life_mutex_;
  int users_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false}, failed_{false}, ended_{false};
  mutable std::mutex error_mutex_;
  std::string error_;
  std::mutex sinks_mutex_;
  MediaStreamSource* audio_sink_ = nullptr;
  MediaStreamSource* video_sink_ = nullptr;
  friend class MediaStreamSource;
};

// One of the input's streams as a Source.
class MediaStreamSource final : public ThreadedSource {
 public:
  MediaStreamSource(std::shared_ptr<MediaInput> input, StreamFormat f, double history)
      : ThreadedSource(std::move(f), history, 4), input_(std::move(input)) {}
  ~MediaStreamSource() override {
    stop_and_join();
    input_->detach(this);
  }
  void feed(const void* data, std::size_t n, const std::int64_t* t) { push(data, n, t); }
  void dropped(std::int64_t n) { add_source_dropped(n); }

 protected:
  void on_started() override { input_->acquire(); }
  void close() noexcept override { input_->release(); }
  bool poll() override {
    sleep_until(Clock::now_ns() + 20'000'000);
    if (input_->failed()) throw StreamError(input_->error());
    return !input_->ended();
  }

 private:
  std::shared_ptr<MediaInput> input_;
};

void MediaInput::open_input() {
  const std::string& url = options_.url;
  const AVInputFormat* fmt = nullptr;
  if (!options_.format.empty()) {
    fmt = av_find_input_format(options_.format.c_str());
    if (!fmt) throw InvalidArgument("open_media: FFmpeg has no input format '" + options_.format + "'");
  }
  ic_ = avformat_alloc_context();
  if (!ic_) throw StreamError("open_media: out of memory");
  ic_->interrupt_callback.callback = &MediaInput::interrupt_cb;
  ic_->interrupt_callback.opaque = this;
  io_deadline_ns_.store(Clock::now_ns() + Clock::from_seconds(options_.open_timeout_seconds));
  int rc = avformat_open_input(&ic_, url.c_str(), fmt, nullptr);  // frees ic_ on failure
  if (rc < 0) {
    ic_ = nullptr;
    const std::string msg = "cannot open '" + url + "'" +
                            (options_.format.empty() ? "" : " (" + options_.format + ")") + ": " +
                            io::ffmpeg_error_text(rc);
    if (rc == AVERROR(ENOENT) && !is_device_format(options_.format)) throw FileError(msg);
    if (is_device_format(options_.format) || rc == AVERROR(ENOENT) || rc == AVERROR(EBUSY)) throw DeviceError(msg);
    if (url.find("://") != std::string::npos || rc == AVERROR_EXIT) throw StreamError(msg);
    throw FormatError(msg);
  }
  std::error_code ec;
  paced_ = options_.realtime && (options_.format == "lavfi" ||
                                 (url.find("://") == std::string::npos && std::filesystem::is_regular_file(url, ec)));
  // A live input: the packets read while probing are not replayed afterwards. They arrived in one burst
  // long ago, and would both be stale and spoil the (arrival - pts) offset estimate.
  if (!paced_) ic_->flags |= AVFMT_FLAG_NOBUFFER;
  rc = avformat_find_stream_info(ic_, nullptr);
  if (rc < 0) {
    close_input();
    throw FormatError("cannot read the streams of '" + url + "': " + io::ffmpeg_error_text(rc));
  }
  io_deadline_ns_.store(0);
  video_index_ = options_.video ? av_find_best_stream(ic_, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0) : -1;
  audio_index_ = options_.audio ? av_find_best_stream(ic_, AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0) : -1;
  if (video_index_ < 0) video_index_ = -1;
  if (audio_index_ < 0) audio_index_ = -1;
  if (video_index_ < 0 && audio_index_ < 0) {
    close_input();
    throw FormatError("'" + url + "' has no " +
                      std::string(options_.audio && options_.video ? "audio or video"
                                  : options_.audio                 ? "audio"
                                                                   : "video") +
                      " stream");
  }
  auto open_decoder = [&](int index) {
    AVStream* st = ic_->streams[index];
    const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (!codec) throw FormatError("'" + url + "': no decoder for stream " + std::to_string(index));
    AVCodecContext* dec = avcodec_alloc_context3(codec);
    avcodec_parameters_to_context(dec, st->codecpar);
    dec->pkt_timebase = st->time_base;
    const int r = avcodec_open2(dec, codec, nullptr);
    if (r < 0) {
      avcodec_free_context(&dec);
      throw FormatError("'" + url + "': cannot open the " + codec->name + " decoder: " + io::ffmpeg_error_text(r));
    }
    return dec;
  };
  try {
    if (video_index_ >= 0) {
      vdec_ = open_decoder(video_index_);
      if (vdec_->width <= 0 || vdec_->height <= 0) throw FormatError("'" + url + "': the video stream has no size");
      const AVRational fr = av_guess_frame_rate(ic_, ic_->streams[video_index_], nullptr);
      video_format_.kind = "video";
      video_format_.type = ElementType::UInt8;
      video_format_.item_shape = {static_cast<std::size_t>(vdec_->height), static_cast<std::size_t>(vdec_->width), 3};
      video_format_.nominal_rate = fr.num > 0 && fr.den > 0 ? av_q2d(fr) : 30.0;
      video_format_.fields = {"b", "g", "r"};
      video_buf_.resize(static_cast<std::size_t>(vdec_->width) * static_cast<std::size_t>(vdec_->height) * 3);
    }
    if (audio_index_ >= 0) {
      adec_ = open_decoder(audio_index_);
      if (adec_->sample_rate <= 0 || adec_->ch_layout.nb_channels <= 0)
        throw FormatError("'" + url + "': the audio stream has no rate or channels");
      audio_format_.kind = "audio";
      audio_format_.type = ElementType::Float32;
      audio_format_.item_shape = {static_cast<std::size_t>(adec_->ch_layout.nb_channels)};
      audio_format_.nominal_rate = adec_->sample_rate;
      audio_format_.continuous = true;
    }
  } catch (...) {
    close_input();
    throw;
  }
  frame_ = av_frame_alloc();
  pkt_ = av_packet_alloc();
  offset_ns_.store(std::numeric_limits<std::int64_t>::max());
  pace_base_pts_ = std::numeric_limits<std::int64_t>::min();
  last_audio_t_ = last_video_t_ = std::numeric_limits<std::int64_t>::min();
}

void MediaInput::close_input() noexcept {
  if (sws_) sws_freeContext(sws_);
  sws_ = nullptr;
  swr_free(&swr_);
  av_frame_free(&frame_);
  av_packet_free(&pkt_);
  avcodec_free_context(&vdec_);
  avcodec_free_context(&adec_);
  if (ic_) avformat_close_input(&ic_);
  ic_ = nullptr;
}

std::int64_t MediaInput::to_clock(std::int64_t pts, AVRational tb) const {
  const std::int64_t pts_ns = av_rescale_q(pts, tb, AVRational{1, 1'000'000'000});
  return pts_ns + offset_ns_.load(std::memory_order_relaxed);
}

void MediaInput::run() noexcept {
  std::string err;
  try {
    for (;;) {
      if (stop_.load()) return;
      io_deadline_ns_.store(Clock::now_ns() + Clock::from_seconds(options_.open_timeout_seconds));
      const int rc = av_read_frame(ic_, pkt_);
      io_deadline_ns_.store(0);
      if (rc == AVERROR(EAGAIN)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      if (rc == AVERROR_EOF) {
        if (vdec_) decode(vdec_, nullptr, true, Clock::now_ns());
        if (adec_) decode(adec_, nullptr, false, Clock::now_ns());
        ended_.store(true, std::memory_order_release);
        return;
      }
      if (rc < 0) {
        if (stop_.load()) return;
        throw StreamError("input '" + options_.url + "' failed: " +
                          (rc == AVERROR_EXIT ? "no data for " + std::to_string(options_.open_timeout_seconds) + " s"
                                              : io::ffmpeg_error_text(rc)));
      }
      const int si = pkt_->stream_index;
      if (si != video_index_ && si != audio_index_) {
        av_packet_unref(pkt_);
        continue;
      }
      const AVRational tb = ic_->streams[si]->time_base;
      const std::int64_t ppts = pkt_->pts != AV_NOPTS_VALUE ? pkt_->pts : pkt_->dts;
      std::int64_t arrival = Clock::now_ns();
      if (ppts != AV_NOPTS_VALUE) {
        const std::int64_t pts_ns = av_rescale_q(ppts, tb, AVRational{1, 1'000'000'000});
        if (paced_) {
          if (pace_base_pts_ == std::numeric_limits<std::int64_t>::min()) {
            pace_base_pts_ = pts_ns;
            pace_base_clock_ = arrival;
          }
          // A video frame is due at its presentation time; an audio packet when its last sample is,
          // as a live device delivers a block once it has captured it.
          std::int64_t dur_ns = 0;
          if (si == audio_index_) {
            if (pkt_->duration > 0) {
              dur_ns = av_rescale_q(pkt_->duration, tb, AVRational{1, 1'000'000'000});
            } else if (const int samples = av_get_audio_frame_duration2(ic_->streams[si]->codecpar, pkt_->size);
                       samples > 0) {
              dur_ns = av_rescale(samples, 1'000'000'000, ic_->streams[si]->codecpar->sample_rate);
            }
          }
          const std::int64_t due = pace_base_clock_ + (pts_ns + dur_ns - pace_base_pts_);
          while (!stop_.load() && Clock::now_ns() < due)
            std::this_thread::sleep_for(
                std::chrono::nanoseconds(std::min<std::int64_t>(due - Clock::now_ns(), 20'000'000)));
          if (stop_.load()) return;  // stopped while waiting: this packet has not happened yet
          arrival = std::max(Clock::now_ns(), due);
        }
        // Paced: the mapping is known exactly. Live: the smallest delay seen so far is the best
        // estimate (it only decreases, so it settles after the first packets).
        const std::int64_t off = paced_ ? pace_base_clock_ - pace_base_pts_ : arrival - pts_ns;
        if (off < offset_ns_.load(std::memory_order_relaxed)) offset_ns_.store(off, std::memory_order_relaxed);
      }
      decode(si == video_index_ ? vdec_ : adec_, pkt_, si == video_index_, arrival);
      av_packet_unref(pkt_);
    }
  } catch (const std::exception& e) {
    err = e.what();
  }
  {
    std::lock_guard lock(error_mutex_);
    error_ = err;
  }
  failed_.store(true, std::memory_order_release);
}

void MediaInput::decode(AVCodecContext* dec, const AVPacket* pkt, bool is_video, std::int64_t arrival) {
  int rc = avcodec_send_packet(dec, pkt);
  if (rc < 0 && rc != AVERROR_EOF && rc != AVERROR(EAGAIN)) {
    // A corrupt packet: count it as lost, keep going (live streams recover at the next keyframe).
    std::lock_guard lock(sinks_mutex_);
    if (is_video && video_sink_) video_sink_->dropped(1);
    return;
  }
  for (;;) {
    rc = avcodec_receive_frame(dec, frame_);
    if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
    if (rc < 0) throw StreamError("decoding '" + options_.url + "': " + io::ffmpeg_error_text(rc));
    if (is_video)
      deliver_video(frame_, arrival);
    else
      deliver_audio(frame_, arrival);
    av_frame_unref(frame_);
  }
}

void MediaInput::deliver_video(AVFrame* f, std::int64_t arrival) {
  const int w = static_cast<int>(video_format_.item_shape[1]), h = static_cast<int>(video_format_.item_shape[0]);
  sws_ = sws_getCachedContext(sws_, f->width, f->height, static_cast<AVPixelFormat>(f->format), w, h, AV_PIX_FMT_BGR24,
                              SWS_BILINEAR, nullptr, nullptr, nullptr);
  if (!sws_) throw StreamError("'" + options_.url + "': cannot convert video frames to BGR");
  std::uint8_t* dst[1] = {video_buf_.data()};
  const int stride[1] = {w * 3};
  sws_scale(sws_, f->data, f->linesize, 0, f->height, dst, stride);
  std::int64_t t = arrival;
  if (options_.timestamps == MediaTimestamps::Pts) {
    if (f->pts != AV_NOPTS_VALUE)
      t = to_clock(f->pts, ic_->streams[video_index_]->time_base);
    else if (last_video_t_ != std::numeric_limits<std::int64_t>::min())
      t = last_video_t_ + static_cast<std::int64_t>(1e9 / video_format_.nominal_rate);
  }
  t = std::max(t, last_video_t_ + 1);
  last_video_t_ = t;
  std::lock_guard lock(sinks_mutex_);
  if (video_sink_) video_sink_->feed(video_buf_.data(), 1, &t);
}

void MediaInput::deliver_audio(AVFrame* f, std::int64_t arrival) {
  if (!swr_) {
    AVChannelLayout layout;
    av_channel_layout_copy(&layout, &f->ch_layout);
    const int r = swr_alloc_set_opts2(&swr_, &layout, AV_SAMPLE_FMT_FLT, f->sample_rate, &f->ch_layout,
                                      static_cast<AVSampleFormat>(f->format), f->sample_rate, 0, nullptr);
    av_channel_layout_uninit(&layout);
    if (r < 0 || swr_init(swr_) < 0) throw StreamError("'" + options_.url + "': cannot convert audio to float32");
  }
  if (f->ch_layout.nb_channels != static_cast<int>(audio_format_.item_shape[0]) ||
      f->sample_rate != static_cast<int>(audio_format_.nominal_rate))
    throw StreamError("'" + options_.url + "': the audio format changed mid-stream (" + std::to_string(f->sample_rate) +
                      " Hz, " + std::to_string(f->ch_layout.nb_channels) + " channels)");
  const int channels = f->ch_layout.nb_channels;
  const int cap = swr_get_out_samples(swr_, f->nb_samples);
  audio_buf_.resize(static_cast<std::size_t>(std::max(cap, 0)) * static_cast<std::size_t>(channels));
  auto* out = reinterpret_cast<std::uint8_t*>(audio_buf_.data());
  const int n = swr_convert(swr_, &out, cap, const_cast<const std::uint8_t**>(f->extended_data), f->nb_samples);
  if (n <= 0) return;
  const double period = 1e9 / static_cast<double>(f->sample_rate);
  std::int64_t t0 = arrival - static_cast<std::int64_t>(static_cast<double>(n - 1) * period);
  if (options_.timestamps == MediaTimestamps::Pts) {
    if (f->pts != AV_NOPTS_VALUE)
      t0 = to_clock(f->pts, ic_->streams[audio_index_]->time_base);
    else if (last_audio_t_ != std::numeric_limits<std::int64_t>::min())      // a frame without pts (several
      t0 = last_audio_t_ + static_cast<std::int64_t>(std::llround(period));  // frames in one PES): continue
  }
  // Times never go back. When the offset estimate drops (a packet arrived earlier, relative to its pts,
  // than any before), the new block would overlap the samples already stamped: its samples then follow
  // the previous ones at 90 % of the sample period, so the stamps converge on the better estimate
  // (10 ms per 100 ms of audio) without a jump and without ever running backwards.
  times_.resize(static_cast<std::size_t>(n));
  std::int64_t prev = last_audio_t_;
  const auto min_step = static_cast<std::int64_t>(std::llround(0.9 * period));
  for (int k = 0; k < n; ++k) {
    std::int64_t t = t0 + static_cast<std::int64_t>(std::llround(static_cast<double>(k) * period));
    if (prev != std::numeric_limits<std::int64_t>::min() && t < prev + min_step) t = prev + min_step;
    times_[static_cast<std::size_t>(k)] = t;
    prev = t;
  }
  last_audio_t_ = times_.back();
  std::lock_guard lock(sinks_mutex_);
  if (audio_sink_) audio_sink_->feed(audio_buf_.data(), static_cast<std::size_t>(n), times_.data());
}

MediaSources open_media(const MediaOptions& options) {
  auto input = std::make_shared<MediaInput>(options);
  MediaSources out;
  std::shared_ptr<MediaStreamSource> a, v;
  if (input->has_audio())
    a = std::make_shared<MediaStreamSource>(input, input->audio_format(), options.audio_history_seconds);
  if (input->has_video())
    v = std::make_shared<MediaStreamSource>(input, input->video_format(), options.video_history_seconds);
  input->attach(a.get(), v.get());
  out.audio = a;
  out.video = v;
  return out;
}

}  // namespace percept::sensors
