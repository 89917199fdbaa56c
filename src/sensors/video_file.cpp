// Fragmented-MP4 writing and whole-file decoding for recorded sessions (FFmpeg's libraries).
// The Recorder needs a muxer set up for crash safety (an empty moov up front and a fragment closed at
// every flush), which is why it has its own small writer rather than a general video writer.
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <cinttypes>
#include <cstring>

#include "percept/core/error.hpp"
#include "percept/io/ffmpeg_error.hpp"
#include "stream_writers.hpp"

namespace percept::sensors::detail {

namespace {

class VideoWriter final : public StreamWriter {
 public:
  VideoWriter(const std::string& path, const std::string& index_path, const StreamFormat& f, int quality,
              double /*flush_seconds*/)
      : path_(path), index_(index_path) {
    if (av_log_get_level() == AV_LOG_INFO) av_log_set_level(AV_LOG_ERROR);  // no encoder banners on stderr
    if (f.type != ElementType::UInt8 || f.item_shape.size() != 3 || f.item_shape[2] != 3)
      throw InvalidArgument("Recorder: video frames must be uint8 (H, W, 3) BGR for '" + path + "'");
    height_ = static_cast<int>(f.item_shape[0]);
    width_ = static_cast<int>(f.item_shape[1]);
    if (width_ % 2 || height_ % 2 || width_ < 2 || height_ < 2)
      throw InvalidArgument("Recorder: video size " + std::to_string(width_) + "x" + std::to_string(height_) +
                            " cannot be stored as 4:2:0 MP4 (width and height must be even)");
    int rc = avformat_alloc_output_context2(&oc_, nullptr, "mp4", path.c_str());
    if (rc < 0 || !oc_) throw FormatError("cannot create MP4 muxer for '" + path + "': " + io::ffmpeg_error_text(rc));
    const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
    if (!codec) codec = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
    if (!codec) throw FormatError("no H.264 or MPEG-4 encoder in this FFmpeg build (writing '" + path + "')");
    st_ = avformat_new_stream(oc_, nullptr);
    ctx_ = avcodec_alloc_context3(codec);
    if (!st_ || !ctx_) throw FormatError("out of memory setting up '" + path + "'");
    ctx_->width = width_;
    ctx_->height = height_;
    ctx_->pix_fmt = AV_PIX_FMT_YUV420P;
    ctx_->time_base = AVRational{1, 1000};  // pts in ms of capture time; exact times are in the index
    const double fps = f.nominal_rate > 0 ? f.nominal_rate : 30.0;
    ctx_->framerate = av_d2q(fps, 1000);
    ctx_->gop_size = std::max(1, static_cast<int>(fps));
    ctx_->max_b_frames = 0;  // every frame leaves the encoder at once: nothing held back at a crash
    if (oc_->oformat->flags & AVFMT_GLOBALHEADER) ctx_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    AVDictionary* opts = nullptr;
    if (std::strcmp(codec->name, "libx264") == 0) {
      av_dict_set(&opts, "preset", "veryfast", 0);
      av_dict_set(&opts, "tune", "zerolatency", 0);
      av_dict_set(&opts, "crf", std::to_string(quality).c_str(), 0);
    } else {
      ctx_->flags |= AV_CODEC_FLAG_QSCALE;
      ctx_->global_quality = FF_QP2LAMBDA * std::clamp(quality / 5, 2, 31);
    }
    rc = avcodec_open2(ctx_, codec, &opts);
    av_dict_free(&opts);
    if (rc < 0)
      throw FormatError("cannot open the " + std::string(codec->name) + " encoder for '" + path +
                        "': " + io::ffmpeg_error_text(rc));
    avcodec_parameters_from_context(st_->codecpar, ctx_);
    st_->time_base = ctx_->time_base;
    rc = avio_open(&oc_->pb, path.c_str(), AVIO_FLAG_WRITE);
    if (rc < 0) throw FileError("cannot create '" + path + "': " + io::ffmpeg_error_text(rc));
    AVDictionary* mux = nullptr;
    av_dict_set(&mux, "movflags", "frag_custom+empty_moov+default_base_moof", 0);
    rc = avformat_write_header(oc_, &mux);
    av_dict_free(&mux);
    if (rc < 0) throw FormatError("cannot write the MP4 header of '" + path + "': " + io::ffmpeg_error_text(rc));
    header_written_ = true;
    frame_ = av_frame_alloc();
    pkt_ = av_packet_alloc();
    frame_->format = AV_PIX_FMT_YUV420P;
    frame_->width = width_;
    frame_->height = height_;
    if (!frame_ || !pkt_ || av_frame_get_buffer(frame_, 0) < 0) throw FormatError("out of memory for '" + path + "'");
    sws_ = sws_getContext(width_, height_, AV_PIX_FMT_BGR24, width_, height_, AV_PIX_FMT_YUV420P, SWS_BILINEAR, nullptr,
                          nullptr, nullptr);
    if (!sws_) throw FormatError("cannot set up colour conversion for '" + path + "'");
    index_.write("file_position,stream_index,t_ns\n");
  }

