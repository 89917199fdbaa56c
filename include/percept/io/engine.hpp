// percept/io/engine.hpp — the real-time audio engine: device callback -> capture ring, processor chain,
// playback; load statistics, xruns, loss accounting and a measured round-trip latency.
//
// One callback does everything, in this order:
//   1. the input block is appended to the capture ring (tap = Input) — the reader side never blocks it;
//   2. the working buffer is filled from the input (PlaybackSource::Input), the playback FIFO (Fifo, after
//      pre-roll; an empty FIFO plays silence and counts underrun frames) or silence;
//   3. the processor chain (a dsp::Chain: the same object `percept fx` runs offline, built from the one
//      chain syntax with dsp::parse_chain or from processors) runs in place on the working buffer
//      (prepared at construction for the negotiated rate, period and channels: no allocation);
//   4. a round-trip measurement, when one is armed, replaces the output with silence and one impulse;
//   5. the working buffer goes to the device output (and to the capture ring when tap = Output);
//   6. the time the callback used, over the period budget, goes into a lock-free histogram.
// Nothing in it allocates, locks, makes a system call or touches Python (checked by
// tests/cpp/io/test_engine_rt.cpp, which traps allocation on the audio thread).
//
// A watchdog thread (not real-time) polls the device every 10 ms; when it failed (JACK server gone,
// device unplugged) the capture ring is closed with the reason, so a reader gets every frame captured so
// far and then a StreamError naming the cause — never a hang.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "percept/core/audio_block.hpp"
#include "percept/core/ring.hpp"
#include "percept/dsp/chain.hpp"
#include "percept/io/device.hpp"

namespace percept::io {

/// Callback load as a fraction of the period budget (1.0 = the whole period).
struct LoadStats {
  std::int64_t callbacks = 0;
  double mean = 0, p50 = 0, p99 = 0, p999 = 0, max = 0;
  std::int64_t deadline_misses = 0;  ///< callbacks that used more than their period
};

/// Lock-free load histogram: one writer (the audio thread), any number of readers. Bins of 0.05 % of
/// the budget up to 200 %, one overflow bin; the maximum is kept exactly.
class LoadHistogram {
 public:
  static constexpr std::size_t kBins = 4000;
  static constexpr double kBinWidth = 0.0005;
  void record(std::int64_t used_ns, std::int64_t budget_ns) noexcept;
  [[nodiscard]] LoadStats stats() const noexcept;
  /// Not concurrent with record().
  void reset() noexcept;

 private:
  std::array<std::atomic<std::uint64_t>, kBins + 1> bins_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0.0};
  std::atomic<double> max_{0.0};
  std::atomic<std::uint64_t> misses_{0};
};

struct LatencyResult {
  std::int64_t frames = 0;  ///< measured: impulse out -> impulse back in
  double ms = 0;
  std::int64_t expected_frames = 0;  ///< what the negotiated buffering says (input + output latency)
  double expected_ms = 0;
};

struct EngineStats {
  Negotiated device;
  std::int64_t frames = 0;  ///< frames through the callback
  std::int64_t callbacks = 0;
  LoadStats load;
  /// How late the callback started after its period began (fraction of the period; callbacks = 0 when
  /// the device does not report cycle starts). High values here with a low `load` mean the platform did
  /// not schedule the audio thread in time: not time spent in percept.
  LoadStats wakeup;
  std::int64_t xruns = 0;        ///< over/underruns the device or server reported
  std::int64_t frames_lost = 0;  ///< captured frames the reader never got (including ones not yet noticed)
  std::int64_t overrun_events = 0;
  std::int64_t underrun_frames = 0;  ///< playback frames the FIFO could not supply (after pre-roll)
  std::int64_t underrun_events = 0;
  std::optional<LatencyResult> round_trip;
  bool failed = false;
  std::string error;
};

enum class CaptureTap { Input, Output, None };
enum class PlaybackSource { Input, Fifo, Silence };

