// Audio devices: the embedded virtual device, native JACK clients, ALSA through PortAudio.
#include "percept/io/device.hpp"

#include <jack/jack.h>
#include <portaudio.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <numbers>
#include <thread>

#include "percept/core/clock.hpp"
#include "percept/core/error.hpp"
#include "percept/core/realtime.hpp"

namespace percept::io {

namespace {

constexpr const char* kFormats[] = {"float32", "int32", "int24", "int16"};

std::string fmt_rate(double r) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", r);
  return buf;
}

std::string resolve_jack_server(const std::string& s) {
  if (!s.empty()) return s;
  // percept never modifies the environment, so reading it is safe from any thread.
  if (const char* env = std::getenv("JACK_DEFAULT_SERVER"); env && *env) return env;  // NOLINT(concurrency-mt-unsafe)
  return "default";
}

// libjack prints connection failures to stderr; probing for a server must stay quiet.
void quiet_jack(const char*) {}

jack_client_t* jack_connect_client(const std::string& name, const std::string& server, jack_status_t* status) {
  jack_set_error_function(quiet_jack);
  jack_set_info_function(quiet_jack);
  const auto options = static_cast<jack_options_t>(JackNoStartServer | JackServerName);
  return jack_client_open(name.c_str(), options, status, server.c_str());
}

struct JackProbe {
  bool running = false;
  double rate = 0;
  std::size_t buffer = 0;
  int physical_in = 0;   // system capture ports (our inputs)
  int physical_out = 0;  // system playback ports
};

JackProbe probe_jack(const std::string& server) {
  JackProbe p;
  jack_status_t status{};
  jack_client_t* c = jack_connect_client("percept-probe", server, &status);
  if (!c) return p;
  p.running = true;
  p.rate = jack_get_sample_rate(c);
  p.buffer = jack_get_buffer_size(c);
  auto count = [&](unsigned long flags) {
    const char** ports = jack_get_ports(c, nullptr, JACK_DEFAULT_AUDIO_TYPE, flags);
    int n = 0;
    if (ports) {
      while (ports[n]) ++n;
      jack_free(static_cast<void*>(ports));
    }
    return n;
  };
  p.physical_in = count(JackPortIsPhysical | JackPortIsOutput);
  p.physical_out = count(JackPortIsPhysical | JackPortIsInput);
  jack_client_close(c);
  return p;
}

// PortAudio is initialised once per process, lazily; ALSA's own error printing is left as it is.
std::mutex g_pa_mutex;
bool g_pa_ready = false;
bool pa_init() {
  std::lock_guard<std::mutex> lock(g_pa_mutex);
  if (!g_pa_ready) g_pa_ready = Pa_Initialize() == paNoError;
  return g_pa_ready;
}

PaHostApiIndex pa_alsa_index() {
  if (!pa_init()) return -1;
  return Pa_HostApiTypeIdToHostApiIndex(paALSA);
}

PaSampleFormat pa_format(const std::string& f) {
  if (f == "float32") return paFloat32;
  if (f == "int32") return paInt32;
  if (f == "int24") return paInt24;
  return paInt16;
}

void check_config(const StreamConfig& c) {
  if (!(c.sample_rate >= 1000.0 && c.sample_rate <= 768000.0))
    throw InvalidArgument("sample rate must be between 1000 and 768000 Hz, got " + fmt_rate(c.sample_rate));
  if (c.period == 0 || c.period > 65536)
    throw InvalidArgument("period must be 1..65536 frames, got " + std::to_string(c.period));
  if (c.periods < 2 || c.periods > 64) throw InvalidArgument("periods must be 2..64, got " + std::to_string(c.periods));
  if (c.input_channels == 0 && c.output_channels == 0)
    throw InvalidArgument("a stream needs at least one input or output channel");
  if (c.input_channels > 64 || c.output_channels > 64) throw InvalidArgument("at most 64 channels per direction");
  check_format_name(c.format);
}

// ====================================================================================================
// Virtual device
enum class VirtualSource { Loopback, Tone, Counter, Silence };

struct VirtualKind {
  const char* name;
  VirtualSource source;
};
constexpr VirtualKind kVirtual[] = {{"virtual", VirtualSource::Loopback},
                                    {"virtual:tone", VirtualSource::Tone},
                                    {"virtual:counter", VirtualSource::Counter},
                                    {"virtual:silence", VirtualSource::Silence}};

class VirtualDevice final : public Device {
 public:
  VirtualDevice(const StreamConfig& cfg, const VirtualKind& kind, DeviceCallback& cb)
      : cfg_(cfg), source_(kind.source), cb_(cb) {
    if (cfg.format != "float32" && !cfg.allow_mismatch)
      throw DeviceError(std::string("device '") + kind.name + "' runs in float32; asked for " + cfg.format +
                        " (allow the mismatch to accept float32)");
    n_.device = kind.name;
    n_.host_api = "virtual";
    n_.sample_rate = cfg.sample_rate;
    n_.format = "float32";
    n_.period = cfg.period;
    n_.buffer_frames = cfg.period * cfg.periods;
    n_.input_channels = cfg.input_channels;
    n_.output_channels = cfg.output_channels;
    n_.input_latency_frames = cfg.period;
    n_.output_latency_frames = cfg.period * (cfg.periods - 1);
    if (cfg.format != "float32") n_.note = "asked for " + cfg.format + ", runs float32";
    in_.resize(std::max<std::size_t>(cfg.input_channels, 1), cfg.period);
    out_.resize(std::max<std::size_t>(cfg.output_channels, 1), cfg.period);
    delay_.resize(std::max<std::size_t>(cfg.output_channels, 1), n_.buffer_frames);
  }
  ~VirtualDevice() override { stop(); }

