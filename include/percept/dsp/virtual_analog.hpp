// percept/dsp/virtual_analog.hpp — the virtual-analog models of De Pra & Fontana (Applied Sciences 2020).
//
// DiodeRingCore(sample_rate, k)   Hoffmann-Burchardi's diode ring modulator (DAFx-08) as the paper runs it:
//     capacitor voltages u1..u7, inductor currents i1, i2, one explicit Euler step per sample at
//     `sample_rate` (the oversampled rate: 44100 * 30 in the paper), diode law 0.17 v^4,
//     C = Cp = 10 nF, L = 0.8 H, Ra = 600, Ri = 50, Rm = 80 ohm, inputs scaled by k. The update order
//     and the output (u2) are the authors' published code's, so the outputs agree to rounding.
//     process(carrier, modulator): the paper's `data` and `mod_signal`.
// DiodeRingModulator(sample_rate, oversampling, k, ..., input_scale, output_gain_db)   the core between
//     polyphase anti-aliasing interpolation (carrier, modulator) and decimation (output), with a makeup gain,
//     a construction-time stability check and a runaway counter; at oversampling 25..32 (30 by default) the
//     filters run interleaved with the core's steps (ring_run_fused; two base-rate samples more latency);
//     see docs/design.md (DSP processors).
// Vcs3Filter(sample_rate, control_current, feedback, solver, tolerance, max_iterations, oversampling)
//     Civolani & Fontana's EMS VCS3 diode-ladder filter: trapezoidal discretization, tanh
//     nonlinearities, solved per sample either by the authors' fixed-point iteration (stopping rule
//     |vc4 - vc4_prev| <= tolerance |vc4_prev|, at most max_iterations) or by Newton-Raphson on the
//     same four implicit equations. The fixed point runs the authors' sweeps with each stage's tanh split
//     so that the sweep's serial chain is short: tanh(r + a t / 2) = (z - 1) / (z + 1), z = exp(2 r) exp(a t),
//     where r (from the previous sweep) and exp(2 r) are off the chain and exp(a t) of the previous stage's
//     output t is a polynomial (Chebyshev, relative error < 5e-9; a 14-bit reciprocal with a correction
//     instead of the division on AVX-512), squared m times where a t exceeds its range. Its outputs stay
//     within 1e-6 (at the defaults 1e-9) relative RMS of the plain evaluation, iteration counts equal;
//     beyond 16 times the range (control currents above about 16x the default) the plain evaluation runs.
//
// Through the generic Processor interface (chains, the engine) the ring modulator's modulator is an
// internal sine at modulator_hz (amplitude modulator_level); the two-input process() takes any signal.
// All state is double precision, per channel; a single-channel modulator drives every carrier channel.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "percept/dsp/oversampling.hpp"
#include "percept/dsp/processor.hpp"

