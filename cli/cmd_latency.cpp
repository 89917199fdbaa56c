// percept latency — measures the round trip (output -> input) with an impulse, and compares it with the
// buffering the device reports. Needs a loop: the "virtual" device, JACK with --loopback (or --jack-dummy),
// or a cable from a sound card's output to its input.
#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>

#include "engine_common.hpp"
#include "percept/io/engine.hpp"
#include "percept/io/jack_server.hpp"

namespace {

struct LatencyOptions {
  percept::cli::StreamArgs stream;
  int repeat = 3;
  bool loopback = false;
  bool jack_dummy = false;
  std::string json;
};

void run(const LatencyOptions& o) {
  using namespace percept;
  using namespace percept::io;
  if (o.repeat < 1) throw InvalidArgument("--repeat must be at least 1");
  std::optional<JackDummyServer> server;
  EngineOptions eo;
  o.stream.apply(eo.stream, o.stream.channels, o.stream.channels);
  if (eo.stream.device.empty() && !o.jack_dummy) eo.stream.device = "virtual";
  if (o.jack_dummy) {
    server.emplace(JackDummyServer::with(o.stream.rate, o.stream.blocksize));
    eo.stream.device = "jack:" + server->name();
  }
  eo.stream.jack_loopback = o.loopback || o.jack_dummy;
  eo.tap = CaptureTap::None;
  eo.playback = PlaybackSource::Silence;
  Engine engine(eo);
  engine.start();
  cli::print_negotiated(engine.negotiated());
  std::string rows;
  for (int i = 0; i < o.repeat; ++i) {
    const auto r = engine.measure_round_trip(5.0);
    fmt::print("round trip {}: measured {} frames = {:.3f} ms; configured buffering {} frames = {:.3f} ms{}\n", i + 1,
               r.frames, r.ms, r.expected_frames, r.expected_ms, r.frames == r.expected_frames ? " (equal)" : "");
    rows += fmt::format("{}{{\"frames\": {}, \"ms\": {:.6f}, \"expected_frames\": {}, \"expected_ms\": {:.6f}}}",
                        i ? ", " : "", r.frames, r.ms, r.expected_frames, r.expected_ms);
  }
  engine.stop();
  if (!o.json.empty()) {
    const auto& n = engine.negotiated();
    cli::write_text_file(o.json,
                         fmt::format("{{\"device\": {}, \"samplerate\": {}, \"period\": {}, \"measurements\": [{}]}}\n",
                                     cli::json_string(n.device), n.sample_rate, n.period, rows));
  }
}

}  // namespace

void register_latency(CLI::App& app) {
  auto o = std::make_shared<LatencyOptions>();
  auto* cmd = app.add_subcommand("latency", "Measure the round-trip latency with a loopback impulse");
  cmd->add_option("--repeat", o->repeat, "Measurements")->capture_default_str();
  cmd->add_flag("--loopback", o->loopback, "JACK: connect the outputs to the inputs");
  cmd->add_flag("--jack-dummy", o->jack_dummy, "Start a private JACK dummy server and measure through it");
  cmd->add_option("--json", o->json, "Write the measurements as JSON to this file");
  o->stream.add(cmd, 64);
  cmd->callback([o] { run(*o); });
}
