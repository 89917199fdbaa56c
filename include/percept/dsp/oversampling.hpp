// percept/dsp/oversampling.hpp — integer-factor polyphase interpolation and decimation, and a processor
// that runs another processor at an oversampled rate.
//
// The anti-aliasing filter is one linear-phase FIR (Kaiser-windowed sinc) of factor * taps_per_phase
// taps at the high rate, split into `factor` polyphase branches: interpolation computes taps_per_phase
// products per output sample, decimation computes the whole filter once per kept output sample (the
// factor - 1 discarded outputs are never computed; interpolation runs over a transposed [tap][phase]
// table, so the products of one tap for eight phases fill one vector and no horizontal sums are needed).
// The filter arithmetic is single precision in eight-lane SIMD (SSE2 on baseline x86-64, AVX2 in
// runtime-selected x86-64-v3 clones; error about -140 dB, far below the filters' 80 dB stop band); the
// processors around it stay double.
// See docs/design.md (DSP processors) for the numbers.
//
// Interpolator / Decimator are plain state machines (allocate in prepare(), never in process);
// Oversampled(processor, factor) is a Processor: upsample -> inner at factor x rate -> downsample.
#pragma once

#include <memory>
#include <vector>

#include "percept/dsp/processor.hpp"

namespace percept::dsp {

struct AntiAliasDesign {
  int taps_per_phase = 32;
  /// -6 dB point as a fraction of the base-rate Nyquist frequency.
  double cutoff = 0.9;
  /// Kaiser window beta (8 gives about 80 dB stop-band attenuation).
  double kaiser_beta = 8.0;
};

/// Prototype low-pass of factor * taps_per_phase taps at the high rate, DC gain 1.
[[nodiscard]] std::vector<double> design_antialias(int factor, const AntiAliasDesign& d);

class Interpolator {
 public:
  void prepare(std::size_t channels, int factor, const AntiAliasDesign& d);
  void reset() noexcept;
  /// Pushes one base-rate sample of `channel`; writes `factor` high-rate samples to `out`.
  void push(std::size_t channel, double x, double* out) noexcept;
  /// push() for two different channels at once (each filter coefficient is loaded once for both).
  void push_pair(std::size_t channel_a, double xa, double* out_a, std::size_t channel_b, double xb,
                 double* out_b) noexcept;
  [[nodiscard]] int factor() const noexcept { return factor_; }
  /// Group delay in high-rate samples.
  [[nodiscard]] double delay() const noexcept {
    return static_cast<double>(factor_) * (static_cast<double>(taps_) - 1) / 2.0;
  }

  // For kernels that compute the interpolation themselves (the ring modulator interleaves it with its core):
  /// Stores one base-rate sample of `channel` in its history without computing outputs.
  void push_history(std::size_t channel, double x) noexcept;
  /// The history of `channel`, newest first: history(c)[k] = x[n - k] for k < taps().
  [[nodiscard]] const float* history(std::size_t channel) const noexcept {
    return history_.data() + channel * 2 * taps_ + pos_[channel];
  }
  /// The phase table, [tap][phase] with rows of stride() floats (phases beyond factor() are zero), scaled so
  /// that out[j] = sum_k table()[k * stride() + j] * history(c)[k].
  [[nodiscard]] const float* table() const noexcept { return phases_.data(); }
  [[nodiscard]] std::size_t stride() const noexcept { return stride_; }
  [[nodiscard]] std::size_t taps() const noexcept { return taps_; }

 private:
  int factor_ = 1;
  std::size_t taps_ = 0;        // per phase
  std::size_t stride_ = 0;      // factor rounded up to a multiple of 8
  std::vector<float> phases_;   // [tap][phase] (transposed, padded to stride_), scaled by factor
  std::vector<float> history_;  // per channel: 2 * taps_ (mirrored ring)
  std::vector<std::size_t> pos_;
};

class Decimator {
 public:
  void prepare(std::size_t channels, int factor, const AntiAliasDesign& d);
  void reset() noexcept;
  /// Pushes `factor` high-rate samples of `channel`; returns the one base-rate output sample.
  double push(std::size_t channel, const double* in) noexcept;
  [[nodiscard]] double delay() const noexcept {
    return (static_cast<double>(h_.size()) - static_cast<double>(factor_)) / 2.0;
  }

  // For kernels that compute the decimation themselves:
  /// Stores `factor` high-rate samples of `channel` in its history without computing the output.
  void push_history(std::size_t channel, const double* in) noexcept;
  /// The output after the last push_history: sum_m taps()[m] * history(c)[m] over length() taps (the
  /// history oldest first, the taps stored reversed to match).
  [[nodiscard]] const float* history(std::size_t channel) const noexcept {
    return history_.data() + channel * 2 * h_.size() + pos_[channel];
  }
  [[nodiscard]] const float* taps() const noexcept { return h_.data(); }
  [[nodiscard]] std::size_t length() const noexcept { return h_.size(); }

 private:
  int factor_ = 1;
  std::vector<float> h_;
  std::vector<float> history_;  // per channel: 2 * len (mirrored ring)
  std::vector<std::size_t> pos_;
};

class Oversampled : public ProcessorBase<Oversampled> {
 public:
  Oversampled(std::shared_ptr<Processor> inner, int factor, AntiAliasDesign design = {});
  void prepare(const ProcessSpec& spec) override;
  void reset() noexcept override;
  [[nodiscard]] std::string name() const override { return "oversample"; }
  [[nodiscard]] std::size_t latency() const noexcept override;

  template <class T>
  void process_impl(AudioView<const T> in, AudioView<T> out) noexcept {
    const std::size_t f = static_cast<std::size_t>(factor_);
    for (std::size_t c = 0; c < in.num_channels(); ++c) {
      const T* x = in.channel(c);
      double* hi = high_.channel(c);
      for (std::size_t i = 0; i < in.num_frames(); ++i) up_.push(c, static_cast<double>(x[i]), hi + i * f);
    }
    auto hv = high_.view().channels(0, in.num_channels()).frames(0, in.num_frames() * f);
    inner_->process(AudioView<const double>(hv), hv);
    for (std::size_t c = 0; c < in.num_channels(); ++c) {
      const double* hi = high_.channel(c);
      T* y = out.channel(c);
      for (std::size_t i = 0; i < in.num_frames(); ++i) y[i] = static_cast<T>(down_.push(c, hi + i * f));
    }
  }

 private:
  std::shared_ptr<Processor> inner_;
  int factor_;
  AntiAliasDesign design_;
  Interpolator up_;
  Decimator down_;
  AudioBuffer<double> high_;
};

}  // namespace percept::dsp
