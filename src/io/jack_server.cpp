// JackDummyServer: fork/exec of jackd with the dummy driver; see percept/io/jack_server.hpp.
#include "percept/io/jack_server.hpp"

#include <fcntl.h>
#include <jack/jack.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
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

// Whether the server accepts clients, asked through a separate process (`jack_wait -c`, from jackd2):
// an in-process jack_client_open() racing a server that is still starting can deadlock inside libjack
// (seen under ASan), and a child that hangs can be killed.
bool server_answers(const std::string& name) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return false;
  }
  if (pid == 0) {  // child: only async-signal-safe calls until exec
    ::dup2(fds[1], 1);
    const int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) ::dup2(devnull, 2);
    ::execlp("jack_wait", "jack_wait", "-c", "-s", name.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string out;
  const std::int64_t deadline = Clock::now_ns() + Clock::from_seconds(3.0);
  for (;;) {
    pollfd pfd{fds[0], POLLIN, 0};
    const int ready = ::poll(&pfd, 1, 100);
    if (ready > 0) {
      char buf[128];
      const ssize_t got = ::read(fds[0], buf, sizeof buf);
      if (got <= 0) break;  // EOF: the child is done
      out.append(buf, static_cast<std::size_t>(got));
    } else if (ready < 0 && errno != EINTR) {
      break;
    }
    if (Clock::now_ns() > deadline) {
      ::kill(pid, SIGKILL);
      break;
    }
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return out.rfind("running", 0) == 0;  // "running" (and not "not running")
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
  const char* path = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): percept never modifies the environment
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
  if (options_.realtime && options_.realtime_priority > 0)
    args.insert(args.begin() + 4, {"-P", std::to_string(options_.realtime_priority)});
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::int64_t deadline = Clock::now_ns() + Clock::from_seconds(options_.start_timeout_s);
  unregister_dead_server(true);  // slots of percept servers that were killed with their process
  for (;;) {
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
      // If the process that started it dies without stopping it (a crash, an abort, SIGKILL), jackd is
      // told to quit instead of living on and holding one of JACK's 8 server slots.
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(fd);
    bool exited = false;
    while (!server_answers(name_)) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        exited = true;
        break;
      }
      if (Clock::now_ns() > deadline) {
        const std::string log = tail_of(log_);
        stop();
        std::error_code ec;
        std::filesystem::remove(log_, ec);
        throw DeviceError("jackd (server '" + name_ + "') did not accept clients within " +
                          std::to_string(options_.start_timeout_s) + " s: " + log);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!exited) return;
    // JACK allows 8 servers per machine; when they are all taken (parallel tests), wait for a free slot.
    const std::string log = tail_of(log_);
    if (log.find("Too many servers") == std::string::npos || Clock::now_ns() > deadline) {
      std::error_code ec;
      std::filesystem::remove(log_, ec);
      throw DeviceError("jackd (dummy driver, server '" + name_ + "') exited at start: " + log);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
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

// A server that dies without unregistering keeps its slot in JACK's server table (8 slots, shared by every
// JACK user of the machine) until a server of the same name starts again: with unique names, a few
// killed servers would exhaust the table ("Too many servers already active"). The table is the start of
// /dev/shm/jack-shm-registry: a 24-byte header (magic "JACK", ..., hdr_len at offset 16) then 8 entries
// of (pid_t pid, char name[]) with the name "jack-<uid>:<server>:". We clear an entry whose pid is dead,
// which is what jackd itself does for a stale entry of its own name: our own entry after a stop, and,
// before starting a server, every dead entry left by percept's servers (names "percept-...") of any
// earlier process that was killed before it could clean up.
void JackDummyServer::unregister_dead_server(bool any_percept_server) noexcept {
  const int fd = ::open("/dev/shm/jack-shm-registry", O_RDWR | O_CLOEXEC);
  if (fd < 0) return;
  unsigned char header[24];
  if (::pread(fd, header, sizeof header, 0) == static_cast<ssize_t>(sizeof header) &&
      std::memcmp(header, "KCAJ", 4) == 0) {
    std::int32_t hdr_len = 0;
    std::memcpy(&hdr_len, header + 16, sizeof hdr_len);
    const std::int32_t stride = (hdr_len - 24) / 8;
    const std::string want = "jack-" + std::to_string(::getuid()) + ":" + name_ + ":";
    if (stride >= 8 && stride <= 1024) {
      std::vector<char> entry(static_cast<std::size_t>(stride));
      for (int i = 0; i < 8; ++i) {
        const off_t off = 24 + static_cast<off_t>(i) * stride;
        if (::pread(fd, entry.data(), entry.size(), off) != static_cast<ssize_t>(entry.size())) break;
        std::int32_t pid = 0;
        std::memcpy(&pid, entry.data(), sizeof pid);
        const std::string name(entry.data() + 4, ::strnlen(entry.data() + 4, entry.size() - 4));
        const std::string ours_prefix = "jack-" + std::to_string(::getuid()) + ":percept-";
        const bool match = any_percept_server ? name.rfind(ours_prefix, 0) == 0 : name == want;
        if (!match || pid <= 0 || (::kill(pid, 0) == 0 || errno != ESRCH)) continue;
        std::fill(entry.begin(), entry.end(), '\0');
        if (::pwrite(fd, entry.data(), entry.size(), off) < 0) break;
      }
    }
  }
  ::close(fd);
}

void JackDummyServer::remove_shm() noexcept {
  unregister_dead_server(false);
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
