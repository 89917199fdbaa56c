// percept/dsp/virtual_analog.hpp — the virtual-analog models of De Pra & Fontana (Applied Sciences 2020).
//
// DiodeRingCore(sample_rate, k)   Hoffmann-Burchardi's diode ring modulator (DAFx-08) as the paper runs it:
//     capacitor voltages u1..u7, inductor currents i1, i2, one explicit Euler step per sample at
//     `sample_rate` (the oversampled rate: 44100 * 30 in the paper), diode law 0.17 v^4,
//     C = Cp = 10 nF, L = 0.8 H, Ra = 600, Ri = 50, Rm = 80 ohm, inputs scaled by k. The update order
//     and the output (u2) are the authors' published code's, so the outputs agree to rounding.
//     process(carrier, modulator): the paper's `data` and `mod_signal`.
// DiodeRingModulator(sample_rate, oversampling, k)   the core between polyphase anti-aliasing
//     interpolation (carrier, modulator) and decimation (output); see docs/design-dsp.md.
// Vcs3Filter(sample_rate, control_current, feedback, solver, tolerance, max_iterations, oversampling)
//     Civolani & Fontana's EMS VCS3 diode-ladder filter: trapezoidal discretization, tanh
//     nonlinearities, solved per sample either by the authors' fixed-point iteration (stopping rule
//     |vc4 - vc4_prev| <= tolerance |vc4_prev|, at most max_iterations) or by Newton-Raphson on the
//     same four implicit equations.
//
// Through the generic Processor interface (chains, the engine) the ring modulator's modulator is an
// internal sine at modulator_hz (amplitude modulator_level); the two-input process() takes any signal.
// All state is double precision, per channel; a single-channel modulator drives every carrier channel.
#pragma once

#include <atomic>
#include <cmath>
#include <cstdint>
#include <vector>

#include "percept/dsp/oversampling.hpp"
#include "percept/dsp/processor.hpp"

namespace percept::dsp {

struct RingState {
  double u1 = 0, u2 = 0, u3 = 0, u4 = 0, u5 = 0, u6 = 0, u7 = 0, i1 = 0, i2 = 0;
};

/// One Euler step of the ring model at step T (constants pre-divided: tc = T/C, tcp = T/Cp, tl = T/L).
/// The authors' update order (u1, u2, u3 from the previous u4..u7; then u4..u7 from the new u1..u3; then
/// i1, i2 from the new u1, u2; output u2), with the sums regrouped as trees so that the loop-carried
/// dependency chain is short: u4..u7 = +-(u1 - u2)/2 -+ (u3 + k x) and +-(u1 + u2)/2 +- (u3 + k x), and the
/// diode terms 0.17 v^4 enter as 0.17 ((sum of two) - (sum of two)). The regrouping changes results only
/// by rounding (about 1e-15 relative).
inline double ring_step(RingState& s, double carrier, double modulator, double k, double tc, double tcp,
                        double tl) noexcept {
  constexpr double Ra = 600.0, Ri = 50.0, Rm = 80.0;
  // Half voltages hu = u / 2 are computed directly (scaling by 1/2 is exact, so u = 2 hu is bit-identical
  // to computing u), which takes the halving of u4..u7 off the dependency chain; the terms that depend
  // only on the previous state are added first, the diode terms last.
  const double htc = 0.5 * tc, hd = 0.5 * tc * 0.085, d3 = tcp * 0.17;
  const double q4 = s.u4 * s.u4, q5 = s.u5 * s.u5, q6 = s.u6 * s.u6, q7 = s.u7 * s.u7;
  const double p4 = q4 * q4, p5 = q5 * q5, p6 = q6 * q6, p7 = q7 * q7;
  const double hu1 = (0.5 * s.u1 + htc * (s.i1 - (s.u1 - modulator * k) / Rm)) + hd * ((p7 + p5) - (p4 + p6));
  const double hu2 = (0.5 * s.u2 + htc * (s.i2 - s.u2 / Ra)) + hd * ((p4 + p7) - (p5 + p6));
  const double u3 = (s.u3 - tcp * (s.u3 / Ri)) + d3 * ((p4 + p5) - (p7 + p6));
  const double a = hu1 - hu2, b = hu1 + hu2, c = u3 + carrier * k;
  s.u4 = a - c;
  s.u5 = -a - c;
  s.u6 = b + c;
  s.u7 = c - b;
  s.u1 = 2.0 * hu1;
  s.u2 = 2.0 * hu2;
  s.u3 = u3;
  s.i1 = s.i1 + tl * (-s.u1);
  s.i2 = s.i2 + tl * (-s.u2);
  return s.u2;
}

/// The explicit Euler scheme diverges when diode voltages exceed about 0.3 V (T G / C > 2): a block that
/// diverged restarts from rest and its non-finite samples are replaced by silence.
template <class T>
void recover(RingState& s, T* y, std::size_t n) noexcept {
  s = RingState{};
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(static_cast<double>(y[i]))) y[i] = T(0);
}

