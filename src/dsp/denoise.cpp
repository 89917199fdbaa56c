#include "percept/dsp/denoise.hpp"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numbers>
#include <string>

#include "percept/core/error.hpp"
#include "percept/dsp/fftw_planner.hpp"

namespace percept::dsp {

namespace {
void check_spec(const ProcessSpec& spec, const char* who) {
  if (!(spec.sample_rate > 0) || !std::isfinite(spec.sample_rate))
    throw InvalidArgument(std::string(who) + ": sample rate must be positive");
  if (spec.num_channels == 0) throw InvalidArgument(std::string(who) + ": need at least one channel");
  if (spec.max_block_size == 0) throw InvalidArgument(std::string(who) + ": max_block_size must be positive");
}
}  // namespace

// ---------------------------------------------------------------------------------------------
Nlms::Nlms(std::size_t taps, double step_size, double regularization) : taps_(taps), mu_(0.5), eps_(regularization) {
  if (taps < 1 || taps > 65536) throw InvalidArgument("nlms: taps must be 1..65536, got " + std::to_string(taps));
  if (!(regularization > 0) || !std::isfinite(regularization))
    throw InvalidArgument("nlms: regularization must be positive");
  set_step_size(step_size);
}

void Nlms::set_step_size(double mu) {
  if (!(mu > 0 && mu < 2)) throw InvalidArgument("nlms: step_size must be in (0, 2), got " + std::to_string(mu));
  mu_.store(mu, std::memory_order_relaxed);
}

void Nlms::prepare(const ProcessSpec& spec) {
  check_spec(spec, "nlms");
  filters_ = spec.num_channels;
  w_.assign(filters_ * taps_, 0.0);
  hist_.assign(filters_ * 2 * taps_, 0.0);
  energy_.assign(filters_, 0.0);
  pos_.assign(filters_, 0);
  set_spec(spec);
}

void Nlms::reset() noexcept {
  std::fill(w_.begin(), w_.end(), 0.0);
  std::fill(hist_.begin(), hist_.end(), 0.0);
  std::fill(energy_.begin(), energy_.end(), 0.0);
  std::fill(pos_.begin(), pos_.end(), 0);
}

std::vector<double> Nlms::weights(std::size_t c) const {
  if (c >= filters_) throw InvalidArgument("nlms: channel out of range (prepare first)");
  return {w_.begin() + static_cast<std::ptrdiff_t>(c * taps_),
          w_.begin() + static_cast<std::ptrdiff_t>((c + 1) * taps_)};
}

template <class T>
void Nlms::process_impl(AudioView<const T> in, AudioView<T> out) noexcept {
  // Channels in (primary, reference) pairs: pair p uses filter p; out[2p] = cleaned, out[2p+1] = noise estimate.
  const std::size_t pairs = in.num_channels() / 2;
  for (std::size_t p = 0; p < pairs; ++p) {
    // Per pair, one sample at a time through a one-channel view: the primary and output may alias.
    const T* prim = in.channel(2 * p);
    const T* ref = in.channel(2 * p + 1);
    T* e = out.channel(2 * p);
    T* n = out.channel(2 * p + 1);
    const std::size_t L = taps_;
    const double mu = mu_.load(std::memory_order_relaxed);
    double* w = w_.data() + p * L;
    double* buf = hist_.data() + p * 2 * L;
    std::size_t pos = pos_[p];
    double energy = energy_[p];
    for (std::size_t i = 0; i < in.num_frames(); ++i) {
      const double xr = static_cast<double>(ref[i]);
      const double d = static_cast<double>(prim[i]);
      const double old = buf[pos + L - 1];
      pos = (pos + L - 1) % L;
      buf[pos] = xr;
      buf[pos + L] = xr;
      const double* x = buf + pos;
      energy += xr * xr - old * old;
      if (energy < 0) energy = 0;
      double y = 0;
      for (std::size_t k = 0; k < L; ++k) y += w[k] * x[k];
      const double err = d - y;
      const double g = mu * err / (eps_ + energy);
      for (std::size_t k = 0; k < L; ++k) w[k] += g * x[k];
      e[i] = static_cast<T>(err);
      n[i] = static_cast<T>(y);
    }
    pos_[p] = pos;
    energy_[p] = energy;
  }
  if (in.num_channels() % 2 == 1) {
    const std::size_t c = in.num_channels() - 1;
    if (in.channel(c) != out.channel(c))
      for (std::size_t i = 0; i < in.num_frames(); ++i) out.channel(c)[i] = in.channel(c)[i];
  }
}
template void Nlms::process_impl<float>(AudioView<const float>, AudioView<float>) noexcept;
template void Nlms::process_impl<double>(AudioView<const double>, AudioView<double>) noexcept;

// ---------------------------------------------------------------------------------------------
NoiseEstimator parse_noise_estimator(const std::string& name) {
  if (name == "leading" || name == "leading-frames" || name == "leading_frames") return NoiseEstimator::Leading;
  if (name == "minimum-statistics" || name == "minimum_statistics" || name == "minstat" || name == "minimum")
    return NoiseEstimator::MinimumStatistics;
  throw InvalidArgument("denoise: noise_estimator must be 'leading' or 'minimum-statistics', got '" + name + "'");
}

struct SpectralSubtraction::Channel {
  std::vector<double> in_fifo, out_fifo, accum;
  double* time = nullptr;        // fftw_malloc'd, frame_
  fftw_complex* spec = nullptr;  // fftw_malloc'd, frame_/2 + 1
  std::vector<double> noise, smooth, sub_min, cur_min;
  std::size_t rover = 0, frames_seen = 0, sub_count = 0, sub_index = 0;
  ~Channel() {
    if (time) fftw_free(time);
    if (spec) fftw_free(spec);
  }
};

SpectralSubtraction::SpectralSubtraction(std::size_t frame_size, std::size_t hop_size, double over_subtraction,
                                         double spectral_floor, NoiseEstimator estimator, std::size_t noise_frames)
    : frame_(frame_size),
      hop_(hop_size),
      alpha_(over_subtraction),
      floor_(spectral_floor),
      estimator_(estimator),
      noise_frames_(noise_frames) {
  if (frame_size < 16 || frame_size > 65536 || (frame_size & (frame_size - 1)) != 0)
    throw InvalidArgument("denoise: frame_size must be a power of two in 16..65536, got " + std::to_string(frame_size));
  if (hop_size == 0 || frame_size % hop_size != 0 || frame_size / hop_size < 2)
    throw InvalidArgument("denoise: hop_size must divide frame_size with at least 2x overlap");
  if (!(over_subtraction >= 0 && over_subtraction <= 20))
    throw InvalidArgument("denoise: over_subtraction must be in [0, 20]");
  if (!(spectral_floor >= 0 && spectral_floor <= 1)) throw InvalidArgument("denoise: spectral_floor must be in [0, 1]");
  if (noise_frames < 1) throw InvalidArgument("denoise: noise_frames must be at least 1");
}

SpectralSubtraction::~SpectralSubtraction() {
  std::lock_guard<std::mutex> lock(fftw_planner_mutex());
  if (plan_fwd_) fftw_destroy_plan(static_cast<fftw_plan>(plan_fwd_));
  if (plan_inv_) fftw_destroy_plan(static_cast<fftw_plan>(plan_inv_));
}

void SpectralSubtraction::prepare(const ProcessSpec& spec) {
  check_spec(spec, "denoise");
  const std::size_t bins = frame_ / 2 + 1;
  // sqrt of a periodic Hann window for analysis and synthesis: the squares overlap-add to frame/(2 hop).
  window_.resize(frame_);
  for (std::size_t i = 0; i < frame_; ++i)
    window_[i] =
        std::sqrt(0.5 - 0.5 * std::cos(2 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(frame_)));
  channels_.clear();
  for (std::size_t c = 0; c < spec.num_channels; ++c) {
    auto ch = std::make_unique<Channel>();
    ch->in_fifo.assign(frame_, 0.0);
    ch->out_fifo.assign(frame_, 0.0);
    ch->accum.assign(frame_, 0.0);
    ch->time = fftw_alloc_real(frame_);
    ch->spec = fftw_alloc_complex(bins);
    if (!ch->time || !ch->spec) throw InvalidArgument("denoise: out of memory");
    ch->noise.assign(bins, 0.0);
    ch->smooth.assign(bins, 0.0);
    ch->sub_min.assign(bins * subwindows_, 0.0);
    ch->cur_min.assign(bins, 0.0);
    ch->rover = frame_ - hop_;
    channels_.push_back(std::move(ch));
  }
  // ~1.5 s of minimum-statistics window: subwindows_ sub-windows of subwindow_frames_ frames.
  const double frames_per_second = spec.sample_rate / static_cast<double>(hop_);
  subwindow_frames_ =
      std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(1.5 * frames_per_second / subwindows_)));
  {
    std::lock_guard<std::mutex> lock(fftw_planner_mutex());
    if (plan_fwd_) fftw_destroy_plan(static_cast<fftw_plan>(plan_fwd_));
    if (plan_inv_) fftw_destroy_plan(static_cast<fftw_plan>(plan_inv_));
    const int n = static_cast<int>(frame_);
    plan_fwd_ = fftw_plan_dft_r2c_1d(n, channels_[0]->time, channels_[0]->spec, FFTW_ESTIMATE);
    plan_inv_ = fftw_plan_dft_c2r_1d(n, channels_[0]->spec, channels_[0]->time, FFTW_ESTIMATE);
  }
  if (!plan_fwd_ || !plan_inv_) throw InvalidArgument("denoise: FFTW could not plan a transform of this size");
  set_spec(spec);
}

