// percept session info DIR — what a recorded session holds: streams, files, items, time spans, losses,
// and whether the recording finished or was cut short.
#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <ctime>
#include <memory>
#include <string>

#include "percept/core/clock.hpp"
#include "percept/sensors/recorder.hpp"

namespace {

using namespace percept;

void print_info(const std::string& dir) {
  const sensors::SessionInfo info = sensors::session_info(dir);
  const auto wall = static_cast<std::time_t>(info.started_unix);
  char when[64] = "?";
  if (std::tm tm{}; gmtime_r(&wall, &tm)) std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
  fmt::print("{}\n  started    {} (clock {:.6f} s)\n", dir, when, Clock::to_seconds(info.started_ns));
  if (info.complete)
    fmt::print("  stopped    clock {:.6f} s ({:.3f} s recorded)\n", Clock::to_seconds(info.stopped_ns),
               Clock::to_seconds(info.stopped_ns - info.started_ns));
  else
    fmt::print("  stopped    never: the recording was cut short (crash or kill); files hold what was flushed\n");
  fmt::print("  {:<12} {:<7} {:<18} {:>10} {:>10} {:>10} {:>12} {:>6}\n", "stream", "kind", "file", "items", "start s",
             "span s", "rate /s", "lost");
  for (const auto& s : info.streams) {
    const double span = s.items > 1 ? Clock::to_seconds(s.last_t_ns - s.first_t_ns) : 0.0;
    const double rate = span > 0 ? static_cast<double>(s.items - 1) / span : 0.0;
    const double start = s.items ? Clock::to_seconds(s.first_t_ns - info.started_ns) : 0.0;
    fmt::print("  {:<12} {:<7} {:<18} {:>10} {:>10.3f} {:>10.3f} {:>12.3f} {:>6}\n", s.name, s.kind, s.file, s.items,
               start, span, rate, s.lost);
    std::string shape;
    for (auto d : s.item_shape) shape += (shape.empty() ? "" : "x") + std::to_string(d);
    fmt::print("  {:<12} {} {} at {:g}/s{}{}\n", "", s.dtype, shape, s.nominal_rate,
               s.index_file.empty() ? "" : ", index " + s.index_file,
               s.fields.empty() || s.kind == "video" ? "" : ", fields " + std::to_string(s.fields.size()));
    if (!s.error.empty()) fmt::print("  {:<12} FAILED during the recording: {}\n", "", s.error);
  }
}

}  // namespace

void register_session(CLI::App& app) {
  auto* cmd = app.add_subcommand("session", "Inspect recorded sessions (percept capture --out)");
  cmd->require_subcommand(1);
  auto dirs = std::make_shared<std::vector<std::string>>();
  auto* info = cmd->add_subcommand("info", "Show the streams, files, time spans and losses of a session");
  info->add_option("dirs", *dirs, "Session directories")->required();
  info->callback([dirs] {
    for (const auto& d : *dirs) print_info(d);
  });
}
