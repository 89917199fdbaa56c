// The real-time engine; see percept/io/engine.hpp.
#include "percept/io/engine.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "percept/core/clock.hpp"
#include "percept/core/error.hpp"

namespace percept::io {

// ------------------------------------------------------------------------------------------------------
void LoadHistogram::record(std::int64_t used_ns, std::int64_t budget_ns) noexcept {
  const double load = budget_ns > 0 ? static_cast<double>(used_ns) / static_cast<double>(budget_ns) : 0.0;
  const auto bin = static_cast<std::size_t>(std::min(load / kBinWidth, static_cast<double>(kBins)));
  bins_[bin].fetch_add(1, std::memory_order_relaxed);
  // Single writer: load + store is enough (no read-modify-write race).
  sum_.store(sum_.load(std::memory_order_relaxed) + load, std::memory_order_relaxed);
  if (load > max_.load(std::memory_order_relaxed)) max_.store(load, std::memory_order_relaxed);
  if (load > 1.0) misses_.fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_release);
}

LoadStats LoadHistogram::stats() const noexcept {
  LoadStats s;
  const std::uint64_t n = count_.load(std::memory_order_acquire);
  s.callbacks = static_cast<std::int64_t>(n);
  if (n == 0) return s;
  s.mean = sum_.load(std::memory_order_relaxed) / static_cast<double>(n);
  s.max = max_.load(std::memory_order_relaxed);
  s.deadline_misses = static_cast<std::int64_t>(misses_.load(std::memory_order_relaxed));
  // Percentiles: the upper edge of the bin holding the q-th callback (a bound, never an underestimate),
  // capped by the exact maximum.
  std::uint64_t total = 0;
  for (const auto& b : bins_) total += b.load(std::memory_order_relaxed);
  auto pct = [&](double q) {
    const auto target = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total)));
    std::uint64_t acc = 0;
    for (std::size_t i = 0; i <= kBins; ++i) {
      acc += bins_[i].load(std::memory_order_relaxed);
      if (acc >= target && acc > 0) return std::min(static_cast<double>(i + 1) * kBinWidth, s.max);
    }
    return s.max;
  };
  s.p50 = pct(0.5);
  s.p99 = pct(0.99);
  s.p999 = pct(0.999);
  return s;
}

void LoadHistogram::reset() noexcept {
  for (auto& b : bins_) b.store(0, std::memory_order_relaxed);
  count_.store(0);
  sum_.store(0.0);
  max_.store(0.0);
  misses_.store(0);
}

// ------------------------------------------------------------------------------------------------------
Engine::Engine(EngineOptions options, std::shared_ptr<dsp::Chain> chain)
    : options_(std::move(options)), chain_(std::move(chain)) {
  if (!chain_) chain_ = std::make_shared<dsp::Chain>(std::vector<std::shared_ptr<dsp::Processor>>{});
  if (options_.playback != PlaybackSource::Silence && options_.playback != PlaybackSource::Input &&
      options_.stream.output_channels == 0)
    throw InvalidArgument("engine: a playback FIFO needs output channels");
  device_ = open_device(options_.stream, *this);
  const Negotiated& n = device_->negotiated();
  const std::size_t channels = n.output_channels > 0 ? n.output_channels : n.input_channels;
  work_.resize(channels, n.period);
  budget_ns_ = static_cast<std::int64_t>(std::llround(static_cast<double>(n.period) * 1e9 / n.sample_rate));
  chain_->prepare(dsp::ProcessSpec{n.sample_rate, n.period, channels});
  if (options_.tap != CaptureTap::None) {
    const std::size_t ring_channels =
        options_.tap == CaptureTap::Input ? std::max<std::size_t>(n.input_channels, 1) : channels;
    std::size_t cap = options_.ring_frames;
    if (cap == 0) cap = std::max<std::size_t>(static_cast<std::size_t>(2.0 * n.sample_rate), 8 * n.period);
    if (cap < n.period)
      throw InvalidArgument("engine: the capture ring (" + std::to_string(cap) +
                            " frames) must hold at least one period (" + std::to_string(n.period) + ")");
    ring_ = std::make_unique<AudioRing>(ring_channels, cap, n.sample_rate);
  }
  if (options_.playback == PlaybackSource::Fifo) {
    std::size_t cap = options_.fifo_frames ? options_.fifo_frames : static_cast<std::size_t>(n.sample_rate);
    cap = std::max(cap, 2 * n.period);
    fifo_ = std::make_unique<AudioFifo>(n.output_channels, cap, n.sample_rate);
    preroll_ = std::min(options_.preroll_frames ? options_.preroll_frames : 2 * n.period, cap);
  }
  for (auto& p : peaks_) p.store(0.0f);
  for (auto& p : in_peaks_) p.store(0.0f);
}

Engine::~Engine() {
  stop();
  device_.reset();
}

