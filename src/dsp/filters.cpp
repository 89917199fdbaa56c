#include "percept/dsp/filters.hpp"

#include <cmath>
#include <numbers>
#include <string>

#include "percept/core/error.hpp"

namespace percept::dsp {

namespace {
void check_spec(const ProcessSpec& spec, const char* who) {
  if (!(spec.sample_rate > 0) || !std::isfinite(spec.sample_rate))
    throw InvalidArgument(std::string(who) + ": sample rate must be positive, got " + std::to_string(spec.sample_rate));
  if (spec.num_channels == 0) throw InvalidArgument(std::string(who) + ": need at least one channel");
  if (spec.max_block_size == 0) throw InvalidArgument(std::string(who) + ": max_block_size must be positive");
}
}  // namespace

// ---------------------------------------------------------------------------------------------
OnePoleLowpass::OnePoleLowpass(double alpha) : alpha_(0.5) {
  set_alpha(alpha);
}

void OnePoleLowpass::set_alpha(double alpha) {
  if (!(alpha > 0.0 && alpha <= 1.0))
    throw InvalidArgument("onepole: alpha must be in (0, 1], got " + std::to_string(alpha));
  alpha_.store(alpha, std::memory_order_relaxed);
}

double OnePoleLowpass::alpha_for_cutoff(double cutoff_hz, double sample_rate) {
  if (!(cutoff_hz > 0 && cutoff_hz < sample_rate / 2))
    throw InvalidArgument("onepole: cutoff_hz must be in (0, sample_rate / 2), got " + std::to_string(cutoff_hz));
  return 1.0 - std::exp(-2.0 * std::numbers::pi * cutoff_hz / sample_rate);
}

void OnePoleLowpass::prepare(const ProcessSpec& spec) {
  check_spec(spec, "onepole");
  state_.assign(spec.num_channels, 0.0);
  set_spec(spec);
}

void OnePoleLowpass::reset() noexcept {
  std::fill(state_.begin(), state_.end(), 0.0);
}

// ---------------------------------------------------------------------------------------------
Sos::Sos(std::vector<Section> sections) {
  set_sections(std::move(sections));
}

void Sos::set_sections(std::vector<Section> sections) {
  if (sections.empty()) throw InvalidArgument("sos: need at least one section");
  for (auto& s : sections) {
    for (double v : s)
      if (!std::isfinite(v)) throw InvalidArgument("sos: coefficients must be finite");
    if (s[3] == 0.0) throw InvalidArgument("sos: a section's a0 must be nonzero");
    const double a0 = s[3];
    for (double& v : s) v /= a0;
  }
  sections_ = std::move(sections);
}

void Sos::prepare(const ProcessSpec& spec) {
  check_spec(spec, "sos");
  state_.assign(spec.num_channels * 2 * sections_.size(), 0.0);
  set_spec(spec);
}

void Sos::reset() noexcept {
  std::fill(state_.begin(), state_.end(), 0.0);
}

void Sos::set_state(std::span<const double> zi, std::size_t channel) {
  if (!prepared()) throw InvalidArgument("sos: prepare() before set_state()");
  if (channel >= spec().num_channels) throw InvalidArgument("sos: channel out of range");
  if (zi.size() != 2 * sections_.size()) throw InvalidArgument("sos: state needs 2 values per section");
  std::copy(zi.begin(), zi.end(), state_.begin() + static_cast<std::ptrdiff_t>(channel * 2 * sections_.size()));
}

// ---------------------------------------------------------------------------------------------
std::vector<Section> Butterworth::design(int order, const std::vector<double>& cutoff_hz, FilterType type, double sr) {
  if (!(sr > 0)) throw InvalidArgument("butterworth: sample_rate must be positive");
  std::vector<double> wn;
  for (double f : cutoff_hz) {
    if (!(f > 0 && f < sr / 2))
      throw InvalidArgument("butterworth: cutoff_hz " + std::to_string(f) +
                            " must be in (0, sample_rate / 2 = " + std::to_string(sr / 2) + ")");
    wn.push_back(2.0 * f / sr);
  }
  return butter_sos(order, wn, type);
}

Butterworth::Butterworth(int order, std::vector<double> cutoff_hz, FilterType type, double sample_rate)
    : Sos(design(order, cutoff_hz, type, sample_rate)),
      order_(order),
      cutoff_hz_(std::move(cutoff_hz)),
      type_(type),
      designed_rate_(sample_rate) {
  set_sample_rate_hint(sample_rate);
}

void Butterworth::prepare(const ProcessSpec& spec) {
  if (spec.sample_rate != designed_rate_) {
    set_sections(design(order_, cutoff_hz_, type_, spec.sample_rate));
    designed_rate_ = spec.sample_rate;
  }
  Sos::prepare(spec);
}

// ---------------------------------------------------------------------------------------------
DcBlocker::DcBlocker(double cutoff_hz) : cutoff_hz_(cutoff_hz) {
  if (!(cutoff_hz > 0) || !std::isfinite(cutoff_hz))
    throw InvalidArgument("dcblock: cutoff_hz must be positive, got " + std::to_string(cutoff_hz));
}

void DcBlocker::prepare(const ProcessSpec& spec) {
  check_spec(spec, "dcblock");
  if (!(cutoff_hz_ < spec.sample_rate / 2)) throw InvalidArgument("dcblock: cutoff_hz must be below sample_rate / 2");
  r_ = std::exp(-2.0 * std::numbers::pi * cutoff_hz_ / spec.sample_rate);
  x1_.assign(spec.num_channels, 0.0);
  y1_.assign(spec.num_channels, 0.0);
  set_spec(spec);
}

void DcBlocker::reset() noexcept {
  std::fill(x1_.begin(), x1_.end(), 0.0);
  std::fill(y1_.begin(), y1_.end(), 0.0);
}

}  // namespace percept::dsp
