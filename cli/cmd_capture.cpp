// percept capture — audio, video and system readings on one clock, with a live terminal view, recorded
// into a session directory when --out is given.
//
//   percept capture --audio virtual:tone --video lavfi:testsrc2 --system --seconds 10 --out DIR
//   percept capture --media "lavfi:testsrc2[out0];sine[out1]" --seconds 5
#include <fmt/core.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "percept/core/clock.hpp"
#include "percept/core/error.hpp"
#include "percept/sensors/av_sources.hpp"
#include "percept/sensors/combined.hpp"
#include "percept/sensors/media_source.hpp"
#include "percept/sensors/recorder.hpp"
#include "percept/sensors/system_source.hpp"

namespace {

using namespace percept;
using namespace percept::sensors;

std::atomic<bool> g_interrupted{false};
extern "C" void on_sigint(int) {
  g_interrupted.store(true);
}

struct CaptureArgs {
  std::string audio, video, media, out, size, audio_format = "wav";
  bool system = false;
  double system_rate = 10.0;
  double seconds = 10.0;
  double samplerate = 48000.0;
  std::size_t channels = 1;
  std::size_t blocksize = 256;
  double fps = 0.0;
  bool realtime_video = true;
  std::string view = "auto";
};

std::string meter(double peak, int width) {
  const double db = peak > 0 ? 20.0 * std::log10(peak) : -120.0;
  const int filled = static_cast<int>(std::lround(std::clamp((db + 60.0) / 60.0, 0.0, 1.0) * width));
  std::string bar;
  for (int i = 0; i < width; ++i) bar += i < filled ? "#" : "-";
  return fmt::format("[{}] {:6.1f} dBFS", bar, std::max(db, -99.9));
}

struct ViewState {
  std::int64_t last_items = 0;
  std::int64_t last_ns = 0;
  double rate = 0;
};

// One line per source: state, level or frame rate or CPU, and losses.
std::vector<std::string> view_lines(Combined& c, std::vector<ViewState>& vs, const Recorder* rec) {
  std::vector<std::string> lines;
  const auto names = c.names();
  const auto rec_stats = rec ? rec->stats() : std::vector<RecorderStreamStats>{};
  const std::int64_t now = Clock::now_ns();
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto src = c.get(names[i]);
    const StreamFormat f = src->format();
    const SourceStats st = src->stats();
    ViewState& v = vs[i];
    if (v.last_ns > 0 && now > v.last_ns)
      v.rate = static_cast<double>(st.items - v.last_items) / Clock::to_seconds(now - v.last_ns);
    v.last_items = st.items;
    v.last_ns = now;
    std::string what;
    if (f.kind == "audio") {
      const Chunk ch = src->latest(static_cast<std::size_t>(f.nominal_rate * 0.1));
      double peak = 0;
      const std::size_t n = ch.size() * f.item_elements();
      for (std::size_t k = 0; k < n; ++k) peak = std::max(peak, static_cast<double>(std::fabs(ch.as<float>()[k])));
      what = fmt::format("{} {:7.0f} Hz", meter(peak, 30), v.rate);
    } else if (f.kind == "video") {
      what =
          fmt::format("{}x{} {:5.1f} fps (nominal {:.1f})", f.item_shape[1], f.item_shape[0], v.rate, f.nominal_rate);
    } else {
      const Chunk ch = src->latest(1);
      std::string vals;
      for (std::size_t k = 0; k < std::min<std::size_t>(f.fields.size(), 4) && !ch.empty(); ++k)
        vals += fmt::format("{}={:.1f} ", f.fields[k], ch.as<double>()[k]);
      what = fmt::format("{:5.1f} Hz  {}", v.rate, vals);
    }
    std::int64_t lost = 0;
    for (const auto& r : rec_stats)
      if (r.name == names[i]) lost = r.lost;
    std::string line = fmt::format("{:<8} {:<8} {}  dropped {} (device {}, recorder {})", names[i],
                                   state_name(st.state), what, st.source_dropped + lost, st.source_dropped, lost);
    if (st.state == SourceState::Failed) line += "  ERROR: " + st.error;
    lines.push_back(line);
  }
  return lines;
}

