// percept/io/chain.hpp — building a processor chain from a command-line spec, through a swappable parser.
//
// Spec: processors separated by ',' ; each is name[:arg[:arg...]], e.g. "gain:-6,lowpass:2000".
// The engine ships a small built-in set (below) so the CLI and the benchmark work on their own; the DSP
// layer's full parser (VCS3, Butterworth, ...) replaces it with set_chain_parser() at start-up, and any
// name the installed parser does not know falls back to nothing: it is an InvalidArgument naming it.
//
// Built-in processors (real-time safe; state allocated in prepare()):
//   gain:DB            multiplies by 10^(DB/20)
//   lowpass:HZ         one-pole low-pass per channel
//   cascade:N[:HZ]     N saturating two-pole low-pass sections per channel (tanh in the loop): a heavy,
//                      VCS3-like load of ~N * 20 flops per sample, for benchmarks
//   counter            replaces the signal with a counter: frame k on every channel is
//                      ((k mod 2^23) + 1) / 2^23, exact in float32 (gaplessness checks)
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "percept/dsp/processor.hpp"

namespace percept::io {

using Chain = std::vector<std::shared_ptr<dsp::Processor>>;
using ChainParser = std::function<Chain(const std::string& spec)>;

/// Parses `spec` with the installed parser (the built-in one unless replaced). Empty spec: empty chain.
[[nodiscard]] Chain parse_chain(const std::string& spec);
/// Installs another parser (e.g. the DSP layer's); pass nullptr to restore the built-in one.
void set_chain_parser(ChainParser parser);
/// The built-in parser.
[[nodiscard]] Chain parse_builtin_chain(const std::string& spec);

class GainProcessor final : public dsp::ProcessorBase<GainProcessor> {
 public:
  explicit GainProcessor(double db);
  void prepare(const dsp::ProcessSpec& spec) override { set_spec(spec); }
  void reset() noexcept override {}
  [[nodiscard]] std::string name() const override { return "gain"; }
  template <class T>
  void process_impl(AudioView<const T> in, AudioView<T> out) noexcept {
    for (std::size_t c = 0; c < out.num_channels(); ++c)
      for (std::size_t i = 0; i < out.num_frames(); ++i) out(c, i) = static_cast<T>(in(c, i) * gain_);
  }

 private:
  double gain_;
};

class OnePoleLowpass final : public dsp::ProcessorBase<OnePoleLowpass> {
 public:
  explicit OnePoleLowpass(double cutoff_hz);
  void prepare(const dsp::ProcessSpec& spec) override;
  void reset() noexcept override;
  [[nodiscard]] std::string name() const override { return "lowpass"; }
  template <class T>
  void process_impl(AudioView<const T> in, AudioView<T> out) noexcept {
    for (std::size_t c = 0; c < out.num_channels(); ++c) {
      double z = state_[c];
      for (std::size_t i = 0; i < out.num_frames(); ++i) {
        z += a_ * (static_cast<double>(in(c, i)) - z);
        out(c, i) = static_cast<T>(z);
      }
      state_[c] = z;
    }
  }

 private:
  double cutoff_;
  double a_ = 1.0;
  std::vector<double> state_;
};

class SaturatingCascade final : public dsp::ProcessorBase<SaturatingCascade> {
 public:
  explicit SaturatingCascade(int stages, double cutoff_hz = 1000.0, double resonance = 0.5);
  void prepare(const dsp::ProcessSpec& spec) override;
  void reset() noexcept override;
  [[nodiscard]] std::string name() const override { return "cascade"; }
  template <class T>
  void process_impl(AudioView<const T> in, AudioView<T> out) noexcept {
    const std::size_t S = static_cast<std::size_t>(stages_);
    for (std::size_t c = 0; c < out.num_channels(); ++c) {
      double* st = state_.data() + c * S * 2;
      for (std::size_t i = 0; i < out.num_frames(); ++i) {
        double x = static_cast<double>(in(c, i));
        for (std::size_t s = 0; s < S; ++s) {
          // State-variable two-pole section with the feedback through tanh (a diode-ladder-like saturation).
          double& lp = st[2 * s];
          double& bp = st[2 * s + 1];
          const double hp = x - lp - q_ * std::tanh(bp);
          bp += f_ * hp;
          lp += f_ * bp;
          x = lp;
        }
        out(c, i) = static_cast<T>(x);
      }
    }
  }

 private:
  int stages_;
  double cutoff_, resonance_;
  double f_ = 0.1, q_ = 1.0;
  std::vector<double> state_;
};

class CounterSource final : public dsp::ProcessorBase<CounterSource> {
 public:
  void prepare(const dsp::ProcessSpec& spec) override {
    set_spec(spec);
    next_ = 0;
  }
  void reset() noexcept override { next_ = 0; }
  [[nodiscard]] std::string name() const override { return "counter"; }
  [[nodiscard]] static float value(std::int64_t k) noexcept {
    return static_cast<float>((k % (1 << 23)) + 1) / static_cast<float>(1 << 23);
  }
  template <class T>
  void process_impl(AudioView<const T>, AudioView<T> out) noexcept {
    for (std::size_t i = 0; i < out.num_frames(); ++i) {
      const T v = static_cast<T>(value(next_ + static_cast<std::int64_t>(i)));
      for (std::size_t c = 0; c < out.num_channels(); ++c) out(c, i) = v;
    }
    next_ += static_cast<std::int64_t>(out.num_frames());
  }

 private:
  std::int64_t next_ = 0;
};

}  // namespace percept::io