void Engine::start() {
  if (running_.load()) return;
  if (failed_.load()) throw StreamError("engine: the device failed earlier: " + error_);
  if (ring_) ring_->reopen();
  // Warm-up: run the chain once on silence from this (non-real-time) thread, so that the first real
  // callbacks do not pay for lazy symbol binding and first-touch page faults of the processors' code and
  // state; then reset it to the freshly prepared state.
  if (!chain_->processors().empty()) {
    AudioView<float> w = work_.view();
    w.clear();
    chain_->process(AudioView<const float>(w), w);
    chain_->reset();
    w.clear();
  }
  device_->start();
  running_.store(true);
  watch_.store(true);
  watchdog_ = std::thread([this] { watchdog(); });
}

void Engine::stop() noexcept {
  if (!running_.exchange(false)) return;
  device_->stop();
  watch_.store(false);
  if (watchdog_.joinable()) watchdog_.join();
  // A reader waiting for more frames than are left gets them and then a StreamError, not a hang.
  if (ring_ && !failed_.load()) {
    try {
      ring_->close("the stream was stopped");
    } catch (...) {
    }
  }
}

void Engine::watchdog() {
  while (watch_.load()) {
    if (device_->failed()) {
      device_failed(device_->failure_reason());
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void Engine::device_failed(const std::string& reason) noexcept {
  if (failed_.load()) return;
  try {
    error_ = reason.empty() ? "the audio device stopped" : reason;
    if (ring_) ring_->close(error_);
  } catch (...) {
  }
  failed_.store(true, std::memory_order_release);
}

void Engine::check() const {
  if (failed_.load(std::memory_order_acquire)) throw StreamError(error_);
}

AudioRing& Engine::capture() {
  if (!ring_) throw InvalidArgument("engine: this stream has no capture ring");
  return *ring_;
}

AudioFifo& Engine::playback() {
  if (!fifo_) throw InvalidArgument("engine: this stream has no playback FIFO");
  return *fifo_;
}

void Engine::process(AudioView<const float> in, AudioView<float> out, const CallbackInfo& info) noexcept {
  const std::int64_t t0 = Clock::now_ns();
  const std::size_t n = std::max(in.num_frames(), out.num_frames());
  if (ring_ && options_.tap == CaptureTap::Input) {
    if (in.num_channels() > 0)
      ring_->write(in, info.input_time_ns);
    else
      ring_->write_silence(n, info.input_time_ns);
  }
  AudioView<float> work = work_.view().frames(0, n);
  switch (options_.playback) {
    case PlaybackSource::Input:
      for (std::size_t c = 0; c < work.num_channels(); ++c) {
        float* d = work.channel(c);
        if (in.num_channels() == 0) {
          for (std::size_t i = 0; i < n; ++i) d[i] = 0.0f;
        } else {
          const float* s = in.channel(c < in.num_channels() ? c : (in.num_channels() == 1 ? 0 : c % in.num_channels()));
          for (std::size_t i = 0; i < n; ++i) d[i] = s[i];
        }
      }
      break;
    case PlaybackSource::Fifo:
      if (!prerolled_ && fifo_->available() >= preroll_) prerolled_ = true;
      if (prerolled_)
        fifo_->pull(work);
      else
        work.clear();
      break;
    case PlaybackSource::Silence:
      work.clear();
      break;
  }
  chain_->process(AudioView<const float>(work), work);
  if (lat_state_.load(std::memory_order_acquire) != kIdle) run_latency(in, work, info.frame);
  if (ring_ && options_.tap == CaptureTap::Output) ring_->write(AudioView<const float>(work), info.time_ns);
  const std::size_t oc = std::min(out.num_channels(), work.num_channels());
  for (std::size_t c = 0; c < oc; ++c) {
    const float* s = work.channel(c);
    float* d = out.channel(c);
    for (std::size_t i = 0; i < n; ++i) d[i] = s[i];
  }
  for (std::size_t c = oc; c < out.num_channels(); ++c) out.channels(c, 1).clear();
  auto meter = [n](AudioView<const float> v, std::array<std::atomic<float>, kMeterChannels>& peaks) {
    for (std::size_t c = 0; c < std::min(v.num_channels(), kMeterChannels); ++c) {
      float peak = 0.0f;
      const float* s = v.channel(c);
      for (std::size_t i = 0; i < n; ++i) peak = std::max(peak, std::fabs(s[i]));
      if (peak > peaks[c].load(std::memory_order_relaxed)) peaks[c].store(peak, std::memory_order_relaxed);
    }
  };
  meter(AudioView<const float>(work), peaks_);
  meter(in, in_peaks_);
  frames_.fetch_add(static_cast<std::int64_t>(n), std::memory_order_relaxed);
  callbacks_.fetch_add(1, std::memory_order_relaxed);
  load_.record(Clock::now_ns() - t0, budget_ns_);
  if (info.start_delay_ns >= 0) wakeup_.record(info.start_delay_ns + (t0 - info.time_ns), budget_ns_);
}

void Engine::run_latency(AudioView<const float> in, AudioView<float> work, std::int64_t frame) noexcept {
  const std::size_t n = work.num_frames();
  const Negotiated& neg = device_->negotiated();
  switch (lat_state_.load(std::memory_order_acquire)) {
    case kRequested:
      lat_quiet_ = 0;
      lat_state_.store(kQuiet, std::memory_order_release);
      [[fallthrough]];
    case kQuiet: {
      work.clear();
      float peak = 0.0f;
      for (std::size_t c = 0; c < in.num_channels(); ++c)
        for (std::size_t i = 0; i < n; ++i) peak = std::max(peak, std::fabs(in(c, i)));
      lat_quiet_ = peak < 0.05f ? lat_quiet_ + static_cast<std::int64_t>(n) : 0;
      // Wait until the loop has been silent for twice its buffering, so nothing earlier can be mistaken
      // for the impulse.
      const auto need =
          static_cast<std::int64_t>(2 * (neg.input_latency_frames + neg.output_latency_frames + neg.period));
      if (lat_quiet_ >= need) {
        for (std::size_t c = 0; c < work.num_channels(); ++c) work(c, 0) = 1.0f;
        lat_emit_.store(frame, std::memory_order_relaxed);
        lat_state_.store(kEmitted, std::memory_order_release);
      }
      break;
    }
    case kEmitted:
      work.clear();
      for (std::size_t i = 0; i < n && in.num_channels() > 0; ++i) {
        if (std::fabs(in(0, i)) > 0.5f) {
          lat_detect_.store(frame + static_cast<std::int64_t>(i), std::memory_order_relaxed);
          lat_state_.store(kDone, std::memory_order_release);
          break;
        }
      }
      break;
    default:
      break;
  }
}

LatencyResult Engine::measure_round_trip(double timeout_s) {
  const Negotiated& n = device_->negotiated();
  if (n.input_channels == 0 || n.output_channels == 0)
    throw InvalidArgument("engine: measuring the round trip needs a duplex stream (input and output channels)");
  if (!running_.load()) throw StreamError("engine: start the stream before measuring the round trip");
  lat_state_.store(kRequested, std::memory_order_release);
  const std::int64_t deadline = Clock::now_ns() + Clock::from_seconds(timeout_s);
  while (lat_state_.load(std::memory_order_acquire) != kDone) {
    check();
    if (Clock::now_ns() > deadline) {
      const int state = lat_state_.exchange(kIdle);
      throw StreamError(state == kEmitted
                            ? "round-trip measurement: the impulse did not come back within " +
                                  std::to_string(timeout_s) + " s; is the output looped back to the input?"
                            : "round-trip measurement: the input never went quiet within " + std::to_string(timeout_s) +
                                  " s (noise or another signal on the input)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  LatencyResult r;
  r.frames = lat_detect_.load(std::memory_order_relaxed) - lat_emit_.load(std::memory_order_relaxed);
  r.ms = static_cast<double>(r.frames) * 1000.0 / n.sample_rate;
  r.expected_frames = static_cast<std::int64_t>(n.input_latency_frames + n.output_latency_frames);
  r.expected_ms = static_cast<double>(r.expected_frames) * 1000.0 / n.sample_rate;
  lat_state_.store(kIdle, std::memory_order_release);
  last_latency_ = r;
  return r;
}

std::vector<float> Engine::take_peaks() noexcept {
  std::vector<float> out(std::min(work_.num_channels(), kMeterChannels));
  for (std::size_t c = 0; c < out.size(); ++c) out[c] = peaks_[c].exchange(0.0f, std::memory_order_relaxed);
  return out;
}

std::vector<float> Engine::take_input_peaks() noexcept {
  std::vector<float> out(std::min(device_->negotiated().input_channels, kMeterChannels));
  for (std::size_t c = 0; c < out.size(); ++c) out[c] = in_peaks_[c].exchange(0.0f, std::memory_order_relaxed);
  return out;
}

EngineStats Engine::stats() const {
  EngineStats s;
  s.device = device_->negotiated();
  s.frames = frames_.load(std::memory_order_relaxed);
  s.callbacks = callbacks_.load(std::memory_order_relaxed);
  s.load = load_.stats();
  s.wakeup = wakeup_.stats();
  s.xruns = device_->xruns();
  if (ring_) {
    const RingLoss l = ring_->loss();
    s.frames_lost = l.lost_frames + ring_->pending_loss();
    s.overrun_events = l.overrun_events + (ring_->pending_loss() > 0 ? 1 : 0);
  }
  if (fifo_) {
    s.underrun_frames = fifo_->underrun_frames();
    s.underrun_events = fifo_->underrun_events();
  }
  s.round_trip = last_latency_;
  s.failed = failed_.load(std::memory_order_acquire);
  if (s.failed) s.error = error_;
  return s;
}

}  // namespace percept::io
