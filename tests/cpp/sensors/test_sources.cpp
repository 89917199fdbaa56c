// Sources without hardware: the history ring, PollingSource, SystemSource on this machine and on a
// procfs/sysfs tree written by the test, Combined's policies and failure isolation.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "percept/core/clock.hpp"
#include "percept/core/error.hpp"
#include "percept/sensors/combined.hpp"
#include "percept/sensors/system_source.hpp"

namespace fs = std::filesystem;
using namespace percept;
using namespace percept::sensors;

namespace {

void write_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("percept_sensors_" + std::to_string(::getpid()) + "_" + std::to_string(Clock::now_ns()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string proc_stat(std::uint64_t busy0, std::uint64_t idle0, std::uint64_t busy1, std::uint64_t idle1) {
  // user nice system idle iowait irq softirq steal guest guest_nice
  auto line = [](const char* name, std::uint64_t busy, std::uint64_t idle) {
    return std::string(name) + " " + std::to_string(busy) + " 0 0 " + std::to_string(idle) + " 0 0 0 0 0 0\n";
  };
  return line("cpu ", busy0 + busy1, idle0 + idle1) + line("cpu0", busy0, idle0) + line("cpu1", busy1, idle1) +
         "intr 1 2 3\nctxt 10\n";
}

const char* kMeminfo =
    "MemTotal:        8192000 kB\nMemFree:         1000000 kB\nMemAvailable:    2048000 kB\n"
    "SwapTotal:       1024000 kB\nSwapFree:         512000 kB\n";

void make_tree(const fs::path& root) {
  write_file(root / "proc/stat", proc_stat(100, 900, 50, 950));
  write_file(root / "proc/meminfo", kMeminfo);
  write_file(root / "sys/class/thermal/thermal_zone0/type", "x86_pkg_temp\n");
  write_file(root / "sys/class/thermal/thermal_zone0/temp", "45500\n");
  write_file(root / "sys/class/thermal/thermal_zone1/type", "acpitz\n");
  write_file(root / "sys/class/thermal/thermal_zone1/temp", "30000\n");
  write_file(root / "sys/class/hwmon/hwmon0/name", "coretemp\n");
  write_file(root / "sys/class/hwmon/hwmon0/temp1_input", "51000\n");
  write_file(root / "sys/class/hwmon/hwmon0/temp1_label", "Package id 0\n");
  write_file(root / "sys/class/power_supply/BAT0/type", "Battery\n");
  write_file(root / "sys/class/power_supply/BAT0/capacity", "87\n");
  write_file(root / "sys/class/power_supply/BAT0/status", "Discharging\n");
  write_file(root / "sys/class/power_supply/BAT0/power_now", "12500000\n");
  write_file(root / "sys/class/power_supply/AC/type", "Mains\n");
}

}  // namespace

TEST(PollingSource, CapturesAtItsRateWithClockTimestamps) {
  std::atomic<int> calls{0};
  PollingSource src([&] { return std::vector<double>{static_cast<double>(calls++), 2.0}; }, 200.0, {"n", "two"});
  const std::int64_t before = Clock::now_ns();
  src.start();
  ASSERT_TRUE(src.wait_for(9, 2'000'000'000));
  src.stop();
  const std::int64_t after = Clock::now_ns();
  Chunk c = src.read();
  ASSERT_GE(c.size(), 10u);
  EXPECT_EQ(c.first_index, 0);
  for (std::size_t i = 0; i < c.size(); ++i) {
    EXPECT_EQ(c.as<double>()[2 * i], static_cast<double>(i));  // every reading, in order
    EXPECT_EQ(c.as<double>()[2 * i + 1], 2.0);
    EXPECT_GE(c.t_ns[i], before);
    EXPECT_LE(c.t_ns[i], after);
    if (i > 0) {
      EXPECT_GT(c.t_ns[i], c.t_ns[i - 1]);
    }
  }
  EXPECT_TRUE(src.read().empty());  // read() consumes
  const SourceStats st = src.stats();
  EXPECT_EQ(st.state, SourceState::Stopped);
  EXPECT_EQ(st.items, static_cast<std::int64_t>(c.size()));
  EXPECT_EQ(st.items_read, st.items);
  EXPECT_EQ(st.dropped, 0);
}

TEST(PollingSource, HistoryOverflowIsCountedAsDropped) {
  std::atomic<int> calls{0};
  // 1000 Hz with 0.02 s of history keeps about 21 items.
  PollingSource src([&] { return std::vector<double>{static_cast<double>(calls++)}; }, 1000.0, {"n"}, 0.02);
  src.start();
  ASSERT_TRUE(src.wait_for(99, 5'000'000'000));
  src.stop();
  const SourceStats before = src.stats();
  Chunk c = src.read();
  ASSERT_FALSE(c.empty());
  EXPECT_LT(c.size(), 40u);
  // The items handed out are the newest ones, consecutive, and the rest is accounted as dropped.
  EXPECT_EQ(c.first_index + static_cast<std::int64_t>(c.size()), before.items);
  EXPECT_EQ(c.as<double>()[0], static_cast<double>(c.first_index));
  const SourceStats after = src.stats();
  EXPECT_EQ(after.dropped, c.first_index);
  EXPECT_EQ(after.items_read + after.dropped, after.items);
  std::int64_t lost = -1;
  Chunk since = src.read_since(0, &lost);
  EXPECT_EQ(lost, c.first_index);
  EXPECT_EQ(since.size(), c.size());
}

TEST(PollingSource, WindowAndLatestAtSelectByCaptureTime) {
  PollingSource src([] { return std::vector<double>{1.0}; }, 500.0, {"v"});
  src.start();
  ASSERT_TRUE(src.wait_for(49, 5'000'000'000));
  src.stop();
  Chunk all = src.latest(1000);
  ASSERT_GE(all.size(), 50u);
  const std::int64_t t10 = all.t_ns[10], t20 = all.t_ns[20];
  Chunk w = src.window(t10, t20);
  ASSERT_EQ(w.size(), 11u);
  EXPECT_EQ(w.first_index, all.first_index + 10);
  EXPECT_EQ(w.t_ns.front(), t10);
  EXPECT_EQ(w.t_ns.back(), t20);
  Chunk at = src.latest_at(t20 + (all.t_ns[21] - t20) / 2, 3);
  ASSERT_EQ(at.size(), 3u);
  EXPECT_EQ(at.t_ns.back(), t20);
  EXPECT_TRUE(src.latest_at(all.t_ns[0] - 1, 1).empty());
  EXPECT_TRUE(src.window(t20, t10).empty());
  EXPECT_EQ(src.latest(5).size(), 5u);
}

TEST(PollingSource, AFunctionThatThrowsFailsTheSourceAndKeepsItsHistory) {
  std::atomic<int> calls{0};
  PollingSource src(
      [&] {
        if (++calls > 5) throw std::runtime_error("sensor unplugged");
        return std::vector<double>{1.0};
      },
      200.0, {"v"});
  src.start();
  for (int i = 0; i < 200 && src.state() == SourceState::Running; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(src.state(), SourceState::Failed);
  const SourceStats st = src.stats();
  EXPECT_EQ(st.items, 5);
  EXPECT_NE(st.error.find("sensor unplugged"), std::string::npos);
  EXPECT_GT(st.failed_ns, 0);
  EXPECT_EQ(src.read().size(), 5u);
  src.stop();
  EXPECT_EQ(src.state(), SourceState::Failed);
}

TEST(PollingSource, WrongReadingSizeIsAStreamFailure) {
  PollingSource src([] { return std::vector<double>{1.0, 2.0, 3.0}; }, 100.0, {"a", "b"});
  src.start();
  for (int i = 0; i < 200 && src.state() == SourceState::Running; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(src.state(), SourceState::Failed);
  EXPECT_NE(src.stats().error.find("returned 3 values, expected 2"), std::string::npos);
}

TEST(PollingSource, BadArgumentsAreRefused) {
  auto fn = [] { return std::vector<double>{1.0}; };
  EXPECT_THROW(PollingSource(fn, 0.0, {"a"}), InvalidArgument);
  EXPECT_THROW(PollingSource(fn, std::nan(""), {"a"}), InvalidArgument);
  EXPECT_THROW(PollingSource(fn, 10.0, {}), InvalidArgument);
  EXPECT_THROW(PollingSource(fn, 10.0, {"a"}, -1.0), InvalidArgument);
  EXPECT_THROW(PollingSource(nullptr, 10.0, {"a"}), InvalidArgument);
}

TEST(SystemSource, ParsesAProcAndSysTree) {
  TempDir dir;
  make_tree(dir.path);
  SystemSourceOptions o;
  o.root = dir.path.string();
  SystemSource src(o);
  const auto fields = src.discover_fields();
  const std::vector<std::string> expected = {"cpu_percent",          "cpu0_percent",
                                             "cpu1_percent",         "mem_total_mib",
                                             "mem_available_mib",    "mem_used_percent",
                                             "swap_used_mib",        "temp_x86_pkg_temp_c",
                                             "temp_acpitz_c",        "temp_coretemp_package_id_0_c",
                                             "battery_bat0_percent", "battery_bat0_charging",
                                             "battery_bat0_power_w"};
  EXPECT_EQ(fields, expected);
  (void)src.sample();  // the reference point for CPU shares
  // core 0: +30 busy, +70 idle -> 30 %; core 1: +90 busy, +10 idle -> 90 %; all: 120/200 -> 60 %.
  write_file(dir.path / "proc/stat", proc_stat(130, 970, 140, 960));
  const auto v = src.sample();
  ASSERT_EQ(v.size(), expected.size());
  EXPECT_DOUBLE_EQ(v[0], 60.0);
  EXPECT_DOUBLE_EQ(v[1], 30.0);
  EXPECT_DOUBLE_EQ(v[2], 90.0);
  EXPECT_DOUBLE_EQ(v[3], 8000.0);
  EXPECT_DOUBLE_EQ(v[4], 2000.0);
  EXPECT_DOUBLE_EQ(v[5], 75.0);
  EXPECT_DOUBLE_EQ(v[6], 500.0);
  EXPECT_DOUBLE_EQ(v[7], 45.5);
  EXPECT_DOUBLE_EQ(v[8], 30.0);
  EXPECT_DOUBLE_EQ(v[9], 51.0);
  EXPECT_DOUBLE_EQ(v[10], 87.0);
  EXPECT_DOUBLE_EQ(v[11], 0.0);
  EXPECT_DOUBLE_EQ(v[12], 12.5);
  // A sensor that cannot be read momentarily is NaN, not a failure.
  fs::remove(dir.path / "sys/class/thermal/thermal_zone1/temp");
  const auto w = src.sample();
  EXPECT_TRUE(std::isnan(w[8]));
  EXPECT_TRUE(std::isnan(w[0]));  // no CPU time passed between the two readings
}

TEST(SystemSource, ReadsThisMachine) {
  SystemSourceOptions o;
  o.rate_hz = 50;
  SystemSource src(o);
  src.start();
  ASSERT_TRUE(src.wait_for(2, 5'000'000'000));
  src.stop();
  const StreamFormat f = src.format();
  EXPECT_EQ(f.kind, "system");
  ASSERT_GE(f.fields.size(), 6u);
  EXPECT_EQ(f.fields[0], "cpu_percent");
  EXPECT_EQ(f.item_shape, std::vector<std::size_t>{f.fields.size()});
  Chunk c = src.read();
  ASSERT_GE(c.size(), 3u);
  const double* v = c.as<double>();
  const std::size_t mem =
      static_cast<std::size_t>(std::find(f.fields.begin(), f.fields.end(), "mem_total_mib") - f.fields.begin());
  for (std::size_t i = 0; i < c.size(); ++i) {
    const double cpu = v[i * f.fields.size()];
    if (!std::isnan(cpu)) {
      EXPECT_GE(cpu, 0.0);
      EXPECT_LE(cpu, 100.0);
    }
    EXPECT_GT(v[i * f.fields.size() + mem], 0.0);
  }
}

TEST(SystemSource, MissingProcIsAClearError) {
  TempDir dir;
  SystemSourceOptions o;
  o.root = dir.path.string();
  SystemSource src(o);
  EXPECT_THROW(src.start(), FileError);
  EXPECT_EQ(src.state(), SourceState::Idle);
  o.cpu = o.memory = o.temperature = o.battery = false;
  EXPECT_THROW(SystemSource{o}, InvalidArgument);
  o.temperature = true;  // nothing there: no sensor at all
  SystemSource empty(o);
  EXPECT_THROW(empty.start(), DeviceError);
}

TEST(Combined, ASourceFailingMidWayIsReportedAndTheOthersKeepRunning) {
  TempDir dir;
  make_tree(dir.path);
  SystemSourceOptions o;
  o.root = dir.path.string();
  o.rate_hz = 100;
  auto failing = std::make_shared<SystemSource>(o);
  std::atomic<int> calls{0};
  auto healthy = std::make_shared<PollingSource>([&] { return std::vector<double>{static_cast<double>(calls++)}; },
                                                 100.0, std::vector<std::string>{"n"});
  Combined combined(CombinedOptions{Policy::New, 0.0, ""});
  combined.add("system", failing);
  combined.add("counter", healthy);
  combined.start();
  ASSERT_TRUE(failing->wait_for(2, 5'000'000'000));
  fs::remove(dir.path / "proc/stat");  // the device goes away mid-way
  for (int i = 0; i < 300 && failing->state() == SourceState::Running; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(failing->state(), SourceState::Failed);
  const std::int64_t counted = healthy->stats().items;
  ASSERT_TRUE(healthy->wait_for(counted + 5, 5'000'000'000));  // still producing after the failure
  CombinedReading r = combined.read();
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_NE(r.failures.at("system").find("proc/stat' became unreadable"), std::string::npos);
  EXPECT_GE(r.chunks.at("system").size(), 3u);  // what it captured before failing is still there
  EXPECT_GE(r.chunks.at("counter").size(), static_cast<std::size_t>(counted + 5));
  EXPECT_EQ(healthy->state(), SourceState::Running);
  EXPECT_EQ(combined.stats().at("system").state, SourceState::Failed);
  combined.stop();
  EXPECT_EQ(healthy->state(), SourceState::Stopped);
}

TEST(Combined, LatestAlignsOnTheReferenceAndWindowCoversTheSpan) {
  auto slow =
      std::make_shared<PollingSource>([] { return std::vector<double>{1.0}; }, 20.0, std::vector<std::string>{"slow"});
  auto fast =
      std::make_shared<PollingSource>([] { return std::vector<double>{2.0}; }, 400.0, std::vector<std::string>{"fast"});
  Combined combined(CombinedOptions{Policy::Latest, 0.0, ""});
  combined.add("fast", fast);
  combined.add("slow", slow);
  EXPECT_EQ(combined.reference(), "slow");  // the slowest non-continuous source
  combined.start();
  ASSERT_TRUE(slow->wait_for(4, 5'000'000'000));
  CombinedReading r = combined.read();
  ASSERT_EQ(r.chunks.at("slow").size(), 1u);
  EXPECT_EQ(r.t_ref_ns, r.chunks.at("slow").t_ns[0]);
  ASSERT_EQ(r.chunks.at("fast").size(), 1u);
  EXPECT_LE(r.chunks.at("fast").t_ns[0], r.t_ref_ns);  // newest reading at or before the reference
  EXPECT_GT(r.chunks.at("fast").t_ns[0], r.t_ref_ns - Clock::from_seconds(0.05));
  CombinedReading w = combined.read(Policy::Window, 0.2);
  for (const auto& [name, c] : w.chunks) {
    ASSERT_FALSE(c.empty()) << name;
    EXPECT_GE(c.t_ns.front(), w.t_ref_ns - Clock::from_seconds(0.2));
    EXPECT_LE(c.t_ns.back(), w.t_ref_ns);
  }
  EXPECT_GE(w.chunks.at("fast").size(), 40u);
  EXPECT_TRUE(w.failures.empty());
  combined.stop();
  EXPECT_THROW(combined.add("", fast), InvalidArgument);
  EXPECT_THROW(combined.add("fast", std::make_shared<PollingSource>([] { return std::vector<double>{1.0}; }, 1.0,
                                                                    std::vector<std::string>{"x"})),
               InvalidArgument);
  EXPECT_THROW(Combined(CombinedOptions{Policy::Window, 0.0, ""}), InvalidArgument);
  EXPECT_THROW((void)parse_policy("oldest"), InvalidArgument);
}

TEST(Combined, ASourceThatCannotStartStopsTheOthersAndNamesItself) {
  TempDir dir;
  auto ok =
      std::make_shared<PollingSource>([] { return std::vector<double>{1.0}; }, 50.0, std::vector<std::string>{"v"});
  SystemSourceOptions o;
  o.root = dir.path.string();
  Combined combined;
  combined.add("ok", ok);
  combined.add("sys", std::make_shared<SystemSource>(o));
  try {
    combined.start();
    FAIL() << "start() should have thrown";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("source 'sys' could not start"), std::string::npos);
  }
  EXPECT_EQ(ok->state(), SourceState::Stopped);
}
