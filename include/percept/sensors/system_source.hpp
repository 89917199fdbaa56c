// percept/sensors/system_source.hpp — the machine's own state as a sensor: CPU use per core, memory,
// temperatures and battery, read from procfs/sysfs at a chosen rate on a background thread.
//
// Fields (one float64 each per reading; the list is fixed at start()):
//   cpu_percent, cpu<N>_percent       busy share of all cores / of core N since the previous reading
//   mem_total_mib, mem_available_mib, mem_used_percent, swap_used_mib      from /proc/meminfo
//   temp_<zone>_c                     /sys/class/thermal/thermal_zone*/temp (zone = its type)
//   temp_<chip>_<label>_c             /sys/class/hwmon/hwmon*/temp*_input
//   battery_<name>_percent, battery_<name>_charging, battery_<name>_power_w   /sys/class/power_supply
// Temperatures and batteries appear only where the machine has them. A reading that cannot be taken
// momentarily (a sensor returning EIO) is NaN; losing /proc/stat or /proc/meminfo fails the source.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "percept/sensors/source.hpp"

namespace percept::sensors {

struct SystemSourceOptions {
  double rate_hz = 10.0;
  double history_seconds = 600.0;
  bool cpu = true;
  bool memory = true;
  bool temperature = true;
  bool battery = true;
  /// Where procfs and sysfs are found ("/" = this machine: /proc, /sys). Tests point it at a tree of
  /// their own.
  std::string root = "/";
};

class SystemSource : public ThreadedSource {
 public:
  explicit SystemSource(SystemSourceOptions options = {});
  ~SystemSource() override;

  /// The fields one reading would have now (what format().fields becomes at start()).
  [[nodiscard]] std::vector<std::string> discover_fields() const;
  /// Takes one reading on the caller's thread (CPU shares relative to the previous call) — what the
  /// background thread does at each tick. Exposed for tests and benchmarks.
  std::vector<double> sample();

 protected:
  void open() override;
  bool poll() override;

 private:
  struct Temp {
    std::string path;
    double scale;
  };
  struct Battery {
    std::string dir;
  };
  void discover();
  std::vector<double> take();

  SystemSourceOptions options_;
  std::vector<std::string> fields_;
  std::vector<Temp> temps_;
  std::vector<Battery> batteries_;
  std::size_t cores_ = 0;
  std::vector<std::uint64_t> prev_busy_, prev_total_;
  std::int64_t next_ns_ = 0;
  double period_ns_ = 0;
  bool discovered_ = false;
};

}  // namespace percept::sensors