  ~VideoWriter() override {
    try {
      close();
    } catch (...) {  // destructor: errors were reported by an explicit close()
    }
    free_all();
  }

  void write(const Chunk& c, std::int64_t /*lost: visible as a jump of stream_index*/) override {
    const std::size_t frame_bytes = static_cast<std::size_t>(width_) * static_cast<std::size_t>(height_) * 3;
    std::string rows;
    char buf[96];
    for (std::size_t k = 0; k < c.size(); ++k) {
      if (first_t_ < 0) first_t_ = c.t_ns[k];
      std::int64_t pts = (c.t_ns[k] - first_t_) / 1'000'000;
      if (pts <= last_pts_) pts = last_pts_ + 1;
      last_pts_ = pts;
      if (av_frame_make_writable(frame_) < 0) throw FormatError("out of memory encoding '" + path_ + "'");
      const std::uint8_t* src[1] = {reinterpret_cast<const std::uint8_t*>(c.data.data()) + k * frame_bytes};
      const int src_stride[1] = {width_ * 3};
      sws_scale(sws_, src, src_stride, 0, height_, frame_->data, frame_->linesize);
      frame_->pts = pts;
      encode(frame_);
      std::snprintf(buf, sizeof buf, "%" PRId64 ",%" PRId64 ",%" PRId64 "\n", frames_,
                    c.first_index + static_cast<std::int64_t>(k), c.t_ns[k]);
      rows += buf;
      ++frames_;
    }
    index_.write(rows);
  }

  void flush() override {
    if (!oc_ || closed_) return;
    const int rc = av_write_frame(oc_, nullptr);  // closes the current fragment
    if (rc < 0) throw FileError("cannot write '" + path_ + "': " + io::ffmpeg_error_text(rc));
    avio_flush(oc_->pb);
    index_.flush();
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    if (ctx_ && header_written_) {
      encode(nullptr);
      const int rc = av_write_trailer(oc_);
      if (rc < 0) throw FileError("cannot finish '" + path_ + "': " + io::ffmpeg_error_text(rc));
    }
    if (oc_ && oc_->pb) avio_closep(&oc_->pb);
    index_.close();
  }

