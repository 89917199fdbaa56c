#include "percept/dsp/oversampling.hpp"

#include <cmath>
#include <cstring>
#include <numbers>
#include <string>

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

// Single-precision dot product, sixteen products in flight: GCC/Clang vector extensions give four-float
// SIMD lanes on any x86-64 (SSE2) and four accumulators keep the additions off one dependency chain.
typedef float v4f __attribute__((vector_size(16)));
inline double dot(const float* a, const float* b, std::size_t n) noexcept {
  v4f s0 = {0, 0, 0, 0}, s1 = {0, 0, 0, 0}, s2 = {0, 0, 0, 0}, s3 = {0, 0, 0, 0};
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    v4f a0, a1, a2, a3, b0, b1, b2, b3;
    std::memcpy(&a0, a + i, 16);
    std::memcpy(&a1, a + i + 4, 16);
    std::memcpy(&a2, a + i + 8, 16);
    std::memcpy(&a3, a + i + 12, 16);
    std::memcpy(&b0, b + i, 16);
    std::memcpy(&b1, b + i + 4, 16);
    std::memcpy(&b2, b + i + 8, 16);
    std::memcpy(&b3, b + i + 12, 16);
    s0 += a0 * b0;
    s1 += a1 * b1;
    s2 += a2 * b2;
    s3 += a3 * b3;
  }
  const v4f s = (s0 + s1) + (s2 + s3);
  double r =
      static_cast<double>(s[0]) + static_cast<double>(s[1]) + static_cast<double>(s[2]) + static_cast<double>(s[3]);
  for (; i < n; ++i) r += static_cast<double>(a[i]) * static_cast<double>(b[i]);
  return r;
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
  phases_.assign(h.size(), 0.0f);
  const auto f = static_cast<std::size_t>(factor);
  for (std::size_t j = 0; j < f; ++j)
    for (std::size_t k = 0; k < taps_; ++k) phases_[j * taps_ + k] = static_cast<float>(h[j + k * f] * factor);
  history_.assign(channels * 2 * taps_, 0.0f);
  pos_.assign(channels, 0);
}

void Interpolator::reset() noexcept {
  std::fill(history_.begin(), history_.end(), 0.0f);
  std::fill(pos_.begin(), pos_.end(), 0);
}

void Interpolator::push(std::size_t channel, double x, double* out) noexcept {
  float* buf = history_.data() + channel * 2 * taps_;
  std::size_t& w = pos_[channel];
  w = w == 0 ? taps_ - 1 : w - 1;
  buf[w] = static_cast<float>(x);
  buf[w + taps_] = static_cast<float>(x);
  const float* hist = buf + w;  // hist[k] = x[n - k]
  for (int j = 0; j < factor_; ++j) out[j] = dot(phases_.data() + static_cast<std::size_t>(j) * taps_, hist, taps_);
}

void Decimator::prepare(std::size_t channels, int factor, const AntiAliasDesign& d) {
  // The output is taken when the last of `factor` inputs arrives, factor - 1 high-rate samples after
  // the base-rate sampling instant: the taps move factor - 1 places later (into the zero padding) so
  // that interpolation plus decimation delay by exactly taps_per_phase - 1 base-rate samples.
  const auto h = design_antialias(factor, d);
  const auto shift = static_cast<std::size_t>(factor - 1);
  h_.assign(h.size(), 0.0f);
  for (std::size_t i = 0; i + shift < h.size(); ++i) h_[i + shift] = static_cast<float>(h[i]);
  factor_ = factor;
  history_.assign(channels * 2 * h_.size(), 0.0f);
  pos_.assign(channels, 0);
}

void Decimator::reset() noexcept {
  std::fill(history_.begin(), history_.end(), 0.0f);
  std::fill(pos_.begin(), pos_.end(), 0);
}

double Decimator::push(std::size_t channel, const double* in) noexcept {
  const std::size_t len = h_.size();
  float* buf = history_.data() + channel * 2 * len;
  std::size_t& w = pos_[channel];
  for (int j = 0; j < factor_; ++j) {
    w = w == 0 ? len - 1 : w - 1;
    const auto v = static_cast<float>(in[j]);
    buf[w] = v;
    buf[w + len] = v;
  }
  return dot(h_.data(), buf + w, len);  // buf[w + m] = x[n - m]
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