namespace percept::dsp {

struct RingState {
  double u1 = 0, u2 = 0, u3 = 0, u4 = 0, u5 = 0, u6 = 0, u7 = 0, i1 = 0, i2 = 0;
};

/// Constants of the Euler step at one step size T (see ring_run).
struct RingCoeffs {
  double alpha = 0, inv_alpha = 0;  // w = alpha u for u4..u7, alpha^3 = 0.17 T / Cp
  double ca = 0, cb = 0;            // 1 +- rho, rho = (0.085 T / C) / (0.17 T / Cp)
  double c1 = 0, c3 = 0;            // rho / alpha, 1 / alpha
  double ab1 = 0, ab2 = 0, a3 = 0;  // 1 - T/(C Rm) - T^2/(C L), 1 - T/(C Ra) - T^2/(C L), 1 - T/(Cp Ri)
  double tc = 0, inv_tc = 0, tl = 0, bm = 0, k = 0;
  /// The loop's constants derived from the above, as lane pairs (filled by make_ring_coeffs, so that
  /// ring_run, called for every 30 steps by the ring modulator, only loads them).
  alignas(16) double pairs[16][2] = {};
  double km = 0, kx = 0, kmm = 0, k3 = 0;
};
[[nodiscard]] RingCoeffs make_ring_coeffs(double k, double sample_rate) noexcept;

/// Runs n Euler steps of the ring model (the authors' update: u1, u2, u3 from the previous u4..u7 and
/// i1, i2; u4..u7 from the new u1..u3 and the carrier; i1, i2 from the new u1, u2; output u2), rewritten
/// so that the loop-carried dependency chain is short (the results move by rounding only, ~1e-15
/// relative): u4..u7 are carried scaled, w = alpha u with alpha^3 = 0.17 T/Cp, so that the diode terms
/// enter as plain w^4; each new w is (sum of two w^4) - (1 +- rho) w^4 - (1 -+ rho) w^4 + B, where B
/// (the linear part: u1..u3, i1, i2, inputs) depends only on the previous step's u1..u3; the inductor
/// update is folded into B's coefficients (ab1, ab2) so that i1, i2 stay off the chain. Defined out of
/// line with runtime dispatch between baseline x86-64 and x86-64-v3 (AVX2, FMA) code.
void ring_run(RingState& s, const double* carrier, const double* modulator, double* out, std::size_t n,
              const RingCoeffs& c) noexcept;

/// The anti-aliasing filters' work that ring_run_fused interleaves with the core's steps (the core is one
/// long dependency chain that leaves the multiply-add units mostly idle; the filters are independent
/// multiply-adds that fill them). Interpolation of the next base-rate sample of carrier and modulator
/// (phase table of kFusedStride phases per row, `taps` rows; histories newest first), written as the next
/// call's prepared inputs (next_prepared), and the decimated output of the previous base-rate sample's
/// core outputs: dec_out = sum_m dec_taps[m] dec_history[m], m < dec_length.
struct RingFilterWork {
  static constexpr std::size_t kFusedStride = 32;
  /// Doubles of one base-rate sample's prepared inputs (the core's input terms, formed from the interpolated
  /// carrier and modulator in the epilogue; see PreparedInputs in the source).
  static constexpr std::size_t kPreparedSize = 5 * kFusedStride + 4;
  const float* table = nullptr;
  std::size_t taps = 0;
  const float* history_carrier = nullptr;
  const float* history_modulator = nullptr;
  double* next_prepared = nullptr;
  std::size_t factor = 0;
  const float* dec_taps = nullptr;
  const float* dec_history = nullptr;
  std::size_t dec_length = 0;
  double dec_out = 0;
};

/// ring_run over n steps with the filter work of `w` interleaved (same results as ring_run for the core;
/// the filters' sums in the same single precision as Interpolator / Decimator).
void ring_run_fused(RingState& s, const double* prepared, double* out, std::size_t n, const RingCoeffs& c,
                    RingFilterWork& w) noexcept;

/// DiodeRingCore's handling of a block that diverged (the authors' raw model, no guard): it restarts from
/// rest and the block's non-finite samples are replaced by silence.
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
      const std::size_t n = carrier.num_frames();
      if constexpr (std::is_same_v<T, double>) {
        ring_run(s, x, m, y, n, coef_);
      } else {
        constexpr std::size_t kChunk = 256;  // float: through double scratch on the stack
        double xd[kChunk], md[kChunk], yd[kChunk];
        for (std::size_t i0 = 0; i0 < n; i0 += kChunk) {
          const std::size_t len = std::min(kChunk, n - i0);
          for (std::size_t i = 0; i < len; ++i) {
            xd[i] = static_cast<double>(x[i0 + i]);
            md[i] = static_cast<double>(m[i0 + i]);
          }
          ring_run(s, xd, md, yd, len, coef_);
          for (std::size_t i = 0; i < len; ++i) y[i0 + i] = static_cast<T>(yd[i]);
        }
      }
      if (!std::isfinite(s.u2) || !std::isfinite(s.i2)) recover(s, y, carrier.num_frames());
      state_[c] = s;
    }
  }
  template <class T>
  void process_impl(AudioView<const T> in, AudioView<T> out) noexcept;

 private:
  double k_, modulator_hz_, modulator_level_;
  RingCoeffs coef_;
  std::vector<RingState> state_;
  std::vector<float> mod_f_;
  std::vector<double> mod_d_;
  double phase_ = 0, phase_inc_ = 0;
};