class DiodeRingCore : public ProcessorBase<DiodeRingCore> {
 public:
  DiodeRingCore(double sample_rate, double k = 0.4, double modulator_hz = 500.0, double modulator_level = 1.0);
  void prepare(const ProcessSpec& spec) override;
  void reset() noexcept override;
  [[nodiscard]] std::string name() const override { return "ringcore"; }

  /// The paper's data (carrier) and mod_signal (modulator): 1 or carrier.num_channels() channels.
  template <class T>
  void process_pair(AudioView<const T> carrier, AudioView<const T> modulator, AudioView<T> out) noexcept {
    for (std::size_t c = 0; c < carrier.num_channels(); ++c) {
      const T* x = carrier.channel(c);
      const T* m = modulator.channel(modulator.num_channels() == 1 ? 0 : c);
      T* y = out.channel(c);
      RingState s = state_[c];
      for (std::size_t i = 0; i < carrier.num_frames(); ++i)
        y[i] = static_cast<T>(ring_step(s, static_cast<double>(x[i]), static_cast<double>(m[i]), k_, tc_, tcp_, tl_));
      if (!std::isfinite(s.u2) || !std::isfinite(s.i2)) recover(s, y, carrier.num_frames());
      state_[c] = s;
    }
  }
  template <class T>
  void process_impl(AudioView<const T> in, AudioView<T> out) noexcept;

 private:
  double k_, modulator_hz_, modulator_level_;
  double tc_ = 0, tcp_ = 0, tl_ = 0;
  std::vector<RingState> state_;
  std::vector<float> mod_f_;
  std::vector<double> mod_d_;
  double phase_ = 0, phase_inc_ = 0;
};

class DiodeRingModulator : public ProcessorBase<DiodeRingModulator> {
 public:
  /// input_scale multiplies both (band-limited, interpolated) inputs before the core. The explicit Euler
  /// scheme diverges once diode voltages pass ~0.3 V; 0.2 keeps full-scale input stable (<= 0 selects 0.2).
  /// The paper's zero-stuffing instead feeds isolated full-amplitude impulses, which is not comparable.
  DiodeRingModulator(double sample_rate, int oversampling = 30, double k = 0.4, double modulator_hz = 500.0,
                     double modulator_level = 1.0, AntiAliasDesign design = {}, double input_scale = 0.0);
  void prepare(const ProcessSpec& spec) override;
  void reset() noexcept override;
  [[nodiscard]] std::string name() const override { return "ring"; }
  [[nodiscard]] std::size_t latency() const noexcept override;
  [[nodiscard]] int oversampling() const noexcept { return factor_; }

  template <class T>
  void process_pair(AudioView<const T> carrier, AudioView<const T> modulator, AudioView<T> out) noexcept {
    const std::size_t f = static_cast<std::size_t>(factor_);
    double* cu = hi_carrier_.data();
    double* mu = hi_mod_.data();
    double* yo = hi_out_.data();
    for (std::size_t c = 0; c < carrier.num_channels(); ++c) {
      const T* x = carrier.channel(c);
      const std::size_t mc = modulator.num_channels() == 1 ? 0 : c;
      const T* m = modulator.channel(mc);
      T* y = out.channel(c);
      RingState s = state_[c];
      for (std::size_t i = 0; i < carrier.num_frames(); ++i) {
        up_.push(c, input_scale_ * static_cast<double>(x[i]), cu);
        mod_up_.push(c, input_scale_ * static_cast<double>(m[i]), mu);
        for (std::size_t j = 0; j < f; ++j) yo[j] = ring_step(s, cu[j], mu[j], k_, tc_, tcp_, tl_);
        y[i] = static_cast<T>(down_.push(c, yo));
      }
      if (!std::isfinite(s.u2) || !std::isfinite(s.i2)) {
        recover(s, y, carrier.num_frames());
        down_.reset();
      }
      state_[c] = s;
    }
  }
  template <class T>
  void process_impl(AudioView<const T> in, AudioView<T> out) noexcept;