void SpectralSubtraction::reset() noexcept {
  for (auto& ch : channels_) {
    std::fill(ch->in_fifo.begin(), ch->in_fifo.end(), 0.0);
    std::fill(ch->out_fifo.begin(), ch->out_fifo.end(), 0.0);
    std::fill(ch->accum.begin(), ch->accum.end(), 0.0);
    std::fill(ch->noise.begin(), ch->noise.end(), 0.0);
    std::fill(ch->smooth.begin(), ch->smooth.end(), 0.0);
    std::fill(ch->sub_min.begin(), ch->sub_min.end(), 0.0);
    std::fill(ch->cur_min.begin(), ch->cur_min.end(), 0.0);
    ch->rover = frame_ - hop_;
    ch->frames_seen = ch->sub_count = ch->sub_index = 0;
  }
}

void SpectralSubtraction::update_noise(Channel& ch) noexcept {
  const std::size_t bins = frame_ / 2 + 1;
  const auto* X = ch.spec;
  const std::size_t f = ch.frames_seen;
  if (estimator_ == NoiseEstimator::Leading) {
    if (f < noise_frames_) {
      const double w = 1.0 / static_cast<double>(f + 1);
      for (std::size_t k = 0; k < bins; ++k) {
        const double p = X[k][0] * X[k][0] + X[k][1] * X[k][1];
        ch.noise[k] += w * (p - ch.noise[k]);  // running mean of the first frames
      }
    }
    return;
  }
  // Minimum statistics (after Martin 2001, simplified): smoothed periodogram, its minimum over
  // subwindows_ sub-windows of subwindow_frames_ frames, times a bias factor.
  constexpr double smoothing = 0.85, bias = 2.5;
  for (std::size_t k = 0; k < bins; ++k) {
    const double p = X[k][0] * X[k][0] + X[k][1] * X[k][1];
    ch.smooth[k] = f == 0 ? p : smoothing * ch.smooth[k] + (1 - smoothing) * p;
    ch.cur_min[k] = ch.sub_count == 0 ? ch.smooth[k] : std::min(ch.cur_min[k], ch.smooth[k]);
  }
  if (++ch.sub_count == subwindow_frames_ || f == 0) {
    double* slot = ch.sub_min.data() + ch.sub_index * bins;
    for (std::size_t k = 0; k < bins; ++k) slot[k] = ch.cur_min[k];
    if (f == 0) {
      for (std::size_t s = 1; s < subwindows_; ++s) std::copy(slot, slot + bins, ch.sub_min.data() + s * bins);
    }
    ch.sub_index = (ch.sub_index + 1) % subwindows_;
    ch.sub_count = 0;
  }
  for (std::size_t k = 0; k < bins; ++k) {
    double m = ch.sub_count ? ch.cur_min[k] : ch.smooth[k];
    for (std::size_t s = 0; s < subwindows_; ++s) m = std::min(m, ch.sub_min[s * bins + k]);
    ch.noise[k] = bias * m;
  }
}