 private:
  void encode(AVFrame* f) {
    int rc = avcodec_send_frame(ctx_, f);
    if (rc < 0 && rc != AVERROR_EOF) throw FormatError("encoding '" + path_ + "': " + io::ffmpeg_error_text(rc));
    for (;;) {
      rc = avcodec_receive_packet(ctx_, pkt_);
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) break;
      if (rc < 0) throw FormatError("encoding '" + path_ + "': " + io::ffmpeg_error_text(rc));
      av_packet_rescale_ts(pkt_, ctx_->time_base, st_->time_base);
      pkt_->stream_index = st_->index;
      rc = av_write_frame(oc_, pkt_);  // one stream: no interleaving needed, nothing held back
      if (rc < 0) throw FileError("cannot write '" + path_ + "': " + io::ffmpeg_error_text(rc));
    }
  }
  void free_all() {
    if (sws_) sws_freeContext(sws_);
    av_frame_free(&frame_);
    av_packet_free(&pkt_);
    avcodec_free_context(&ctx_);
    if (oc_) {
      if (oc_->pb) avio_closep(&oc_->pb);
      avformat_free_context(oc_);
      oc_ = nullptr;
    }
  }

  std::string path_;
  TextFile index_;
  int width_ = 0, height_ = 0;
  AVFormatContext* oc_ = nullptr;
  AVStream* st_ = nullptr;
  AVCodecContext* ctx_ = nullptr;
  AVFrame* frame_ = nullptr;
  AVPacket* pkt_ = nullptr;
  SwsContext* sws_ = nullptr;
  bool header_written_ = false;
  bool closed_ = false;
  std::int64_t first_t_ = -1;
  std::int64_t last_pts_ = -1;
  std::int64_t frames_ = 0;
};

}  // namespace

std::unique_ptr<StreamWriter> make_video_writer(const std::string& path, const std::string& index_path,
                                                const StreamFormat& format, int quality, double flush_seconds) {
  return std::make_unique<VideoWriter>(path, index_path, format, quality, flush_seconds);
}

namespace {

// The input of a recorded file and its best stream of one type; closes what it opened. `what` ("video",
// "audio") names the stream in errors.
struct MediaInput {
  AVFormatContext* ic = nullptr;
  int stream = -1;

  MediaInput(const std::string& path, AVMediaType type, const char* what) {
    const int rc = avformat_open_input(&ic, path.c_str(), nullptr, nullptr);
    if (rc < 0) {
      if (rc == AVERROR(ENOENT)) throw FileError("cannot open '" + path + "': " + io::ffmpeg_error_text(rc));
      throw FormatError("cannot read " + std::string(what) + " '" + path + "': " + io::ffmpeg_error_text(rc));
    }
    avformat_find_stream_info(ic, nullptr);
    stream = av_find_best_stream(ic, type, -1, -1, nullptr, 0);
    if (stream < 0) {
      avformat_close_input(&ic);
      throw FormatError("'" + path + "' has no " + what + " stream");
    }
  }
  ~MediaInput() { avformat_close_input(&ic); }
  MediaInput(const MediaInput&) = delete;
  MediaInput& operator=(const MediaInput&) = delete;
  [[nodiscard]] const AVCodecParameters* codecpar() const { return ic->streams[stream]->codecpar; }
};

// A decoder for MediaInput's stream; decode_all() hands every frame to a callback. A file cut by a crash
// ends inside a fragment: read errors end the stream, the frames before it stay.
struct MediaDecoder {
  MediaInput in;
  AVCodecContext* dec = nullptr;
  AVPacket* pkt = av_packet_alloc();
  AVFrame* frame = av_frame_alloc();

  MediaDecoder(const std::string& path, AVMediaType type, const char* what) : in(path, type, what) {
    if (!pkt || !frame) {
      release();
      throw Error("'" + path + "': out of memory");
    }
    const AVCodec* codec = avcodec_find_decoder(in.codecpar()->codec_id);
    if (!codec) {
      release();
      throw FormatError("'" + path + "': no decoder for its " + what + " codec");
    }
    dec = avcodec_alloc_context3(codec);
    avcodec_parameters_to_context(dec, in.codecpar());
    const int rc = avcodec_open2(dec, codec, nullptr);
    if (rc < 0) {
      release();
      throw FormatError("'" + path + "': cannot open the decoder: " + io::ffmpeg_error_text(rc));
    }
  }
  ~MediaDecoder() { release(); }
  MediaDecoder(const MediaDecoder&) = delete;
  MediaDecoder& operator=(const MediaDecoder&) = delete;

