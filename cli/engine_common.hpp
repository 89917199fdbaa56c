// Shared by the engine subcommands (devices, record, play, duplex, latency, demo-live): stream options,
// the statistics report and its JSON form.
#pragma once

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "percept/core/error.hpp"
#include "percept/dsp/chain_parser.hpp"
#include "percept/io/engine.hpp"

namespace percept::cli {

struct StreamArgs {
  std::string device;
  double rate = 48000;
  std::size_t channels = 1;
  std::size_t blocksize = 256;
  std::size_t periods = 2;
  std::string format = "float32";
  bool allow_mismatch = false;
  std::string jack_server;

  void add(CLI::App* cmd, std::size_t default_blocksize = 256) {
    blocksize = default_blocksize;
    cmd->add_option("-d,--device", device,
                    "Device name or index (see `percept devices`); default: JACK if running, "
                    "else the sound card, else the virtual device");
    cmd->add_option("-r,--rate", rate, "Sample rate in Hz")->capture_default_str();
    cmd->add_option("-c,--channels", channels, "Channels")->capture_default_str();
    cmd->add_option("-b,--blocksize", blocksize, "Frames per callback (period)")->capture_default_str();
    cmd->add_option("--periods", periods, "Device buffer in periods (ALSA, virtual)")->capture_default_str();
    cmd->add_option("--format", format, "Device sample format: float32, int32, int24, int16")->capture_default_str();
    cmd->add_flag("--allow-mismatch", allow_mismatch,
                  "Accept the device's own rate/period/format when they differ from the request (reported)");
    cmd->add_option("--jack-server", jack_server, "JACK server name (default: $JACK_DEFAULT_SERVER or 'default')");
  }
  void apply(io::StreamConfig& s, std::size_t in, std::size_t out) const {
    s.device = device;
    s.sample_rate = rate;
    s.input_channels = in;
    s.output_channels = out;
    s.period = blocksize;
    s.periods = periods;
    s.format = format;
    s.allow_mismatch = allow_mismatch;
    s.jack_server = jack_server;
  }
};

/// The engine's chain from the one chain syntax (percept/dsp/chain_parser.hpp), built for `rate`; an empty
/// or blank spec means no processing (null).
inline std::shared_ptr<dsp::Chain> make_chain(const std::string& spec, double rate) {
  if (spec.find_first_not_of(" \t") == std::string::npos) return nullptr;
  return dsp::parse_chain(spec, rate);
}

inline void print_negotiated(const io::Negotiated& n, std::FILE* f = stdout) {
  fmt::print(f,
             "device: {} ({}), {} Hz {}, {} in / {} out, period {} frames ({:.2f} ms), buffer {} frames, "
             "latency in {} + out {} frames{}\n",
             n.device, n.host_api, n.sample_rate, n.format, n.input_channels, n.output_channels, n.period,
             static_cast<double>(n.period) * 1000.0 / n.sample_rate, n.buffer_frames, n.input_latency_frames,
             n.output_latency_frames, n.realtime ? ", real-time thread" : "");
  if (!n.note.empty()) fmt::print(f, "note: {}\n", n.note);
}

inline void print_stats(const io::EngineStats& s, std::FILE* f = stdout) {
  const double budget_us = static_cast<double>(s.device.period) * 1e6 / s.device.sample_rate;
  fmt::print(f, "frames {}  callbacks {}  ({:.1f} s)\n", s.frames, s.callbacks,
             static_cast<double>(s.frames) / s.device.sample_rate);
  fmt::print(
      f,
      "callback load (of the {:.0f} us budget): mean {:.2f}%  p50 {:.2f}%  p99 {:.2f}%  p99.9 {:.2f}%  max {:.2f}%\n",
      budget_us, 100 * s.load.mean, 100 * s.load.p50, 100 * s.load.p99, 100 * s.load.p999, 100 * s.load.max);
  if (s.wakeup.callbacks > 0)
    fmt::print(f, "callback start after period start: p99 {:.2f}%  p99.9 {:.2f}%  max {:.2f}% of the budget\n",
               100 * s.wakeup.p99, 100 * s.wakeup.p999, 100 * s.wakeup.max);
  fmt::print(f, "deadline misses {}  xruns (device/server) {}  frames lost {}  underrun frames {}\n",
             s.load.deadline_misses, s.xruns, s.frames_lost, s.underrun_frames);
  if (s.round_trip)
    fmt::print(f, "round trip (measured): {} frames = {:.3f} ms; configured buffering {} frames = {:.3f} ms\n",
               s.round_trip->frames, s.round_trip->ms, s.round_trip->expected_frames, s.round_trip->expected_ms);
  if (s.failed) fmt::print(f, "stream failed: {}\n", s.error);
}

inline std::string json_string(const std::string& s) {
  std::string o = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') o += '\\';
    if (static_cast<unsigned char>(ch) < 0x20) {
      o += fmt::format("\\u{:04x}", static_cast<int>(ch));
      continue;
    }
    o += ch;
  }
  return o + "\"";
}

