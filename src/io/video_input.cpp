// FFmpeg demuxing, decoding and pixel conversion for VideoSource / VideoReader.
#include "video_input.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavdevice/avdevice.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>
#include <thread>

#include "av_pixel_format.hpp"
#include "percept/core/clock.hpp"
#include "percept/core/error.hpp"
#include "percept/io/ffmpeg_error.hpp"

namespace percept::io {

namespace {

void register_ffmpeg_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    avdevice_register_all();
    avformat_network_init();
    av_log_set_level(AV_LOG_FATAL);  // failures are reported by the exceptions we throw
  });
}

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

std::string fmt_size(int w, int h) {
  return std::to_string(w) + "x" + std::to_string(h);
}

std::string fmt_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

constexpr std::int64_t kNoPts = std::numeric_limits<std::int64_t>::min();  // == AV_NOPTS_VALUE

}  // namespace

int VideoInput::interrupt_callback(void* opaque) {
  auto* self = static_cast<VideoInput*>(opaque);
  if (self->abort_.load(std::memory_order_relaxed)) return 1;
  if (self->external_abort_ && self->external_abort_->load(std::memory_order_relaxed)) return 1;
  const std::int64_t deadline = self->deadline_ns_.load(std::memory_order_relaxed);
  if (deadline != 0 && Clock::now_ns() > deadline) {
    self->timed_out_ = true;
    return 1;
  }
  return 0;
}

VideoInput::VideoInput(const std::string& source, const VideoSourceOptions& options,
                       const std::atomic<bool>* external_abort)
    : source_(source), options_(options), external_abort_(external_abort) {
  if (source.empty()) throw InvalidArgument("video source: empty source name");
  if (options.width.has_value() != options.height.has_value())
    throw InvalidArgument("video source '" + source + "': give both width and height, or neither");
  if (options.width && (*options.width <= 0 || *options.height <= 0))
    throw InvalidArgument("video source '" + source + "': size must be positive, got " +
                          fmt_size(*options.width, *options.height));
  if (options.fps && !(std::isfinite(*options.fps) && *options.fps > 0))
    throw InvalidArgument("video source '" + source + "': fps must be a positive number, got " +
                          fmt_double(*options.fps));
  if (!(options.open_timeout > 0) || !(options.read_timeout > 0))
    throw InvalidArgument("video source '" + source + "': timeouts must be positive");
  register_ffmpeg_once();
  try {
    open();
  } catch (...) {
    sws_freeContext(sws_);
    av_packet_free(&packet_);
    av_frame_free(&frame_);
    avcodec_free_context(&dec_);
    avformat_close_input(&fmt_);
    throw;
  }
}

VideoInput::~VideoInput() {
  abort_ = true;
  sws_freeContext(sws_);
  av_packet_free(&packet_);
  av_frame_free(&frame_);
  avcodec_free_context(&dec_);
  avformat_close_input(&fmt_);
}

