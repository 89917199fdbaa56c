#include "percept/sensors/system_source.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>

#include "percept/core/clock.hpp"
#include "percept/core/errno_message.hpp"
#include "percept/core/error.hpp"

namespace fs = std::filesystem;

namespace percept::sensors {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Reads a small procfs/sysfs file whole; false (errno kept) when it cannot be read.
bool read_small_file(const std::string& path, std::string& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out.clear();
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      errno = saved;
      return false;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return true;
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

std::string sanitize(const std::string& s) {
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    out.push_back(std::isalnum(c) ? static_cast<char>(std::tolower(c)) : '_');
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out.empty() ? std::string("unnamed") : out;
}

double read_number(const std::string& path, double scale) {
  std::string text;
  if (!read_small_file(path, text)) return kNaN;
  char* end = nullptr;
  const std::string t = trim(text);
  const double v = std::strtod(t.c_str(), &end);
  if (end == t.c_str()) return kNaN;
  return v * scale;
}

std::vector<fs::path> sorted_entries(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path());
  }
  // Natural order: thermal_zone2 before thermal_zone10.
  std::sort(out.begin(), out.end(), [](const fs::path& a, const fs::path& b) {
    const std::string x = a.filename().string(), y = b.filename().string();
    return x.size() != y.size() ? x.size() < y.size() : x < y;
  });
  return out;
}

struct CpuTimes {
  std::uint64_t busy = 0, total = 0;
};

// Parses /proc/stat's "cpu" lines: index 0 = all cores, index k+1 = core k.
bool parse_proc_stat(const std::string& text, std::vector<CpuTimes>& out) {
  out.clear();
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    if (text.compare(pos, 3, "cpu") == 0) {
      const char* p = text.c_str() + pos + 3;
      while (*p && !std::isspace(static_cast<unsigned char>(*p))) ++p;  // skip the core number
      std::uint64_t v[10] = {};
      int k = 0;
      for (; k < 10; ++k) {
        char* end = nullptr;
        v[k] = std::strtoull(p, &end, 10);
        if (end == p) break;
        p = end;
      }
      if (k < 4) return false;
      // user nice system idle iowait irq softirq steal (guest time is already in user/nice)
      std::uint64_t total = 0;
      for (int j = 0; j < std::min(k, 8); ++j) total += v[j];
      const std::uint64_t idle = v[3] + (k > 4 ? v[4] : 0);
      out.push_back({total - idle, total});
    } else if (!out.empty()) {
      break;  // the cpu lines come first and together
    }
    pos = eol + 1;
  }
  return !out.empty();
}

double meminfo_kib(const std::string& text, const char* key) {
  const std::string k = std::string(key) + ":";
  std::size_t pos = text.find(k);
  if (pos == std::string::npos || (pos > 0 && text[pos - 1] != '\n')) return kNaN;
  return std::strtod(text.c_str() + pos + k.size(), nullptr);
}

StreamFormat system_format(const SystemSourceOptions& o) {
  if (!(o.rate_hz > 0.0) || o.rate_hz > 1000.0)
    throw InvalidArgument("SystemSource: rate must be between 0 and 1000 Hz, got " + std::to_string(o.rate_hz));
  StreamFormat f;
  f.kind = "system";
  f.type = ElementType::Float64;
  f.nominal_rate = o.rate_hz;
  f.item_shape = {1};
  return f;
}

}  // namespace

SystemSource::SystemSource(SystemSourceOptions options)
    : ThreadedSource(system_format(options), options.history_seconds), options_(std::move(options)) {
  if (!options_.cpu && !options_.memory && !options_.temperature && !options_.battery)
    throw InvalidArgument("SystemSource: every kind of reading is switched off");
  period_ns_ = 1e9 / options_.rate_hz;
}

SystemSource::~SystemSource() {
  stop_and_join();
}

