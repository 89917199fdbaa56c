// percept/io/jack_server.hpp — starts and stops a private JACK server with the dummy driver.
//
// Used by the tests, the benchmark and the CLI's no-hardware modes: `jackd -n <unique name> -d dummy`
// runs a real JACK graph paced by a timer, so percept's JACK client path is exercised without a sound
// card. Each server gets a name unique to the process, so parallel tests never share one. The server's
// output goes to a log file whose tail is quoted when it fails to start.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

namespace percept::io {

class JackDummyServer {
 public:
  struct Options {
    double sample_rate = 48000.0;
    std::size_t period = 64;
    int capture_channels = 2;
    int playback_channels = 2;
    std::string name;           ///< empty: "percept-<pid>-<n>"
    bool realtime = true;       ///< -R (SCHED_FIFO where permitted; jackd carries on without it otherwise)
    int realtime_priority = 0;  ///< -P: server SCHED_FIFO priority (clients run 5 below); 0 = jackd default (10)
    double start_timeout_s = 10.0;
  };

  /// Starts jackd and waits until a client can connect; throws DeviceError (with the log tail) if not.
  explicit JackDummyServer(Options options);
  JackDummyServer() : JackDummyServer(Options{}) {}
  JackDummyServer(double sample_rate, std::size_t period) : JackDummyServer(with(sample_rate, period)) {}
  [[nodiscard]] static Options with(double sample_rate, std::size_t period) {
    Options o;
    o.sample_rate = sample_rate;
    o.period = period;
    return o;
  }
  ~JackDummyServer();
  JackDummyServer(const JackDummyServer&) = delete;
  JackDummyServer& operator=(const JackDummyServer&) = delete;

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  [[nodiscard]] const std::string& log_path() const noexcept { return log_; }
  /// SIGKILL: the server dies as in a crash (clients see the shutdown).
  void kill_now() noexcept;
  /// SIGTERM, then SIGKILL after 3 s; waits for the process. Idempotent.
  void stop() noexcept;

  /// Whether the jackd executable is found on PATH.
  [[nodiscard]] static bool available();

 private:
  void remove_shm() noexcept;
  void unregister_dead_server(bool any_percept_server) noexcept;
  Options options_;
  std::string name_;
  std::string log_;
  pid_t pid_ = -1;
};

}  // namespace percept::io