template <class T>
void SpectralSubtraction::process_impl(AudioView<const T> in, AudioView<T> out) noexcept {
  for (std::size_t c = 0; c < in.num_channels(); ++c) {
    const T* x = in.channel(c);
    T* y = out.channel(c);
    Channel& ch = *channels_[c];
    std::size_t rover = ch.rover;
    for (std::size_t i = 0; i < in.num_frames(); ++i) {
      ch.in_fifo[rover] = static_cast<double>(x[i]);
      y[i] = static_cast<T>(ch.out_fifo[rover - (frame_ - hop_)]);
      if (++rover >= frame_) {
        rover = frame_ - hop_;
        process_frame(ch);
      }
    }
    ch.rover = rover;
  }
}
template void SpectralSubtraction::process_impl<float>(AudioView<const float>, AudioView<float>) noexcept;
template void SpectralSubtraction::process_impl<double>(AudioView<const double>, AudioView<double>) noexcept;

void SpectralSubtraction::process_frame(Channel& ch) noexcept {
  const std::size_t bins = frame_ / 2 + 1;
  for (std::size_t i = 0; i < frame_; ++i) ch.time[i] = ch.in_fifo[i] * window_[i];
  fftw_execute_dft_r2c(static_cast<fftw_plan>(plan_fwd_), ch.time, ch.spec);
  update_noise(ch);
  const double floor2 = floor_ * floor_;
  for (std::size_t k = 0; k < bins; ++k) {
    const double p = ch.spec[k][0] * ch.spec[k][0] + ch.spec[k][1] * ch.spec[k][1];
    const double g2 = p > 0 ? std::max(1.0 - alpha_ * ch.noise[k] / p, floor2) : floor2;
    const double g = std::sqrt(g2);
    ch.spec[k][0] *= g;
    ch.spec[k][1] *= g;
  }
  ++ch.frames_seen;
  fftw_execute_dft_c2r(static_cast<fftw_plan>(plan_inv_), ch.spec, ch.time);
  // Synthesis window; the unnormalized inverse FFT scales by frame_, the window overlap by frame/(2 hop).
  const double scale =
      1.0 / (static_cast<double>(frame_) * (static_cast<double>(frame_) / (2.0 * static_cast<double>(hop_))));
  for (std::size_t i = 0; i < frame_; ++i) ch.accum[i] += ch.time[i] * window_[i] * scale;
  for (std::size_t i = 0; i < hop_; ++i) ch.out_fifo[i] = ch.accum[i];
  std::copy(ch.accum.begin() + static_cast<std::ptrdiff_t>(hop_), ch.accum.end(), ch.accum.begin());
  std::fill(ch.accum.end() - static_cast<std::ptrdiff_t>(hop_), ch.accum.end(), 0.0);
  std::copy(ch.in_fifo.begin() + static_cast<std::ptrdiff_t>(hop_), ch.in_fifo.end(), ch.in_fifo.begin());
}

}  // namespace percept::dsp