inline std::string stats_json(const io::EngineStats& s, const std::string& chain) {
  const auto& n = s.device;
  std::string j = "{\n";
  j += fmt::format(
      "  \"device\": {{\"name\": {}, \"host_api\": {}, \"samplerate\": {}, \"format\": {}, \"period\": {}, "
      "\"buffer_frames\": {}, \"input_channels\": {}, \"output_channels\": {}, \"input_latency_frames\": {}, "
      "\"output_latency_frames\": {}, \"realtime\": {}, \"note\": {}}},\n",
      json_string(n.device), json_string(n.host_api), n.sample_rate, json_string(n.format), n.period, n.buffer_frames,
      n.input_channels, n.output_channels, n.input_latency_frames, n.output_latency_frames,
      n.realtime ? "true" : "false", json_string(n.note));
  j += fmt::format("  \"chain\": {},\n", json_string(chain));
  j += fmt::format("  \"frames\": {},\n  \"callbacks\": {},\n  \"seconds\": {:.6f},\n", s.frames, s.callbacks,
                   static_cast<double>(s.frames) / n.sample_rate);
  j += fmt::format(
      "  \"load\": {{\"mean\": {:.6f}, \"p50\": {:.6f}, \"p99\": {:.6f}, \"p999\": {:.6f}, \"max\": {:.6f}, "
      "\"budget_us\": {:.3f}}},\n",
      s.load.mean, s.load.p50, s.load.p99, s.load.p999, s.load.max,
      static_cast<double>(n.period) * 1e6 / n.sample_rate);
  j += fmt::format("  \"wakeup\": {{\"p50\": {:.6f}, \"p99\": {:.6f}, \"p999\": {:.6f}, \"max\": {:.6f}}},\n",
                   s.wakeup.p50, s.wakeup.p99, s.wakeup.p999, s.wakeup.max);
  j += fmt::format("  \"deadline_misses\": {},\n  \"xruns\": {},\n  \"frames_lost\": {},\n  \"overrun_events\": {},\n",
                   s.load.deadline_misses, s.xruns, s.frames_lost, s.overrun_events);
  j += fmt::format("  \"underrun_frames\": {},\n  \"underrun_events\": {},\n", s.underrun_frames, s.underrun_events);
  if (s.round_trip)
    j += fmt::format(
        "  \"round_trip\": {{\"frames\": {}, \"ms\": {:.6f}, \"expected_frames\": {}, \"expected_ms\": {:.6f}}},\n",
        s.round_trip->frames, s.round_trip->ms, s.round_trip->expected_frames, s.round_trip->expected_ms);
  else
    j += "  \"round_trip\": null,\n";
  j += fmt::format("  \"failed\": {},\n  \"error\": {}\n}}\n", s.failed ? "true" : "false", json_string(s.error));
  return j;
}

inline void write_text_file(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw FileError("cannot write " + path);
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok) throw FileError("cannot write " + path);
}

}  // namespace percept::cli

#include <atomic>
#include <csignal>

namespace percept::cli {

/// Set by SIGINT/SIGTERM while an engine command runs, so that it stops cleanly (files finalised).
inline volatile std::sig_atomic_t g_interrupted = 0;

inline void install_interrupt_handler() {
  g_interrupted = 0;
  std::signal(SIGINT, [](int) { g_interrupted = 1; });
  std::signal(SIGTERM, [](int) { g_interrupted = 1; });
}

}  // namespace percept::cli