void VideoInput::open() {
  url_ = source_;
  std::string format_name = options_.input_format;
  if (starts_with(source_, "lavfi:")) {
    url_ = source_.substr(6);
    if (format_name.empty()) format_name = "lavfi";
  } else if (starts_with(source_, "v4l2:")) {
    url_ = source_.substr(5);
    if (format_name.empty()) format_name = "video4linux2";
  } else if (starts_with(source_, "/dev/") && format_name.empty()) {
    format_name = "video4linux2";
  }
  lavfi_ = format_name == "lavfi";
  device_ = format_name == "v4l2" || format_name == "video4linux2";
  network_ = !device_ && !lavfi_ && url_.find("://") != std::string::npos && !starts_with(url_, "file:");
  info_.source = source_;
  info_.live = device_ || network_;
  info_.pixel_format = options_.pixel_format;

  const AVInputFormat* iformat = nullptr;
  if (!format_name.empty()) {
    iformat = av_find_input_format(format_name.c_str());
    if (!iformat)
      throw InvalidArgument("video source '" + source_ + "': FFmpeg has no input format or device '" + format_name +
                            "'");
  }

  AVDictionary* dict = nullptr;
  if (device_) {
    if (options_.width) av_dict_set(&dict, "video_size", fmt_size(*options_.width, *options_.height).c_str(), 0);
    if (options_.fps) av_dict_set(&dict, "framerate", fmt_double(*options_.fps).c_str(), 0);
    if (!options_.input_pixel_format.empty())
      av_dict_set(&dict, "input_format", options_.input_pixel_format.c_str(), 0);
    // The v4l2 demuxer's default timestamp mode passes the kernel's buffer times through unchanged ("abs" and
    // "mono2abs" would convert monotonic times to wall-clock ones), so it is left alone.
  } else {
    if (options_.fps)
      info_.notes.push_back("fps=" + fmt_double(*options_.fps) +
                            " was ignored: only cameras take a frame-rate request");
    if (!options_.input_pixel_format.empty())
      info_.notes.push_back("input_pixel_format='" + options_.input_pixel_format +
                            "' was ignored: only cameras take a pixel-format request");
  }
  for (const auto& [k, v] : options_.options) av_dict_set(&dict, k.c_str(), v.c_str(), 0);

  fmt_ = avformat_alloc_context();
  if (!fmt_) throw Error("video source '" + source_ + "': out of memory");
  fmt_->interrupt_callback.callback = &VideoInput::interrupt_callback;
  fmt_->interrupt_callback.opaque = this;
  deadline_ns_ = Clock::now_ns() + Clock::from_seconds(options_.open_timeout);
  int ret = avformat_open_input(&fmt_, url_.c_str(), iformat, &dict);
  av_dict_free(&dict);
  if (ret < 0) {
    fmt_ = nullptr;  // freed by avformat_open_input
    const std::string why = ffmpeg_error_text(ret);
    if (timed_out_ || ret == AVERROR_EXIT)
      throw TimeoutError("video source '" + source_ + "': no answer within " + fmt_double(options_.open_timeout) +
                         " s while opening");
    if (device_) {
      if (ret == AVERROR(ENOENT)) throw DeviceError("video device '" + url_ + "' does not exist");
      if (ret == AVERROR(EBUSY))
        throw DeviceError("video device '" + url_ + "' is busy: another program is capturing from it");
      if (ret == AVERROR(EACCES))
        throw DeviceError("video device '" + url_ + "': permission denied (is the user in the 'video' group?)");
      throw DeviceError("video device '" + url_ + "' could not be opened: " + why);
    }
    if (lavfi_) throw InvalidArgument("lavfi source '" + url_ + "' could not be built: " + why);
    if (network_) throw StreamError("video stream '" + url_ + "' could not be opened: " + why);
    if (ret == AVERROR(ENOENT)) throw FileError("video file '" + url_ + "' does not exist");
    if (ret == AVERROR(EACCES)) throw FileError("video file '" + url_ + "': permission denied");
    if (ret == AVERROR(EISDIR)) throw FileError("video file '" + url_ + "' is a directory");
    throw FormatError("video file '" + url_ + "' could not be opened: " + why);
  }
  ret = avformat_find_stream_info(fmt_, nullptr);
  if (ret < 0) {
    if (timed_out_)
      throw TimeoutError("video source '" + source_ + "': no stream information within " +
                         fmt_double(options_.open_timeout) + " s");
    throw FormatError("video source '" + source_ + "': cannot read stream information: " + ffmpeg_error_text(ret));
  }
  const AVCodec* codec = nullptr;
  stream_ = av_find_best_stream(fmt_, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
  if (stream_ < 0 || !codec) {
    if (stream_ == AVERROR_DECODER_NOT_FOUND)
      throw FormatError("video source '" + source_ + "': no decoder for its video stream");
    throw FormatError("video source '" + source_ + "' has no video stream");
  }
  AVStream* st = fmt_->streams[stream_];
  for (unsigned i = 0; i < fmt_->nb_streams; ++i)
    if (static_cast<int>(i) != stream_) fmt_->streams[i]->discard = AVDISCARD_ALL;
  time_base_ = av_q2d(st->time_base);

  dec_ = avcodec_alloc_context3(codec);
  if (!dec_) throw Error("video source '" + source_ + "': out of memory");
  ret = avcodec_parameters_to_context(dec_, st->codecpar);
  if (ret < 0) throw FormatError("video source '" + source_ + "': bad codec parameters: " + ffmpeg_error_text(ret));
  dec_->pkt_timebase = st->time_base;
  dec_->thread_count = options_.threads;
  if (info_.live) {
    dec_->thread_type = FF_THREAD_SLICE;  // frame threads would delay every frame by one per thread
    dec_->flags |= AV_CODEC_FLAG_LOW_DELAY;
  } else {
    dec_->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
  }
  ret = avcodec_open2(dec_, codec, nullptr);
  if (ret < 0)
    throw FormatError("video source '" + source_ + "': cannot open decoder '" + codec->name +
                      "': " + ffmpeg_error_text(ret));
  frame_ = av_frame_alloc();
  packet_ = av_packet_alloc();
  if (!frame_ || !packet_) throw Error("video source '" + source_ + "': out of memory");

  info_.format_name = fmt_->iformat->name;
  info_.codec = codec->name;
  const char* pf = av_get_pix_fmt_name(static_cast<AVPixelFormat>(st->codecpar->format));
  info_.native_pixel_format = pf ? pf : "";
  info_.native_width = st->codecpar->width;
  info_.native_height = st->codecpar->height;
  if (info_.native_width <= 0 || info_.native_height <= 0)
    throw FormatError("video source '" + source_ + "': the video stream has no frame size");
  info_.width = options_.width ? *options_.width : info_.native_width;
  info_.height = options_.height ? *options_.height : info_.native_height;
  if (st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0)
    info_.fps = av_q2d(st->avg_frame_rate);
  else if (st->r_frame_rate.num > 0 && st->r_frame_rate.den > 0)
    info_.fps = av_q2d(st->r_frame_rate);
  if (info_.live)
    info_.duration = std::numeric_limits<double>::quiet_NaN();
  else if (fmt_->duration > 0)
    info_.duration = static_cast<double>(fmt_->duration) / AV_TIME_BASE;
  else if (st->duration > 0)
    info_.duration = static_cast<double>(st->duration) * time_base_;
  else
    info_.duration = std::numeric_limits<double>::quiet_NaN();
  info_.frame_count = st->nb_frames > 0 ? st->nb_frames : -1;
  info_.bit_rate = fmt_->bit_rate;

  if (device_) {  // read the requests back: what the driver granted
    if (options_.width && (info_.native_width != *options_.width || info_.native_height != *options_.height))
      info_.notes.push_back("requested size " + fmt_size(*options_.width, *options_.height) + ", camera gave " +
                            fmt_size(info_.native_width, info_.native_height) + " (frames are scaled to the request)");
    if (options_.fps && std::fabs(info_.fps - *options_.fps) > 0.01 * *options_.fps)
      info_.notes.push_back("requested " + fmt_double(*options_.fps) + " fps, camera gave " + fmt_double(info_.fps) +
                            " fps");
    if (!options_.input_pixel_format.empty() && options_.input_pixel_format != info_.codec &&
        options_.input_pixel_format != info_.native_pixel_format)
      info_.notes.push_back("requested input format '" + options_.input_pixel_format + "', camera gave '" +
                            (info_.codec == "rawvideo" ? info_.native_pixel_format : info_.codec) + "'");
    if (options_.strict && !info_.notes.empty()) {
      std::string all;
      for (const auto& n : info_.notes) all += (all.empty() ? "" : "; ") + n;
      throw DeviceError("video device '" + url_ + "' did not grant the request: " + all);
    }
  }
}

void VideoInput::throw_read_error(int err, const char* what) {
  if (timed_out_)
    throw TimeoutError("video source '" + source_ + "': no data for " + fmt_double(options_.read_timeout) + " s");
  const std::string msg = "video source '" + source_ + "': " + what + ": " + ffmpeg_error_text(err);
  if (device_) throw DeviceError(msg);
  if (network_ || lavfi_) throw StreamError(msg);
  throw FormatError(msg);
}

bool VideoInput::read(std::shared_ptr<VideoFrame>& out) {
  while (true) {
    if (abort_) return false;
    if (finished_) return false;
    int ret = avcodec_receive_frame(dec_, frame_);
    if (ret == 0) {
      const std::int64_t ts = frame_->best_effort_timestamp;
      const double start = fmt_->streams[stream_]->start_time != kNoPts
                               ? static_cast<double>(fmt_->streams[stream_]->start_time) * time_base_
                               : 0.0;
      const double pts =
          ts != kNoPts ? static_cast<double>(ts) * time_base_ - start : std::numeric_limits<double>::quiet_NaN();
      if (skip_until_ >= 0.0 && (std::isnan(pts) || pts < skip_until_ - 1e-6)) {
        av_frame_unref(frame_);
        continue;
      }
      skip_until_ = -1.0;
      std::int64_t capture = 0;
      if (ts != kNoPts) {
        for (auto it = arrivals_.rbegin(); it != arrivals_.rend(); ++it)
          if (it->first == ts) {
            capture = it->second;
            break;
          }
      }
      if (capture == 0) capture = Clock::now_ns();
      auto f = VideoFrame::allocate(info_.width, info_.height, options_.pixel_format);
      try {
        convert(frame_, *f);
      } catch (...) {
        av_frame_unref(frame_);
        throw;
      }
      av_frame_unref(frame_);
      f->pts = pts;
      f->capture_ns = capture;
      f->index = next_index_++;
      ++frames_out_;
      out = std::move(f);
      return true;
    }
    if (ret == AVERROR_EOF) {
      finished_ = true;
      if (frames_out_ == 0 && decode_errors_ > 0)
        throw FormatError("video source '" + source_ + "': no frame could be decoded (" +
                          std::to_string(decode_errors_) + " corrupt packets)");
      return false;
    }
    if (ret != AVERROR(EAGAIN)) {
      ++decode_errors_;
      throw_read_error(ret, "decoding failed");
    }
    if (draining_) {  // EAGAIN while draining should not happen; end cleanly
      finished_ = true;
      return false;
    }
    deadline_ns_ = Clock::now_ns() + Clock::from_seconds(options_.read_timeout);
    ret = av_read_frame(fmt_, packet_);
    const std::int64_t arrived = Clock::now_ns();
    if (ret == AVERROR(EAGAIN)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    if (ret == AVERROR_EOF || (ret < 0 && fmt_->pb && avio_feof(fmt_->pb) && !timed_out_ && !abort_)) {
      draining_ = true;
      avcodec_send_packet(dec_, nullptr);
      continue;
    }
    if (ret < 0) {
      if (abort_) return false;
      throw_read_error(ret, "reading failed");
    }
    if (packet_->stream_index != stream_) {
      av_packet_unref(packet_);
      continue;
    }
    if (packet_->pts != kNoPts) {
      std::int64_t capture = arrived;
      if (device_) {  // V4L2: the kernel's buffer time, in microseconds, usually monotonic
        const std::int64_t kernel_ns = av_rescale_q(packet_->pts, fmt_->streams[stream_]->time_base, {1, 1000000000});
        if (std::llabs(kernel_ns - arrived) < 1000000000LL && kernel_ns <= arrived) capture = kernel_ns;
      }
      arrivals_.emplace_back(packet_->pts, capture);
      if (arrivals_.size() > 64) arrivals_.pop_front();
    }
    ret = avcodec_send_packet(dec_, packet_);
    av_packet_unref(packet_);
    if (ret < 0 && ret != AVERROR(EAGAIN)) ++decode_errors_;  // a corrupt packet: skip it, as ffmpeg does
  }
}

void VideoInput::convert(const AVFrame* src, VideoFrame& dst) {
  const auto src_fmt = static_cast<AVPixelFormat>(src->format);
  if (dst.format == PixelFormat::YUV420P && src_fmt == AV_PIX_FMT_YUV420P && src->width == dst.width &&
      src->height == dst.height) {
    for (int p = 0; p < 3; ++p) {
      av_image_copy_plane(dst.plane(p), static_cast<int>(dst.plane_stride(p)), src->data[p], src->linesize[p],
                          dst.plane_width(p), dst.plane_height(p));
    }
    return;
  }
  const int key[6] = {src->width,
                      src->height,
                      src->format,
                      static_cast<int>(src->colorspace),
                      static_cast<int>(src->color_range),
                      static_cast<int>(dst.format)};
  if (!sws_ || std::memcmp(key, sws_key_, sizeof key) != 0) {
    sws_freeContext(sws_);
    sws_ = sws_getContext(src->width, src->height, src_fmt, dst.width, dst.height, to_av(dst.format), SWS_BICUBIC,
                          nullptr, nullptr, nullptr);
    if (!sws_)
      throw FormatError("video source '" + source_ + "': cannot convert " +
                        std::string(av_get_pix_fmt_name(src_fmt) ? av_get_pix_fmt_name(src_fmt) : "?") + " to " +
                        to_string(dst.format));
    // Follow the frame's colour matrix and range, as ffmpeg's scale filter does.
    int* inv_table = nullptr;
    int* table = nullptr;
    int src_range = 0, dst_range = 0, brightness = 0, contrast = 0, saturation = 0;
    if (sws_getColorspaceDetails(sws_, &inv_table, &src_range, &table, &dst_range, &brightness, &contrast,
                                 &saturation) >= 0) {
      bool change = false;
      if (src->colorspace != AVCOL_SPC_UNSPECIFIED && src->colorspace != AVCOL_SPC_RGB &&
          src->colorspace != AVCOL_SPC_RESERVED) {
        inv_table = const_cast<int*>(sws_getCoefficients(src->colorspace));
        change = true;
      }
      if (src->color_range == AVCOL_RANGE_JPEG && !src_range) {
        src_range = 1;
        change = true;
      }
      if (change)
        sws_setColorspaceDetails(sws_, inv_table, src_range, table, dst_range, brightness, contrast, saturation);
    }
    std::memcpy(sws_key_, key, sizeof key);
  }
  std::uint8_t* planes[4] = {nullptr, nullptr, nullptr, nullptr};
  int strides[4] = {0, 0, 0, 0};
  for (int p = 0; p < dst.num_planes(); ++p) {
    planes[p] = dst.plane(p);
    strides[p] = static_cast<int>(dst.plane_stride(p));
  }
  sws_scale(sws_, src->data, src->linesize, 0, src->height, planes, strides);
}

void VideoInput::seek(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0)
    throw InvalidArgument("video source '" + source_ + "': seek time must be >= 0 seconds, got " + fmt_double(seconds));
  if (info_.live) throw InvalidArgument("video source '" + source_ + "' is live: it cannot seek");
  AVStream* st = fmt_->streams[stream_];
  const std::int64_t start = st->start_time != kNoPts ? st->start_time : 0;
  const auto ts = start + static_cast<std::int64_t>(std::floor(seconds / time_base_));
  deadline_ns_ = Clock::now_ns() + Clock::from_seconds(options_.read_timeout);
  int ret = av_seek_frame(fmt_, stream_, ts, AVSEEK_FLAG_BACKWARD);
  if (ret < 0) ret = avformat_seek_file(fmt_, stream_, std::numeric_limits<std::int64_t>::min(), ts, ts, 0);
  if (ret < 0)
    throw FormatError("video source '" + source_ + "': cannot seek to " + fmt_double(seconds) +
                      " s: " + ffmpeg_error_text(ret));
  avcodec_flush_buffers(dec_);
  arrivals_.clear();
  draining_ = false;
  finished_ = false;
  skip_until_ = seconds;
}

}  // namespace percept::io