class DiodeRingModulator : public ProcessorBase<DiodeRingModulator> {
 public:
  /// Sample rate x oversampling must exceed this (Hz): explicit Euler on the u3 node (Cp, Ri) is stable only for
  /// T < 2 Cp Ri = 1 us; the diode terms vanish at rest, so below it any input diverges (see docs/design.md (DSP
  /// processors)).
  static constexpr double kMinStepRateHz = 1.0 / (2 * 10e-9 * 50.0);
  /// k * input_scale * max(1, modulator_level) must not exceed this: full-scale inputs drive the model (not
  /// the numerics: the limit does not move with oversampling) into a runaway of the non-rectifying 0.17 v^4
  /// diode law from a drive of about 0.092 (measured, DC inputs; 0.093 for 440 Hz x 100 Hz sines).
  static constexpr double kMaxDrive = 0.09;
  /// The drive (k * input_scale) at the default settings and the measured output gain that brings full-scale
  /// 440 Hz carrier and 100 Hz modulator sines to 0 dBFS peak there (30x, 44.1 kHz).
  static constexpr double kReferenceDrive = 0.08;
  static constexpr double kReferenceGainDb = 33.4;  // raw peak -33.36 dBFS (rms -41.75), every factor >= 23
  /// |u2| or |u3| above this means a runaway (legitimate peaks stay below 0.09 V up to kMaxDrive, measured).
  static constexpr double kRunawayVolts = 1.0;

  /// Smallest accepted oversampling at sample_rate: sample_rate * factor > kMinStepRateHz.
  [[nodiscard]] static int min_oversampling(double sample_rate) noexcept;
  /// The default makeup gain: kReferenceGainDb - 80 log10(drive / kReferenceDrive), the output of the
  /// diode law scaling with the fourth power of the drive.
  [[nodiscard]] static double default_output_gain_db(double k, double input_scale) noexcept;

  /// input_scale multiplies both (band-limited, interpolated) inputs before the core (<= 0 selects 0.2);
  /// output_gain_db is applied after decimation (absent: default_output_gain_db(k, input_scale)).
  /// Throws InvalidArgument when oversampling < min_oversampling(sample_rate) or the drive exceeds kMaxDrive.
  DiodeRingModulator(double sample_rate, int oversampling = 30, double k = 0.4, double modulator_hz = 500.0,
                     double modulator_level = 1.0, AntiAliasDesign design = {}, double input_scale = 0.0,
                     std::optional<double> output_gain_db = std::nullopt);
  void prepare(const ProcessSpec& spec) override;
  void reset() noexcept override;
  [[nodiscard]] std::string name() const override { return "ring"; }
  [[nodiscard]] std::size_t latency() const noexcept override;
  [[nodiscard]] int oversampling() const noexcept { return factor_; }
  [[nodiscard]] double input_scale() const noexcept { return input_scale_; }
  [[nodiscard]] double output_gain_db() const noexcept { return gain_db_; }
  /// Blocks (process calls) in which the model ran away at least once since the last reset_statistics(); each
  /// runaway restarts that channel from rest and outputs silence for the base-rate sample where it happened.
  [[nodiscard]] std::uint64_t diverged_blocks() const noexcept {
    return diverged_blocks_.load(std::memory_order_relaxed);
  }
  /// Base-rate samples (all channels) replaced by silence after a runaway.
  [[nodiscard]] std::uint64_t diverged_samples() const noexcept {
    return diverged_samples_.load(std::memory_order_relaxed);
  }
  void reset_statistics() noexcept {
    diverged_blocks_.store(0, std::memory_order_relaxed);
    diverged_samples_.store(0, std::memory_order_relaxed);
  }

