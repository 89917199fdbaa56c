// percept/dsp/denoise.hpp — noise reduction: NLMS adaptive noise cancellation and spectral subtraction.
//
// Nlms(taps, step_size, regularization)
//     Adaptive noise canceller: a primary input (speech + noise that reached the microphone through an
//     unknown path) and a reference input (the noise source). An FIR w of `taps` taps is adapted with
//     normalized LMS, w += mu e x / (eps + |x|^2), and the output is the error e = d - w.x (the
//     cleaned signal). process_pair(primary, reference, out); through the generic interface the
//     channels come in (primary, reference) pairs and each pair's second channel receives the
//     estimated noise w.x.
// SpectralSubtraction(frame_size, hop_size, over_subtraction, spectral_floor, noise_estimator, noise_frames)
//     Streaming STFT (sqrt-Hann analysis and synthesis windows, weighted overlap-add), gain
//     G = sqrt(max(1 - alpha N / |X|^2, floor^2)) per bin, noise PSD N estimated either from the
//     first `noise_frames` frames ("leading") or by minimum statistics (minimum of the smoothed
//     periodogram over ~1.5 s, bias-compensated, "minimum-statistics"). latency() = frame_size: a
//     frame is complete hop samples after its last input, and its oldest hop is emitted over the next hop.
#pragma once

#include <atomic>
#include <complex>
#include <memory>
#include <vector>

#include "percept/dsp/processor.hpp"

namespace percept::dsp {

class Nlms : public ProcessorBase<Nlms> {
 public:
  explicit Nlms(std::size_t taps = 32, double step_size = 0.01, double regularization = 1e-6);
  void prepare(const ProcessSpec& spec) override;
  void reset() noexcept override;
  [[nodiscard]] std::string name() const override { return "nlms"; }
  [[nodiscard]] std::size_t taps() const noexcept { return taps_; }
  void set_step_size(double mu);
  /// The current filter of channel `c` (w[0] applies to the newest reference sample).
  [[nodiscard]] std::vector<double> weights(std::size_t c) const;

  template <class T>
  void process_pair(AudioView<const T> primary, AudioView<const T> reference, AudioView<T> out,
                    AudioView<T>* noise_estimate = nullptr) noexcept {
    const double mu = mu_.load(std::memory_order_relaxed);
    const std::size_t L = taps_;
    const std::size_t nc = primary.num_channels() < filters_ ? primary.num_channels() : filters_;
    for (std::size_t c = 0; c < nc; ++c) {
      const T* d = primary.channel(c);
      const T* r = reference.channel(reference.num_channels() == 1 ? 0 : c);
      T* e = out.channel(c);
      T* yhat = noise_estimate ? noise_estimate->channel(c) : nullptr;
      double* w = w_.data() + c * L;
      double* buf = hist_.data() + c * 2 * L;
      std::size_t pos = pos_[c];
      double energy = energy_[c];
      for (std::size_t i = 0; i < primary.num_frames(); ++i) {
        const double xr = static_cast<double>(r[i]);
        const double old = buf[pos + L - 1];  // the sample leaving the window (x[n - L])
        pos = (pos + L - 1) % L;
        buf[pos] = xr;
        buf[pos + L] = xr;
        const double* x = buf + pos;  // x[k] = ref[n - k]
        energy += xr * xr - old * old;
        if (energy < 0) energy = 0;
        double y = 0;
        for (std::size_t k = 0; k < L; ++k) y += w[k] * x[k];
        const double err = static_cast<double>(d[i]) - y;
        const double g = mu * err / (eps_ + energy);
        for (std::size_t k = 0; k < L; ++k) w[k] += g * x[k];
        e[i] = static_cast<T>(err);
        if (yhat) yhat[i] = static_cast<T>(y);
      }
      pos_[c] = pos;
      energy_[c] = energy;
    }
  }
  template <class T>
  void process_impl(AudioView<const T> in, AudioView<T> out) noexcept;

 private:
  std::size_t taps_;
  std::atomic<double> mu_;
  double eps_;
  std::size_t filters_ = 0;
  std::vector<double> w_, hist_, energy_;
  std::vector<std::size_t> pos_;
};

enum class NoiseEstimator { Leading, MinimumStatistics };
[[nodiscard]] NoiseEstimator parse_noise_estimator(const std::string& name);

class SpectralSubtraction : public ProcessorBase<SpectralSubtraction> {
 public:
  SpectralSubtraction(std::size_t frame_size = 512, std::size_t hop_size = 128, double over_subtraction = 4.0,
                      double spectral_floor = 0.03, NoiseEstimator estimator = NoiseEstimator::MinimumStatistics,
                      std::size_t noise_frames = 10);
  ~SpectralSubtraction() override;
  SpectralSubtraction(SpectralSubtraction&&) = delete;
  SpectralSubtraction& operator=(SpectralSubtraction&&) = delete;
  void prepare(const ProcessSpec& spec) override;
  void reset() noexcept override;
  [[nodiscard]] std::string name() const override { return "denoise"; }
  [[nodiscard]] std::size_t latency() const noexcept override { return frame_; }

  template <class T>
  void process_impl(AudioView<const T> in, AudioView<T> out) noexcept;

 private:
  struct Channel;
  void process_frame(Channel& ch) noexcept;
  void update_noise(Channel& ch) noexcept;

  std::size_t frame_, hop_;
  double alpha_, floor_;
  NoiseEstimator estimator_;
  std::size_t noise_frames_;
  std::size_t subwindow_frames_ = 8, subwindows_ = 8;
  std::vector<double> window_;
  std::vector<std::unique_ptr<Channel>> channels_;
  void* plan_fwd_ = nullptr;
  void* plan_inv_ = nullptr;
};

}  // namespace percept::dsp
