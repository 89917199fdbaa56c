#include "percept/dsp/virtual_analog.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numbers>
#include <string>
#include <type_traits>

#include "fir_kernels.hpp"
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

// The one-input interface of the ring processors: the modulator is an internal sine (phase kept across
// blocks) in the prepared scratch of the block's sample type, then the two-input process_pair.
template <class P, class T>
void process_with_sine(P& p, AudioView<const T> in, AudioView<T> out, std::vector<float>& mod_f,
                       std::vector<double>& mod_d, double& phase, double phase_inc, double level) noexcept {
  T* m;
  if constexpr (std::is_same_v<T, float>)
    m = mod_f.data();
  else
    m = mod_d.data();
  fill_sine(m, in.num_frames(), phase, phase_inc, level);
  const T* ptr[1] = {m};
  p.template process_pair<T>(in, AudioView<const T>(ptr, 1, in.num_frames()), out);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
RingCoeffs make_ring_coeffs(double k, double sample_rate) noexcept {
  constexpr double Ra = 600.0, Ri = 50.0, Rm = 80.0;
  const double T = 1.0 / sample_rate;
  const double tc = T / kC, tcp = T / kCp, tl = T / kL;
  const double g = 0.17 * tcp, h = 0.085 * tc, rho = h / g;
  RingCoeffs c;
  c.alpha = std::cbrt(g);
  c.inv_alpha = 1.0 / c.alpha;
  c.ca = 1 + rho;
  c.cb = 1 - rho;
  c.c1 = rho / c.alpha;
  c.c3 = 1.0 / c.alpha;
  c.ab1 = 1 - tc / Rm - tc * tl;
  c.ab2 = 1 - tc / Ra - tc * tl;
  c.a3 = 1 - tcp / Ri;
  c.tc = tc;
  c.inv_tc = 1.0 / tc;
  c.tl = tl;
  c.bm = tc * k / Rm;
  c.k = k;
  // Derived constants of ring_loop (see there), as lane pairs in the order ring_loop reads them.
  const double ha = 0.5 * c.alpha, k3 = c.alpha * c.a3, ctl = c.tc * c.tl;
  const double gc = ha * c.c1, gs = gc * (c.ab1 + c.ab2), gd = gc * (c.ab1 - c.ab2), hz = k3 * c.c3;
  const double k1[2] = {c.ab1 * c.ab1 - ctl, c.ab2 * c.ab2 - ctl}, k2[2] = {c.ab1 + 1.0, c.ab2 + 1.0};
  const double pairs[16][2] = {{gs, gs},
                               {gd, gd},
                               {hz, hz},
                               {0.5 * (c.ca - c.cb), 0.5 * (c.ca - c.cb)},
                               {c.ab1, c.ab2},
                               {ha, ha},
                               {-1.0, 1.0},
                               {c.c1, c.c1},
                               {-c.c1, c.c1},
                               {ctl, ctl},
                               {ha * k1[0], ha * k1[1]},
                               {-ha * k1[1], ha * k1[0]},
                               {ha * k2[0], ha * k2[1]},
                               {-ha * k2[1], ha * k2[0]},
                               {-k3 * c.a3, k3 * c.a3},
                               {0.0, 0.0}};
  std::memcpy(c.pairs, pairs, sizeof pairs);
  c.km = ha * c.bm;
  c.kx = c.alpha * c.k;
  c.kmm = ha * c.ab1 * c.bm;
  c.k3 = k3;
  return c;
}

// The step, with A1 = u1 + tc (i1 - (u1 - k m)/Rm), A2 = u2 + tc (i2 - u2/Ra), A3 = u3 (1 - tcp/Ri) the
// linear parts and p = 0.17 u^4 the diode terms:
//   u1' = A1 + (tc/2)(p7 + p5 - p4 - p6),  u2' = A2 + (tc/2)(p4 + p7 - p5 - p6),  u3' = A3 + tcp (p4 + p5 - p6 - p7)
//   u4' = (u1' - u2')/2 - u3' - k x  (u5', u6', u7' likewise),  i' = i - (T/L) u'.
// With w = alpha u and pi = w^4: u4' alpha = B4 + (pi6 + pi7) - (1 + rho) pi4 - (1 - rho) pi5, where
// B4 = alpha ((A1 - A2)/2 - A3 - k x). tc i1 is carried as J1 = tc i1 of the step before (A1 = ab1 u1 + J1
// + bm m), so that the inductor update does not sit between u1' and the next B.
// The loop-carried chain is w -> w^2 -> (c w^2) w^2 -> w': the four quartic terms and B are summed as a
// tree (two multiply-adds after the squares, then one add), about 15 cycles per step. B of the next step
// is linear in this step's pi (through u1', u2', u3'): it is formed here as a part from this step's
// linear terms and the next input (off the chain) plus a fixed linear map of pi, so that no update of
// u1..u3 sits between two steps' diode terms.
// Two-lane form (GCC/Clang vector extensions; SSE2 on baseline x86-64): (u1, u2), (j1, j2) and the scaled
// diode voltages (w4, w6), (w5, w7) are pairs, so that the symmetric updates share instructions.
typedef double v2d __attribute__((vector_size(16)));

namespace {
inline v2d swap2(v2d v) noexcept {
  return __builtin_shufflevector(v, v, 1, 0);
}
inline v2d splat(double v) noexcept {
  return v2d{v, v};
}
}  // namespace

// The loop, with hook(i) called in every step (the fused filter work; nothing for ring_run). Always
// inlined into ring_run and ring_run_fused, so that it is compiled for each of their targets.
template <class Inputs, class Hook>
[[gnu::always_inline]] inline void ring_loop(RingState& s, const Inputs& in, double* out, std::size_t n,
                                             const RingCoeffs& c, Hook&& hook) noexcept {
  if (n == 0) return;
  // Constants (make_ring_coeffs): B's dependence on the previous step's pi is (X, Y) += g sigma (E, F) +
  // g delta (F, E), Z += hz (S45 - S67) with E = pi5 - pi4, F = pi7 - pi6, S45 = pi4 + pi5, S67 = pi6 + pi7,
  // sigma = ab1 + ab2, delta = ab1 - ab2; GS = g sigma, GD = g delta; KU, KUX, KJ, KJX: see below.
  auto pair = [&](int i) {
    v2d v;
    std::memcpy(&v, c.pairs[i], sizeof v);
    return v;
  };
  const v2d GS = pair(0), GD = pair(1), HZ = pair(2), RHO = pair(3), AB = pair(4), HA = pair(5), MP = pair(6);
  const v2d C1 = pair(7), C1MP = pair(8), CTL = pair(9), KU = pair(10), KUX = pair(11), KJ = pair(12);
  const v2d KJX = pair(13), ZU3 = pair(14);
  const double k3 = c.k3, c3 = c.c3, a3 = c.a3;
  v2d U = {s.u1, s.u2};
  double u3 = s.u3;
  v2d J = {c.tc * (s.i1 + c.tl * s.u1), c.tc * (s.i2 + c.tl * s.u2)};  // tc i one step earlier
  v2d Wa = {c.alpha * s.u4, c.alpha * s.u6}, Wb = {c.alpha * s.u5, c.alpha * s.u7};
  // B of the first step, from the state: (B4, B6) = (X, Y) + (-Z, Z), (B5, B7) = (-Z, Z) - (X, Y) with
  // (X, Y) = ha (V0 - V1, V0 + V1), V = (ab1 u1, ab2 u2) + J, Z = k3 u3, plus the inputs' share.
  v2d Ba, Bb;
  {
    const v2d V = AB * U + J;
    const v2d XY = HA * (splat(V[0]) + MP * splat(V[1]));
    const v2d ZZ = {-k3 * u3, k3 * u3};
    Ba = XY + ZZ + in.first_a();
    Bb = ZZ - XY + in.first_b();
  }
  for (std::size_t i = 0; i < n; ++i) {
    // Diode terms in sums and differences: S = (pi4 + pi5, pi6 + pi7), D = (pi4 - pi5, pi6 - pi7),
    // Dl = (S67 - S45, S45 - S67). Then (w4', w6') = Dl - rho D + (B4, B6), (w5', w7') = Dl + rho D + (B5, B7).
    const v2d Qa = Wa * Wa, Qb = Wb * Wb;  // (w4^2, w6^2), (w5^2, w7^2)
    const v2d Pa = Qa * Qa, Pb = Qb * Qb;  // (pi4, pi6), (pi5, pi7)
    const v2d S = Pa + Pb, D = Pa - Pb;
    const v2d Dl = swap2(S) - S;
    Wa = Dl + (Ba - RHO * D);
    Wb = Dl + (Bb + RHO * D);
    // B of the next step: its part from this step's u1..u3, J and the inputs (Ca, Cb, formed directly from
    // them rather than through u1'..u3') plus the map of pi: (B4, B6) += Z - Y, (B5, B7) += Z + Y with
    // Y = gs D + gd (D67, D45), Z = hz Dl. With A = AB u + J + M and J' = J - ctl u:
    // V = AB A + J' = K1 u + K2 J + AB M, (X, Y) = HA V + HA2 (V1, V0).
    // The inputs' terms (RingInputs): pa(i) = (the next step's input share of B4, B6) + this step's
    // modulator term of (X, Y), pb(i) likewise for (B5, B7) minus that term.
    const v2d Ux = swap2(U), Jx = swap2(J), Dx = swap2(D);
    const v2d XY = (KU * U + KJ * J) + (KUX * Ux + KJX * Jx);
    const v2d ZZ = ZU3 * u3;  // (-Z, Z) with Z = k3 A3
    const v2d Ca = ZZ + in.pa(i) + XY, Cb = ZZ + in.pb(i) - XY;
    const v2d Y = GS * D + GD * Dx, Z = HZ * Dl;
    Ba = Ca + (Z - Y);
    Bb = Cb + (Z + Y);
    // The linear state: u' = A + c1 (E + F, F - E) with (E, F) = -D, J' = J - ctl u, u3' = A3 + c3 (S45 - S67).
    const v2d M = {in.mm(i), 0.0};
    const v2d A = AB * U + J + M;
    J -= CTL * U;
    U = A - C1 * D + C1MP * Dx;
    u3 = a3 * u3 - c3 * Dl[0];
    out[i] = U[1];
    hook(i);
  }
  s.u1 = U[0];
  s.u2 = U[1];
  s.u3 = u3;
  s.i1 = J[0] * c.inv_tc - c.tl * U[0];
  s.i2 = J[1] * c.inv_tc - c.tl * U[1];
  s.u4 = Wa[0] * c.inv_alpha;
  s.u6 = Wa[1] * c.inv_alpha;
  s.u5 = Wb[0] * c.inv_alpha;
  s.u7 = Wb[1] * c.inv_alpha;
}

#define PERCEPT_RING_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

namespace {
// The inputs' terms of ring_loop, with em = km m, ex = kx x (modulator m, carrier x):
//   first_a() = (em - ex, em + ex) at step 0 (the inputs' share of (B4, B6)), first_b() = (-ex - em, ex - em),
//   pa(i) = the same at step i + 1 plus kmm m[i] (the modulator's share of (X, Y) at step i),
//   pb(i) = (-ex - em, ex - em) at step i + 1 minus kmm m[i], mm(i) = bm m[i] (its share of A1).
// (pa and pb of the last step are not used: the next call starts from the state.)
// RawInputs forms them from the signals in the loop; PreparedInputs loads them, as the fused kernel's
// epilogue wrote them (vectorized) for the next base-rate sample.
struct RawInputs {
  const double* x;
  const double* m;
  std::size_t n;
  double km, kx, kmm, bm;
  [[nodiscard]] v2d share(std::size_t i) const noexcept {
    const double em = km * m[i], ex = kx * x[i];
    return v2d{em - ex, em + ex};
  }
  [[nodiscard]] v2d first_a() const noexcept { return share(0); }
  [[nodiscard]] v2d first_b() const noexcept { return -swap2(share(0)); }
  [[nodiscard]] v2d pa(std::size_t i) const noexcept { return share(i + 1 < n ? i + 1 : i) + splat(kmm * m[i]); }
  [[nodiscard]] v2d pb(std::size_t i) const noexcept {
    return -swap2(share(i + 1 < n ? i + 1 : i)) - splat(kmm * m[i]);
  }
  [[nodiscard]] double mm(std::size_t i) const noexcept { return bm * m[i]; }
};

struct PreparedInputs {
  const double* p;  // RingFilterWork::kPreparedSize doubles: pa, pb (pairs), mm, first_a, first_b
  static constexpr std::size_t kS = RingFilterWork::kFusedStride;
  [[nodiscard]] v2d load(std::size_t off) const noexcept {
    v2d v;
    std::memcpy(&v, p + off, sizeof v);
    return v;
  }
  [[nodiscard]] v2d first_a() const noexcept { return load(5 * kS); }
  [[nodiscard]] v2d first_b() const noexcept { return load(5 * kS + 2); }
  [[nodiscard]] v2d pa(std::size_t i) const noexcept { return load(2 * i); }
  [[nodiscard]] v2d pb(std::size_t i) const noexcept { return load(2 * kS + 2 * i); }
  [[nodiscard]] double mm(std::size_t i) const noexcept { return p[4 * kS + i]; }
};
}  // namespace

PERCEPT_RING_CLONES void ring_run(RingState& s, const double* carrier, const double* modulator, double* out,
                                  std::size_t n, const RingCoeffs& c) noexcept {
  ring_loop(s, RawInputs{carrier, modulator, n, c.km, c.kx, c.kmm, c.bm}, out, n, c, [](std::size_t) {});
}

// Per core step: one row of the interpolation table for both signals (eight accumulators: four vectors of
// phases x two signals) and 32 taps of the decimation filter (four accumulators). What the steps do not
// cover is finished after the loop. (Written out rather than with fir::Rows2 / fir::dot32: measured 6 %
// faster for the whole processor, 225 vs 240 ns per sample, bench/bench_dsp.py --only ring, five runs each.)
using fir::load8;
using fir::v8f;

PERCEPT_RING_CLONES void ring_run_fused(RingState& s, const double* prepared, double* out, std::size_t n,
                                        const RingCoeffs& c, RingFilterWork& w) noexcept {
  constexpr std::size_t kStride = RingFilterWork::kFusedStride;
  v8f a0 = {}, a1 = {}, a2 = {}, a3 = {}, b0 = {}, b1 = {}, b2 = {}, b3 = {}, d0 = {}, d1 = {}, d2 = {}, d3 = {};
  const float* table = w.table;
  const float* hc = w.history_carrier;
  const float* hm = w.history_modulator;
  const float* dt = w.dec_taps;
  const float* dh = w.dec_history;
  const std::size_t taps = w.taps, dchunks = w.dec_length / 32;
  auto interp_row = [&](std::size_t k) {
    v8f p0, p1, p2, p3;
    const float* r = table + k * kStride;
    load8(p0, r);
    load8(p1, r + 8);
    load8(p2, r + 16);
    load8(p3, r + 24);
    const float x = hc[k], y = hm[k];
    a0 += p0 * x;
    a1 += p1 * x;
    a2 += p2 * x;
    a3 += p3 * x;
    b0 += p0 * y;
    b1 += p1 * y;
    b2 += p2 * y;
    b3 += p3 * y;
  };
  auto dec_chunk = [&](std::size_t q) {
    v8f x0, x1, x2, x3, y0, y1, y2, y3;
    const float* t = dt + 32 * q;
    const float* h = dh + 32 * q;
    load8(x0, t);
    load8(x1, t + 8);
    load8(x2, t + 16);
    load8(x3, t + 24);
    load8(y0, h);
    load8(y1, h + 8);
    load8(y2, h + 16);
    load8(y3, h + 24);
    d0 += x0 * y0;
    d1 += x1 * y1;
    d2 += x2 * y2;
    d3 += x3 * y3;
  };
  // Rows and chunks beyond the n steps go into the first steps (taps_per_phase 32 at 30x: two rows more).
  ring_loop(s, PreparedInputs{prepared}, out, n, c, [&](std::size_t i) {
    if (i < taps) interp_row(i);
    if (i + n < taps) interp_row(i + n);
    if (i < dchunks) dec_chunk(i);
    if (i + n < dchunks) dec_chunk(i + n);
  });
  for (std::size_t k = 2 * n; k < taps; ++k) interp_row(k);
  for (std::size_t q = 2 * n; q < dchunks; ++q) dec_chunk(q);
  // The next sample's prepared inputs (PreparedInputs), four steps at a time: em = km m, ex = kx x from the
  // interpolated values (the phases past `factor` are zero, so step factor - 1 reads zeros as its next).
  typedef double v4d __attribute__((vector_size(32)));
  typedef float v4f __attribute__((vector_size(16)));
  // Four-lane pieces of em = km m and ex = kx x (the ninth is zero: what step 31 reads as its next).
  v4d E[9], X[9];
  {
    const v8f* acc_x[4] = {&a0, &a1, &a2, &a3};
    const v8f* acc_m[4] = {&b0, &b1, &b2, &b3};
    for (int q = 0; q < 4; ++q) {
      const v4f xl = __builtin_shufflevector(*acc_x[q], *acc_x[q], 0, 1, 2, 3);
      const v4f xh = __builtin_shufflevector(*acc_x[q], *acc_x[q], 4, 5, 6, 7);
      const v4f ml = __builtin_shufflevector(*acc_m[q], *acc_m[q], 0, 1, 2, 3);
      const v4f mh = __builtin_shufflevector(*acc_m[q], *acc_m[q], 4, 5, 6, 7);
      X[2 * q] = __builtin_convertvector(xl, v4d) * c.kx;
      X[2 * q + 1] = __builtin_convertvector(xh, v4d) * c.kx;
      E[2 * q] = __builtin_convertvector(ml, v4d) * c.km;
      E[2 * q + 1] = __builtin_convertvector(mh, v4d) * c.km;
    }
    E[8] = v4d{};
    X[8] = v4d{};
  }
  double* p = w.next_prepared;
  const double r_xm = c.kmm / c.km, r_mm = c.bm / c.km;  // kmm m and bm m from em
  for (std::size_t q = 0; q < 8; ++q) {
    const std::size_t i = 4 * q;
    const v4d e0 = E[q];
    const v4d e1 = __builtin_shufflevector(E[q], E[q + 1], 1, 2, 3, 4),
              x1 = __builtin_shufflevector(X[q], X[q + 1], 1, 2, 3, 4);
    const v4d xm = e0 * r_xm, mm = e0 * r_mm;
    const v4d A0 = (e1 - x1) + xm, A1 = (e1 + x1) + xm;  // pa = (A0, A1), pb = (-A1, -A0)
    const v4d lo = __builtin_shufflevector(A0, A1, 0, 4, 1, 5), hi = __builtin_shufflevector(A0, A1, 2, 6, 3, 7);
    const v4d nlo = -__builtin_shufflevector(A1, A0, 0, 4, 1, 5), nhi = -__builtin_shufflevector(A1, A0, 2, 6, 3, 7);
    std::memcpy(p + 2 * i, &lo, sizeof lo);
    std::memcpy(p + 2 * i + 4, &hi, sizeof hi);
    std::memcpy(p + 2 * kStride + 2 * i, &nlo, sizeof nlo);
    std::memcpy(p + 2 * kStride + 2 * i + 4, &nhi, sizeof nhi);
    std::memcpy(p + 4 * kStride + i, &mm, sizeof mm);
  }
  const double em0 = E[0][0], ex0 = X[0][0];
  p[5 * kStride] = em0 - ex0;
  p[5 * kStride + 1] = em0 + ex0;
  p[5 * kStride + 2] = -(em0 + ex0);
  p[5 * kStride + 3] = -(em0 - ex0);
  const v8f d = (d0 + d1) + (d2 + d3);
  double r = 0;
  for (int v = 0; v < 8; ++v) r += static_cast<double>(d[v]);
  for (std::size_t m = 32 * dchunks; m < w.dec_length; ++m)
    r += static_cast<double>(dt[m]) * static_cast<double>(dh[m]);
  w.dec_out = r;
}

DiodeRingCore::DiodeRingCore(double sample_rate, double k, double modulator_hz, double modulator_level)
    : k_(k), modulator_hz_(modulator_hz), modulator_level_(modulator_level) {
  check_rate(sample_rate, "ringcore");
  check_ring_params(k, modulator_hz, modulator_level);
  set_sample_rate_hint(sample_rate);
}

void DiodeRingCore::prepare(const ProcessSpec& spec) {
  check_spec(spec, "ringcore");
  coef_ = make_ring_coeffs(k_, spec.sample_rate);
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
  process_with_sine(*this, in, out, mod_f_, mod_d_, phase_, phase_inc_, modulator_level_);
}
template void DiodeRingCore::process_impl<float>(AudioView<const float>, AudioView<float>) noexcept;
template void DiodeRingCore::process_impl<double>(AudioView<const double>, AudioView<double>) noexcept;

// ---------------------------------------------------------------------------------------------
int DiodeRingModulator::min_oversampling(double sample_rate) noexcept {
  return static_cast<int>(std::floor(kMinStepRateHz / sample_rate)) + 1;
}

double DiodeRingModulator::default_output_gain_db(double k, double input_scale) noexcept {
  return kReferenceGainDb - 80.0 * std::log10(k * input_scale / kReferenceDrive);
}

namespace {
std::string short_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

void check_ring_oversampling(double sample_rate, int factor) {
  if (sample_rate * factor <= DiodeRingModulator::kMinStepRateHz)
    throw InvalidArgument("ring: oversampling " + std::to_string(factor) + " at " + short_number(sample_rate) +
                          " Hz gives an Euler step of " + short_number(1e6 / (sample_rate * factor)) +
                          " us; the explicit scheme is stable only below 2 Cp Ri = 1 us (sample_rate * oversampling > "
                          "1 MHz): use oversampling >= " +
                          std::to_string(DiodeRingModulator::min_oversampling(sample_rate)) + " at this rate");
}
}  // namespace

DiodeRingModulator::DiodeRingModulator(double sample_rate, int oversampling, double k, double modulator_hz,
                                       double modulator_level, AntiAliasDesign design, double input_scale,
                                       std::optional<double> output_gain_db)
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
  check_ring_oversampling(sample_rate, oversampling);
  const double drive = k * input_scale_ * std::max(1.0, std::fabs(modulator_level));
  if (drive > kMaxDrive)
    throw InvalidArgument("ring: k * input_scale * max(1, modulator_level) = " + short_number(drive) + " exceeds " +
                          short_number(kMaxDrive) +
                          ": full-scale input would drive the 0.17 v^4 diode model into a runaway (measured from "
                          "about 0.092, at any oversampling); lower k or input_scale");
  gain_db_ = output_gain_db ? *output_gain_db : default_output_gain_db(k, input_scale_);
  if (!std::isfinite(gain_db_) || std::fabs(gain_db_) > 200)
    throw InvalidArgument("ring: output_gain_db must be finite and within +-200 dB");
  gain_ = std::pow(10.0, gain_db_ / 20.0);
  (void)design_antialias(oversampling, design);  // validates the design parameters now
  set_sample_rate_hint(sample_rate);
}

