// JackDummyServer: fork/exec of jackd with the dummy driver; see percept/io/jack_server.hpp.
#include "percept/io/jack_server.hpp"

#include <fcntl.h>
#include <jack/jack.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "percept/core/clock.hpp"
#include "percept/core/error.hpp"

namespace percept::io {

namespace {

std::atomic<int> g_server_count{0};

void quiet(const char*) {}

bool server_answers(const std::string& name) {
  jack_set_error_function(quiet);
  jack_set_info_function(quiet);
  jack_status_t status{};
  jack_client_t* c = jack_client_open("percept-wait", static_cast<jack_options_t>(JackNoStartServer | JackServerName),
                                      &status, name.c_str());
  if (!c) return false;
  jack_client_close(c);
  return true;
}

std::string tail_of(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  if (s.size() > 600) s = "..." + s.substr(s.size() - 600);
  return s;
}

std::string find_jackd() {
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    const auto p = std::filesystem::path(dir) / "jackd";
    if (::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return "";
}

}  // namespace

bool JackDummyServer::available() {
  return !find_jackd().empty();
}

JackDummyServer::JackDummyServer(Options options) : options_(std::move(options)) {
  const std::string jackd = find_jackd();
  if (jackd.empty())
    throw DeviceError("jackd is not installed (Debian package jackd2): cannot start a JACK dummy server");
  name_ = options_.name.empty() ? "percept-" + std::to_string(::getpid()) + "-" + std::to_string(g_server_count++)
                                : options_.name;
  log_ = (std::filesystem::temp_directory_path() / ("jackd-" + name_ + ".log")).string();
  std::vector<std::string> args = {jackd, "-n",
                                   name_, options_.realtime ? "-R" : "-r",
                                   "-d",  "dummy",
                                   "-r",  std::to_string(static_cast<long>(options_.sample_rate)),
                                   "-p",  std::to_string(options_.period),
                                   "-C",  std::to_string(options_.capture_channels),
                                   "-P",  std::to_string(options_.playback_channels)};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw DeviceError("cannot create the JACK server log " + log_);
  pid_ = ::fork();
  if (pid_ < 0) {
    ::close(fd);
    throw DeviceError("fork failed while starting jackd");
  }
  if (pid_ == 0) {
    // Child: only async-signal-safe calls until exec.
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::setpgid(0, 0);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fd);
  const std::int64_t deadline = Clock::now_ns() + Clock::from_seconds(options_.start_timeout_s);
  while (!server_answers(name_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw DeviceError("jackd (dummy driver, server '" + name_ + "') exited at start: " + tail_of(log_));
    }
    if (Clock::now_ns() > deadline) {
      stop();
      throw DeviceError("jackd (server '" + name_ + "') did not accept clients within " +
                        std::to_string(options_.start_timeout_s) + " s: " + tail_of(log_));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

JackDummyServer::~JackDummyServer() {
  stop();
  std::error_code ec;
  std::filesystem::remove(log_, ec);
}

void JackDummyServer::kill_now() noexcept {
  if (pid_ > 0) ::kill(pid_, SIGKILL);
}

void JackDummyServer::remove_shm() noexcept {
  // A killed server leaves its shared-memory segments and semaphores behind; they carry its unique name.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/dev/shm", ec)) {
    const std::string f = entry.path().filename().string();
    const auto pos = f.find(name_);
    if (pos == std::string::npos) continue;
    const auto end = pos + name_.size();
    if (end == f.size() || f[end] == '_') std::filesystem::remove(entry.path(), ec);
  }
}

void JackDummyServer::stop() noexcept {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 300; ++i) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      remove_shm();
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  remove_shm();
}

}  // namespace percept::io