void SystemSource::discover() {
  const fs::path root(options_.root);
  fields_.clear();
  temps_.clear();
  batteries_.clear();
  cores_ = 0;
  if (options_.cpu) {
    const std::string path = (root / "proc/stat").string();
    std::string text;
    std::vector<CpuTimes> cpus;
    if (!read_small_file(path, text))
      throw FileError("SystemSource: cannot read '" + path + "': " + percept::errno_message(errno));
    if (!parse_proc_stat(text, cpus)) throw FormatError("SystemSource: '" + path + "' has no cpu lines");
    cores_ = cpus.size() - 1;
    fields_.push_back("cpu_percent");
    for (std::size_t c = 0; c < cores_; ++c) fields_.push_back("cpu" + std::to_string(c) + "_percent");
    prev_busy_.assign(cpus.size(), 0);
    prev_total_.assign(cpus.size(), 0);
    for (std::size_t i = 0; i < cpus.size(); ++i) {
      prev_busy_[i] = cpus[i].busy;
      prev_total_[i] = cpus[i].total;
    }
  }
  if (options_.memory) {
    const std::string path = (root / "proc/meminfo").string();
    std::string text;
    if (!read_small_file(path, text))
      throw FileError("SystemSource: cannot read '" + path + "': " + percept::errno_message(errno));
    if (std::isnan(meminfo_kib(text, "MemTotal")))
      throw FormatError("SystemSource: '" + path + "' has no MemTotal line");
    for (const char* f : {"mem_total_mib", "mem_available_mib", "mem_used_percent", "swap_used_mib"})
      fields_.push_back(f);
  }
  std::map<std::string, int> seen;
  auto unique = [&](std::string name) {
    const int n = seen[name]++;
    return n == 0 ? name : name + "_" + std::to_string(n);
  };
  if (options_.temperature) {
    for (const auto& zone : sorted_entries(root / "sys/class/thermal", "thermal_zone")) {
      if (!fs::exists(zone / "temp")) continue;
      std::string type;
      read_small_file((zone / "type").string(), type);
      type = trim(type);
      if (type.empty()) type = zone.filename().string();
      temps_.push_back({(zone / "temp").string(), 1e-3});
      fields_.push_back(unique("temp_" + sanitize(type)) + "_c");
    }
    for (const auto& chip : sorted_entries(root / "sys/class/hwmon", "hwmon")) {
      std::string name;
      read_small_file((chip / "name").string(), name);
      name = trim(name);
      if (name.empty()) name = chip.filename().string();
      for (const auto& input : sorted_entries(chip, "temp")) {
        const std::string file = input.filename().string();
        const auto suffix = file.find("_input");
        if (suffix == std::string::npos || suffix + 6 != file.size()) continue;
        std::string label;
        read_small_file((chip / (file.substr(0, suffix) + "_label")).string(), label);
        label = trim(label);
        if (label.empty()) label = file.substr(0, suffix);
        temps_.push_back({input.string(), 1e-3});
        fields_.push_back(unique("temp_" + sanitize(name) + "_" + sanitize(label)) + "_c");
      }
    }
  }
  if (options_.battery) {
    for (const auto& supply : sorted_entries(root / "sys/class/power_supply", "")) {
      std::string type;
      if (!read_small_file((supply / "type").string(), type) || trim(type) != "Battery") continue;
      batteries_.push_back({supply.string()});
      const std::string base = "battery_" + sanitize(supply.filename().string());
      fields_.push_back(base + "_percent");
      fields_.push_back(base + "_charging");
      fields_.push_back(base + "_power_w");
    }
  }
  if (fields_.empty())
    throw DeviceError("SystemSource: nothing to read under '" + options_.root +
                      "' (no temperature sensors or batteries, and cpu/memory switched off)");
  discovered_ = true;
}

std::vector<std::string> SystemSource::discover_fields() const {
  SystemSource probe(options_);
  probe.discover();
  return probe.fields_;
}

