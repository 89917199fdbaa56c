// percept/dsp/utility.hpp — small building blocks: gain, delay, soft clip, dry/wet mix.
//
//   Gain(gain_db)               y = g x, g = 10^(gain_db / 20); set_gain_db() is safe from any thread
//   Delay(delay_samples)        integer delay line (prepare() allocates it; latency() reports it)
//   SoftClip(drive_db)          y = tanh(g x) / tanh(g) for |x| <= 1 scale (unit input maps to unit output)
//   Mix(processor, wet)         y = (1 - wet) x + wet P(x): dry/wet around any processor
#pragma once

#include <atomic>
#include <cmath>
#include <memory>
#include <vector>

#include "percept/dsp/processor.hpp"

namespace percept::dsp {

class Gain : public ProcessorBase<Gain> {
 public:
  explicit Gain(double gain_db = 0.0);
  void prepare(const ProcessSpec& spec) override;
  void reset() noexcept override {}
  [[nodiscard]] std::string name() const override { return "gain"; }
  void set_gain_db(double gain_db);
  [[nodiscard]] double gain_db() const noexcept { return 20.0 * std::log10(gain_.load(std::memory_order_relaxed)); }

  template <class T>
  void process_impl(AudioView<const T> in, AudioView<T> out) noexcept {
    const T g = static_cast<T>(gain_.load(std::memory_order_relaxed));
    for (std::size_t c = 0; c < in.num_channels(); ++c) {
      const T* x = in.channel(c);
      T* y = out.channel(c);
      for (std::size_t i = 0; i < in.num_frames(); ++i) y[i] = g * x[i];
    }
  }

 private:
  std::atomic<double> gain_{1.0};
};

class Delay : public ProcessorBase<Delay> {
 public:
  explicit Delay(std::size_t delay_samples);
  void prepare(const ProcessSpec& spec) override;
  void reset() noexcept override;
  [[nodiscard]] std::string name() const override { return "delay"; }
  [[nodiscard]] std::size_t latency() const noexcept override { return delay_; }

  template <class T>
  void process_impl(AudioView<const T> in, AudioView<T> out) noexcept {
    if (delay_ == 0) {
      if (in.channel(0) != out.channel(0)) copy(in, out);
      return;
    }
    const std::size_t len = delay_;
    std::size_t pos = 0;
    for (std::size_t c = 0; c < in.num_channels(); ++c) {
      const T* x = in.channel(c);
      T* y = out.channel(c);
      double* line = line_.data() + c * len;
      pos = pos_;
      for (std::size_t i = 0; i < in.num_frames(); ++i) {
        const double v = line[pos];
        line[pos] = static_cast<double>(x[i]);
        y[i] = static_cast<T>(v);
        if (++pos == len) pos = 0;
      }
    }
    pos_ = pos;
  }

 private:
  std::size_t delay_;
  std::vector<double> line_;
  std::size_t pos_ = 0;
};

class SoftClip : public ProcessorBase<SoftClip> {
 public:
  explicit SoftClip(double drive_db = 0.0);
  void prepare(const ProcessSpec& spec) override;
  void reset() noexcept override {}
  [[nodiscard]] std::string name() const override { return "softclip"; }

  template <class T>
  void process_impl(AudioView<const T> in, AudioView<T> out) noexcept {
    const double g = drive_, norm = 1.0 / std::tanh(drive_);
    for (std::size_t c = 0; c < in.num_channels(); ++c) {
      const T* x = in.channel(c);
      T* y = out.channel(c);
      for (std::size_t i = 0; i < in.num_frames(); ++i)
        y[i] = static_cast<T>(std::tanh(g * static_cast<double>(x[i])) * norm);
    }
  }

 private:
  double drive_;
};

class Mix : public ProcessorBase<Mix> {
 public:
  Mix(std::shared_ptr<Processor> processor, double wet);
  void prepare(const ProcessSpec& spec) override;
  void reset() noexcept override { inner_->reset(); }
  [[nodiscard]] std::string name() const override { return "mix"; }
  [[nodiscard]] std::size_t latency() const noexcept override { return inner_->latency(); }
  void set_wet(double wet);

  template <class T>
  void process_impl(AudioView<const T> in, AudioView<T> out) noexcept {
    auto& buf = scratch<T>();
    auto wet_view = buf.view().frames(0, in.num_frames()).channels(0, in.num_channels());
    inner_->process(in, wet_view);
    const T w = static_cast<T>(wet_.load(std::memory_order_relaxed));
    for (std::size_t c = 0; c < in.num_channels(); ++c) {
      const T* x = in.channel(c);
      const T* p = wet_view.channel(c);
      T* y = out.channel(c);
      for (std::size_t i = 0; i < in.num_frames(); ++i) y[i] = (T(1) - w) * x[i] + w * p[i];
    }
  }

 private:
  template <class T>
  AudioBuffer<T>& scratch() {
    if constexpr (std::is_same_v<T, float>)
      return scratch_f_;
    else
      return scratch_d_;
  }
  std::shared_ptr<Processor> inner_;
  std::atomic<double> wet_{1.0};
  AudioBuffer<float> scratch_f_;
  AudioBuffer<double> scratch_d_;
};

}  // namespace percept::dsp
