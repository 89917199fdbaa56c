#include "percept/dsp/utility.hpp"

#include <cmath>
#include <string>

#include "percept/core/error.hpp"

namespace percept::dsp {

namespace {
void check_spec(const ProcessSpec& spec, const std::string& who) {
  if (!(spec.sample_rate > 0) || !std::isfinite(spec.sample_rate))
    throw InvalidArgument(who + ": sample rate must be positive, got " + std::to_string(spec.sample_rate));
  if (spec.num_channels == 0) throw InvalidArgument(who + ": need at least one channel");
  if (spec.max_block_size == 0) throw InvalidArgument(who + ": max_block_size must be positive");
}
}  // namespace

Gain::Gain(double gain_db) {
  set_gain_db(gain_db);
}

void Gain::set_gain_db(double gain_db) {
  if (!std::isfinite(gain_db) || gain_db > 200 || gain_db < -400)
    throw InvalidArgument("gain: gain_db must be finite and in [-400, 200], got " + std::to_string(gain_db));
  gain_.store(std::pow(10.0, gain_db / 20.0), std::memory_order_relaxed);
}

void Gain::prepare(const ProcessSpec& spec) {
  check_spec(spec, "gain");
  set_spec(spec);
}

Delay::Delay(std::size_t delay_samples) : delay_(delay_samples) {
  if (delay_samples > (std::size_t{1} << 28)) throw InvalidArgument("delay: delay_samples is unreasonably large");
}

void Delay::prepare(const ProcessSpec& spec) {
  check_spec(spec, "delay");
  line_.assign(spec.num_channels * delay_, 0.0);
  pos_ = 0;
  set_spec(spec);
}

void Delay::reset() noexcept {
  std::fill(line_.begin(), line_.end(), 0.0);
  pos_ = 0;
}

SoftClip::SoftClip(double drive_db) {
  if (!std::isfinite(drive_db) || drive_db < -60 || drive_db > 60)
    throw InvalidArgument("softclip: drive_db must be in [-60, 60], got " + std::to_string(drive_db));
  drive_ = std::pow(10.0, drive_db / 20.0);
}

void SoftClip::prepare(const ProcessSpec& spec) {
  check_spec(spec, "softclip");
  set_spec(spec);
}

Mix::Mix(std::shared_ptr<Processor> processor, double wet) : inner_(std::move(processor)) {
  if (!inner_) throw InvalidArgument("mix: processor must not be None");
  set_wet(wet);
  set_sample_rate_hint(inner_->sample_rate_hint());
}

void Mix::set_wet(double wet) {
  if (!(wet >= 0.0 && wet <= 1.0)) throw InvalidArgument("mix: wet must be in [0, 1], got " + std::to_string(wet));
  wet_.store(wet, std::memory_order_relaxed);
}

void Mix::prepare(const ProcessSpec& spec) {
  check_spec(spec, "mix");
  inner_->prepare(spec);
  scratch_f_.resize(spec.num_channels, spec.max_block_size);
  scratch_d_.resize(spec.num_channels, spec.max_block_size);
  set_spec(spec);
}

}  // namespace percept::dsp