 private:
  int factor_;
  double k_, modulator_hz_, modulator_level_;
  AntiAliasDesign design_;
  double input_scale_;
  double tc_ = 0, tcp_ = 0, tl_ = 0;
  Interpolator up_, mod_up_;
  Decimator down_;
  std::vector<RingState> state_;
  std::vector<double> hi_carrier_, hi_mod_, hi_out_;
  std::vector<float> mod_f_;
  std::vector<double> mod_d_;
  double phase_ = 0, phase_inc_ = 0;
};

enum class Vcs3Solver { FixedPoint, Newton };

/// Parses "fixed-point" / "fixed_point" / "fixedpoint" and "newton"; throws InvalidArgument.
[[nodiscard]] Vcs3Solver parse_vcs3_solver(const std::string& name);

class Vcs3Filter : public ProcessorBase<Vcs3Filter> {
 public:
  Vcs3Filter(double sample_rate, double control_current = 30e-6, double feedback = 5.175,
             Vcs3Solver solver = Vcs3Solver::FixedPoint, double tolerance = 1e-3, int max_iterations = 100,
             int oversampling = 1, AntiAliasDesign design = {});
  void prepare(const ProcessSpec& spec) override;
  void reset() noexcept override;
  [[nodiscard]] std::string name() const override { return "vcs3"; }
  [[nodiscard]] std::size_t latency() const noexcept override;

  void set_control_current(double amps);
  void set_feedback(double feedback);
  [[nodiscard]] double control_current() const noexcept { return i0_.load(std::memory_order_relaxed); }
  [[nodiscard]] double feedback() const noexcept { return gfb_.load(std::memory_order_relaxed); }
  [[nodiscard]] Vcs3Solver solver() const noexcept { return solver_; }
  /// Solver iterations per (oversampled) sample since the last reset_statistics().
  [[nodiscard]] double iterations_per_sample() const noexcept;
  [[nodiscard]] std::uint64_t max_iterations_used() const noexcept { return max_used_; }
  void reset_statistics() noexcept;

  template <class T>
  void process_impl(AudioView<const T> in, AudioView<T> out) noexcept {
    const Coeffs k = coeffs();
    const std::size_t f = static_cast<std::size_t>(factor_);
    for (std::size_t c = 0; c < in.num_channels(); ++c) {
      const T* x = in.channel(c);
      T* y = out.channel(c);
      State& s = state_[c];
      if (f == 1) {
        for (std::size_t i = 0; i < in.num_frames(); ++i) y[i] = static_cast<T>(step(s, static_cast<double>(x[i]), k));
      } else {
        double* hi = hi_.data();
        for (std::size_t i = 0; i < in.num_frames(); ++i) {
          up_.push(c, static_cast<double>(x[i]), hi);
          for (std::size_t j = 0; j < f; ++j) hi[j] = step(s, hi[j], k);
          y[i] = static_cast<T>(down_.push(c, hi));
        }
      }
    }
  }

 private:
  struct State {
    double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
    double vout = 0, vc1 = 0, vc2 = 0, vc3 = 0, vc4 = 0;
    double pv1 = 0, pv2 = 0, pv3 = 0, pv4 = 0;  // the solution one sample earlier (Newton's predictor)
    double vc11 = 0, vc21 = 0, vc31 = 0, vc41 = 0;
  };
  struct Coeffs {
    double h, K, gfb, tol;
    int max_it;
  };
  [[nodiscard]] Coeffs coeffs() const noexcept;
  double step(State& s, double x, const Coeffs& k) noexcept;
  double step_fixed_point(State& s, double x, const Coeffs& k) noexcept;
  double step_newton(State& s, double x, const Coeffs& k) noexcept;

  std::atomic<double> i0_, gfb_;
  Vcs3Solver solver_;
  double tol_;
  int max_it_;
  int factor_;
  AntiAliasDesign design_;
  double T_ = 0;
  std::vector<State> state_;
  Interpolator up_;
  Decimator down_;
  std::vector<double> hi_;
  std::uint64_t iterations_ = 0, samples_ = 0, max_used_ = 0;
};

}  // namespace percept::dsp