struct EngineOptions {
  StreamConfig stream;
  CaptureTap tap = CaptureTap::Input;
  std::size_t ring_frames = 0;  ///< capture ring capacity; 0 = 2 s (at least 8 periods)
  PlaybackSource playback = PlaybackSource::Input;
  std::size_t fifo_frames = 0;     ///< playback FIFO capacity; 0 = 1 s
  std::size_t preroll_frames = 0;  ///< playback starts once this many frames are queued; 0 = 2 periods
};

class Engine final : public DeviceCallback {
 public:
  /// Opens the device (throws DeviceError) and prepares the chain for the negotiated rate, period and
  /// channels. A null chain means no processing (input to output unchanged).
  explicit Engine(EngineOptions options, std::shared_ptr<dsp::Chain> chain = nullptr);
  ~Engine() override;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Starts the device (again, after stop()).
  void start();
  /// Stops the device; the capture ring is closed, so a reader gets what is left and then a StreamError.
  void stop() noexcept;
  [[nodiscard]] bool running() const noexcept { return running_.load(); }
  [[nodiscard]] const Negotiated& negotiated() const noexcept { return device_->negotiated(); }
  [[nodiscard]] const EngineOptions& options() const noexcept { return options_; }
  /// Channels of the working buffer the chain sees (output channels, or input channels without output).
  [[nodiscard]] std::size_t work_channels() const noexcept { return work_.num_channels(); }
  /// The chain the callback runs (empty when constructed without one).
  [[nodiscard]] const dsp::Chain& chain() const noexcept { return *chain_; }

  /// The capture ring (throws InvalidArgument when the engine has none).
  [[nodiscard]] AudioRing& capture();
  /// The playback FIFO (throws InvalidArgument unless playback == Fifo).
  [[nodiscard]] AudioFifo& playback();

  [[nodiscard]] EngineStats stats() const;
  /// Peak |sample| per output (work) channel since the previous call; for level meters.
  [[nodiscard]] std::vector<float> take_peaks() noexcept;
  /// Peak |sample| per input channel since the previous call.
  [[nodiscard]] std::vector<float> take_input_peaks() noexcept;
  /// Sends one impulse and times its return on the input (the output must be looped back to the input).
  /// Throws StreamError when nothing comes back within `timeout_s`.
  LatencyResult measure_round_trip(double timeout_s = 3.0);
  /// Throws StreamError when the device has failed.
  void check() const;
  [[nodiscard]] bool failed() const noexcept { return failed_.load(std::memory_order_acquire); }

  void process(AudioView<const float> in, AudioView<float> out, const CallbackInfo& info) noexcept override;
  void device_failed(const std::string& reason) noexcept override;

 private:
  void watchdog();
  void run_latency(AudioView<const float> in, AudioView<float> work, std::int64_t frame) noexcept;

  EngineOptions options_;
  std::shared_ptr<dsp::Chain> chain_;
  std::unique_ptr<Device> device_;
  std::unique_ptr<AudioRing> ring_;
  std::unique_ptr<AudioFifo> fifo_;
  AudioBuffer<float> work_;
  std::int64_t budget_ns_ = 0;
  std::size_t preroll_ = 0;
  bool prerolled_ = false;  // audio thread only

  LoadHistogram load_;
  LoadHistogram wakeup_;
  std::atomic<std::int64_t> frames_{0};
  std::atomic<std::int64_t> callbacks_{0};
  static constexpr std::size_t kMeterChannels = 16;
  std::array<std::atomic<float>, kMeterChannels> peaks_{};
  std::array<std::atomic<float>, kMeterChannels> in_peaks_{};

  // Round-trip measurement state machine (see measure_round_trip()).
  enum LatencyState : int { kIdle = 0, kRequested, kQuiet, kEmitted, kDone };
  std::atomic<int> lat_state_{kIdle};
  std::int64_t lat_quiet_ = 0;  // audio thread only
  std::atomic<std::int64_t> lat_emit_{0};
  std::atomic<std::int64_t> lat_detect_{0};
  std::optional<LatencyResult> last_latency_;

  std::atomic<bool> running_{false};
  std::atomic<bool> failed_{false};
  std::atomic<bool> watch_{false};
  std::thread watchdog_;
  std::string error_;  // set by the watchdog before failed_ (release)
};

}  // namespace percept::io
