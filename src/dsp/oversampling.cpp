#include "percept/dsp/oversampling.hpp"

#include <cmath>
#include <cstring>
#include <numbers>
#include <string>

#include "fir_kernels.hpp"
#include "percept/core/error.hpp"

namespace percept::dsp {

namespace {

double bessel_i0(double x) {
  double sum = 1.0, term = 1.0;
  const double q = x * x / 4.0;
  for (int k = 1; k < 200; ++k) {
    term *= q / (static_cast<double>(k) * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

// Single-precision arithmetic in eight-float vectors (fir_kernels.hpp), x86-64-v3 clones chosen at load time.
using fir::load8;
using fir::v8f;
#define PERCEPT_FIR_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))

// Dot product, 64 products in flight: eight accumulators, so that the additions form eight short
// dependency chains (a 960-tap filter: 15 multiply-adds deep) and the multiply-add units stay busy. Always
// inlined, so that it is compiled for the caller's target (the x86-64-v3 clone included).
[[gnu::always_inline]] inline double dot(const float* a, const float* b, std::size_t n) noexcept {
  v8f lo[4] = {}, hi[4] = {};
  std::size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    fir::dot32(lo, a + i, b + i);
    fir::dot32(hi, a + i + 32, b + i + 32);
  }
  for (int v = 0; v < 4; ++v) lo[v] += hi[v];
  for (; i + 32 <= n; i += 32) fir::dot32(lo, a + i, b + i);
  double r = fir::hsum(lo);
  for (; i < n; ++i) r += static_cast<double>(a[i]) * static_cast<double>(b[i]);
  return r;
}

// Eight interpolated outputs at once: out[j] = sum_k pt[k][j] hist[k] over the transposed phase table
// (row stride `stride` floats): the products of one tap for eight phases sit in one vector, so there are
// no horizontal sums. Four independent accumulators (taps k mod 4) keep the additions off one chain.
// Always inlined, so that it is compiled for the caller's target (the x86-64-v3 clone included).
[[gnu::always_inline]] inline void interp8(const float* pt, std::size_t stride, const float* hist, std::size_t taps,
                                           double* out, std::size_t nout) noexcept {
  v8f a0 = {}, a1 = {}, a2 = {}, a3 = {}, p0, p1, p2, p3;
  std::size_t k = 0;
  for (; k + 4 <= taps; k += 4) {
    const float* r = pt + k * stride;
    load8(p0, r);
    load8(p1, r + stride);
    load8(p2, r + 2 * stride);
    load8(p3, r + 3 * stride);
    a0 += p0 * hist[k];
    a1 += p1 * hist[k + 1];
    a2 += p2 * hist[k + 2];
    a3 += p3 * hist[k + 3];
  }
  for (; k < taps; ++k) {
    load8(p0, pt + k * stride);
    a0 += p0 * hist[k];
  }
  const v8f s = (a0 + a1) + (a2 + a3);
  const std::size_t m = nout < 8 ? nout : 8;
  for (std::size_t j = 0; j < m; ++j) out[j] = static_cast<double>(s[j]);
}

// 32 interpolated outputs at once, the tap loop outside: one broadcast of hist[k] serves four vectors of
// phases (interp8 reloads it for every eight phases); four accumulators, one per vector.
[[gnu::always_inline]] inline void interp32(const float* pt, std::size_t stride, const float* hist, std::size_t taps,
                                            double* out, std::size_t nout) noexcept {
  v8f a0 = {}, a1 = {}, a2 = {}, a3 = {}, p0, p1, p2, p3;
  for (std::size_t k = 0; k < taps; ++k) {
    const float* r = pt + k * stride;
    const float h = hist[k];
    load8(p0, r);
    load8(p1, r + 8);
    load8(p2, r + 16);
    load8(p3, r + 24);
    a0 += p0 * h;
    a1 += p1 * h;
    a2 += p2 * h;
    a3 += p3 * h;
  }
  const std::size_t m = nout < 32 ? nout : 32;
  for (std::size_t j = 0; j < m; ++j) {
    const v8f& a = j < 8 ? a0 : j < 16 ? a1 : j < 24 ? a2 : a3;
    out[j] = static_cast<double>(a[j % 8]);
  }
}

// Two signals through the same table, 8 NV phases at a time (NV = 4: 32 phases, eight accumulators of
// `taps` multiply-adds each, as many chains as keep both multiply-add units busy; NV = 2 for the rest).
template <int NV>
[[gnu::always_inline]] inline void interp_x2(const float* pt, std::size_t stride, const float* ha, const float* hb,
                                             std::size_t taps, double* oa, double* ob, std::size_t nout) noexcept {
  fir::Rows2<NV> acc;
  for (std::size_t k = 0; k < taps; ++k) acc.add(pt + k * stride, ha[k], hb[k]);
  acc.store(oa, ob, nout < 8 * NV ? nout : 8 * NV);
}

void check_design(int factor, const AntiAliasDesign& d) {
  if (factor < 1 || factor > 256)
    throw InvalidArgument("oversampling factor must be 1..256, got " + std::to_string(factor));
  if (d.taps_per_phase < 2 || d.taps_per_phase > 512)
    throw InvalidArgument("oversampling: taps_per_phase must be 2..512, got " + std::to_string(d.taps_per_phase));
  if (!(d.cutoff > 0 && d.cutoff <= 1.0)) throw InvalidArgument("oversampling: cutoff must be in (0, 1]");
  if (!(d.kaiser_beta >= 0 && d.kaiser_beta < 50))
    throw InvalidArgument("oversampling: kaiser_beta must be in [0, 50)");
}

}  // namespace

std::vector<double> design_antialias(int factor, const AntiAliasDesign& d) {
  check_design(factor, d);
  // factor * (taps - 1) + 1 nonzero taps (zero-padded to factor * taps for the polyphase split): the
  // interpolator and decimator then delay by factor * (taps - 1) high-rate samples together, a whole
  // number (taps - 1) of base-rate samples.
  const std::size_t n = static_cast<std::size_t>(factor) * static_cast<std::size_t>(d.taps_per_phase);
  const std::size_t ne = n - static_cast<std::size_t>(factor) + 1;
  std::vector<double> h(n, 0.0);
  const double fc = d.cutoff * 0.5 / factor;  // cycles per high-rate sample
  const double mid = (static_cast<double>(ne) - 1) / 2.0;
  const double norm = bessel_i0(d.kaiser_beta);
  double sum = 0;
  for (std::size_t i = 0; i < ne; ++i) {
    const double t = static_cast<double>(i) - mid;
    const double sinc = t == 0 ? 2 * fc : std::sin(2 * std::numbers::pi * fc * t) / (std::numbers::pi * t);
    const double r = t / (mid + 0.5);
    const double w = bessel_i0(d.kaiser_beta * std::sqrt(std::max(0.0, 1 - r * r))) / norm;
    h[i] = sinc * w;
    sum += h[i];
  }
  for (auto& v : h) v /= sum;
  return h;
}

void Interpolator::prepare(std::size_t channels, int factor, const AntiAliasDesign& d) {
  const auto h = design_antialias(factor, d);
  factor_ = factor;
  taps_ = static_cast<std::size_t>(d.taps_per_phase);
  const auto f = static_cast<std::size_t>(factor);
  stride_ = (f + 7) / 8 * 8;
  phases_.assign(taps_ * stride_, 0.0f);  // [tap][phase], phases padded to a multiple of 8 with zeros
  for (std::size_t j = 0; j < f; ++j)
    for (std::size_t k = 0; k < taps_; ++k) phases_[k * stride_ + j] = static_cast<float>(h[j + k * f] * factor);
  history_.assign(channels * 2 * taps_, 0.0f);
  pos_.assign(channels, 0);
}

void Interpolator::reset() noexcept {
  std::fill(history_.begin(), history_.end(), 0.0f);
  std::fill(pos_.begin(), pos_.end(), 0);
}

void Interpolator::push_history(std::size_t channel, double x) noexcept {
  float* buf = history_.data() + channel * 2 * taps_;
  std::size_t& w = pos_[channel];
  w = w == 0 ? taps_ - 1 : w - 1;
  buf[w] = static_cast<float>(x);
  buf[w + taps_] = static_cast<float>(x);
}

PERCEPT_FIR_CLONES void Interpolator::push(std::size_t channel, double x, double* out) noexcept {
  push_history(channel, x);
  const float* hist = history(channel);  // hist[k] = x[n - k]
  const auto f = static_cast<std::size_t>(factor_);
  std::size_t j = 0;
  for (; j + 32 <= stride_; j += 32) interp32(phases_.data() + j, stride_, hist, taps_, out + j, f - j);
  for (; j < stride_; j += 8) interp8(phases_.data() + j, stride_, hist, taps_, out + j, f - j);
}

PERCEPT_FIR_CLONES void Interpolator::push_pair(std::size_t ca, double xa, double* out_a, std::size_t cb, double xb,
                                                double* out_b) noexcept {
  push_history(ca, xa);
  push_history(cb, xb);
  const float* hist[2] = {history(ca), history(cb)};
  const auto f = static_cast<std::size_t>(factor_);
  std::size_t j = 0;
  for (; j + 32 <= stride_; j += 32)
    interp_x2<4>(phases_.data() + j, stride_, hist[0], hist[1], taps_, out_a + j, out_b + j, f - j);
  for (; j + 16 <= stride_; j += 16)
    interp_x2<2>(phases_.data() + j, stride_, hist[0], hist[1], taps_, out_a + j, out_b + j, f - j);
  for (; j < stride_; j += 8) {
    interp8(phases_.data() + j, stride_, hist[0], taps_, out_a + j, f - j);
    interp8(phases_.data() + j, stride_, hist[1], taps_, out_b + j, f - j);
  }
}

void Decimator::prepare(std::size_t channels, int factor, const AntiAliasDesign& d) {
  // The output is taken when the last of `factor` inputs arrives, factor - 1 high-rate samples after
  // the base-rate sampling instant: the taps move factor - 1 places later (into the zero padding) so
  // that interpolation plus decimation delay by exactly taps_per_phase - 1 base-rate samples.
  const auto h = design_antialias(factor, d);
  const auto shift = static_cast<std::size_t>(factor - 1);
  // Stored reversed (h_[m] multiplies the m-th oldest of the last len inputs), so that the history is kept
  // oldest first and each push appends in time order.
  const std::size_t len = h.size();
  h_.assign(len, 0.0f);
  for (std::size_t i = 0; i + shift < len; ++i) h_[len - 1 - (i + shift)] = static_cast<float>(h[i]);
  factor_ = factor;
  history_.assign(channels * 2 * h_.size(), 0.0f);
  pos_.assign(channels, 0);
}

void Decimator::reset() noexcept {
  std::fill(history_.begin(), history_.end(), 0.0f);
  std::fill(pos_.begin(), pos_.end(), 0);
}

void Decimator::push_history(std::size_t channel, const double* in) noexcept {
  // A mirrored ring, oldest first: the window of the last len inputs is buf[w, w + len). The write position
  // moves by `factor` per push and len is a multiple of it, so the new samples fill one contiguous run of
  // the ring and of its mirror.
  const std::size_t len = h_.size(), f = static_cast<std::size_t>(factor_);
  float* buf = history_.data() + channel * 2 * len;
  const std::size_t w = pos_[channel];
  float* a = buf + w;
  float* b = buf + w + len;
  typedef double v4d __attribute__((vector_size(32)));
  typedef float v4f __attribute__((vector_size(16)));
  std::size_t j = 0;
  for (; j + 4 <= f; j += 4) {  // four conversions and two stores at once
    v4d x;
    std::memcpy(&x, in + j, sizeof x);
    const v4f v = __builtin_convertvector(x, v4f);
    std::memcpy(a + j, &v, sizeof v);
    std::memcpy(b + j, &v, sizeof v);
  }
  for (; j < f; ++j) a[j] = b[j] = static_cast<float>(in[j]);
  pos_[channel] = w + f == len ? 0 : w + f;
}

PERCEPT_FIR_CLONES double Decimator::push(std::size_t channel, const double* in) noexcept {
  push_history(channel, in);
  return dot(h_.data(), history(channel), h_.size());
}

Oversampled::Oversampled(std::shared_ptr<Processor> inner, int factor, AntiAliasDesign design)
    : inner_(std::move(inner)), factor_(factor), design_(design) {
  if (!inner_) throw InvalidArgument("oversample: processor must not be None");
  check_design(factor, design);
  if (inner_->sample_rate_hint() > 0) set_sample_rate_hint(inner_->sample_rate_hint() / factor);
}

void Oversampled::prepare(const ProcessSpec& spec) {
  if (spec.num_channels == 0 || spec.max_block_size == 0 || !(spec.sample_rate > 0))
    throw InvalidArgument("oversample: invalid spec");
  const auto f = static_cast<std::size_t>(factor_);
  inner_->prepare(ProcessSpec{spec.sample_rate * factor_, spec.max_block_size * f, spec.num_channels});
  up_.prepare(spec.num_channels, factor_, design_);
  down_.prepare(spec.num_channels, factor_, design_);
  high_.resize(spec.num_channels, spec.max_block_size * f);
  set_spec(spec);
}

void Oversampled::reset() noexcept {
  inner_->reset();
  up_.reset();
  down_.reset();
}

std::size_t Oversampled::latency() const noexcept {
  const double hi = up_.delay() + down_.delay() + static_cast<double>(inner_->latency());
  return static_cast<std::size_t>(std::lround(hi / factor_));
}

}  // namespace percept::dsp
