// Sample-rate conversion through libsoxr (see resample.hpp).
#include "percept/dsp/resample.hpp"

#include <soxr.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>

#include "percept/core/error.hpp"

namespace percept::dsp {
namespace {

unsigned long soxr_recipe(ResampleQuality q) {
  switch (q) {
    case ResampleQuality::Quick:
      return SOXR_QQ;
    case ResampleQuality::Low:
      return SOXR_LQ;
    case ResampleQuality::Medium:
      return SOXR_MQ;
    case ResampleQuality::High:
      return SOXR_HQ;
    case ResampleQuality::VeryHigh:
      return SOXR_VHQ;
  }
  return SOXR_HQ;
}

void check_rates(double source_rate, double target_rate) {
  if (!(source_rate > 0.0) || !(target_rate > 0.0) || !std::isfinite(source_rate) || !std::isfinite(target_rate))
    throw InvalidArgument("resample: sample rates must be positive and finite (got " + std::to_string(source_rate) +
                          " -> " + std::to_string(target_rate) + ")");
}

template <class T>
soxr_t create(double source_rate, double target_rate, unsigned channels, ResampleQuality quality, bool split) {
  soxr_datatype_t type;
  if constexpr (std::is_same_v<T, float>)
    type = split ? SOXR_FLOAT32_S : SOXR_FLOAT32_I;
  else
    type = split ? SOXR_FLOAT64_S : SOXR_FLOAT64_I;
  const soxr_io_spec_t io = soxr_io_spec(type, type);
  const soxr_quality_spec_t qs = soxr_quality_spec(soxr_recipe(quality), 0);
  soxr_error_t err = nullptr;
  soxr_t s = soxr_create(source_rate, target_rate, channels, &err, &io, &qs, nullptr);
  if (err || !s) throw InvalidArgument(std::string("resample: libsoxr refused the conversion: ") + (err ? err : "?"));
  return s;
}

}  // namespace

ResampleQuality parse_resample_quality(const char* name) {
  std::string s(name ? name : "");
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  if (s.rfind("soxr_", 0) == 0) s = s.substr(5);
  if (s == "qq") return ResampleQuality::Quick;
  if (s == "lq") return ResampleQuality::Low;
  if (s == "mq") return ResampleQuality::Medium;
  if (s == "hq") return ResampleQuality::High;
  if (s == "vhq") return ResampleQuality::VeryHigh;
  throw InvalidArgument(std::string("unknown resampling quality '") + (name ? name : "") +
                        "' (expected soxr_qq, soxr_lq, soxr_mq, soxr_hq or soxr_vhq)");
}

std::size_t resampled_length(std::size_t n, double source_rate, double target_rate) noexcept {
  return static_cast<std::size_t>(std::ceil(static_cast<double>(n) * (target_rate / source_rate)));
}

template <class T>
AudioBuffer<T> resample(AudioView<const T> in, double source_rate, double target_rate, ResampleQuality quality) {
  check_rates(source_rate, target_rate);
  const std::size_t nc = in.num_channels();
  const std::size_t n_out = resampled_length(in.num_frames(), source_rate, target_rate);
  AudioBuffer<T> out(nc, n_out);
  if (nc == 0 || in.num_frames() == 0) return out;
  if (source_rate == target_rate) {
    copy(in, out.view());
    return out;
  }
  // Split (planar) I/O: soxr reads and writes our channel pointers directly, no interleaving copy.
  soxr_t s = create<T>(source_rate, target_rate, static_cast<unsigned>(nc), quality, true);
  std::vector<const T*> ip(nc);
  std::vector<T*> op(nc);
  const std::size_t capacity = n_out + 64;
  AudioBuffer<T> work(nc, capacity);
  std::size_t out_pos = 0;
  auto run = [&](bool flush) {
    for (std::size_t c = 0; c < nc; ++c) {
      ip[c] = in.channel(c);
      op[c] = work.channel(c) + out_pos;
    }
    std::size_t idone = 0, odone = 0;
    const soxr_error_t err = soxr_process(s, flush ? nullptr : static_cast<const void*>(ip.data()),
                                          flush ? 0 : in.num_frames(), &idone, op.data(), capacity - out_pos, &odone);
    if (err) {
      soxr_delete(s);
      throw InvalidArgument(std::string("resample: libsoxr failed: ") + err);
    }
    out_pos += odone;
    return odone;
  };
  run(false);
  while (out_pos < capacity && run(true) > 0) {
  }
  soxr_delete(s);
  const std::size_t keep = std::min(out_pos, n_out);  // fix_length: trim, the rest stays zero
  for (std::size_t c = 0; c < nc; ++c) std::memcpy(out.channel(c), work.channel(c), keep * sizeof(T));
  return out;
}

template AudioBuffer<float> resample<float>(AudioView<const float>, double, double, ResampleQuality);
template AudioBuffer<double> resample<double>(AudioView<const double>, double, double, ResampleQuality);

// ------------------------------------------------------------------------------------------------
struct StreamResampler::Impl {
  soxr_t soxr = nullptr;
  ~Impl() {
    if (soxr) soxr_delete(soxr);
  }
};

StreamResampler::StreamResampler(double source_rate, double target_rate, std::size_t channels, ResampleQuality quality)
    : impl_(std::make_unique<Impl>()), source_rate_(source_rate), target_rate_(target_rate), channels_(channels) {
  check_rates(source_rate, target_rate);
  if (channels == 0) throw InvalidArgument("StreamResampler: at least one channel is needed");
  impl_->soxr = create<float>(source_rate, target_rate, static_cast<unsigned>(channels), quality, false);
}

StreamResampler::~StreamResampler() = default;
StreamResampler::StreamResampler(StreamResampler&&) noexcept = default;
StreamResampler& StreamResampler::operator=(StreamResampler&&) noexcept = default;

std::size_t StreamResampler::process(const float* in, std::size_t frames, float* out, std::size_t out_capacity) {
  std::size_t idone = 0, odone = 0;
  const soxr_error_t err = soxr_process(impl_->soxr, in, frames, &idone, out, out_capacity, &odone);
  if (err) throw StreamError(std::string("resampler: libsoxr failed: ") + err);
  if (idone < frames)
    throw InvalidArgument("resampler: output buffer too small (" + std::to_string(out_capacity) + " frames for " +
                          std::to_string(frames) + " input frames; use max_output_frames())");
  return odone;
}

std::size_t StreamResampler::flush(float* out, std::size_t out_capacity) {
  std::size_t odone = 0;
  const soxr_error_t err = soxr_process(impl_->soxr, nullptr, 0, nullptr, out, out_capacity, &odone);
  if (err) throw StreamError(std::string("resampler: libsoxr failed: ") + err);
  return odone;
}

std::size_t StreamResampler::max_output_frames(std::size_t input_frames) const noexcept {
  return static_cast<std::size_t>(
             std::ceil(static_cast<double>(input_frames) * target_rate_ / source_rate_ + soxr_delay(impl_->soxr))) +
         64;
}

double StreamResampler::delay() const noexcept {
  return soxr_delay(impl_->soxr);
}

void StreamResampler::reset() {
  soxr_clear(impl_->soxr);
}

}  // namespace percept::dsp
