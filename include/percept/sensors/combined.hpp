// percept/sensors/combined.hpp — several named sources read together, aligned on percept::Clock.
//
// One read() returns name -> Chunk for every source, chosen by a policy:
//   Latest  the reference source's newest item (the newest video frame, by default) at time t_ref;
//           for continuous sources (audio) the window of `seconds` ending at t_ref (default: one
//           period of the reference); for other sources the newest reading at or before t_ref.
//   Window  the last `seconds` of every source: items captured in [now - seconds, now].
//   New     everything each source captured since the previous read() (consuming).
// Each source runs on its own thread: one that fails keeps its history readable, is reported by
// failures() and stats(), and the others keep running.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "percept/sensors/source.hpp"

namespace percept::sensors {

enum class Policy { Latest, Window, New };
[[nodiscard]] Policy parse_policy(const std::string& name);
[[nodiscard]] const char* policy_name(Policy p) noexcept;

struct CombinedOptions {
  Policy policy = Policy::Latest;
  /// Window: the span read. Latest: the span of continuous sources ending at t_ref (0 = one period
  /// of the reference source).
  double seconds = 0.0;
  /// Latest: the name of the reference source (empty: the first video source, else the slowest
  /// non-continuous source, else t_ref = now).
  std::string reference;
};

struct CombinedReading {
  std::map<std::string, Chunk> chunks;
  std::int64_t t_ref_ns = 0;                    ///< Latest: the reference time; Window: the end
  std::map<std::string, std::string> failures;  ///< name -> error of every failed source
};

class Combined {
 public:
  explicit Combined(CombinedOptions options = {});
  ~Combined();
  Combined(const Combined&) = delete;
  Combined& operator=(const Combined&) = delete;

  /// Adds a source under a unique, non-empty name (before start()).
  void add(const std::string& name, std::shared_ptr<Source> source);
  [[nodiscard]] std::vector<std::string> names() const;
  [[nodiscard]] std::shared_ptr<Source> get(const std::string& name) const;
  [[nodiscard]] const CombinedOptions& options() const noexcept { return options_; }

  /// Starts every source; when one cannot start, the ones started are stopped and the error is
  /// rethrown with the source's name.
  void start();
  void stop() noexcept;

  CombinedReading read();
  CombinedReading read(Policy policy, double seconds);
  [[nodiscard]] std::map<std::string, std::string> failures() const;
  [[nodiscard]] std::map<std::string, SourceStats> stats() const;
  /// The name Latest uses as reference (empty: none, t_ref = now).
  [[nodiscard]] std::string reference() const;

 private:
  CombinedOptions options_;
  std::vector<std::pair<std::string, std::shared_ptr<Source>>> sources_;
  mutable std::mutex mutex_;
};

}  // namespace percept::sensors
