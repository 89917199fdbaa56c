#include "percept/io/video_writer.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "av_pixel_format.hpp"
#include "percept/core/error.hpp"
#include "percept/io/ffmpeg_error.hpp"

namespace percept::io {

namespace {}  // namespace

VideoWriter::VideoWriter(const std::string& path, int width, int height, double fps, const VideoWriterOptions& options)
    : path_(path), width_(width), height_(height), fps_(fps), options_(options) {
  if (width <= 0 || height <= 0 || width % 2 != 0 || height % 2 != 0)
    throw InvalidArgument("video writer '" + path + "': frame size must be positive and even (4:2:0 video), got " +
                          std::to_string(width) + "x" + std::to_string(height));
  if (!(std::isfinite(fps) && fps > 0 && fps <= 1000))
    throw InvalidArgument("video writer '" + path + "': fps must be in (0, 1000], got " + std::to_string(fps));
  av_log_set_level(AV_LOG_FATAL);  // failures are reported by the exceptions we throw
  try {
    int ret = avformat_alloc_output_context2(
        &fmt_, nullptr, options.container.empty() ? nullptr : options.container.c_str(), path.c_str());
    if (ret < 0 || !fmt_)
      throw InvalidArgument("video writer '" + path + "': no container for this file name" +
                            (options.container.empty() ? "" : " / format '" + options.container + "'") + ": " +
                            ffmpeg_error_text(ret));
    const AVCodec* codec = nullptr;
    if (!options.codec.empty()) {
      codec = avcodec_find_encoder_by_name(options.codec.c_str());
      if (!codec) throw InvalidArgument("video writer '" + path + "': FFmpeg has no encoder '" + options.codec + "'");
    } else {
      codec = avcodec_find_encoder_by_name("libx264");
      if (!codec) codec = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
      if (!codec) throw FormatError("video writer '" + path + "': FFmpeg has neither libx264 nor an MPEG-4 encoder");
    }
    codec_name_ = codec->name;
    stream_ = avformat_new_stream(fmt_, nullptr);
    enc_ = avcodec_alloc_context3(codec);
    frame_ = av_frame_alloc();
    packet_ = av_packet_alloc();
    if (!stream_ || !enc_ || !frame_ || !packet_) throw Error("video writer '" + path + "': out of memory");
    enc_->width = width;
    enc_->height = height;
    enc_->pix_fmt = AV_PIX_FMT_YUV420P;
    const AVRational rate = av_d2q(fps, 100000);
    enc_->framerate = rate;
    enc_->time_base = av_inv_q(rate);
    enc_->gop_size = std::max(1, static_cast<int>(std::lround(fps)) * 2);
    enc_->thread_count = 0;
    if (codec_name_ != "libx264")
      enc_->bit_rate = options.bit_rate > 0
                           ? options.bit_rate
                           : static_cast<std::int64_t>(static_cast<double>(width) * height * fps * 0.25);
    if (fmt_->oformat->flags & AVFMT_GLOBALHEADER) enc_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    AVDictionary* dict = nullptr;
    if (codec_name_ == "libx264") {
      av_dict_set(&dict, "preset", options.preset.c_str(), 0);
      av_dict_set(&dict, "crf", std::to_string(options.crf).c_str(), 0);
      if (options.bit_rate > 0) enc_->bit_rate = options.bit_rate;
    }
    for (const auto& [k, v] : options.codec_options) av_dict_set(&dict, k.c_str(), v.c_str(), 0);
    ret = avcodec_open2(enc_, codec, &dict);
    av_dict_free(&dict);
    if (ret < 0)
      throw FormatError("video writer '" + path + "': cannot open encoder '" + codec_name_ +
                        "': " + ffmpeg_error_text(ret));
    ret = avcodec_parameters_from_context(stream_->codecpar, enc_);
    if (ret < 0) throw FormatError("video writer '" + path + "': " + ffmpeg_error_text(ret));
    stream_->time_base = enc_->time_base;
    stream_->avg_frame_rate = rate;
    if (!(fmt_->oformat->flags & AVFMT_NOFILE)) {
      ret = avio_open(&fmt_->pb, path.c_str(), AVIO_FLAG_WRITE);
      if (ret < 0) throw FileError("video writer '" + path + "': cannot create the file: " + ffmpeg_error_text(ret));
    }
    ret = avformat_write_header(fmt_, nullptr);
    if (ret < 0) throw FormatError("video writer '" + path + "': cannot write the header: " + ffmpeg_error_text(ret));
    header_written_ = true;
    frame_->format = AV_PIX_FMT_YUV420P;
    frame_->width = width;
    frame_->height = height;
    ret = av_frame_get_buffer(frame_, 0);
    if (ret < 0) throw Error("video writer '" + path + "': out of memory");
    if (options.input_format != PixelFormat::YUV420P) {
      sws_ = sws_getContext(width, height, to_av(options.input_format), width, height, AV_PIX_FMT_YUV420P, SWS_BICUBIC,
                            nullptr, nullptr, nullptr);
      if (!sws_) throw FormatError("video writer '" + path + "': cannot set up the pixel conversion");
    }
  } catch (...) {
    sws_freeContext(sws_);
    av_packet_free(&packet_);
    av_frame_free(&frame_);
    avcodec_free_context(&enc_);
    if (fmt_) {
      if (fmt_->pb && !(fmt_->oformat->flags & AVFMT_NOFILE)) avio_closep(&fmt_->pb);
      avformat_free_context(fmt_);
      fmt_ = nullptr;
    }
    throw;
  }
}

VideoWriter::~VideoWriter() {
  try {
    close();
  } catch (...) {
  }
  sws_freeContext(sws_);
  av_packet_free(&packet_);
  av_frame_free(&frame_);
  avcodec_free_context(&enc_);
  if (fmt_) {
    if (fmt_->pb && !(fmt_->oformat->flags & AVFMT_NOFILE)) avio_closep(&fmt_->pb);
    avformat_free_context(fmt_);
  }
}

void VideoWriter::write(const std::uint8_t* data, std::size_t size, double pts) {
  std::lock_guard lock(mutex_);
  write_locked(data, size, pts);
}

void VideoWriter::write_locked(const std::uint8_t* data, std::size_t size, double pts) {
  if (closed_) throw InvalidArgument("video writer '" + path_ + "' is closed");
  const std::size_t need = VideoFrame::byte_size(width_, height_, options_.input_format);
  if (!data || size != need)
    throw InvalidArgument("video writer '" + path_ + "': a " + to_string(options_.input_format) + " frame of " +
                          std::to_string(width_) + "x" + std::to_string(height_) + " has " + std::to_string(need) +
                          " bytes, got " + std::to_string(size));
  int ret = av_frame_make_writable(frame_);
  if (ret < 0) throw Error("video writer '" + path_ + "': out of memory");
  if (sws_) {
    const int channels = options_.input_format == PixelFormat::Gray ? 1 : 3;
    const std::uint8_t* src[4] = {data, nullptr, nullptr, nullptr};
    const int stride[4] = {width_ * channels, 0, 0, 0};
    sws_scale(sws_, src, stride, 0, height_, frame_->data, frame_->linesize);
  } else {
    const std::uint8_t* p = data;
    for (int plane = 0; plane < 3; ++plane) {
      const int pw = plane == 0 ? width_ : width_ / 2;
      const int ph = plane == 0 ? height_ : height_ / 2;
      for (int y = 0; y < ph; ++y)
        std::memcpy(frame_->data[plane] + static_cast<std::ptrdiff_t>(y) * frame_->linesize[plane],
                    p + static_cast<std::ptrdiff_t>(y) * pw, static_cast<std::size_t>(pw));
      p += static_cast<std::size_t>(pw) * static_cast<std::size_t>(ph);
    }
  }
  std::int64_t ts = next_pts_;
  if (std::isfinite(pts)) {
    ts = std::llround(pts / av_q2d(enc_->time_base));
    if (ts < next_pts_)
      throw InvalidArgument("video writer '" + path_ + "': frame times must increase by at least 1/fps; got " +
                            std::to_string(pts) + " s after frame " + std::to_string(frames_));
  }
  frame_->pts = ts;
  next_pts_ = ts + 1;
  encode(frame_);
  ++frames_;
}

void VideoWriter::write(const VideoFrame& frame, double pts) {
  if (frame.format != options_.input_format || frame.width != width_ || frame.height != height_)
    throw InvalidArgument("video writer '" + path_ + "': expected " + to_string(options_.input_format) + " " +
                          std::to_string(width_) + "x" + std::to_string(height_) + " frames, got " +
                          to_string(frame.format) + " " + std::to_string(frame.width) + "x" +
                          std::to_string(frame.height));
  write(frame.data.get(), frame.size, pts);
}

void VideoWriter::encode(AVFrame* frame) {
  int ret = avcodec_send_frame(enc_, frame);
  if (ret < 0) throw FormatError("video writer '" + path_ + "': encoding failed: " + ffmpeg_error_text(ret));
  while (true) {
    ret = avcodec_receive_packet(enc_, packet_);
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
    if (ret < 0) throw FormatError("video writer '" + path_ + "': encoding failed: " + ffmpeg_error_text(ret));
    av_packet_rescale_ts(packet_, enc_->time_base, stream_->time_base);
    packet_->stream_index = stream_->index;
    ret = av_interleaved_write_frame(fmt_, packet_);
    if (ret < 0) throw FileError("video writer '" + path_ + "': writing failed: " + ffmpeg_error_text(ret));
  }
}

void VideoWriter::close() {
  std::lock_guard lock(mutex_);
  close_locked();
}

void VideoWriter::close_locked() {
  if (closed_) return;
  closed_ = true;
  if (!header_written_) return;
  encode(nullptr);
  const int ret = av_write_trailer(fmt_);
  if (fmt_->pb && !(fmt_->oformat->flags & AVFMT_NOFILE)) avio_closep(&fmt_->pb);
  if (ret < 0) throw FileError("video writer '" + path_ + "': cannot finish the file: " + ffmpeg_error_text(ret));
}

}  // namespace percept::io
