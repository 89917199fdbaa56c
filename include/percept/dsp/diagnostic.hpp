// percept/dsp/diagnostic.hpp — processors for measuring the real-time path rather than for sound.
//
//   SaturatingCascade(stages, cutoff_hz, resonance)   chain stage "cascade"
//       `stages` saturating two-pole low-pass sections in series per channel (a state-variable section
//       whose band-pass feedback goes through tanh, like a diode ladder): a heavy, VCS3-like, fixed load
//       of about stages x 20 flops per sample whose cost does not depend on the input. Benchmarks use it
//       to load the engine's callback by a known amount.
//   Counter()                                          chain stage "counter"
//       replaces the signal with a counter: frame k (counted from prepare()/reset()) is
//       ((k mod 2^23) + 1) / 2^23 on every channel, exact in float32 and never 0, so a reader of a
//       loopback can check that every sample arrives once and in order (Counter::value(k)).
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "percept/dsp/processor.hpp"

namespace percept::dsp {

class SaturatingCascade final : public ProcessorBase<SaturatingCascade> {
 public:
  /// stages in 1..4096; cutoff_hz > 0 (and below sample_rate / 6 at prepare()); resonance in [0, 0.95].
  explicit SaturatingCascade(int stages = 8, double cutoff_hz = 1000.0, double resonance = 0.5);
  void prepare(const ProcessSpec& spec) override;
  void reset() noexcept override;
  [[nodiscard]] std::string name() const override { return "cascade"; }
  [[nodiscard]] int stages() const noexcept { return stages_; }
  [[nodiscard]] double cutoff_hz() const noexcept { return cutoff_hz_; }
  [[nodiscard]] double resonance() const noexcept { return resonance_; }

  template <class T>
  void process_impl(AudioView<const T> in, AudioView<T> out) noexcept {
    const auto S = static_cast<std::size_t>(stages_);
    for (std::size_t c = 0; c < out.num_channels(); ++c) {
      double* st = state_.data() + c * S * 2;
      const T* x_in = in.channel(c);
      T* y = out.channel(c);
      for (std::size_t i = 0; i < out.num_frames(); ++i) {
        double x = static_cast<double>(x_in[i]);
        for (std::size_t s = 0; s < S; ++s) {
          double& lp = st[2 * s];
          double& bp = st[2 * s + 1];
          const double hp = x - lp - q_ * std::tanh(bp);
          bp += f_ * hp;
          lp += f_ * bp;
          x = lp;
        }
        y[i] = static_cast<T>(x);
      }
    }
  }

 private:
  int stages_;
  double cutoff_hz_, resonance_;
  double f_ = 0.1, q_ = 1.0;
  std::vector<double> state_;
};

class Counter final : public ProcessorBase<Counter> {
 public:
  Counter() = default;
  void prepare(const ProcessSpec& spec) override {
    set_spec(spec);
    next_ = 0;
  }
  void reset() noexcept override { next_ = 0; }
  [[nodiscard]] std::string name() const override { return "counter"; }
  /// The value of frame k: ((k mod 2^23) + 1) / 2^23.
  [[nodiscard]] static float value(std::int64_t k) noexcept {
    return static_cast<float>((k % (std::int64_t{1} << 23)) + 1) / static_cast<float>(1 << 23);
  }

  template <class T>
  void process_impl(AudioView<const T>, AudioView<T> out) noexcept {
    for (std::size_t i = 0; i < out.num_frames(); ++i) {
      const T v = static_cast<T>(value(next_ + static_cast<std::int64_t>(i)));
      for (std::size_t c = 0; c < out.num_channels(); ++c) out.channel(c)[i] = v;
    }
    next_ += static_cast<std::int64_t>(out.num_frames());
  }

 private:
  std::int64_t next_ = 0;
};

}  // namespace percept::dsp
