// percept video probe|grab|record — look at a video source, save frames, record a clip.
#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "percept/core/clock.hpp"
#include "percept/core/error.hpp"
#include "percept/io/image_file.hpp"
#include "percept/io/video_source.hpp"
#include "percept/io/video_writer.hpp"
#include "progress.hpp"

namespace {

struct SourceArgs {
  std::string source;
  std::string size;  // WxH
  double fps = 0.0;
  std::string input_format;
  std::string input_pixel_format;
  double timeout = 10.0;
};

void add_source_options(CLI::App* cmd, SourceArgs& a) {
  cmd->add_option("--size", a.size, "Requested frame size WxH (cameras: asked of the driver; others: scaled)");
  cmd->add_option("--fps", a.fps, "Requested frame rate (cameras)");
  cmd->add_option("--input-format", a.input_format, "Force an FFmpeg demuxer/device (v4l2, mpegts, lavfi, ...)");
  cmd->add_option("--input-pixel-format", a.input_pixel_format, "Camera pixel format request (mjpeg, yuyv422, ...)");
  cmd->add_option("--timeout", a.timeout, "Seconds to wait for the source to open / for data")->capture_default_str();
}

percept::io::VideoSourceOptions to_options(const SourceArgs& a) {
  percept::io::VideoSourceOptions o;
  if (!a.size.empty()) {
    const auto x = a.size.find('x');
    try {
      if (x == std::string::npos) throw std::invalid_argument("no x");
      o.width = std::stoi(a.size.substr(0, x));
      o.height = std::stoi(a.size.substr(x + 1));
    } catch (const std::exception&) {
      throw percept::InvalidArgument("--size must look like 640x480, got '" + a.size + "'");
    }
  }
  if (a.fps > 0) o.fps = a.fps;
  o.input_format = a.input_format;
  o.input_pixel_format = a.input_pixel_format;
  o.open_timeout = a.timeout;
  o.read_timeout = a.timeout;
  return o;
}

std::string source_arg(const std::string& s) {
  // A bare camera number means /dev/videoN.
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos) return "/dev/video" + s;
  return s;
}

void print_notes(const percept::io::VideoInfo& i) {
  for (const auto& n : i.notes) fmt::print(stderr, "warning: {}: {}\n", i.source, n);
}

}  // namespace