  template <class OnFrame>
  void decode_all(OnFrame&& on_frame) {
    auto take = [&] {
      while (avcodec_receive_frame(dec, frame) >= 0) on_frame(frame);
    };
    while (av_read_frame(in.ic, pkt) >= 0) {
      if (pkt->stream_index == in.stream && avcodec_send_packet(dec, pkt) >= 0) take();
      av_packet_unref(pkt);
    }
    avcodec_send_packet(dec, nullptr);
    take();
  }

 private:
  void release() {
    av_frame_free(&frame);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
  }
};

}  // namespace

std::vector<std::uint8_t> decode_video_bgr(const std::string& path, std::size_t& frames, int& width, int& height) {
  frames = 0;
  MediaDecoder d(path, AVMEDIA_TYPE_VIDEO, "video");
  width = d.dec->width;
  height = d.dec->height;
  const std::size_t frame_bytes = static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3;
  std::vector<std::uint8_t> out;
  SwsContext* sws = nullptr;
  try {
    d.decode_all([&](AVFrame* frame) {
      sws = sws_getCachedContext(sws, frame->width, frame->height, static_cast<AVPixelFormat>(frame->format), width,
                                 height, AV_PIX_FMT_BGR24, SWS_BILINEAR, nullptr, nullptr, nullptr);
      out.resize((frames + 1) * frame_bytes);
      std::uint8_t* dst[1] = {out.data() + frames * frame_bytes};
      const int dst_stride[1] = {width * 3};
      sws_scale(sws, frame->data, frame->linesize, 0, frame->height, dst, dst_stride);
      ++frames;
    });
  } catch (...) {
    sws_freeContext(sws);
    throw;
  }
  sws_freeContext(sws);
  return out;
}

std::vector<float> decode_audio_float(const std::string& path, int& channels, int& sample_rate) {
  MediaDecoder d(path, AVMEDIA_TYPE_AUDIO, "audio");
  channels = d.dec->ch_layout.nb_channels;
  sample_rate = d.dec->sample_rate;
  std::vector<float> out;
  SwrContext* swr = nullptr;
  try {
    d.decode_all([&](AVFrame* frame) {
      if (!swr) {
        if (swr_alloc_set_opts2(&swr, &frame->ch_layout, AV_SAMPLE_FMT_FLT, frame->sample_rate, &frame->ch_layout,
                                static_cast<AVSampleFormat>(frame->format), frame->sample_rate, 0, nullptr) < 0 ||
            swr_init(swr) < 0)
          throw FormatError("'" + path + "': cannot convert its samples to float");
      }
      const std::size_t old = out.size();
      out.resize(old + static_cast<std::size_t>(frame->nb_samples) * static_cast<std::size_t>(channels));
      auto* dst = reinterpret_cast<std::uint8_t*>(out.data() + old);
      const int n = swr_convert(swr, &dst, frame->nb_samples, const_cast<const std::uint8_t**>(frame->extended_data),
                                frame->nb_samples);
      out.resize(old + static_cast<std::size_t>(std::max(n, 0)) * static_cast<std::size_t>(channels));
    });
  } catch (...) {
    swr_free(&swr);
    throw;
  }
  swr_free(&swr);
  return out;
}

std::size_t count_video_frames(const std::string& path, int& width, int& height) {
  MediaInput in(path, AVMEDIA_TYPE_VIDEO, "video");
  width = in.codecpar()->width;
  height = in.codecpar()->height;
  std::size_t n = 0;
  AVPacket* pkt = av_packet_alloc();
  while (pkt && av_read_frame(in.ic, pkt) >= 0) {
    if (pkt->stream_index == in.stream) ++n;
    av_packet_unref(pkt);
  }
  av_packet_free(&pkt);
  return n;
}

}  // namespace percept::sensors::detail