  template <class T>
  void process_pair(AudioView<const T> carrier, AudioView<const T> modulator, AudioView<T> out) noexcept {
    if (fused_) {
      process_pair_fused(carrier, modulator, out);
      return;
    }
    const std::size_t f = static_cast<std::size_t>(factor_);
    double* cu = hi_carrier_.data();
    double* mu = hi_mod_.data();
    double* yo = hi_out_.data();
    const std::size_t nch = state_.size();  // prepared channels: the modulator histories follow
    std::uint64_t runaways = 0;
    for (std::size_t c = 0; c < carrier.num_channels(); ++c) {
      const T* x = carrier.channel(c);
      const std::size_t mc = modulator.num_channels() == 1 ? 0 : c;
      const T* m = modulator.channel(mc);
      T* y = out.channel(c);
      RingState s = state_[c];
      for (std::size_t i = 0; i < carrier.num_frames(); ++i) {
        up_.push_pair(c, input_scale_ * static_cast<double>(x[i]), cu, nch + c,
                      input_scale_ * static_cast<double>(m[i]), mu);
        ring_run(s, cu, mu, yo, f, coef_);
        if (!(std::fabs(s.u2) < kRunawayVolts && std::fabs(s.u3) < kRunawayVolts)) {  // NaN fails too
          s = RingState{};
          for (std::size_t j = 0; j < f; ++j) yo[j] = 0.0;
          ++runaways;
        }
        y[i] = static_cast<T>(gain_ * down_.push(c, yo));
      }
      state_[c] = s;
    }
    if (runaways > 0) {
      diverged_blocks_.fetch_add(1, std::memory_order_relaxed);
      diverged_samples_.fetch_add(runaways, std::memory_order_relaxed);
    }
  }
  template <class T>
  void process_impl(AudioView<const T> in, AudioView<T> out) noexcept;

 private:
  // The fused path (oversampling 25..32: one phase table row fits RingFilterWork::kFusedStride): per base-rate
  // sample, the core runs on the carrier and modulator interpolated one sample earlier while the
  // interpolation of this sample and the decimation of the previous core outputs run interleaved with it;
  // two base-rate samples more latency than the plain path.
  template <class T>
  void process_pair_fused(AudioView<const T> carrier, AudioView<const T> modulator, AudioView<T> out) noexcept {
    const std::size_t f = static_cast<std::size_t>(factor_);
    const std::size_t nch = state_.size();
    double* yo = hi_out_.data();
    std::uint64_t runaways = 0;
    RingFilterWork w;
    w.table = up_.table();
    w.taps = up_.taps();
    w.factor = f;
    w.dec_taps = down_.taps();
    w.dec_length = down_.length();
    for (std::size_t c = 0; c < carrier.num_channels(); ++c) {
      const T* x = carrier.channel(c);
      const T* m = modulator.channel(modulator.num_channels() == 1 ? 0 : c);
      T* y = out.channel(c);
      RingState s = state_[c];
      // Two buffers of prepared inputs per channel: this sample's and the next one's, alternating.
      constexpr std::size_t kP = RingFilterWork::kPreparedSize;
      double* buf = fused_buf_.data() + c * 2 * kP;
      unsigned char& parity = fused_parity_[c];
      for (std::size_t i = 0; i < carrier.num_frames(); ++i) {
        const double* cur = buf + parity * kP;
        w.next_prepared = buf + (1 - parity) * kP;
        parity = static_cast<unsigned char>(1 - parity);
        up_.push_history(c, input_scale_ * static_cast<double>(x[i]));
        up_.push_history(nch + c, input_scale_ * static_cast<double>(m[i]));
        w.history_carrier = up_.history(c);
        w.history_modulator = up_.history(nch + c);
        w.dec_history = down_.history(c);
        ring_run_fused(s, cur, yo, f, coef_, w);
        if (!(std::fabs(s.u2) < kRunawayVolts && std::fabs(s.u3) < kRunawayVolts)) {  // NaN fails too
          s = RingState{};
          for (std::size_t j = 0; j < f; ++j) yo[j] = 0.0;
          ++runaways;
        }
        down_.push_history(c, yo);
        y[i] = static_cast<T>(gain_ * w.dec_out);
      }
      state_[c] = s;
    }
    if (runaways > 0) {
      diverged_blocks_.fetch_add(1, std::memory_order_relaxed);
      diverged_samples_.fetch_add(runaways, std::memory_order_relaxed);
    }
  }

