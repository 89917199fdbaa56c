// percept demo-live — the README's live demo: full-duplex processing with a live level meter and a
// statistics report at the end. Runs on the sound card or a JACK server when there is one, otherwise on
// percept's embedded virtual device (a timer-paced thread with a test-tone input), so it needs no hardware.
#include <fmt/core.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "engine_common.hpp"
#include "percept/core/clock.hpp"
#include "percept/io/device.hpp"
#include "percept/io/engine.hpp"

namespace {

struct DemoLiveOptions {
  percept::cli::StreamArgs stream;
  std::string chain = "butterworth(order=2,cutoff_hz=3000) | vcs3(feedback=4)";
  double seconds = 10.0;
  std::string stats_json;
};

std::string bar(float peak, int width) {
  const double db = 20.0 * std::log10(std::max(peak, 1e-6f));
  const int fill = static_cast<int>(std::clamp((db + 60.0) / 60.0, 0.0, 1.0) * width);
  std::string s;
  for (int i = 0; i < width; ++i) s += i < fill ? "#" : ".";
  return s + fmt::format(" {:6.1f} dBFS", db);
}

void run(const DemoLiveOptions& o) {
  using namespace percept;
  using namespace percept::io;
  if (!(o.seconds > 0) || !std::isfinite(o.seconds)) throw InvalidArgument("--seconds must be positive");
  EngineOptions eo;
  o.stream.apply(eo.stream, o.stream.channels, o.stream.channels);
  if (eo.stream.device.empty()) {
    // A JACK server or a sound card when present; otherwise the embedded virtual device with a test tone.
    const auto apis = host_apis(eo.stream.jack_server);
    const bool hw =
        std::any_of(apis.begin(), apis.end(), [](const HostApiInfo& a) { return a.name != "virtual" && a.available; });
    if (!hw) eo.stream.device = "virtual:tone";
  }
  eo.tap = CaptureTap::None;
  eo.playback = PlaybackSource::Input;
  Engine engine(eo, cli::make_chain(o.chain, o.stream.rate));
  fmt::print("percept demo-live: capture -> [{}] -> playback, {:.0f} s\n", o.chain.empty() ? "no processing" : o.chain,
             o.seconds);
  const bool tty = ::isatty(::fileno(stdout)) != 0;
  cli::install_interrupt_handler();
  engine.start();
  cli::print_negotiated(engine.negotiated());
  if (engine.negotiated().host_api == "virtual")
    fmt::print("(no sound card or JACK server: running on the embedded virtual device, input = a 440 Hz test tone)\n");
  const std::int64_t t0 = Clock::now_ns();
  const std::int64_t end = t0 + Clock::from_seconds(o.seconds);
  std::int64_t next_line = t0;
  float in_peak = 0, out_peak = 0;
  std::string error;
  try {
    while (Clock::now_ns() < end && !cli::g_interrupted) {
      engine.check();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const auto ip = engine.take_input_peaks();
      const auto op = engine.take_peaks();
      in_peak = ip.empty() ? 0.0f : *std::max_element(ip.begin(), ip.end());
      out_peak = op.empty() ? 0.0f : *std::max_element(op.begin(), op.end());
      const auto s = engine.stats();
      const std::string line = fmt::format("{:5.1f} s  in {}  out {}  load {:4.1f}% (max {:4.1f}%)  xruns {}",
                                           static_cast<double>(Clock::now_ns() - t0) * 1e-9, bar(in_peak, 20),
                                           bar(out_peak, 20), 100 * s.load.mean, 100 * s.load.max, s.xruns);
      if (tty) {
        fmt::print("\r{}", line);
        std::fflush(stdout);
      } else if (Clock::now_ns() >= next_line) {
        fmt::print("{}\n", line);
        next_line += 1'000'000'000;
      }
    }
  } catch (const StreamError& e) {
    error = e.what();
  }
  engine.stop();
  if (tty) fmt::print("\n");
  const auto s = engine.stats();
  fmt::print("\nstatistics\n");
  cli::print_stats(s);
  if (s.device.host_api == "virtual") {
    // The round trip, measured (not computed) on the virtual loopback device with the same period.
    EngineOptions lo;
    o.stream.apply(lo.stream, 1, 1);
    lo.stream.device = "virtual";
    lo.tap = CaptureTap::None;
    lo.playback = PlaybackSource::Silence;
    Engine loop(lo);
    loop.start();
    const auto r = loop.measure_round_trip(5.0);
    loop.stop();
    fmt::print("round trip on the virtual loopback: measured {} frames = {:.3f} ms (configured buffering {} frames)\n",
               r.frames, r.ms, r.expected_frames);
  }
  if (!o.stats_json.empty()) cli::write_text_file(o.stats_json, cli::stats_json(s, o.chain));
  if (!error.empty()) throw StreamError(error);
}

}  // namespace

void register_demo_live(CLI::App& app) {
  auto o = std::make_shared<DemoLiveOptions>();
  auto* cmd = app.add_subcommand("demo-live",
                                 "Live duplex demo with a level meter and a statistics report (no hardware needed)");
  cmd->add_option("--chain", o->chain, "Processor chain in the `percept fx` syntax (stages: `percept fx --list`)")
      ->capture_default_str();
  cmd->add_option("-s,--seconds", o->seconds, "Duration")->capture_default_str();
  cmd->add_option("--stats-json", o->stats_json, "Write the statistics as JSON to this file");
  o->stream.add(cmd, 256);
  cmd->callback([o] { run(*o); });
}