void run_capture(const CaptureArgs& a) {
  if (!std::isfinite(a.seconds) || a.seconds <= 0) throw InvalidArgument("capture: --seconds must be > 0");
  Combined combined;
  if (!a.media.empty()) {
    MediaOptions mo;
    mo.url = a.media;
    if (mo.url.rfind("lavfi:", 0) == 0) {
      mo.url = mo.url.substr(6);
      mo.format = "lavfi";
    }
    MediaSources m = open_media(mo);
    if (m.audio) combined.add("audio", m.audio);
    if (m.video) combined.add("video", m.video);
  }
  if (!a.audio.empty()) {
    AudioSourceOptions o;
    o.stream.device = a.audio == "default" ? "" : a.audio;
    o.stream.input_channels = a.channels;
    o.stream.sample_rate = a.samplerate;
    o.stream.period = a.blocksize;
    o.stream.client_name = "percept-capture";
    combined.add(a.media.empty() ? "audio" : "mic", std::make_shared<AudioSource>(o));
  }
  if (!a.video.empty()) {
    VideoSourceOptions o;
    o.source = a.video;
    o.io.realtime = a.realtime_video;
    if (a.fps > 0) o.io.fps = a.fps;
    if (!a.size.empty()) {
      int w = 0, h = 0;
      if (std::sscanf(a.size.c_str(), "%dx%d", &w, &h) != 2 || w <= 0 || h <= 0)
        throw InvalidArgument("capture: --size must be WIDTHxHEIGHT, got '" + a.size + "'");
      o.io.width = w;
      o.io.height = h;
    }
    combined.add(a.media.empty() ? "video" : "camera", std::make_shared<VideoSource>(o));
  }
  if (a.system) {
    SystemSourceOptions o;
    o.rate_hz = a.system_rate;
    combined.add("system", std::make_shared<SystemSource>(o));
  }
  if (combined.names().empty())
    throw InvalidArgument("capture: nothing to capture (give --audio, --video, --media and/or --system)");

  std::unique_ptr<Recorder> rec;
  if (!a.out.empty()) {
    RecorderOptions ro;
    ro.audio_format = a.audio_format;
    rec = std::make_unique<Recorder>(a.out, ro);
    rec->add(combined);
  }
  const bool view = a.view == "on" || (a.view == "auto" && ::isatty(STDERR_FILENO));
  g_interrupted.store(false);
  auto old_handler = std::signal(SIGINT, on_sigint);
  combined.start();
  if (rec) rec->start();
  const std::int64_t t0 = Clock::now_ns();
  const std::int64_t end = t0 + Clock::from_seconds(a.seconds);
  std::vector<ViewState> vs(combined.names().size());
  std::size_t drawn = 0;
  while (Clock::now_ns() < end && !g_interrupted.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(view ? 100 : 250));
    if (!view) continue;
    auto lines = view_lines(combined, vs, rec.get());
    std::string out;
    if (drawn) out += fmt::format("\x1b[{}A", drawn);
    out += fmt::format("\x1b[2K{:.1f} / {:.1f} s{}\n", Clock::to_seconds(Clock::now_ns() - t0), a.seconds,
                       rec ? "  recording to " + a.out : "");
    for (const auto& l : lines) out += "\x1b[2K" + l + "\n";
    fmt::print(stderr, "{}", out);
    std::fflush(stderr);
    drawn = lines.size() + 1;
  }
  std::signal(SIGINT, old_handler);
  if (rec) rec->stop();  // stops the sources it started (all of them) and completes the manifest
  combined.stop();
  const double elapsed = Clock::to_seconds(Clock::now_ns() - t0);
  fmt::print("captured {:.2f} s{}\n", elapsed, g_interrupted.load() ? " (interrupted)" : "");
  for (const auto& [name, st] : combined.stats()) {
    fmt::print("  {:<8} {:<8} items {:>9}  rate {:9.2f}/s  dropped {} (device) {}{}\n", name, state_name(st.state),
               st.items, st.rate, st.source_dropped, st.error.empty() ? "" : " error: ", st.error);
  }
  if (rec) {
    for (const auto& s : rec->stats()) fmt::print("  wrote {}/{}: {} items, {} lost\n", a.out, s.file, s.items, s.lost);
  }
  const auto failures = combined.failures();
  if (!failures.empty() && failures.size() == combined.names().size())
    throw StreamError("capture: every source failed (first: " + failures.begin()->first + ": " +
                      failures.begin()->second + ")");
}

}  // namespace

void register_capture(CLI::App& app) {
  auto a = std::make_shared<CaptureArgs>();
  auto* cmd = app.add_subcommand("capture", "Capture audio, video and system readings on one clock (and record them)");
  cmd->add_option("--audio", a->audio, "Audio input device (virtual:tone, jack:SERVER, an ALSA name, default)");
  cmd->add_option("--video", a->video, "Video source (/dev/videoN, lavfi:GRAPH, URL, file)");
  cmd->add_option("--media", a->media,
                  "One FFmpeg input with audio and video (lavfi:GRAPH with [out0];[out1], file, URL)");
  cmd->add_flag("--system", a->system, "Record CPU, memory, temperature and battery readings");
  cmd->add_option("--system-rate", a->system_rate, "System readings per second")->capture_default_str();
  cmd->add_option("--seconds", a->seconds, "How long to capture")->capture_default_str();
  cmd->add_option("--out", a->out, "Session directory to record into (must not exist or be empty)");
  cmd->add_option("--audio-format", a->audio_format, "wav (float32) or flac (24-bit)")->capture_default_str();
  cmd->add_option("--samplerate", a->samplerate, "Audio sample rate")->capture_default_str();
  cmd->add_option("--channels", a->channels, "Audio input channels")->capture_default_str();
  cmd->add_option("--blocksize", a->blocksize, "Audio period in frames")->capture_default_str();
  cmd->add_option("--fps", a->fps, "Requested camera frame rate");
  cmd->add_option("--size", a->size, "Video size WIDTHxHEIGHT");
  cmd->add_option("--view", a->view, "Live view on stderr: auto (when a terminal), on, off")
      ->check(CLI::IsMember({"auto", "on", "off"}))
      ->capture_default_str();
  cmd->callback([a] { run_capture(*a); });
}
