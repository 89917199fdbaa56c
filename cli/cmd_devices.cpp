// percept devices — host APIs and audio devices with their channels, rates, formats and latencies.
#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "engine_common.hpp"
#include "percept/io/device.hpp"

namespace {

struct DevicesOptions {
  std::string jack_server;
  bool json = false;
};

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

std::string rates(const std::vector<double>& v) {
  std::string s;
  for (double r : v) s += (s.empty() ? "" : ",") + fmt::format("{:g}", r);
  return s;
}

void run(const DevicesOptions& o) {
  using namespace percept::io;
  const auto apis = host_apis(o.jack_server);
  const auto devs = list_devices(o.jack_server);
  if (o.json) {
    using percept::cli::json_string;
    std::string j = "{\n  \"host_apis\": [\n";
    for (std::size_t i = 0; i < apis.size(); ++i)
      j += fmt::format("    {{\"name\": {}, \"available\": {}, \"device_count\": {}, \"note\": {}}}{}\n",
                       json_string(apis[i].name), apis[i].available, apis[i].device_count, json_string(apis[i].note),
                       i + 1 < apis.size() ? "," : "");
    j += "  ],\n  \"devices\": [\n";
    for (std::size_t i = 0; i < devs.size(); ++i) {
      const auto& d = devs[i];
      j += fmt::format(
          "    {{\"index\": {}, \"name\": {}, \"host_api\": {}, \"max_input_channels\": {}, \"max_output_channels\": "
          "{}, "
          "\"default_samplerate\": {}, \"samplerates\": [{}], \"formats\": [{}], \"default_low_input_latency\": {}, "
          "\"default_low_output_latency\": {}, \"default_high_input_latency\": {}, \"default_high_output_latency\": "
          "{}}}{}\n",
          d.index, json_string(d.name), json_string(d.host_api), d.max_input_channels, d.max_output_channels,
          d.default_sample_rate, rates(d.sample_rates),
          [&] {
            std::string s;
            for (const auto& f : d.formats) s += (s.empty() ? "" : ",") + json_string(f);
            return s;
          }(),
          d.default_low_input_latency, d.default_low_output_latency, d.default_high_input_latency,
          d.default_high_output_latency, i + 1 < devs.size() ? "," : "");
    }
    j += "  ]\n}\n";
    fmt::print("{}", j);
    return;
  }
  fmt::print("host APIs:\n");
  for (const auto& a : apis)
    fmt::print("  {:<8} {:<12} {} device(s)  {}\n", a.name, a.available ? "available" : "unavailable", a.device_count,
               a.note);
  fmt::print("\n{:>3}  {:<28} {:<8} {:>4} {:>4}  {:>8}  {:<22} {:<28} {}\n", "#", "name", "api", "in", "out", "rate",
             "formats", "latency low/high ms (in|out)", "rates");
  for (const auto& d : devs)
    fmt::print("{:>3}  {:<28} {:<8} {:>4} {:>4}  {:>8g}  {:<22} {:<28} {}\n", d.index, d.name, d.host_api,
               d.max_input_channels, d.max_output_channels, d.default_sample_rate, join(d.formats),
               fmt::format("{:.1f}/{:.1f} | {:.1f}/{:.1f}", d.default_low_input_latency * 1e3,
                           d.default_high_input_latency * 1e3, d.default_low_output_latency * 1e3,
                           d.default_high_output_latency * 1e3),
               rates(d.sample_rates));
}

}  // namespace

void register_devices(CLI::App& app) {
  auto o = std::make_shared<DevicesOptions>();
  auto* cmd = app.add_subcommand("devices", "List host APIs and audio devices (channels, rates, formats, latencies)");
  cmd->add_option("--jack-server", o->jack_server, "JACK server to look for (default: $JACK_DEFAULT_SERVER)");
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->callback([o] { run(*o); });
}
