// Load and counter processors for the real-time path; see percept/dsp/diagnostic.hpp.
#include "percept/dsp/diagnostic.hpp"

#include <algorithm>
#include <numbers>
#include <string>

#include "percept/core/error.hpp"

namespace percept::dsp {

SaturatingCascade::SaturatingCascade(int stages, double cutoff_hz, double resonance)
    : stages_(stages), cutoff_hz_(cutoff_hz), resonance_(resonance) {
  if (stages < 1 || stages > 4096)
    throw InvalidArgument("cascade: stages must be 1..4096, got " + std::to_string(stages));
  if (!(cutoff_hz > 0) || !std::isfinite(cutoff_hz))
    throw InvalidArgument("cascade: cutoff_hz must be a positive frequency");
  if (!(resonance >= 0.0 && resonance <= 0.95)) throw InvalidArgument("cascade: resonance must be in [0, 0.95]");
}

void SaturatingCascade::prepare(const ProcessSpec& spec) {
  if (!(spec.sample_rate > 0) || !std::isfinite(spec.sample_rate))
    throw InvalidArgument("cascade: sample rate must be positive");
  if (!(cutoff_hz_ < spec.sample_rate / 6))
    throw InvalidArgument("cascade: cutoff_hz " + std::to_string(cutoff_hz_) + " must be below sample_rate / 6");
  f_ = 2.0 * std::sin(std::numbers::pi * cutoff_hz_ / spec.sample_rate);
  q_ = 2.0 - 2.0 * resonance_;
  state_.assign(spec.num_channels * static_cast<std::size_t>(stages_) * 2, 0.0);
  set_spec(spec);
}

void SaturatingCascade::reset() noexcept {
  std::fill(state_.begin(), state_.end(), 0.0);
}

}  // namespace percept::dsp