  void start() override {
    if (thread_.joinable()) return;
    started_.store(false);
    run_.store(true);
    thread_ = std::thread([this] { loop(); });
    // Wait until the thread has settled its scheduling policy, so negotiated().realtime is right.
    while (!started_.load()) std::this_thread::yield();
  }
  void stop() noexcept override {
    run_.store(false);
    if (thread_.joinable()) thread_.join();
  }
  const Negotiated& negotiated() const noexcept override { return n_; }
  std::int64_t xruns() const noexcept override { return xruns_.load(std::memory_order_relaxed); }
  bool failed() const noexcept override { return false; }
  std::string failure_reason() const override { return ""; }

 private:
  void loop() {
    if (cfg_.realtime_priority) {
      sched_param sp{};
      sp.sched_priority = 70;
      n_.realtime = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0;
    }
    started_.store(true);
    const double period_ns = static_cast<double>(cfg_.period) * 1e9 / cfg_.sample_rate;
    const std::int64_t t0 = Clock::now_ns() + static_cast<std::int64_t>(period_ns);
    const std::size_t nin = cfg_.input_channels, nout = cfg_.output_channels, P = cfg_.period;
    const std::int64_t base = frames_done_;  // a restarted device continues its frame count
    for (std::int64_t k = 0; run_.load(std::memory_order_relaxed); ++k) {
      const std::int64_t deadline = t0 + static_cast<std::int64_t>(std::llround(static_cast<double>(k) * period_ns));
      timespec ts{};
      ts.tv_sec = static_cast<time_t>(deadline / 1'000'000'000);
      ts.tv_nsec = static_cast<long>(deadline % 1'000'000'000);
      while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) != 0) {
      }
      const std::int64_t now = Clock::now_ns();
      if (static_cast<double>(now - deadline) > period_ns) xruns_.fetch_add(1, std::memory_order_relaxed);
      const std::int64_t frame = base + k * static_cast<std::int64_t>(P);
      // The input block: what the "hardware" captured during the last period.
      for (std::size_t c = 0; c < nin; ++c) {
        float* x = in_.channel(c);
        switch (source_) {
          case VirtualSource::Loopback:
            if (c < nout)
              std::memcpy(x, delay_.channel(c) + delay_pos_, P * sizeof(float));
            else
              std::memset(x, 0, P * sizeof(float));
            break;
          case VirtualSource::Tone: {
            const double rate = cfg_.sample_rate;
            for (std::size_t i = 0; i < P; ++i) {
              const double t = static_cast<double>(frame + static_cast<std::int64_t>(i)) / rate;
              const double level = 0.05 + 0.45 * (0.5 + 0.5 * std::sin(2 * std::numbers::pi * 0.25 * t));
              x[i] = static_cast<float>(
                  level * std::sin(phase_ + 2 * std::numbers::pi * 440.0 * static_cast<double>(i) / rate));
            }
            break;
          }
          case VirtualSource::Counter:
            for (std::size_t i = 0; i < P; ++i) {
              const auto v = ((frame + static_cast<std::int64_t>(i)) % (1 << 23)) + static_cast<std::int64_t>(c);
              x[i] = static_cast<float>(v) / static_cast<float>(1 << 23);
            }
            break;
          case VirtualSource::Silence:
            std::memset(x, 0, P * sizeof(float));
            break;
        }
      }
      if (source_ == VirtualSource::Tone) {
        phase_ = std::fmod(phase_ + 2 * std::numbers::pi * 440.0 * static_cast<double>(P) / cfg_.sample_rate,
                           2 * std::numbers::pi);
      }
      out_.view().clear();
      CallbackInfo info;
      info.frame = frame;
      info.time_ns = now;
      info.input_time_ns = deadline - static_cast<std::int64_t>(period_ns);
      info.start_delay_ns = now - deadline;
      {
        rt::AudioThreadScope scope;
        cb_.process(AudioView<const float>(in_.view()).channels(0, nin), out_.view().channels(0, nout), info);
      }
      // What was played comes back on the input after buffer_frames.
      for (std::size_t c = 0; c < nout; ++c)
        std::memcpy(delay_.channel(c) + delay_pos_, out_.channel(c), P * sizeof(float));
      delay_pos_ += P;
      if (delay_pos_ == n_.buffer_frames) delay_pos_ = 0;
      frames_done_ = frame + static_cast<std::int64_t>(P);
    }
  }