void DiodeRingModulator::prepare(const ProcessSpec& spec) {
  check_spec(spec, "ring");
  check_ring_oversampling(spec.sample_rate, factor_);
  coef_ = make_ring_coeffs(k_, spec.sample_rate * factor_);
  up_.prepare(2 * spec.num_channels, factor_, design_);
  down_.prepare(spec.num_channels, factor_, design_);
  state_.assign(spec.num_channels, RingState{});
  const auto f = static_cast<std::size_t>(factor_);
  hi_carrier_.assign(f, 0.0);
  hi_mod_.assign(f, 0.0);
  hi_out_.assign(f, 0.0);
  fused_ = up_.stride() == RingFilterWork::kFusedStride && f <= RingFilterWork::kFusedStride;
  fused_buf_.assign(fused_ ? 2 * RingFilterWork::kPreparedSize * spec.num_channels : 0, 0.0);
  fused_parity_.assign(spec.num_channels, 0);
  mod_f_.assign(spec.max_block_size, 0.0f);
  mod_d_.assign(spec.max_block_size, 0.0);
  phase_ = 0;
  phase_inc_ = 2 * std::numbers::pi * modulator_hz_ / spec.sample_rate;
  set_spec(spec);
}

void DiodeRingModulator::reset() noexcept {
  for (auto& s : state_) s = RingState{};
  up_.reset();
  down_.reset();
  std::fill(fused_buf_.begin(), fused_buf_.end(), 0.0);
  std::fill(fused_parity_.begin(), fused_parity_.end(), 0);
  phase_ = 0;
}