std::vector<double> SystemSource::take() {
  const fs::path root(options_.root);
  std::vector<double> v;
  v.reserve(fields_.size());
  std::string text;
  if (options_.cpu) {
    const std::string path = (root / "proc/stat").string();
    std::vector<CpuTimes> cpus;
    if (!read_small_file(path, text))
      throw StreamError("SystemSource: '" + path + "' became unreadable: " + percept::errno_message(errno));
    if (!parse_proc_stat(text, cpus) || cpus.size() != cores_ + 1)
      throw StreamError("SystemSource: '" + path + "' changed its layout (" + std::to_string(cpus.size()) +
                        " cpu lines, expected " + std::to_string(cores_ + 1) + ")");
    for (std::size_t i = 0; i < cpus.size(); ++i) {
      const auto dt = cpus[i].total - std::min(cpus[i].total, prev_total_[i]);
      const auto db = cpus[i].busy - std::min(cpus[i].busy, prev_busy_[i]);
      v.push_back(dt == 0 ? kNaN : 100.0 * static_cast<double>(db) / static_cast<double>(dt));
      prev_busy_[i] = cpus[i].busy;
      prev_total_[i] = cpus[i].total;
    }
  }
  if (options_.memory) {
    const std::string path = (root / "proc/meminfo").string();
    if (!read_small_file(path, text))
      throw StreamError("SystemSource: '" + path + "' became unreadable: " + percept::errno_message(errno));
    const double total = meminfo_kib(text, "MemTotal"), avail = meminfo_kib(text, "MemAvailable");
    const double swap_total = meminfo_kib(text, "SwapTotal"), swap_free = meminfo_kib(text, "SwapFree");
    v.push_back(total / 1024.0);
    v.push_back(avail / 1024.0);
    v.push_back(total > 0 ? 100.0 * (total - avail) / total : kNaN);
    v.push_back((swap_total - swap_free) / 1024.0);
  }
  for (const auto& t : temps_) v.push_back(read_number(t.path, t.scale));
  for (const auto& b : batteries_) {
    v.push_back(read_number(b.dir + "/capacity", 1.0));
    std::string status;
    if (read_small_file(b.dir + "/status", status)) {
      status = trim(status);
      v.push_back(status == "Charging" || status == "Full" ? 1.0 : (status == "Discharging" ? 0.0 : kNaN));
    } else {
      v.push_back(kNaN);
    }
    double power = read_number(b.dir + "/power_now", 1e-6);
    if (std::isnan(power))
      power = read_number(b.dir + "/current_now", 1e-6) * read_number(b.dir + "/voltage_now", 1e-6);
    v.push_back(power);
  }
  return v;
}

std::vector<double> SystemSource::sample() {
  if (!discovered_) discover();
  return take();
}

void SystemSource::open() {
  discover();
  StreamFormat f = format();
  f.fields = fields_;
  f.item_shape = {fields_.size()};
  set_format(std::move(f));
  next_ns_ = Clock::now_ns() + static_cast<std::int64_t>(period_ns_);
}

bool SystemSource::poll() {
  if (!sleep_until(next_ns_)) return true;
  const std::int64_t t0 = Clock::now_ns();
  const std::vector<double> v = take();
  const std::int64_t t = t0 + (Clock::now_ns() - t0) / 2;
  push(v.data(), 1, &t);
  next_ns_ += static_cast<std::int64_t>(period_ns_);
  const std::int64_t now = Clock::now_ns();
  if (next_ns_ < now - static_cast<std::int64_t>(period_ns_)) {  // overloaded machine: skip missed ticks
    const auto missed = static_cast<std::int64_t>(static_cast<double>(now - next_ns_) / period_ns_);
    add_source_dropped(missed);
    next_ns_ += static_cast<std::int64_t>(static_cast<double>(missed) * period_ns_);
  }
  return true;
}

}  // namespace percept::sensors
