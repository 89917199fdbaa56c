// percept duplex --chain SPEC --seconds S --stats-json FILE — capture -> chain -> playback in one callback.
#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "engine_common.hpp"
#include "percept/core/clock.hpp"
#include "percept/io/engine.hpp"
#include "percept/io/jack_server.hpp"

namespace {

struct DuplexOptions {
  percept::cli::StreamArgs stream;
  std::string chain;
  double seconds = 5.0;
  std::string stats_json;
  bool loopback = false;
  bool measure = false;
  bool jack_dummy = false;
  bool quiet = false;
};

void run(const DuplexOptions& o) {
  using namespace percept;
  using namespace percept::io;
  if (!(o.seconds > 0) || !std::isfinite(o.seconds)) throw InvalidArgument("--seconds must be positive");
  auto chain = cli::make_chain(o.chain, o.stream.rate);
  std::optional<JackDummyServer> server;
  EngineOptions eo;
  o.stream.apply(eo.stream, o.stream.channels, o.stream.channels);
  if (o.jack_dummy) {
    JackDummyServer::Options so;
    so.sample_rate = o.stream.rate;
    so.period = o.stream.blocksize;
    so.capture_channels = so.playback_channels = static_cast<int>(std::max<std::size_t>(o.stream.channels, 2));
    server.emplace(so);
    eo.stream.device = "jack:" + server->name();
    eo.stream.jack_loopback = true;
  }
  eo.stream.jack_loopback = eo.stream.jack_loopback || o.loopback;
  eo.tap = CaptureTap::None;
  eo.playback = PlaybackSource::Input;
  Engine engine(eo, chain);
  cli::install_interrupt_handler();
  engine.start();  // latencies are known once the ports are connected
  if (!o.quiet) {
    cli::print_negotiated(engine.negotiated());
    fmt::print("chain: {}\n", o.chain.empty() ? "(none: input to output)" : o.chain);
  }
  if (o.measure) {
    const auto r = engine.measure_round_trip(5.0);
    if (!o.quiet)
      fmt::print("round trip: {} frames = {:.3f} ms (configured buffering {} frames)\n", r.frames, r.ms,
                 r.expected_frames);
  }
  const std::int64_t end = Clock::now_ns() + Clock::from_seconds(o.seconds);
  std::string error;
  try {
    while (Clock::now_ns() < end && !cli::g_interrupted) {
      engine.check();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  } catch (const StreamError& e) {
    error = e.what();
  }
  engine.stop();
  const auto s = engine.stats();
  if (!o.quiet) cli::print_stats(s);
  if (!o.stats_json.empty()) cli::write_text_file(o.stats_json, cli::stats_json(s, o.chain));
  if (!error.empty()) throw StreamError(error);
}

}  // namespace

void register_duplex(CLI::App& app) {
  auto o = std::make_shared<DuplexOptions>();
  auto* cmd = app.add_subcommand("duplex", "Full-duplex processing: capture -> processor chain -> playback");
  cmd->add_option("--chain", o->chain,
                  "Processor chain in the `percept fx` syntax, e.g. 'butterworth(order=2,cutoff_hz=3000) | "
                  "vcs3(feedback=4)' (stages: `percept fx --list`); empty: input to output");
  cmd->add_option("-s,--seconds", o->seconds, "Duration")->capture_default_str();
  cmd->add_option("--stats-json", o->stats_json, "Write the statistics as JSON to this file");
  cmd->add_flag("--loopback", o->loopback, "JACK: connect the outputs to the inputs");
  cmd->add_flag("--measure-latency", o->measure, "Measure the round trip with an impulse first (needs a loop)");
  cmd->add_flag("--jack-dummy", o->jack_dummy, "Start a private JACK dummy server (loopback) for the run");
  cmd->add_flag("-q,--quiet", o->quiet, "No report on stdout");
  o->stream.add(cmd, 64);
  cmd->callback([o] { run(*o); });
}