  StreamConfig cfg_;
  VirtualSource source_;
  DeviceCallback& cb_;
  Negotiated n_;
  AudioBuffer<float> in_, out_, delay_;
  std::thread thread_;
  std::atomic<bool> run_{false};
  std::atomic<bool> started_{false};
  std::atomic<std::int64_t> xruns_{0};
  // Audio-thread state that survives a stop()/start().
  std::int64_t frames_done_ = 0;
  std::size_t delay_pos_ = 0;
  double phase_ = 0.0;
};

// ====================================================================================================
// JACK
class JackDevice final : public Device {
 public:
  JackDevice(const StreamConfig& cfg, DeviceCallback& cb) : cfg_(cfg), cb_(cb) {
    server_ = resolve_jack_server(cfg.jack_server);
    jack_status_t status{};
    client_ = jack_connect_client(cfg.client_name, server_, &status);
    if (!client_)
      throw DeviceError("JACK server '" + server_ + "' is not running or refused the client (status 0x" +
                        std::to_string(static_cast<unsigned>(status)) + ")");
    try {
      setup();
    } catch (...) {
      jack_client_close(client_);
      client_ = nullptr;
      throw;
    }
  }
  ~JackDevice() override {
    stop();
    if (client_) jack_client_close(client_);
  }

  void start() override {
    if (active_) return;
    if (jack_activate(client_) != 0) throw DeviceError("JACK server '" + server_ + "' refused to activate the client");
    active_ = true;
    connect_ports();
    read_latencies();
  }
  void stop() noexcept override {
    if (active_ && !failed_.load()) {
      // jack_deactivate() cancels (pthread_cancel) a process thread that does not return in time, and a
      // cancellation unwinding through noexcept processing code aborts the program. So first tell the
      // callback to bypass the chain and wait until a cycle has done so: the thread is then idle between
      // quick cycles when JACK stops it, however slow the chain was.
      const std::int64_t seen = bypassed_cycles_.load(std::memory_order_acquire);
      bypass_.store(true, std::memory_order_release);
      for (int i = 0; i < 5000 && !failed_.load(std::memory_order_acquire) &&
                      bypassed_cycles_.load(std::memory_order_acquire) == seen;
           ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      jack_deactivate(client_);
      bypass_.store(false, std::memory_order_release);
    }
    active_ = false;
  }
  const Negotiated& negotiated() const noexcept override { return n_; }
  std::int64_t xruns() const noexcept override { return xruns_.load(std::memory_order_relaxed); }
  bool failed() const noexcept override { return failed_.load(std::memory_order_acquire); }
  std::string failure_reason() const override {
    return failed() ? std::string("JACK server '") + server_ + "' shut down: " + reason_ : "";
  }

 private:
  void setup() {
    const double rate = jack_get_sample_rate(client_);
    const std::size_t period = jack_get_buffer_size(client_);
    std::string mismatch;
    if (rate != cfg_.sample_rate)
      mismatch += "sample rate " + fmt_rate(rate) + " Hz (asked " + fmt_rate(cfg_.sample_rate) + ")";
    if (period != cfg_.period)
      mismatch += std::string(mismatch.empty() ? "" : ", ") + "period " + std::to_string(period) + " frames (asked " +
                  std::to_string(cfg_.period) + ")";
    if (cfg_.format != "float32")
      mismatch += std::string(mismatch.empty() ? "" : ", ") + "format float32 (asked " + cfg_.format + ")";
    if (!mismatch.empty() && !cfg_.allow_mismatch)
      throw DeviceError("JACK server '" + server_ + "' runs at " + mismatch +
                        "; start the server with the wanted settings or allow the mismatch");
    n_.device = "jack:" + server_;
    n_.host_api = "JACK";
    n_.sample_rate = rate;
    n_.format = "float32";
    n_.period = period;
    n_.buffer_frames = period;
    n_.input_channels = cfg_.input_channels;
    n_.output_channels = cfg_.output_channels;
    n_.note = mismatch.empty() ? "" : "accepted " + mismatch;
    for (std::size_t c = 0; c < cfg_.input_channels; ++c) {
      const std::string name = "in_" + std::to_string(c + 1);
      jack_port_t* p = jack_port_register(client_, name.c_str(), JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
      if (!p) throw DeviceError("JACK: could not register port " + name);
      in_ports_.push_back(p);
    }
    for (std::size_t c = 0; c < cfg_.output_channels; ++c) {
      const std::string name = "out_" + std::to_string(c + 1);
      jack_port_t* p = jack_port_register(client_, name.c_str(), JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
      if (!p) throw DeviceError("JACK: could not register port " + name);
      out_ports_.push_back(p);
    }
    in_ptrs_.assign(in_ports_.size() + 1, nullptr);
    out_ptrs_.assign(out_ports_.size() + 1, nullptr);
    std::memset(reason_, 0, sizeof reason_);
    jack_set_process_callback(client_, &JackDevice::process_cb, this);
    jack_set_xrun_callback(client_, &JackDevice::xrun_cb, this);
    jack_on_info_shutdown(client_, &JackDevice::shutdown_cb, this);
    n_.realtime = jack_is_realtime(client_) != 0;
  }

  void connect_ports() {
    auto full = [](jack_port_t* p) { return std::string(jack_port_name(p)); };
    if (cfg_.jack_loopback) {
      for (std::size_t c = 0; c < std::min(in_ports_.size(), out_ports_.size()); ++c) {
        if (jack_connect(client_, full(out_ports_[c]).c_str(), full(in_ports_[c]).c_str()) != 0)
          throw DeviceError("JACK: could not connect " + full(out_ports_[c]) + " to " + full(in_ports_[c]));
      }
      return;
    }
    if (!cfg_.jack_connect_physical) return;
    const char** caps =
        jack_get_ports(client_, nullptr, JACK_DEFAULT_AUDIO_TYPE, JackPortIsPhysical | JackPortIsOutput);
    const char** plays =
        jack_get_ports(client_, nullptr, JACK_DEFAULT_AUDIO_TYPE, JackPortIsPhysical | JackPortIsInput);
    for (std::size_t c = 0; caps && c < in_ports_.size() && caps[c]; ++c)
      jack_connect(client_, caps[c], full(in_ports_[c]).c_str());
    for (std::size_t c = 0; plays && c < out_ports_.size() && plays[c]; ++c)
      jack_connect(client_, full(out_ports_[c]).c_str(), plays[c]);
    if (caps) jack_free(static_cast<void*>(caps));
    if (plays) jack_free(static_cast<void*>(plays));
  }

  void read_latencies() {
    jack_recompute_total_latencies(client_);
    jack_latency_range_t r{};
    if (!in_ports_.empty()) {
      jack_port_get_latency_range(in_ports_[0], JackCaptureLatency, &r);
      n_.input_latency_frames = r.max;
    }
    if (!out_ports_.empty()) {
      jack_port_get_latency_range(out_ports_[0], JackPlaybackLatency, &r);
      n_.output_latency_frames = r.max;
    }
    if (cfg_.jack_loopback) {
      // A connection from a client's output to its own input is a feedback edge of the JACK graph: the
      // samples written in one cycle are read in the next, so the graph itself buffers one period.
      n_.input_latency_frames = n_.period;
      n_.output_latency_frames = 0;
    }
  }

  static int process_cb(jack_nframes_t nframes, void* arg) noexcept {
    auto* self = static_cast<JackDevice*>(arg);
    rt::AudioThreadScope scope;
    const std::int64_t now = Clock::now_ns();
    for (std::size_t c = 0; c < self->in_ports_.size(); ++c)
      self->in_ptrs_[c] = static_cast<const float*>(jack_port_get_buffer(self->in_ports_[c], nframes));
    for (std::size_t c = 0; c < self->out_ports_.size(); ++c)
      self->out_ptrs_[c] = static_cast<float*>(jack_port_get_buffer(self->out_ports_[c], nframes));
    AudioView<const float> in(self->in_ptrs_.data(), self->in_ports_.size(), nframes);
    AudioView<float> out(self->out_ptrs_.data(), self->out_ports_.size(), nframes);
    if (self->bypass_.load(std::memory_order_acquire)) {  // stopping: see stop()
      out.clear();
      self->bypassed_cycles_.fetch_add(1, std::memory_order_acq_rel);
      return 0;
    }
    if (nframes != self->n_.period) {
      // The server changed its buffer size under us: the engine's buffers are sized for the old one.
      out.clear();
      self->xruns_.fetch_add(1, std::memory_order_relaxed);
      return 0;
    }
    CallbackInfo info;
    info.frame = self->frames_;
    info.time_ns = now;
    info.input_time_ns = now - static_cast<std::int64_t>(static_cast<double>(self->n_.input_latency_frames) * 1e9 /
                                                         self->n_.sample_rate);
    jack_nframes_t cycle_frames = 0;
    jack_time_t cycle_usecs = 0, next_usecs = 0;
    float period_usecs = 0;
    // Both on JACK's clock: when this cycle began at the driver, and now.
    if (jack_get_cycle_times(self->client_, &cycle_frames, &cycle_usecs, &next_usecs, &period_usecs) == 0)
      info.start_delay_ns = static_cast<std::int64_t>(jack_get_time() - cycle_usecs) * 1000;
    self->cb_.process(in, out, info);
    self->frames_ += nframes;
    return 0;
  }
  static int xrun_cb(void* arg) noexcept {
    static_cast<JackDevice*>(arg)->xruns_.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
  // Runs like a signal handler: only atomics and a bounded copy into a preallocated array.
  static void shutdown_cb(jack_status_t, const char* reason, void* arg) noexcept {
    auto* self = static_cast<JackDevice*>(arg);
    if (reason) std::strncpy(self->reason_, reason, sizeof(self->reason_) - 1);
    self->failed_.store(true, std::memory_order_release);
  }

  StreamConfig cfg_;
  DeviceCallback& cb_;
  std::string server_;
  jack_client_t* client_ = nullptr;
  std::vector<jack_port_t*> in_ports_, out_ports_;
  std::vector<const float*> in_ptrs_;
  std::vector<float*> out_ptrs_;
  Negotiated n_;
  std::int64_t frames_ = 0;
  bool active_ = false;
  std::atomic<bool> failed_{false};
  std::atomic<bool> bypass_{false};
  std::atomic<std::int64_t> bypassed_cycles_{0};
  std::atomic<std::int64_t> xruns_{0};
  char reason_[256]{};
};

// ====================================================================================================
// ALSA through PortAudio
class PaDevice final : public Device {
 public:
  PaDevice(const StreamConfig& cfg, PaDeviceIndex index, DeviceCallback& cb) : cfg_(cfg), cb_(cb) {
    const PaDeviceInfo* di = Pa_GetDeviceInfo(index);
    if (!di) throw DeviceError("ALSA device " + std::to_string(index) + " does not exist");
    const PaSampleFormat fmt = pa_format(cfg.format) | paNonInterleaved;
    PaStreamParameters ip{}, op{};
    ip.device = op.device = index;
    ip.channelCount = static_cast<int>(cfg.input_channels);
    op.channelCount = static_cast<int>(cfg.output_channels);
    ip.sampleFormat = op.sampleFormat = fmt;
    const double lat = static_cast<double>(cfg.period * cfg.periods) / cfg.sample_rate;
    ip.suggestedLatency = op.suggestedLatency = lat;
    const PaStreamParameters* pin = cfg.input_channels ? &ip : nullptr;
    const PaStreamParameters* pout = cfg.output_channels ? &op : nullptr;
    const std::string dev = std::string("ALSA device '") + di->name + "'";
    if (static_cast<int>(cfg.input_channels) > di->maxInputChannels ||
        static_cast<int>(cfg.output_channels) > di->maxOutputChannels)
      throw DeviceError(dev + " has " + std::to_string(di->maxInputChannels) + " input / " +
                        std::to_string(di->maxOutputChannels) + " output channels; asked for " +
                        std::to_string(cfg.input_channels) + " / " + std::to_string(cfg.output_channels));
    PaError e = Pa_IsFormatSupported(pin, pout, cfg.sample_rate);
    if (e != paFormatIsSupported)
      throw DeviceError(dev + " does not support " + cfg.format + " at " + fmt_rate(cfg.sample_rate) +
                        " Hz: " + Pa_GetErrorText(e));
    e = Pa_OpenStream(&stream_, pin, pout, cfg.sample_rate, static_cast<unsigned long>(cfg.period), paClipOff,
                      &PaDevice::process_cb, this);
    if (e != paNoError) throw DeviceError(dev + " could not be opened: " + Pa_GetErrorText(e));
    Pa_SetStreamFinishedCallback(stream_, &PaDevice::finished_cb);
    fmt_code_ = cfg.format == "float32" ? 0 : cfg.format == "int16" ? 1 : cfg.format == "int32" ? 2 : 3;
    const PaStreamInfo* si = Pa_GetStreamInfo(stream_);
    n_.device = std::string("alsa:") + di->name;
    n_.host_api = "ALSA";
    n_.sample_rate = si->sampleRate;
    n_.format = cfg.format;
    n_.period = cfg.period;
    const double biggest = std::max(si->inputLatency, si->outputLatency);
    n_.buffer_frames = static_cast<std::size_t>(std::llround(biggest * si->sampleRate));
    n_.input_channels = cfg.input_channels;
    n_.output_channels = cfg.output_channels;
    n_.input_latency_frames = static_cast<std::size_t>(std::llround(si->inputLatency * si->sampleRate));
    n_.output_latency_frames = static_cast<std::size_t>(std::llround(si->outputLatency * si->sampleRate));
    if (si->sampleRate != cfg.sample_rate) {
      const std::string m = "sample rate " + fmt_rate(si->sampleRate) + " Hz (asked " + fmt_rate(cfg.sample_rate) + ")";
      if (!cfg.allow_mismatch) {
        Pa_CloseStream(stream_);
        stream_ = nullptr;
        throw DeviceError(dev + " runs at " + m);
      }
      n_.note = "accepted " + m;
    }
    fin_.resize(std::max<std::size_t>(cfg.input_channels, 1), cfg.period);
    fout_.resize(std::max<std::size_t>(cfg.output_channels, 1), cfg.period);
    in_ptrs_.assign(cfg.input_channels + 1, nullptr);
    out_ptrs_.assign(cfg.output_channels + 1, nullptr);
  }
  ~PaDevice() override {
    stop();
    if (stream_) Pa_CloseStream(stream_);
  }
  void start() override {
    running_.store(true);
    const PaError e = Pa_StartStream(stream_);
    if (e != paNoError) {
      running_.store(false);
      throw DeviceError("ALSA stream " + n_.device + " could not start: " + Pa_GetErrorText(e));
    }
  }
  void stop() noexcept override {
    if (running_.exchange(false) && stream_) Pa_StopStream(stream_);
  }
  std::string failure_reason() const override {
    return failed() ? "ALSA stream " + n_.device + " stopped by itself" : "";
  }
  const Negotiated& negotiated() const noexcept override { return n_; }
  std::int64_t xruns() const noexcept override { return xruns_.load(std::memory_order_relaxed); }
  bool failed() const noexcept override { return failed_.load(std::memory_order_acquire); }

 private:
  template <class S>
  static void to_float(const void* src, float* dst, std::size_t n, double scale) noexcept {
    const S* s = static_cast<const S*>(src);
    for (std::size_t i = 0; i < n; ++i) dst[i] = static_cast<float>(static_cast<double>(s[i]) * scale);
  }
  template <class S>
  static void from_float(const float* src, void* dst, std::size_t n, double scale, double lo, double hi) noexcept {
    S* d = static_cast<S*>(dst);
    for (std::size_t i = 0; i < n; ++i)
      d[i] = static_cast<S>(std::clamp(std::nearbyint(static_cast<double>(src[i]) * scale), lo, hi));
  }

  static int process_cb(const void* input, void* output, unsigned long frames, const PaStreamCallbackTimeInfo*,
                        PaStreamCallbackFlags flags, void* arg) noexcept {
    auto* self = static_cast<PaDevice*>(arg);
    rt::AudioThreadScope scope;
    const std::int64_t now = Clock::now_ns();
    if (flags & (paInputOverflow | paOutputUnderflow)) self->xruns_.fetch_add(1, std::memory_order_relaxed);
    const std::size_t n = std::min<std::size_t>(frames, self->cfg_.period);
    const auto* const* in = static_cast<const void* const*>(input);
    auto* const* out = static_cast<void* const*>(output);
    const int f = self->fmt_code_;  // 0 float32, 1 int16, 2 int32, 3 int24 (in 32-bit containers)
    for (std::size_t c = 0; c < self->cfg_.input_channels; ++c) {
      if (f == 0) {
        self->in_ptrs_[c] = static_cast<const float*>(in[c]);
      } else {
        float* d = self->fin_.channel(c);
        if (f == 1)
          to_float<std::int16_t>(in[c], d, n, 1.0 / 32768.0);
        else
          to_float<std::int32_t>(in[c], d, n, f == 2 ? 1.0 / 2147483648.0 : 1.0 / 8388608.0);
        self->in_ptrs_[c] = d;
      }
    }
    for (std::size_t c = 0; c < self->cfg_.output_channels; ++c)
      self->out_ptrs_[c] = f == 0 ? static_cast<float*>(out[c]) : self->fout_.channel(c);
    CallbackInfo info;
    info.frame = self->frames_;
    info.time_ns = now;
    info.input_time_ns = now - static_cast<std::int64_t>(static_cast<double>(self->n_.input_latency_frames) * 1e9 /
                                                         self->n_.sample_rate);
    self->cb_.process(AudioView<const float>(self->in_ptrs_.data(), self->cfg_.input_channels, n),
                      AudioView<float>(self->out_ptrs_.data(), self->cfg_.output_channels, n), info);
    if (f != 0) {
      for (std::size_t c = 0; c < self->cfg_.output_channels; ++c) {
        if (f == 1)
          from_float<std::int16_t>(self->fout_.channel(c), out[c], n, 32768.0, -32768.0, 32767.0);
        else if (f == 2)
          from_float<std::int32_t>(self->fout_.channel(c), out[c], n, 2147483648.0, -2147483648.0, 2147483647.0);
        else
          from_float<std::int32_t>(self->fout_.channel(c), out[c], n, 8388608.0, -8388608.0, 8388607.0);
      }
    }
    self->frames_ += static_cast<std::int64_t>(n);
    return paContinue;
  }
  // PortAudio calls this when the stream ends; if we did not stop it, the device went away.
  static void finished_cb(void* arg) noexcept {
    auto* self = static_cast<PaDevice*>(arg);
    if (self->running_.load()) self->failed_.store(true, std::memory_order_release);
  }

  StreamConfig cfg_;
  DeviceCallback& cb_;
  PaStream* stream_ = nullptr;
  Negotiated n_;
  AudioBuffer<float> fin_, fout_;
  std::vector<const float*> in_ptrs_;
  std::vector<float*> out_ptrs_;
  std::int64_t frames_ = 0;
  int fmt_code_ = 0;
  std::atomic<bool> running_{false};
  std::atomic<bool> failed_{false};
  std::atomic<std::int64_t> xruns_{0};
};

std::vector<DeviceInfo> alsa_devices() {
  std::vector<DeviceInfo> out;
  const PaHostApiIndex api = pa_alsa_index();
  if (api < 0) return out;
  const PaHostApiInfo* hi = Pa_GetHostApiInfo(api);
  for (int k = 0; hi && k < hi->deviceCount; ++k) {
    const PaDeviceIndex idx = Pa_HostApiDeviceIndexToDeviceIndex(api, k);
    const PaDeviceInfo* di = Pa_GetDeviceInfo(idx);
    if (!di) continue;
    DeviceInfo d;
    d.name = std::string("alsa:") + di->name;
    d.host_api = "ALSA";
    d.max_input_channels = di->maxInputChannels;
    d.max_output_channels = di->maxOutputChannels;
    d.default_sample_rate = di->defaultSampleRate;
    for (double r : {8000.0, 16000.0, 22050.0, 32000.0, 44100.0, 48000.0, 88200.0, 96000.0, 192000.0}) {
      PaStreamParameters p{};
      p.device = idx;
      p.channelCount = 1;
      p.sampleFormat = paFloat32;
      p.suggestedLatency = di->defaultLowOutputLatency;
      const bool in_ok = di->maxInputChannels > 0 && Pa_IsFormatSupported(&p, nullptr, r) == paFormatIsSupported;
      const bool out_ok = di->maxOutputChannels > 0 && Pa_IsFormatSupported(nullptr, &p, r) == paFormatIsSupported;
      if (in_ok || out_ok) d.sample_rates.push_back(r);
    }
    for (const char* f : kFormats) {
      PaStreamParameters p{};
      p.device = idx;
      p.channelCount = 1;
      p.sampleFormat = pa_format(f);
      p.suggestedLatency = di->defaultLowOutputLatency;
      const bool ok = (di->maxInputChannels > 0 &&
                       Pa_IsFormatSupported(&p, nullptr, di->defaultSampleRate) == paFormatIsSupported) ||
                      (di->maxOutputChannels > 0 &&
                       Pa_IsFormatSupported(nullptr, &p, di->defaultSampleRate) == paFormatIsSupported);
      if (ok) d.formats.emplace_back(f);
    }
    d.default_low_input_latency = di->defaultLowInputLatency;
    d.default_low_output_latency = di->defaultLowOutputLatency;
    d.default_high_input_latency = di->defaultHighInputLatency;
    d.default_high_output_latency = di->defaultHighOutputLatency;
    d.is_default_input = idx == hi->defaultInputDevice;
    d.is_default_output = idx == hi->defaultOutputDevice;
    out.push_back(std::move(d));
  }
  return out;
}

PaDeviceIndex pa_index_of(const std::string& name) {
  const PaHostApiIndex api = pa_alsa_index();
  if (api < 0) return paNoDevice;
  const PaHostApiInfo* hi = Pa_GetHostApiInfo(api);
  for (int k = 0; hi && k < hi->deviceCount; ++k) {
    const PaDeviceIndex idx = Pa_HostApiDeviceIndexToDeviceIndex(api, k);
    const PaDeviceInfo* di = Pa_GetDeviceInfo(idx);
    if (di && name == std::string("alsa:") + di->name) return idx;
  }
  return paNoDevice;
}

bool has_sound_card() {
  // /proc/asound/cards lists "--- no soundcards ---" (or is absent) when there is none.
  std::FILE* f = std::fopen("/proc/asound/cards", "r");
  if (!f) return false;
  char line[256];
  bool any = false;
  while (std::fgets(line, sizeof line, f))
    if (std::strstr(line, "]:")) any = true;
  std::fclose(f);
  return any;
}

}  // namespace

void check_format_name(const std::string& format) {
  for (const char* f : kFormats)
    if (format == f) return;
  throw InvalidArgument("sample format must be float32, int32, int24 or int16, got '" + format + "'");
}

std::vector<HostApiInfo> host_apis(const std::string& jack_server) {
  std::vector<HostApiInfo> apis;
  apis.push_back({"virtual", true, static_cast<int>(std::size(kVirtual)), "embedded, timer-paced (clock_nanosleep)"});
  const std::string server = resolve_jack_server(jack_server);
  const JackProbe jp = probe_jack(server);
  apis.push_back(
      {"JACK", jp.running, jp.running ? 1 : 0,
       jp.running ? "server '" + server + "' at " + fmt_rate(jp.rate) + " Hz, " + std::to_string(jp.buffer) + " frames"
                  : "no server '" + server + "' running"});
  const bool card = has_sound_card();
  const auto alsa = card ? alsa_devices() : std::vector<DeviceInfo>{};
  apis.push_back(
      {"ALSA", !alsa.empty(), static_cast<int>(alsa.size()),
       card ? "through PortAudio " + std::string(Pa_GetVersionText()) : "no sound card (/proc/asound/cards)"});
  return apis;
}

std::vector<DeviceInfo> list_devices(const std::string& jack_server) {
  std::vector<DeviceInfo> out;
  for (const auto& v : kVirtual) {
    DeviceInfo d;
    d.name = v.name;
    d.host_api = "virtual";
    d.max_input_channels = 64;
    d.max_output_channels = 64;  // loopback: played back on the input; the others: a discarding "speaker"
    d.default_sample_rate = 48000;
    d.sample_rates = {8000, 16000, 22050, 32000, 44100, 48000, 88200, 96000, 192000};
    d.formats = {"float32"};
    d.default_low_input_latency = d.default_low_output_latency = 256.0 / 48000.0;
    d.default_high_input_latency = d.default_high_output_latency = 2048.0 / 48000.0;
    out.push_back(std::move(d));
  }
  const std::string server = resolve_jack_server(jack_server);
  const JackProbe jp = probe_jack(server);
  if (jp.running) {
    DeviceInfo d;
    d.name = "jack:" + server;
    d.host_api = "JACK";
    d.max_input_channels = 64;
    d.max_output_channels = 64;
    d.default_sample_rate = jp.rate;
    d.sample_rates = {jp.rate};
    d.formats = {"float32"};
    d.default_low_input_latency = d.default_high_input_latency = static_cast<double>(jp.buffer) / jp.rate;
    d.default_low_output_latency = d.default_high_output_latency = static_cast<double>(jp.buffer) / jp.rate;
    d.is_default_input = d.is_default_output = true;
    out.push_back(std::move(d));
  }
  if (has_sound_card())
    for (auto& d : alsa_devices()) out.push_back(std::move(d));
  for (std::size_t i = 0; i < out.size(); ++i) out[i].index = static_cast<int>(i);
  return out;
}

std::unique_ptr<Device> open_device(const StreamConfig& config, DeviceCallback& callback) {
  check_config(config);
  std::string name = config.device;
  if (!name.empty() && std::all_of(name.begin(), name.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
    const auto devices = list_devices(config.jack_server);
    const auto idx = std::stoul(name);
    if (idx >= devices.size())
      throw DeviceError("no audio device with index " + name + " (there are " + std::to_string(devices.size()) + ")");
    name = devices[idx].name;
  }
  if (name.empty()) {
    if (probe_jack(resolve_jack_server(config.jack_server)).running)
      name = "jack";
    else if (has_sound_card() && pa_alsa_index() >= 0 && Pa_GetHostApiInfo(pa_alsa_index())->defaultOutputDevice >= 0)
      name = std::string("alsa:") + Pa_GetDeviceInfo(Pa_GetHostApiInfo(pa_alsa_index())->defaultOutputDevice)->name;
    else
      name = config.output_channels == 0 ? "virtual:tone" : "virtual";
  }
  for (const auto& v : kVirtual) {
    if (name == v.name) {
      return std::make_unique<VirtualDevice>(config, v, callback);
    }
  }
  if (name == "jack" || name.rfind("jack:", 0) == 0) {
    StreamConfig c = config;
    if (name.size() > 5) c.jack_server = name.substr(5);
    return std::make_unique<JackDevice>(c, callback);
  }
  if (name.rfind("alsa:", 0) == 0) {
    if (!has_sound_card()) throw DeviceError("no sound card: ALSA device '" + name + "' cannot be opened");
    const PaDeviceIndex idx = pa_index_of(name);
    if (idx == paNoDevice) throw DeviceError("no ALSA device named '" + name + "' (see `percept devices`)");
    return std::make_unique<PaDevice>(config, idx, callback);
  }
  throw DeviceError("no audio device named '" + name + "' (see `percept devices`)");
}

}  // namespace percept::io
