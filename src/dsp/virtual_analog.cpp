#include "percept/dsp/virtual_analog.hpp"

#include <cmath>
#include <numbers>
#include <string>

#include "percept/core/error.hpp"
#include "percept/dsp/fast_math.hpp"

namespace percept::dsp {

namespace {

constexpr double kC = 10e-9, kCp = 10e-9, kL = 0.8;

void check_rate(double sr, const char* who) {
  if (!(sr > 0) || !std::isfinite(sr)) throw InvalidArgument(std::string(who) + ": sample_rate must be positive");
}
void check_spec(const ProcessSpec& spec, const char* who) {
  check_rate(spec.sample_rate, who);
  if (spec.num_channels == 0) throw InvalidArgument(std::string(who) + ": need at least one channel");
  if (spec.max_block_size == 0) throw InvalidArgument(std::string(who) + ": max_block_size must be positive");
}
void check_ring_params(double k, double modulator_hz, double level) {
  if (!(k > 0) || !std::isfinite(k)) throw InvalidArgument("ring: k must be positive, got " + std::to_string(k));
  if (!(modulator_hz >= 0) || !std::isfinite(modulator_hz)) throw InvalidArgument("ring: modulator_hz must be >= 0");
  if (!std::isfinite(level)) throw InvalidArgument("ring: modulator_level must be finite");
}

// The internal modulator for the generic one-input interface: a sine, phase kept across blocks.
template <class T>
void fill_sine(T* out, std::size_t n, double& phase, double inc, double level) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = static_cast<T>(level * std::sin(phase));
    phase += inc;
    if (phase > 2 * std::numbers::pi) phase -= 2 * std::numbers::pi;
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
DiodeRingCore::DiodeRingCore(double sample_rate, double k, double modulator_hz, double modulator_level)
    : k_(k), modulator_hz_(modulator_hz), modulator_level_(modulator_level) {
  check_rate(sample_rate, "ringcore");
  check_ring_params(k, modulator_hz, modulator_level);
  set_sample_rate_hint(sample_rate);
}

void DiodeRingCore::prepare(const ProcessSpec& spec) {
  check_spec(spec, "ringcore");
  const double T = 1.0 / spec.sample_rate;
  tc_ = T / kC;
  tcp_ = T / kCp;
  tl_ = T / kL;
  state_.assign(spec.num_channels, RingState{});
  mod_f_.assign(spec.max_block_size, 0.0f);
  mod_d_.assign(spec.max_block_size, 0.0);
  phase_ = 0;
  phase_inc_ = 2 * std::numbers::pi * modulator_hz_ / spec.sample_rate;
  set_spec(spec);
}

void DiodeRingCore::reset() noexcept {
  for (auto& s : state_) s = RingState{};
  phase_ = 0;
}

template <class T>
void DiodeRingCore::process_impl(AudioView<const T> in, AudioView<T> out) noexcept {
  T* m;
  if constexpr (std::is_same_v<T, float>)
    m = mod_f_.data();
  else
    m = mod_d_.data();
  fill_sine(m, in.num_frames(), phase_, phase_inc_, modulator_level_);
  const T* ptr[1] = {m};
  process_pair<T>(in, AudioView<const T>(ptr, 1, in.num_frames()), out);
}
template void DiodeRingCore::process_impl<float>(AudioView<const float>, AudioView<float>) noexcept;
template void DiodeRingCore::process_impl<double>(AudioView<const double>, AudioView<double>) noexcept;

// ---------------------------------------------------------------------------------------------
DiodeRingModulator::DiodeRingModulator(double sample_rate, int oversampling, double k, double modulator_hz,
                                       double modulator_level, AntiAliasDesign design, double input_scale)
    : factor_(oversampling),
      k_(k),
      modulator_hz_(modulator_hz),
      modulator_level_(modulator_level),
      design_(design),
      input_scale_(input_scale > 0 ? input_scale : 0.2) {
  if (!std::isfinite(input_scale)) throw InvalidArgument("ring: input_scale must be finite");
  check_rate(sample_rate, "ring");
  check_ring_params(k, modulator_hz, modulator_level);
  if (oversampling < 1 || oversampling > 256)
    throw InvalidArgument("ring: oversampling must be 1..256, got " + std::to_string(oversampling));
  (void)design_antialias(oversampling, design);  // validates the design parameters now
  set_sample_rate_hint(sample_rate);
}

void DiodeRingModulator::prepare(const ProcessSpec& spec) {
  check_spec(spec, "ring");
  const double T = 1.0 / (spec.sample_rate * factor_);
  tc_ = T / kC;
  tcp_ = T / kCp;
  tl_ = T / kL;
  up_.prepare(spec.num_channels, factor_, design_);
  mod_up_.prepare(spec.num_channels, factor_, design_);
  down_.prepare(spec.num_channels, factor_, design_);
  state_.assign(spec.num_channels, RingState{});
  const auto f = static_cast<std::size_t>(factor_);
  hi_carrier_.assign(f, 0.0);
  hi_mod_.assign(f, 0.0);
  hi_out_.assign(f, 0.0);
  mod_f_.assign(spec.max_block_size, 0.0f);
  mod_d_.assign(spec.max_block_size, 0.0);
  phase_ = 0;
  phase_inc_ = 2 * std::numbers::pi * modulator_hz_ / spec.sample_rate;
  set_spec(spec);
}

void DiodeRingModulator::reset() noexcept {
  for (auto& s : state_) s = RingState{};
  up_.reset();
  mod_up_.reset();
  down_.reset();
  phase_ = 0;
}

std::size_t DiodeRingModulator::latency() const noexcept {
  return static_cast<std::size_t>(std::lround((up_.delay() + down_.delay()) / factor_));
}

template <class T>
void DiodeRingModulator::process_impl(AudioView<const T> in, AudioView<T> out) noexcept {
  T* m;
  if constexpr (std::is_same_v<T, float>)
    m = mod_f_.data();
  else
    m = mod_d_.data();
  fill_sine(m, in.num_frames(), phase_, phase_inc_, modulator_level_);
  const T* ptr[1] = {m};
  process_pair<T>(in, AudioView<const T>(ptr, 1, in.num_frames()), out);
}
template void DiodeRingModulator::process_impl<float>(AudioView<const float>, AudioView<float>) noexcept;
template void DiodeRingModulator::process_impl<double>(AudioView<const double>, AudioView<double>) noexcept;

// ---------------------------------------------------------------------------------------------
Vcs3Solver parse_vcs3_solver(const std::string& name) {
  if (name == "fixed-point" || name == "fixed_point" || name == "fixedpoint" || name == "fixed")
    return Vcs3Solver::FixedPoint;
  if (name == "newton" || name == "newton-raphson") return Vcs3Solver::Newton;
  throw InvalidArgument("vcs3: solver must be 'fixed-point' or 'newton', got '" + name + "'");
}

Vcs3Filter::Vcs3Filter(double sample_rate, double control_current, double feedback, Vcs3Solver solver, double tolerance,
                       int max_iterations, int oversampling, AntiAliasDesign design)
    : i0_(30e-6),
      gfb_(5.175),
      solver_(solver),
      tol_(tolerance),
      max_it_(max_iterations),
      factor_(oversampling),
      design_(design) {
  check_rate(sample_rate, "vcs3");
  set_control_current(control_current);
  set_feedback(feedback);
  if (!(tolerance > 0 && tolerance < 1))
    throw InvalidArgument("vcs3: tolerance must be in (0, 1), got " + std::to_string(tolerance));
  if (max_iterations < 1 || max_iterations > 100000)
    throw InvalidArgument("vcs3: max_iterations must be 1..100000, got " + std::to_string(max_iterations));
  if (oversampling < 1 || oversampling > 256)
    throw InvalidArgument("vcs3: oversampling must be 1..256, got " + std::to_string(oversampling));
  if (oversampling > 1) (void)design_antialias(oversampling, design);
  set_sample_rate_hint(sample_rate);
}

void Vcs3Filter::set_control_current(double amps) {
  if (!(amps > 0 && amps < 1e-2) || !std::isfinite(amps))
    throw InvalidArgument("vcs3: control_current must be in (0, 0.01) A, got " + std::to_string(amps));
  i0_.store(amps, std::memory_order_relaxed);
}

void Vcs3Filter::set_feedback(double feedback) {
  if (!(feedback >= 0 && feedback <= 100) || !std::isfinite(feedback))
    throw InvalidArgument("vcs3: feedback must be in [0, 100], got " + std::to_string(feedback));
  gfb_.store(feedback, std::memory_order_relaxed);
}

void Vcs3Filter::prepare(const ProcessSpec& spec) {
  check_spec(spec, "vcs3");
  T_ = 1.0 / (spec.sample_rate * factor_);
  state_.assign(spec.num_channels, State{});
  if (factor_ > 1) {
    up_.prepare(spec.num_channels, factor_, design_);
    down_.prepare(spec.num_channels, factor_, design_);
    hi_.assign(static_cast<std::size_t>(factor_), 0.0);
  }
  set_spec(spec);
}

void Vcs3Filter::reset() noexcept {
  for (auto& s : state_) s = State{};
  if (factor_ > 1) {
    up_.reset();
    down_.reset();
  }
}

std::size_t Vcs3Filter::latency() const noexcept {
  if (factor_ == 1) return 0;
  return static_cast<std::size_t>(std::lround((up_.delay() + down_.delay()) / factor_));
}

double Vcs3Filter::iterations_per_sample() const noexcept {
  return samples_ ? static_cast<double>(iterations_) / static_cast<double>(samples_) : 0.0;
}

void Vcs3Filter::reset_statistics() noexcept {
  iterations_ = samples_ = max_used_ = 0;
}

Vcs3Filter::Coeffs Vcs3Filter::coeffs() const noexcept {
  constexpr double c = 0.01e-6;
  return Coeffs{T_ / 2., i0_.load(std::memory_order_relaxed) / 2. / c, gfb_.load(std::memory_order_relaxed), tol_,
                max_it_};
}

double Vcs3Filter::step(State& s, double x, const Coeffs& k) noexcept {
  return solver_ == Vcs3Solver::Newton ? step_newton(s, x, k) : step_fixed_point(s, x, k);
}

namespace {
constexpr double kEta = 1.836, kVt = 0.026;
constexpr double kGamma = kEta * kVt;
}  // namespace

// The authors' iteration: one Gauss-Seidel sweep through the four stages per iteration, the output
// feedback taken from the previous sweep, vc4 restarted from 0 at every sample.
double Vcs3Filter::step_fixed_point(State& s, double x, const Coeffs& k) noexcept {
  const double inv_2vt = 1.0 / (2. * kVt), inv_2g = 1.0 / (2. * kGamma), inv_6g = 1.0 / (6. * kGamma);
  // (T/2) * (I0/2C) folded into one constant and the output gain into one: one multiplication less per
  // stage on the iteration's serial chain (the results move by rounding only).
  const double hk = k.h * k.K, gout = 0.5 + k.gfb;
  double vout = s.vout, vc1 = s.vc1, vc2 = s.vc2, vc3 = s.vc3;
  double vc11 = s.vc11, vc21 = s.vc21, vc31 = s.vc31, vc41 = s.vc41;
  double vc4 = 0.0, past = 1.0;
  int n = 0;
  while (std::abs(vc4 - past) > k.tol * std::abs(past)) {
    past = vc4;
    const double vin1 = fast_tanh((x - vout) * inv_2vt);
    vc1 = hk * (vin1 + vc11) + s.s1;
    vc11 = fast_tanh((vc2 - vc1) * inv_2g);
    vc2 = hk * (vc21 - vc11) + s.s2;
    vc21 = fast_tanh((vc3 - vc2) * inv_2g);
    vc3 = hk * (vc31 - vc21) + s.s3;
    vc31 = fast_tanh((vc4 - vc3) * inv_2g);
    vc4 = hk * (-vc41 - vc31) + s.s4;
    vc41 = fast_tanh(vc4 * inv_6g);
    vout = vc4 * gout;
    if (++n == k.max_it) break;
  }
  iterations_ += static_cast<std::uint64_t>(n);
  ++samples_;
  if (static_cast<std::uint64_t>(n) > max_used_) max_used_ = static_cast<std::uint64_t>(n);
  s.vout = vout;
  s.vc1 = vc1;
  s.vc2 = vc2;
  s.vc3 = vc3;
  s.vc4 = vc4;
  s.vc11 = vc11;
  s.vc21 = vc21;
  s.vc31 = vc31;
  s.vc41 = vc41;
  // s <- (T/2) x' + v with (T/2) x' = v - s.
  s.s1 = 2 * vc1 - s.s1;
  s.s2 = 2 * vc2 - s.s2;
  s.s3 = 2 * vc3 - s.s3;
  s.s4 = 2 * vc4 - s.s4;
  return vout;
}

// Newton-Raphson on F(v) = v - q f(v) - s = 0 (q = T/2 * I0/(2C)), v = (vc1..vc4), started from the
// previous sample's solution. The Jacobian is tridiagonal plus the feedback entry dF1/dv4; it is solved
// by elimination without pivoting (the diagonal is 1 + q * (non-negative terms)).
double Vcs3Filter::step_newton(State& s, double x, const Coeffs& k) noexcept {
  const double inv_2vt = 1.0 / (2. * kVt), inv_2g = 1.0 / (2. * kGamma), inv_6g = 1.0 / (6. * kGamma);
  const double q = k.h * k.K;
  const double a = 0.5 + k.gfb;
  // Linear extrapolation from the last two solutions: usually within the tolerance after one step.
  double v1 = 2 * s.vc1 - s.pv1, v2 = 2 * s.vc2 - s.pv2, v3 = 2 * s.vc3 - s.pv3, v4 = 2 * s.vc4 - s.pv4;
  double t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0;
  int n = 0;
  for (;;) {
    // The five tanh are independent: four in SIMD lanes, the fifth alongside.
    const double args[4] = {(x - a * v4) * inv_2vt, (v2 - v1) * inv_2g, (v3 - v2) * inv_2g, (v4 - v3) * inv_2g};
    double th[4];
    fast_tanh4(args, th);
    t0 = th[0];
    t1 = th[1];
    t2 = th[2];
    t3 = th[3];
    t4 = fast_tanh(v4 * inv_6g);
    const double F1 = v1 - q * (t0 + t1) - s.s1;
    const double F2 = v2 - q * (t2 - t1) - s.s2;
    const double F3 = v3 - q * (t3 - t2) - s.s3;
    const double F4 = v4 + q * (t4 + t3) - s.s4;
    const double d0 = (1 - t0 * t0) * inv_2vt, d1 = (1 - t1 * t1) * inv_2g, d2 = (1 - t2 * t2) * inv_2g;
    const double d3 = (1 - t3 * t3) * inv_2g, d4 = (1 - t4 * t4) * inv_6g;
    // Rows: [a11 a12 0 a14 | F1], [a21 a22 a23 0 | F2], [0 a32 a33 a34 | F3], [0 0 a43 a44 | F4]
    double a11 = 1 + q * d1, a12 = -q * d1, a14 = q * a * d0;
    double a21 = -q * d1, a22 = 1 + q * (d1 + d2), a23 = -q * d2, a24 = 0;
    double a32 = -q * d2, a33 = 1 + q * (d2 + d3), a34 = -q * d3;
    double a43 = -q * d3, a44 = 1 + q * (d3 + d4);
    double r1 = F1, r2 = F2, r3 = F3, r4 = F4;
    // Elimination with one reciprocal per pivot (four divisions on the dependency chain instead of seven).
    const double i11 = 1.0 / a11;
    double m = a21 * i11;  // column 1 out of row 2
    a22 -= m * a12;
    a24 -= m * a14;
    r2 -= m * r1;
    const double i22 = 1.0 / a22;
    m = a32 * i22;  // column 2 out of row 3 (row 3 gains a fill-in in column 4 through a24)
    a33 -= m * a23;
    a34 -= m * a24;
    r3 -= m * r2;
    const double i33 = 1.0 / a33;
    m = a43 * i33;  // column 3 out of row 4
    a44 -= m * a34;
    r4 -= m * r3;
    const double dv4 = r4 / a44;
    const double dv3 = (r3 - a34 * dv4) * i33;
    const double dv2 = (r2 - a23 * dv3 - a24 * dv4) * i22;
    const double dv1 = (r1 - a12 * dv2 - a14 * dv4) * i11;
    v1 -= dv1;
    v2 -= dv2;
    v3 -= dv3;
    v4 -= dv4;
    ++n;
    const double scale = std::max(std::max(std::abs(v1), std::abs(v2)), std::max(std::abs(v3), std::abs(v4)));
    const double step = std::max(std::max(std::abs(dv1), std::abs(dv2)), std::max(std::abs(dv3), std::abs(dv4)));
    // Quadratic convergence: a step below tol * |v| leaves an error of order (tol)^2 |v|.
    if (step <= k.tol * scale || step < 1e-15 || n >= k.max_it) break;
  }
  iterations_ += static_cast<std::uint64_t>(n);
  ++samples_;
  if (static_cast<std::uint64_t>(n) > max_used_) max_used_ = static_cast<std::uint64_t>(n);
  // The state update of the trapezoidal rule: s <- h x' + v, with h x' = v - s.
  s.s1 = 2 * v1 - s.s1;
  s.s2 = 2 * v2 - s.s2;
  s.s3 = 2 * v3 - s.s3;
  s.s4 = 2 * v4 - s.s4;
  s.pv1 = s.vc1;
  s.pv2 = s.vc2;
  s.pv3 = s.vc3;
  s.pv4 = s.vc4;
  s.vc1 = v1;
  s.vc2 = v2;
  s.vc3 = v3;
  s.vc4 = v4;
  s.vout = a * v4;
  return s.vout;
}

}  // namespace percept::dsp
