// percept/dsp/filters.hpp — linear filters as real-time processors.
//
//   OnePoleLowpass(alpha)       y[n] = a x[n] + (1 - a) y[n-1]   (De Pra & Fontana's first example)
//   Sos(sections)               cascade of biquads, direct form II transposed (scipy's sosfilt)
//   Butterworth(order, cutoff_hz, type, sample_rate)
//                               an Sos designed like scipy.signal.butter(..., output='sos', fs=...);
//                               redesigned in prepare() when the stream's rate differs
//   DcBlocker(cutoff_hz)        y[n] = x[n] - x[n-1] + R y[n-1], R = exp(-2 pi fc / fs)
// State is kept per channel in double precision for both float and double audio.
#pragma once

#include <atomic>
#include <vector>

#include "percept/dsp/filter_design.hpp"
#include "percept/dsp/processor.hpp"

namespace percept::dsp {

class OnePoleLowpass : public ProcessorBase<OnePoleLowpass> {
 public:
  /// 0 < alpha <= 1 (1 passes the input through).
  explicit OnePoleLowpass(double alpha);
  void prepare(const ProcessSpec& spec) override;
  void reset() noexcept override;
  [[nodiscard]] std::string name() const override { return "onepole"; }
  void set_alpha(double alpha);
  [[nodiscard]] double alpha() const noexcept { return alpha_.load(std::memory_order_relaxed); }
  /// alpha for a -3 dB-ish cutoff: 1 - exp(-2 pi fc / fs).
  [[nodiscard]] static double alpha_for_cutoff(double cutoff_hz, double sample_rate);

  template <class T>
  void process_impl(AudioView<const T> in, AudioView<T> out) noexcept {
    const double a = alpha_.load(std::memory_order_relaxed);
    const double b = 1.0 - a;
    for (std::size_t c = 0; c < in.num_channels(); ++c) {
      const T* x = in.channel(c);
      T* y = out.channel(c);
      double s = state_[c];
      // Four samples per step: the input part of the recursion (p0..p3) does not depend on the state,
      // so only one multiply-add per four samples sits on the loop-carried dependency chain.
      const double b2 = b * b, b3 = b2 * b, b4 = b3 * b;
      const std::size_t n = in.num_frames();
      const std::size_t n4 = n - n % 4;
      for (std::size_t i = 0; i < n4; i += 4) {
        const double p0 = a * static_cast<double>(x[i]);
        const double p1 = a * static_cast<double>(x[i + 1]) + b * p0;
        const double p2 = a * static_cast<double>(x[i + 2]) + b * p1;
        const double p3 = a * static_cast<double>(x[i + 3]) + b * p2;
        y[i] = static_cast<T>(p0 + b * s);
        y[i + 1] = static_cast<T>(p1 + b2 * s);
        y[i + 2] = static_cast<T>(p2 + b3 * s);
        s = p3 + b4 * s;
        y[i + 3] = static_cast<T>(s);
      }
      for (std::size_t i = n4; i < n; ++i) {
        s = a * static_cast<double>(x[i]) + b * s;
        y[i] = static_cast<T>(s);
      }
      state_[c] = s;
    }
  }

 private:
  std::atomic<double> alpha_;
  std::vector<double> state_;
};

class Sos : public ProcessorBase<Sos> {
 public:
  /// Sections as scipy's (n, 6) rows b0 b1 b2 a0 a1 a2; each is normalized by its a0.
  explicit Sos(std::vector<Section> sections);
  void prepare(const ProcessSpec& spec) override;
  void reset() noexcept override;
  [[nodiscard]] std::string name() const override { return "sos"; }
  [[nodiscard]] const std::vector<Section>& sections() const noexcept { return sections_; }
  /// Sets every channel's state (2 values per section, scipy's zi layout) — e.g. sosfilt_zi * x[0].
  void set_state(std::span<const double> zi, std::size_t channel);

  template <class T>
  void process_impl(AudioView<const T> in, AudioView<T> out) noexcept {
    const std::size_t ns = sections_.size();
    for (std::size_t c = 0; c < in.num_channels(); ++c) {
      const T* x = in.channel(c);
      T* y = out.channel(c);
      double* z = state_.data() + c * 2 * ns;
      for (std::size_t i = 0; i < in.num_frames(); ++i) {
        double v = static_cast<double>(x[i]);
        for (std::size_t s = 0; s < ns; ++s) {
          const Section& q = sections_[s];
          const double o = q[0] * v + z[2 * s];
          z[2 * s] = q[1] * v - q[4] * o + z[2 * s + 1];
          z[2 * s + 1] = q[2] * v - q[5] * o;
          v = o;
        }
        y[i] = static_cast<T>(v);
      }
    }
  }

 protected:
  void set_sections(std::vector<Section> sections);

 private:
  std::vector<Section> sections_;
  std::vector<double> state_;
};

class Butterworth : public Sos {
 public:
  /// `cutoff_hz` holds one frequency (low/high-pass) or two (band-pass/stop), all below sample_rate / 2.
  Butterworth(int order, std::vector<double> cutoff_hz, FilterType type, double sample_rate);
  void prepare(const ProcessSpec& spec) override;
  [[nodiscard]] std::string name() const override { return "butterworth"; }
  [[nodiscard]] int order() const noexcept { return order_; }
  [[nodiscard]] FilterType type() const noexcept { return type_; }
  [[nodiscard]] const std::vector<double>& cutoff_hz() const noexcept { return cutoff_hz_; }

 private:
  static std::vector<Section> design(int order, const std::vector<double>& cutoff_hz, FilterType type, double sr);
  int order_;
  std::vector<double> cutoff_hz_;
  FilterType type_;
  double designed_rate_;
};

class DcBlocker : public ProcessorBase<DcBlocker> {
 public:
  explicit DcBlocker(double cutoff_hz = 10.0);
  void prepare(const ProcessSpec& spec) override;
  void reset() noexcept override;
  [[nodiscard]] std::string name() const override { return "dcblock"; }

  template <class T>
  void process_impl(AudioView<const T> in, AudioView<T> out) noexcept {
    for (std::size_t c = 0; c < in.num_channels(); ++c) {
      const T* x = in.channel(c);
      T* y = out.channel(c);
      double x1 = x1_[c], y1 = y1_[c];
      for (std::size_t i = 0; i < in.num_frames(); ++i) {
        const double xi = static_cast<double>(x[i]);
        y1 = xi - x1 + r_ * y1;
        x1 = xi;
        y[i] = static_cast<T>(y1);
      }
      x1_[c] = x1;
      y1_[c] = y1;
    }
  }

 private:
  double cutoff_hz_;
  double r_ = 0.0;
  std::vector<double> x1_, y1_;
};

}  // namespace percept::dsp