std::size_t DiodeRingModulator::latency() const noexcept {
  // The fused path runs the core one base-rate sample behind its input and decimates one sample later.
  return static_cast<std::size_t>(std::lround((up_.delay() + down_.delay()) / factor_)) + (fused_ ? 2 : 0);
}

template <class T>
void DiodeRingModulator::process_impl(AudioView<const T> in, AudioView<T> out) noexcept {
  process_with_sine(*this, in, out, mod_f_, mod_d_, phase_, phase_inc_, modulator_level_);
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

namespace {
// Whether the fixed point may use AVX-512 (vrcp14sd): the CPU has it and PERCEPT_DISABLE_AVX512 is not set
// (any value selects the portable path; for diagnostics and tests). Read once, at the first filter.
bool use_avx512() noexcept {
  // getenv is only unsafe against a concurrent setenv, which percept never calls; the static is initialized
  // once, thread-safely.
  static const bool use = __builtin_cpu_supports("avx512f") &&
                          std::getenv("PERCEPT_DISABLE_AVX512") == nullptr;  // NOLINT(concurrency-mt-unsafe)
  return use;
}
}  // namespace

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
  avx512_ = use_avx512();
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

double Vcs3Filter::incremental_sweeps_per_sample() const noexcept {
  return samples_ ? static_cast<double>(incremental_) / static_cast<double>(samples_) : 0.0;
}

void Vcs3Filter::reset_statistics() noexcept {
  iterations_ = samples_ = max_used_ = incremental_ = 0;
}

// Runtime dispatch for the per-sample solvers: the x86-64-v3 clones evaluate tanh's polynomial with FMA and
// the Newton iteration's four-lane tanh in one AVX vector.
#define PERCEPT_VA_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
// The fixed point's split form is bound by its dependency chain; GCC's scheduling before register
// allocation (off by default on x86) orders it better: 387 -> 372 ns per sample on the benchmark signal
// (docs/benchmarks.md, session 4).
#if defined(__GNUC__) && !defined(__clang__)
#define PERCEPT_VA_SCHEDULE __attribute__((optimize("O3", "schedule-insns", "sched-pressure")))
#else
#define PERCEPT_VA_SCHEDULE
#endif

namespace {
constexpr double kEta = 1.836, kVt = 0.026;
constexpr double kGamma = kEta * kVt;
}  // namespace

namespace {
// exp(U v) on v in [-1, 1] (Chebyshev interpolants in the monomial basis, relative error below 1.2e-9 and
// 4.5e-9): exp(a t) for |a| <= U and t in [-1, 1] is sum_k q[k] (a / U)^k t^k.
constexpr double kExpHalf[8] = {0.99999999923889893,    0.49999999995775657,   0.1250000243531198,
                                0.020833334684970728,   0.0026040449580846392, 0.0002604099111476188,
                                2.1895893065781991e-05, 1.5608975374448164e-06};
constexpr double kExpHalfRange = 0.5;
constexpr double kExpFour[18] = {
    1.0000000000988223,    4.0000000000188951,     7.9999999839936553,    10.666666663436587,   10.666667092997727,
    8.533333420303812,     5.6888845221559077,     3.2507927555399956,    1.6254191963297568,   0.72240319000227105,
    0.28889520073628072,   0.10506291474565739,    0.035133326472229484,  0.010799348564129707, 0.0029742118009986962,
    0.0007993617635090939, 0.00025930132768634293, 5.9542731226732336e-05};
constexpr double kExpFourRange = 4.0;
constexpr int kMaxSquarings = 4;

template <std::size_t N>
void scale_poly(const double (&q)[N], double a_over_u, double* out) noexcept {
  double f = 1.0;
  for (std::size_t i = 0; i < N; ++i, f *= a_over_u) out[i] = q[i] * f;
}

// p(t) -> p(1 - 2 w), coefficients in w: out_j = (-2)^j sum_{k >= j} C(k, j) p_k.
template <std::size_t N>
void to_w_basis(double (&p)[N]) noexcept {
  double out[N];
  for (std::size_t j = 0; j < N; ++j) {
    double sum = 0, binom = 1;  // C(k, j) for k = j, j + 1, ...
    for (std::size_t kk = j; kk < N; ++kk) {
      sum += binom * p[kk];
      binom = binom * static_cast<double>(kk + 1) / static_cast<double>(kk + 1 - j);
    }
    out[j] = std::ldexp(sum, static_cast<int>(j)) * (j % 2 ? -1.0 : 1.0);
  }
  for (std::size_t j = 0; j < N; ++j) p[j] = out[j];
}
}  // namespace

Vcs3Filter::Coeffs Vcs3Filter::coeffs() const noexcept {
  constexpr double c = 0.01e-6;
  Coeffs k;
  k.h = T_ / 2.;
  k.K = i0_.load(std::memory_order_relaxed) / 2. / c;
  k.gfb = gfb_.load(std::memory_order_relaxed);
  k.tol = tol_;
  k.max_it = max_it_;
  // The split form needs the stages' exponent ranges: |2 kappa| <= 0.5 for stages 1..3, |2 kappa0| <= 4 for
  // stage 0 (kappa = hk / (2 gamma), kappa0 = hk (1/2 + feedback) / (2 Vt); at 44.1 kHz and the defaults
  // 0.36 and 3.7); otherwise the plain iteration runs.
  const double hk = k.h * k.K, two_kappa = hk / kGamma, two_kappa0 = hk * (0.5 + k.gfb) / kVt;
  // Beyond those ranges exp(a t) = exp(a t / 2^m)^(2^m): m squarings (three cycles each on the chain) for up
  // to 16 times the range (control currents to about 16x the default); beyond that the plain evaluation.
  auto squarings = [](double a, double range) {
    int m = 0;
    while (a > range && m <= kMaxSquarings) {
      a *= 0.5;
      ++m;
    }
    return m;
  };
  k.m0 = squarings(two_kappa0, kExpFourRange);
  k.m123 = squarings(two_kappa, kExpHalfRange);
  k.split = k.m0 <= kMaxSquarings && k.m123 <= kMaxSquarings;
  if (k.split) {
    const double s0 = std::ldexp(1.0, -k.m0), s123 = std::ldexp(1.0, -k.m123);
    scale_poly(kExpHalf, -two_kappa * s123 / kExpHalfRange, k.p1);
    scale_poly(kExpHalf, two_kappa * s123 / kExpHalfRange, k.p23);
    scale_poly(kExpFour, two_kappa0 * s0 / kExpFourRange, k.p0);
    // The chain carries D = z + 1 and t = 1 - 2 w with w = 1 / D: the polynomials in w (t = 1 - 2 w
    // substituted; per power the terms have one sign for a > 0, and |a| is small for a < 0).
    to_w_basis(k.p1);
    to_w_basis(k.p23);
    to_w_basis(k.p0);
  }
  return k;
}

void Vcs3Filter::count_iterations(int n) noexcept {
  iterations_ += static_cast<std::uint64_t>(n);
  ++samples_;
  if (static_cast<std::uint64_t>(n) > max_used_) max_used_ = static_cast<std::uint64_t>(n);
}

// The fixed point's values at the end of a sample into the state, and the trapezoidal rule's
// s <- (T/2) x' + v with (T/2) x' = v - s.
void Vcs3Filter::store_sweep(State& s, double vout, double vc1, double vc2, double vc3, double vc4, double vc11,
                             double vc21, double vc31, double vc41) noexcept {
  s.vout = vout;
  s.vc1 = vc1;
  s.vc2 = vc2;
  s.vc3 = vc3;
  s.vc4 = vc4;
  s.vc11 = vc11;
  s.vc21 = vc21;
  s.vc31 = vc31;
  s.vc41 = vc41;
  s.s1 = 2 * vc1 - s.s1;
  s.s2 = 2 * vc2 - s.s2;
  s.s3 = 2 * vc3 - s.s3;
  s.s4 = 2 * vc4 - s.s4;
}

// The authors' iteration: one Gauss-Seidel sweep through the four stages per iteration, the output
// feedback taken from the previous sweep, vc4 restarted from 0 at every sample.
PERCEPT_VA_CLONES double Vcs3Filter::step_fixed_point(State& s, double x, const Coeffs& k) noexcept {
  const double inv_2vt = 1.0 / (2. * kVt), inv_2g = 1.0 / (2. * kGamma), inv_6g = 1.0 / (6. * kGamma);
  // (T/2) * (I0/2C) folded into one constant and the output gain into one: one multiplication less per
  // stage on the iteration's serial chain (the results move by rounding only).
  const double hk = k.h * k.K, gout = 0.5 + k.gfb;
  double vout = s.vout, vc1 = s.vc1, vc2 = s.vc2, vc3 = s.vc3;
  double vc11 = s.vc11, vc21 = s.vc21, vc31 = s.vc31, vc41 = s.vc41;
  double vc4 = 0.0, past = 1.0;
  // The argument of each tanh is formed from the previous tanh in one multiply-add: the parts that
  // depend only on the previous sweep (R0..R3) are computed off the serial chain, e.g.
  // (vc2_old - vc1) / (2 gamma) with vc1 = hk (vin1 + vc11_old) + s1 is R1 - kappa vin1. The values are the
  // authors' up to rounding; vc1..vc4 themselves are still formed (off the chain) for the stopping rule
  // and the state.
  const double kappa = hk * inv_2g, kappa0 = hk * gout * inv_2vt;
  double arg0 = (x - vout) * inv_2vt;
  int n = 0;
  while (std::abs(vc4 - past) > k.tol * std::abs(past)) {
    past = vc4;
    const double r1 = (vc2 - hk * vc11 - s.s1) * inv_2g, r2 = (vc3 - hk * vc21 - s.s2) * inv_2g,
                 r3 = (vc4 - hk * vc31 - s.s3) * inv_2g;
    const double r0 = (x - gout * (s.s4 - hk * vc41)) * inv_2vt;
    const double vin1 = fast_tanh(arg0);
    vc1 = hk * (vin1 + vc11) + s.s1;
    vc11 = fast_tanh(r1 - kappa * vin1);
    vc2 = hk * (vc21 - vc11) + s.s2;
    vc21 = fast_tanh(r2 + kappa * vc11);
    vc3 = hk * (vc31 - vc21) + s.s3;
    vc31 = fast_tanh(r3 + kappa * vc21);
    arg0 = r0 + kappa0 * vc31;
    vc4 = hk * (-vc41 - vc31) + s.s4;
    vc41 = fast_tanh(vc4 * inv_6g);
    vout = vc4 * gout;
    if (++n == k.max_it) break;
  }
  count_iterations(n);
  store_sweep(s, vout, vc1, vc2, vc3, vc4, vc11, vc21, vc31, vc41);
  s.k0 = 0;
  return vout;
}

// Newton-Raphson on F(v) = v - q f(v) - s = 0 (q = T/2 * I0/(2C)), v = (vc1..vc4), started from the
// previous sample's solution. The Jacobian is tridiagonal plus the feedback entry dF1/dv4; it is solved
// by elimination without pivoting (the diagonal is 1 + q * (non-negative terms), diagonally dominant).
PERCEPT_VA_CLONES double Vcs3Filter::step_newton(State& s, double x, const Coeffs& k) noexcept {
  const double inv_2vt = 1.0 / (2. * kVt), inv_2g = 1.0 / (2. * kGamma), inv_6g = 1.0 / (6. * kGamma);
  const double q = k.h * k.K;
  const double a = 0.5 + k.gfb;
  // Quadratic extrapolation from the last three solutions (3 v[n-1] - 3 v[n-2] + v[n-3]).
  double v1 = 3 * (s.vc1 - s.pv1) + s.ppv1, v2 = 3 * (s.vc2 - s.pv2) + s.ppv2, v3 = 3 * (s.vc3 - s.pv3) + s.ppv3,
         v4 = 3 * (s.vc4 - s.pv4) + s.ppv4;
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
    const double a11 = 1 + q * d1, a12 = -q * d1, a14 = q * a * d0;
    const double a21 = -q * d1, a22 = 1 + q * (d1 + d2), a23 = -q * d2, a24 = 0;
    const double a32 = -q * d2, a33 = 1 + q * (d2 + d3), a34 = -q * d3;
    const double a43 = -q * d3, a44 = 1 + q * (d3 + d4);
    // Division-free forward elimination (each row is combined with the pivot row scaled by its pivot
    // instead of dividing by it): the reciprocals of the pivots are independent of one another and
    // leave the dependency chain, on which only one division remains (the last pivot).
    const double i11 = 1.0 / a11;
    const double b22 = a11 * a22 - a21 * a12, b23 = a11 * a23, b24 = a11 * a24 - a21 * a14;
    const double r2 = a11 * F2 - a21 * F1;
    const double ib22 = 1.0 / b22;
    const double c33 = b22 * a33 - a32 * b23, c34 = b22 * a34 - a32 * b24;
    const double r3 = b22 * F3 - a32 * r2;
    const double ic33 = 1.0 / c33;
    const double e44 = c33 * a44 - a43 * c34;
    const double r4 = c33 * F4 - a43 * r3;
    const double dv4 = r4 / e44;
    const double dv3 = (r3 - c34 * dv4) * ic33;
    const double dv2 = ((r2 - b24 * dv4) - b23 * dv3) * ib22;
    const double dv1 = ((F1 - a14 * dv4) - a12 * dv2) * i11;
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
  count_iterations(n);
  // The state update of the trapezoidal rule: s <- h x' + v, with h x' = v - s.
  s.s1 = 2 * v1 - s.s1;
  s.s2 = 2 * v2 - s.s2;
  s.s3 = 2 * v3 - s.s3;
  s.s4 = 2 * v4 - s.s4;
  s.ppv1 = s.pv1;
  s.ppv2 = s.pv2;
  s.ppv3 = s.pv3;
  s.ppv4 = s.pv4;
  s.pv1 = s.vc1;
  s.pv2 = s.vc2;
  s.pv3 = s.vc3;
  s.pv4 = s.vc4;
  s.vc1 = v1;
  s.vc2 = v2;
  s.vc3 = v3;
  s.vc4 = v4;
  s.vout = a * v4;
  s.k0 = 0;
  return s.vout;
}

namespace {
// exp(u) for |u| <= ln 2 / 2: degree-7 Chebyshev interpolant, relative error below 6e-11.
constexpr double kExpRed[8] = {0.99999999995956101,   0.99999999999550193,   0.50000001077308476,
                               0.16666666786365189,   0.041666218314810384,  0.0083332835276228381,
                               0.0013948578603666512, 0.00019907575220261519};

// exp(v) for v clamped to [-60, 60], in N lanes (GCC/Clang vector extensions): 2^y by rounding
// y = v log2 e to the nearest integer n with the 1.5 2^52 trick (no float-to-integer conversion) and exp of
// the rest, u = (y - n) ln 2. Vectors by reference: passing or returning a 32-byte vector by value would
// have a target-dependent ABI.
template <class V, class L>
[[gnu::always_inline]] inline void expv_clamped(const V& in, V& out) noexcept {
  const V lo = V{} - 60.0, hi = V{} + 60.0, magic = V{} + 0x1.8p52;
  V v = in < lo ? lo : in;
  v = v > hi ? hi : v;
  const V y = v * 1.4426950408889634074;
  const V t = y + magic;
  const V nd = t - magic;
  const V u = (y - nd) * 0.69314718055994530942;
  const V u2 = u * u, u4 = u2 * u2;
  const V e = ((kExpRed[0] + kExpRed[1] * u) + (kExpRed[2] + kExpRed[3] * u) * u2) +
              ((kExpRed[4] + kExpRed[5] * u) + (kExpRed[6] + kExpRed[7] * u) * u2) * u4;
  L tb, mb;
  std::memcpy(&tb, &t, sizeof tb);
  std::memcpy(&mb, &magic, sizeof mb);
  const L sb = (tb - mb + 1023) << 52;
  V scale;
  std::memcpy(&scale, &sb, sizeof scale);
  out = e * scale;
}
// The same for one value.
[[gnu::always_inline]] inline double exp_clamped(double v) noexcept {
  typedef double v1d __attribute__((vector_size(8)));
  typedef std::int64_t v1l __attribute__((vector_size(8)));
  v1d r;
  expv_clamped<v1d, v1l>(v1d{v}, r);
  return r[0];
}

typedef double v4d_t __attribute__((vector_size(32)));
typedef std::int64_t v4l_t __attribute__((vector_size(32)));
typedef std::int64_t v2l_t __attribute__((vector_size(16)));
typedef double v2d_t __attribute__((vector_size(16)));

// Polynomials by Estrin's scheme (degree 7 and 17).
[[gnu::always_inline]] inline double poly7(const double* c, double t) noexcept {
  const double t2 = t * t, t4 = t2 * t2;
  return ((c[0] + c[1] * t) + (c[2] + c[3] * t) * t2) + ((c[4] + c[5] * t) + (c[6] + c[7] * t) * t2) * t4;
}
[[gnu::always_inline]] inline double poly17(const double* c, double t) noexcept {
  const double t2 = t * t, t4 = t2 * t2, t8 = t4 * t4, t16 = t8 * t8;
  const double a = ((c[0] + c[1] * t) + (c[2] + c[3] * t) * t2) + ((c[4] + c[5] * t) + (c[6] + c[7] * t) * t2) * t4;
  const double b =
      ((c[8] + c[9] * t) + (c[10] + c[11] * t) * t2) + ((c[12] + c[13] * t) + (c[14] + c[15] * t) * t2) * t4;
  return (a + b * t8) + (c[16] + c[17] * t) * t16;
}

// w ~ 1 / D for the next stage's polynomial, and its error for the correction: with the 14-bit
// reciprocal (AVX-512 vrcp14sd, 5 cycles instead of a 13-cycle division) w~ ~ 1/D and e = 1 - D w~,
// 1 / D = w~ (1 + e + e^2 + ...); without it, the division and e = 0.
template <bool Rcp14>
[[gnu::always_inline]] inline double approx_recip(double D, double& e) noexcept {
  if constexpr (Rcp14) {
    double r;
    asm("vrcp14sd %1, %1, %0" : "=v"(r) : "v"(D));
    e = 1.0 - D * r;
    return r;
  } else {
    e = 0.0;
    return 1.0 / D;
  }
}
}  // namespace

namespace {
// tanh near a centre y_c where it has the value T: the Taylor polynomial of degree 7 in d = y - y_c, times a
// scale (the next stage's kappa, see fixed_point_split). Its coefficients are tanh's derivatives at y_c over
// k!, polynomials in T: (1 - T^2) times a polynomial in u = T^2 (times T for the even powers). Largest error
// over all y_c, measured on a fine grid (y_c in [-25, 25]): 4.6e-7 for |d| <= kIncrBound (7.7e-8 for
// |d| <= 0.2).
constexpr double kIncrBound = 0.25;
struct Taylor7 {
  double c[8];
};
[[gnu::always_inline]] inline Taylor7 tanh_taylor7(double T, double scale) noexcept {
  const double u = T * T, c1 = scale * (1.0 - u), c1T = c1 * T;
  return {{scale * T, c1, -c1T, c1 * (u - 1.0 / 3), c1T * (2.0 / 3 - u), c1 * ((u - 1.0) * u + 2.0 / 15),
           c1T * ((4.0 / 3 - u) * u - 17.0 / 45), c1 * (((u - 5.0 / 3) * u + 11.0 / 15) * u - 17.0 / 315)}};
}
// c0 + sum_{k >= 1} p.c[k] d^k (Estrin's scheme; the constant term is passed so that it can change per sweep).
[[gnu::always_inline]] inline double taylor7(const Taylor7& p, double c0, double d) noexcept {
  const double d2 = d * d, d4 = d2 * d2;
  return ((c0 + p.c[1] * d) + (p.c[2] + p.c[3] * d) * d2) + ((p.c[4] + p.c[5] * d) + (p.c[6] + p.c[7] * d) * d2) * d4;
}
// The incremental sweeps start once vc4 moves by at most this fraction per sweep.
constexpr double kIncrEnter = 0.06;
}  // namespace

// The authors' fixed point, same sweeps and stopping rule, in two kinds of sweep that compute the same
// values (up to the stated errors):
// - Split sweeps. Each stage's tanh is split so that its dependency chain is short. Stage j computes
//   tanh(r_j + a_j t / 2) from the previous stage's output t, where r_j is formed from the previous sweep
//   (off the chain): tanh = (z - 1) / (z + 1) with z = exp(2 r_j) exp(a_j t), exp(2 r_j) computed off the
//   chain, exp(a_j t) a polynomial (|a_j t| <= 0.5 for stages 1..3, <= 4 for stage 0; coefficients from
//   coeffs()). The chain carries D = z + 1; the stage outputs themselves (1 - 2 / D, for the state and the
//   stopping rule) are divided off the chain. The first sweep of a sample continues the last sample's chain:
//   its stage-0 argument (x - vout) / (2 Vt) is r0 + kappa0 vc31 with the last sweep's vc31 (see State::r0x).
// - Incremental sweeps, once the iteration has nearly settled: each tanh is a Taylor polynomial in the offset
//   d_j of its argument from a centre, the arguments and outputs of the last split sweep (coefficients once
//   per centre). The chain carries the offsets: d_{j+1} = (r_{j+1} - y_{c,j+1}) + kappa_{j+1} tanh_j(d_j) is
//   one polynomial in d_j (the Taylor coefficients times kappa_{j+1}), so a stage is one polynomial: no
//   exponential, no division, no multiply-add between the stages. The stage outputs are read back from the
//   offsets off the chain (t_j = (d_{j+1} - (r_{j+1} - y_{c,j+1})) / kappa_{j+1}), and the constant terms
//   (the r_j, which the authors form from the last sweep's values) are written as linear functions of the
//   last sweep's offsets, so that they are ready before the chain needs them. Every offset is checked
//   against the polynomials' bound; a sweep whose offsets exceed it is discarded and done as a split sweep.
template <bool Rcp14>
[[gnu::always_inline]] inline double Vcs3Filter::fixed_point_split(State& s, double x, const Coeffs& k) noexcept {
  const double inv_2vt = 1.0 / (2. * kVt), inv_2g = 1.0 / (2. * kGamma), inv_6g = 1.0 / (6. * kGamma);
  const double hk = k.h * k.K, gout = 0.5 + k.gfb;
  const double a0 = 2 * hk * gout * inv_2vt, a1 = -2 * hk * inv_2g, a23 = 2 * hk * inv_2g;
  const double kappa0 = 0.5 * a0, kappa = hk * inv_2g;  // each tanh's argument is r_j + kappa_j t
  double vout = s.vout, vc1 = s.vc1, vc2 = s.vc2, vc3 = s.vc3;
  double vc11 = s.vc11, vc21 = s.vc21, vc31 = s.vc31, vc41 = s.vc41;
  double vin1 = 0.0;  // stage 0's output
  double vc4 = 0.0, past = 1.0;
  double D3 = 2;  // stage 3's D = z + 1 (t = 1 - 2 / D), carried into the next sweep
  // The stages' tanh arguments in the last split sweep (y0 = r0 + kappa0 vc31, y1 = r1 - kappa vin1, ...).
  double y0 = 0, y1 = 0, y2 = 0, y3 = 0;
  int n = 0;
  auto poly_p0 = [&](double w) { return poly17(k.p0, w); };
  auto poly_p1 = [&](double w) { return poly7(k.p1, w); };
  auto poly_p23 = [&](double w) { return poly7(k.p23, w); };
  // One stage: from the previous stage's w ~ 1/D (and the reciprocal's error e) to this one's D = z + 1,
  // z = E exp(a t), t = 1 - 2 w: the polynomial in w~ (squared m times, see coeffs()) times E corrected by
  // exp(-2 a w~ (e + e^2)) ~ 1 + y + y^2 / 2 (first order where |a| <= 0.5 and m = 0: the dropped terms are
  // below 2e-9 relative).
  auto stage = [](double w, double e, double E, double a, int m, bool second_order, auto&& poly) {
    double p = poly(w);
    double Ec;
    if (!second_order) {
      Ec = E * (1.0 - (2 * a * w) * e);
    } else {
      const double y = -2 * a * w * (e + e * e);
      Ec = E * (1.0 + y * (1.0 + 0.5 * y));
      for (int i = 0; i < m; ++i) p *= p;
    }
    return Ec * p + 1.0;  // (a multiply-add: one rounding, one latency)
  };
  // r_j for the coming sweep, from the values the last sweep left (the authors form them as the sweep
  // starts); r0 with vc41 as the last sweep started.
  double r0 = 0, r1 = 0, r2 = 0, r3 = 0;
  auto next_r = [&] {
    r1 = (vc2 - hk * vc11 - s.s1) * inv_2g;
    r2 = (vc3 - hk * vc21 - s.s2) * inv_2g;
    r3 = (vc4 - hk * vc31 - s.s3) * inv_2g;
  };
  // The same in a split sweep, each as soon as its newest input is known: with vc2 = hk (vc21_old - vc11) + s2,
  // r1 = kappa vc21_old - 2 kappa vc11 + (s2 - s1) / (2 gamma), and likewise r2 and r3.
  const double s21 = (s.s2 - s.s1) * inv_2g, s32 = (s.s3 - s.s2) * inv_2g, s43 = (s.s4 - s.s3) * inv_2g;
  // exp(2 r1), exp(2 r2), exp(2 r3) for the coming split sweep, and exp(2 r0).
  v4d_t E;
  double E0 = 1.0;
  auto exps_from_r = [&] {
    expv_clamped<v4d_t, v4l_t>(v4d_t{2 * r1, 2 * r2, 2 * r3, 2 * r0}, E);
    E0 = E[3];
  };
  next_r();
  exps_from_r();
  // A split sweep; the first one's stage 0 continues the last sample's chain when the state allows (the
  // first sample, and after a change of coefficients or solver: plain tanh). (The first sweep always runs:
  // vc4 starts at 0 and past at 1.)
  auto split_sweep = [&](auto first) __attribute__((always_inline)) {
    past = vc4;
    double w0, e0;
    if constexpr (decltype(first)::value) {
      if (s.k0 == kappa0) {
        const double r0f = x * inv_2vt + s.r0x;
        y0 = r0f + kappa0 * vc31;
        const double D0 = stage(0.5 - 0.5 * vc31, 0.0, exp_clamped(2 * r0f), a0, k.m0, true, poly_p0);
        w0 = approx_recip<Rcp14>(D0, e0);
        vin1 = 1.0 - 2.0 / D0;
      } else {
        y0 = (x - vout) * inv_2vt;
        vin1 = fast_tanh(y0);
        w0 = 0.5 * (1.0 - vin1);  // exactly: t = 1 - 2 w
        e0 = 0.0;
      }
    } else {
      y0 = r0 + kappa0 * vc31;
      double e3;
      const double w3 = approx_recip<Rcp14>(D3, e3);
      const double D0 = stage(w3, e3, E0, a0, k.m0, true, poly_p0);
      w0 = approx_recip<Rcp14>(D0, e0);
      vin1 = 1.0 - 2.0 / D0;  // (divided off the chain)
    }
    vc1 = hk * (vin1 + vc11) + s.s1;
    y1 = r1 - kappa * vin1;
    const double D1 = stage(w0, e0, E[0], a1, k.m123, k.m123 > 0, poly_p1);
    double e1;
    const double w1 = approx_recip<Rcp14>(D1, e1);
    vc11 = 1.0 - 2.0 / D1;
    const double r1n = (-2 * kappa) * vc11 + (kappa * vc21 + s21);
    vc2 = hk * (vc21 - vc11) + s.s2;
    y2 = r2 + kappa * vc11;
    const double D2 = stage(w1, e1, E[1], a23, k.m123, k.m123 > 0, poly_p23);
    double e2;
    const double w2 = approx_recip<Rcp14>(D2, e2);
    vc21 = 1.0 - 2.0 / D2;
    const double r2n = (-2 * kappa) * vc21 + (kappa * vc31 + s32);
    vc3 = hk * (vc31 - vc21) + s.s3;
    y3 = r3 + kappa * vc21;
    D3 = stage(w2, e2, E[2], a23, k.m123, k.m123 > 0, poly_p23);
    vc31 = 1.0 - 2.0 / D3;
    const double r3n = (-2 * kappa) * vc31 + (s43 - kappa * vc41);
    r0 = (x - gout * (s.s4 - hk * vc41)) * inv_2vt;
    vc4 = hk * (-vc41 - vc31) + s.s4;
    r1 = r1n;
    r2 = r2n;
    r3 = r3n;
    // Two exponentials: exp(2 r1) and exp(2 r2) (needed first in the next sweep) do not wait for r3.
    v4d_t A;
    expv_clamped<v4d_t, v4l_t>(v4d_t{2 * r1, 2 * r2, 2 * r0, 0.0}, A);
    v2d_t B;
    expv_clamped<v2d_t, v2l_t>(v2d_t{2 * r3, vc4 * (2 * inv_6g)}, B);
    E = v4d_t{A[0], A[1], B[0], A[2]};
    E0 = A[2];                           // next stage 0: tanh(r0 + kappa0 vc31)
    vc41 = (B[1] - 1.0) / (B[1] + 1.0);  // tanh(vc4 / (6 gamma))
    vout = vc4 * gout;
    ++n;
  };
  // The incremental sweeps' centre: the arguments y_c of the last split sweep, the chain's polynomials
  // (Q1 = -kappa tanh_1, Q2 = kappa tanh_2, Q3 = kappa tanh_3 around the centre, Q0 = kappa0 tanh_3, C4 = tanh
  // of vc4 / (6 gamma)).
  Taylor7 Q0{}, Q1{}, Q2{}, Q3{}, C4{};
  double yc0 = 0, yc1 = 0, yc2 = 0, yc3 = 0, yc4 = 0;
  // The coming sweep's d0 and constant terms c_j = (r_j - y_cj) + Q_j(0); the parts of c_j fixed for the
  // sample and centre (r0 - yc0 = f0 + kappa0 vc41 with the last sweep's vc41; c1 = -2 d2 + 2 (c2 - Q2(0)) +
  // kappa vc21_old + f1 with the last sweep's offsets, and so on).
  double dd0 = 0, c1 = 0, c2 = 0, c3 = 0;
  double f0 = 0, f1 = 0, f2 = 0, f3 = 0;
  const double inv_kappa = 1.0 / kappa, inv_kappa0 = 1.0 / kappa0, two_ratio = 2 * kappa * inv_kappa0;
  const double hk_kappa0 = hk * inv_kappa0;
  auto centre = [&]() __attribute__((always_inline)) {
    yc0 = y0;
    yc1 = y1;
    yc2 = y2;
    yc3 = y3;
    yc4 = vc4 * inv_6g;
    Q1 = tanh_taylor7(vin1, -kappa);
    Q2 = tanh_taylor7(vc11, kappa);
    Q3 = tanh_taylor7(vc21, kappa);
    Q0 = tanh_taylor7(vc31, kappa0);
    C4 = tanh_taylor7(vc41, 1.0);
    dd0 = (r0 - yc0) + kappa0 * vc31;
    c1 = (r1 - yc1) + Q1.c[0];
    c2 = (r2 - yc2) + Q2.c[0];
    c3 = (r3 - yc3) + Q3.c[0];
    f0 = (x - gout * s.s4) * inv_2vt - yc0;
    f1 = s21 - yc1 + Q1.c[0];
    f2 = s32 - yc2 + Q2.c[0];
    f3 = s43 - yc3 + Q3.c[0];
  };
  // An incremental sweep: false (and nothing changed) when an offset is beyond the polynomials' bound.
  auto incremental_sweep = [&]() __attribute__((always_inline)) {
    const double d0 = dd0;
    const double d1 = taylor7(Q1, c1, d0);
    const double d2 = taylor7(Q2, c2, d1);
    const double d3 = taylor7(Q3, c3, d2);
    const double e1 = c1 - Q1.c[0], e2 = c2 - Q2.c[0], e3 = c3 - Q3.c[0];  // r_j - y_cj
    const double e0 = f0 + kappa0 * vc41;
    const double d0n = taylor7(Q0, e0 + Q0.c[0], d3);  // the next sweep's d0
    const double t0 = (d1 - e1) * -inv_kappa, t1 = (d2 - e2) * inv_kappa, t2 = (d3 - e3) * inv_kappa,
                 t3 = (d0n - e0) * inv_kappa0;
    // vc4 = hk (-vc41 - t3) + s4 and d4 = vc4 / (6 gamma) - yc4, each one multiply-add from d0n.
    const double v4base = hk_kappa0 * e0 + (s.s4 - hk * vc41);
    const double vc4_new = v4base - hk_kappa0 * d0n;
    const double d4 = (v4base * inv_6g - yc4) - (hk_kappa0 * inv_6g) * d0n;
    const double offset2 = std::max(std::max(std::max(d0 * d0, d1 * d1), std::max(d2 * d2, d3 * d3)), d4 * d4);
    if (!(offset2 <= kIncrBound * kIncrBound)) return false;  // (also for NaN)
    // (vc21, vc31 and vc41 still the last sweep's here.)
    c1 = -2 * d2 + ((2 * e2 + kappa * vc21) + f1);
    c2 = -2 * d3 + ((2 * e3 + kappa * vc31) + f2);
    c3 = -two_ratio * d0n + ((two_ratio * e0 - kappa * vc41) + f3);
    past = vc4;
    vin1 = t0;
    vc1 = hk * (t0 + vc11) + s.s1;
    vc11 = t1;
    vc2 = hk * (vc21 - t1) + s.s2;
    vc21 = t2;
    vc3 = hk * (vc31 - t2) + s.s3;
    vc31 = t3;
    r0 = e0 + yc0;
    dd0 = d0n;
    vc4 = vc4_new;
    vc41 = taylor7(C4, C4.c[0], d4);
    vout = vc4 * gout;
    ++n;
    return true;
  };
  auto unsettled = [&] { return n < k.max_it && std::abs(vc4 - past) > k.tol * std::abs(past); };
  split_sweep(std::true_type{});
  // Split sweeps until vc4 has nearly settled, then incremental ones; an incremental sweep that cannot be
  // done (an offset beyond the bound) is done as a split sweep, which needs the r_j, the chain's D3 and the
  // exponentials recomputed, and the incremental sweeps start again from a new centre. (The loops are
  // kept apart so that each keeps its values in registers; the shape matters: the incremental loop in a
  // lambda of its own measured 407-448 ns against 392, session 3.)
  for (;;) {
    bool settled = true;
    while (unsettled()) {
      if (std::abs(vc4 - past) <= kIncrEnter * std::abs(vc4)) {
        settled = false;
        break;
      }
      split_sweep(std::false_type{});
    }
    if (settled) break;
    bool ok;
    centre();
    while ((ok = incremental_sweep())) {
      ++incremental_;
      if (!unsettled()) break;
    }
    if (ok) break;
    next_r();
    D3 = 2.0 / std::max(1.0 - vc31, 0x1p-60);
    exps_from_r();
    split_sweep(std::false_type{});
  }
  count_iterations(n);
  store_sweep(s, vout, vc1, vc2, vc3, vc4, vc11, vc21, vc31, vc41);
  // For the next sample's first sweep: r0 without its x term, and the kappa0 it was formed with.
  s.r0x = r0 - x * inv_2vt;
  s.k0 = kappa0;
  return vout;
}

// The split form over a block, in place: the sample loop around the inlined solver keeps the state in
// registers from one sample to the next (the first sweep continues the last one's chain).
PERCEPT_VA_SCHEDULE __attribute__((target("arch=x86-64-v4"))) void Vcs3Filter::split_block_avx512(
    State& s, double* v, std::size_t n, const Coeffs& k) noexcept {
  for (std::size_t i = 0; i < n; ++i) v[i] = fixed_point_split<true>(s, v[i], k);
}

PERCEPT_VA_SCHEDULE PERCEPT_VA_CLONES void Vcs3Filter::split_block(State& s, double* v, std::size_t n,
                                                                   const Coeffs& k) noexcept {
  for (std::size_t i = 0; i < n; ++i) v[i] = fixed_point_split<false>(s, v[i], k);
}

// (Defined after the solvers: a function may not become multiversioned after its first use.)
void Vcs3Filter::step_block(State& s, double* v, std::size_t n, const Coeffs& k) noexcept {
  if (solver_ == Vcs3Solver::Newton) {
    for (std::size_t i = 0; i < n; ++i) v[i] = step_newton(s, v[i], k);
  } else if (!k.split) {
    for (std::size_t i = 0; i < n; ++i) v[i] = step_fixed_point(s, v[i], k);
  } else if (avx512_) {
    split_block_avx512(s, v, n, k);
  } else {
    split_block(s, v, n, k);
  }
}

}  // namespace percept::dsp