void register_video(CLI::App& app) {
  auto* video = app.add_subcommand("video", "Video sources: probe, grab frames, record");
  video->require_subcommand(1);

  // --- probe ---------------------------------------------------------------------------------------
  auto probe_args = std::make_shared<SourceArgs>();
  auto* probe = video->add_subcommand("probe", "Show a video source's format, codec, size, rate and length");
  probe->add_option("source", probe_args->source, "File, URL, /dev/videoN (or N), or lavfi:GRAPH")->required();
  add_source_options(probe, *probe_args);
  probe->callback([probe_args] {
    const auto i = percept::io::probe_video(source_arg(probe_args->source), to_options(*probe_args));
    print_notes(i);
    fmt::print("{}\n  format      {}\n  codec       {} ({})\n  size        {}x{}\n  fps         {:.6g}\n", i.source,
               i.format_name, i.codec, i.native_pixel_format, i.native_width, i.native_height, i.fps);
    if (std::isfinite(i.duration)) fmt::print("  duration    {:.6f} s\n", i.duration);
    if (i.frame_count >= 0) fmt::print("  frames      {}\n", i.frame_count);
    if (i.bit_rate > 0) fmt::print("  bit rate    {} b/s\n", i.bit_rate);
    fmt::print("  live        {}\n", i.live ? "yes" : "no");
  });

  // --- grab ----------------------------------------------------------------------------------------
  struct GrabArgs {
    SourceArgs src;
    int frames = 1;
    std::string out = ".";
    std::string format = "png";
    std::string pixel_format = "bgr";
  };
  auto grab_args = std::make_shared<GrabArgs>();
  auto* grab = video->add_subcommand("grab", "Save N consecutive frames as PNG or .npy files");
  grab->add_option("source", grab_args->src.source, "File, URL, /dev/videoN (or N), or lavfi:GRAPH")->required();
  grab->add_option("--frames,-n", grab_args->frames, "Number of frames")->capture_default_str();
  grab->add_option("--out,-o", grab_args->out, "Output directory (created)")->capture_default_str();
  grab->add_option("--format", grab_args->format, "png or npy")
      ->check(CLI::IsMember({"png", "npy"}))
      ->capture_default_str();
  grab->add_option("--pixel-format", grab_args->pixel_format, "npy layout: bgr, rgb or gray (PNG is RGB or gray)")
      ->check(CLI::IsMember({"bgr", "rgb", "gray"}))
      ->capture_default_str();
  add_source_options(grab, grab_args->src);
  grab->callback([grab_args] {
    const auto& a = *grab_args;
    if (a.frames < 1) throw percept::InvalidArgument("--frames must be at least 1");
    auto o = to_options(a.src);
    o.mode = percept::QueueMode::Every;
    o.queue_size = 16;
    if (a.format == "png")
      o.pixel_format = a.pixel_format == "gray" ? percept::io::PixelFormat::Gray : percept::io::PixelFormat::RGB;
    else
      o.pixel_format = percept::io::parse_pixel_format(a.pixel_format);
    std::error_code ec;
    std::filesystem::create_directories(a.out, ec);
    if (ec) throw percept::FileError("cannot create '" + a.out + "': " + ec.message());
    percept::io::VideoSource src(source_arg(a.src.source), o);
    print_notes(src.info());
    percept::cli::ProgressBar bar("grab", a.frames);
    int n = 0;
    while (n < a.frames) {
      auto f = src.read(std::chrono::nanoseconds(percept::Clock::from_seconds(a.src.timeout)));
      if (!f) break;
      const std::string path = fmt::format("{}/frame_{:06d}.{}", a.out, n, a.format);
      const int channels = f->format == percept::io::PixelFormat::Gray ? 1 : 3;
      if (a.format == "png")
        percept::io::write_png(path, f->data.get(), f->width, f->height, channels);
      else
        percept::io::write_npy(path, f->data.get(), f->width, f->height, channels);
      ++n;
      bar.update(n);
    }
    bar.finish();
    src.close();
    fmt::print("{} frame(s) written to {}\n", n, a.out);
    if (n < a.frames) fmt::print(stderr, "warning: the source ended after {} frame(s)\n", n);
  });

  // --- record --------------------------------------------------------------------------------------
  struct RecordArgs {
    SourceArgs src;
    std::string out;
    double seconds = 10.0;
    std::string codec;
    int crf = 23;
  };
  auto rec_args = std::make_shared<RecordArgs>();
  auto* rec = video->add_subcommand("record", "Record a source to a video file (H.264, else MPEG-4)");
  rec->add_option("source", rec_args->src.source, "File, URL, /dev/videoN (or N), or lavfi:GRAPH")->required();
  rec->add_option("output", rec_args->out, "Output file (.mp4, .mkv, .avi, ...)")->required();
  rec->add_option("--seconds,-t", rec_args->seconds, "Length to record (stream time)")->capture_default_str();
  rec->add_option("--codec", rec_args->codec, "FFmpeg encoder (default libx264, else mpeg4)");
  rec->add_option("--crf", rec_args->crf, "libx264 quality (lower is better)")->capture_default_str();
  add_source_options(rec, rec_args->src);
  rec->callback([rec_args] {
    const auto& a = *rec_args;
    if (!(a.seconds > 0)) throw percept::InvalidArgument("--seconds must be positive");
    auto o = to_options(a.src);
    o.mode = percept::QueueMode::Every;
    o.queue_size = 64;
    o.pixel_format = percept::io::PixelFormat::YUV420P;
    percept::io::VideoSource src(source_arg(a.src.source), o);
    print_notes(src.info());
    const auto& info = src.info();
    const double fps = info.fps > 0 && info.fps <= 1000 ? info.fps : 30.0;
    percept::io::VideoWriterOptions wo;
    wo.codec = a.codec;
    wo.crf = a.crf;
    wo.input_format = percept::io::PixelFormat::YUV420P;
    const int w = info.width & ~1, h = info.height & ~1;
    if (w != info.width || h != info.height)
      throw percept::InvalidArgument(
          fmt::format("record: 4:2:0 video needs an even frame size, the source is {}x{} "
                      "(use --size)",
                      info.width, info.height));
    percept::io::VideoWriter writer(a.out, w, h, fps, wo);
    const auto total = static_cast<std::int64_t>(std::ceil(a.seconds * fps));
    percept::cli::ProgressBar bar("record", total);
    std::int64_t n = 0;
    double first = std::nan("");
    while (n < total) {
      auto f = src.read(std::chrono::nanoseconds(percept::Clock::from_seconds(a.src.timeout)));
      if (!f) break;
      const double t = info.live || !std::isfinite(f->pts) ? percept::Clock::to_seconds(f->capture_ns) : f->pts;
      if (std::isnan(first)) first = t;
      if (t - first >= a.seconds) break;
      writer.write(*f);
      ++n;
      bar.update(n);
    }
    bar.finish();
    src.close();
    writer.close();
    fmt::print("{} frame(s) ({:.3f} s at {:.6g} fps, {}) written to {}\n", n, static_cast<double>(n) / fps, fps,
               writer.codec_name(), a.out);
  });
}