  int factor_;
  bool fused_ = false;
  double k_, modulator_hz_, modulator_level_;
  AntiAliasDesign design_;
  double input_scale_;
  double gain_db_, gain_;
  std::atomic<std::uint64_t> diverged_blocks_{0}, diverged_samples_{0};
  RingCoeffs coef_;
  Interpolator up_;  // channels 0..n-1: carrier, n..2n-1: modulator (one per carrier channel)
  Decimator down_;
  std::vector<RingState> state_;
  std::vector<double> hi_carrier_, hi_mod_, hi_out_;
  std::vector<double> fused_buf_;            // per channel: two buffers of prepared inputs (this sample's, the next's)
  std::vector<unsigned char> fused_parity_;  // per channel: which of the two holds this sample's
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
  /// Of those, the fixed point's sweeps done incrementally (each tanh a Taylor polynomial around the last
  /// split sweep's values; see the source), per sample.
  [[nodiscard]] double incremental_sweeps_per_sample() const noexcept;
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
        constexpr std::size_t kChunk = 128;
        double buf[kChunk];
        for (std::size_t i0 = 0; i0 < in.num_frames(); i0 += kChunk) {
          const std::size_t m = std::min(kChunk, in.num_frames() - i0);
          for (std::size_t i = 0; i < m; ++i) buf[i] = static_cast<double>(x[i0 + i]);
          step_block(s, buf, m, k);
          for (std::size_t i = 0; i < m; ++i) y[i0 + i] = static_cast<T>(buf[i]);
        }
      } else {
        double* hi = hi_.data();
        for (std::size_t i = 0; i < in.num_frames(); ++i) {
          up_.push(c, static_cast<double>(x[i]), hi);
          step_block(s, hi, f, k);
          y[i] = static_cast<T>(down_.push(c, hi));
        }
      }
    }
  }

 private:
  struct State {
    double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
    double vout = 0, vc1 = 0, vc2 = 0, vc3 = 0, vc4 = 0;
    double pv1 = 0, pv2 = 0, pv3 = 0, pv4 = 0;      // the solution one sample earlier (Newton's predictor)
    double ppv1 = 0, ppv2 = 0, ppv3 = 0, ppv4 = 0;  // and two samples earlier
    double vc11 = 0, vc21 = 0, vc31 = 0, vc41 = 0;
    // The split fixed point's last r0 without its x term, and the kappa0 it was formed with (0: not set; the
    // next sample's first sweep then starts from vout).
    double r0x = 0, k0 = 0;
  };
  struct Coeffs {
    double h = 0, K = 0, gfb = 0, tol = 0;
    int max_it = 0;
    // The fixed point's split form (see fixed_point_split), when its exponents are in range: polynomials
    // in t of exp(a t) on [-1, 1] for stage 1 (a = -2 kappa), stages 2 and 3 (a = 2 kappa), stage 0
    // (a = 2 kappa0).
    bool split = false;
    int m0 = 0, m123 = 0;  // squarings after the polynomials (exp(a t) = exp(a t / 2^m)^(2^m))
    double p1[8] = {}, p23[8] = {}, p0[18] = {};
  };
  [[nodiscard]] Coeffs coeffs() const noexcept;
  // n samples of v through the filter, in place.
  void step_block(State& s, double* v, std::size_t n, const Coeffs& k) noexcept;
  double step_fixed_point(State& s, double x, const Coeffs& k) noexcept;
  template <bool Rcp14>
  double fixed_point_split(State& s, double x, const Coeffs& k) noexcept;
  void split_block(State& s, double* v, std::size_t n, const Coeffs& k) noexcept;
  void split_block_avx512(State& s, double* v, std::size_t n, const Coeffs& k) noexcept;
  double step_newton(State& s, double x, const Coeffs& k) noexcept;
  void count_iterations(int n) noexcept;
  static void store_sweep(State& s, double vout, double vc1, double vc2, double vc3, double vc4, double vc11,
                          double vc21, double vc31, double vc41) noexcept;
  bool avx512_ = false;

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
  std::uint64_t iterations_ = 0, samples_ = 0, max_used_ = 0, incremental_ = 0;
};

}  // namespace percept::dsp
