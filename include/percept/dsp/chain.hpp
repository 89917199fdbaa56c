// percept/dsp/chain.hpp — composition: Chain (serial) and Parallel (split, process, weighted mix).
//
// Both hold std::shared_ptr<Processor> children, prepared once with the same spec, so that a chain
// built in Python or parsed from the CLI syntax ("butterworth(order=4,cutoff_hz=2000) | vcs3(feedback=4)")
// runs unchanged in the real-time engine. Parallel branches are not delay-compensated: latency() is the
// largest branch latency.
#pragma once

#include <memory>
#include <vector>

#include "percept/dsp/processor.hpp"

namespace percept::dsp {

class Chain : public ProcessorBase<Chain> {
 public:
  explicit Chain(std::vector<std::shared_ptr<Processor>> processors);
  void prepare(const ProcessSpec& spec) override;
  void reset() noexcept override;
  [[nodiscard]] std::string name() const override { return "chain"; }
  [[nodiscard]] std::size_t latency() const noexcept override;
  [[nodiscard]] const std::vector<std::shared_ptr<Processor>>& processors() const noexcept { return procs_; }
  /// "butterworth | vcs3": the children's names.
  [[nodiscard]] std::string describe() const;

  template <class T>
  void process_impl(AudioView<const T> in, AudioView<T> out) noexcept {
    if (procs_.empty()) {
      if (in.channel(0) != out.channel(0)) copy(in, out);
      return;
    }
    procs_[0]->process(in, out);
    for (std::size_t i = 1; i < procs_.size(); ++i) procs_[i]->process(AudioView<const T>(out), out);
  }

 private:
  std::vector<std::shared_ptr<Processor>> procs_;
};

class Parallel : public ProcessorBase<Parallel> {
 public:
  /// Every branch sees the same input; the output is sum_i weights[i] * branch_i(x). Empty weights: all 1.
  Parallel(std::vector<std::shared_ptr<Processor>> branches, std::vector<double> weights = {});
  void prepare(const ProcessSpec& spec) override;
  void reset() noexcept override;
  [[nodiscard]] std::string name() const override { return "parallel"; }
  [[nodiscard]] std::size_t latency() const noexcept override;

  template <class T>
  void process_impl(AudioView<const T> in, AudioView<T> out) noexcept {
    AudioBuffer<T>& buf = scratch<T>();
    const std::size_t nc = in.num_channels(), nf = in.num_frames();
    auto dry = buf.view().channels(0, nc).frames(0, nf);
    auto wet = buf.view().channels(nc, nc).frames(0, nf);
    copy(in, dry);  // `out` may alias `in`
    for (std::size_t c = 0; c < nc; ++c)
      for (std::size_t i = 0; i < nf; ++i) out.channel(c)[i] = T(0);
    for (std::size_t b = 0; b < branches_.size(); ++b) {
      branches_[b]->process(AudioView<const T>(dry), wet);
      const T w = static_cast<T>(weights_[b]);
      for (std::size_t c = 0; c < nc; ++c) {
        const T* p = wet.channel(c);
        T* y = out.channel(c);
        for (std::size_t i = 0; i < nf; ++i) y[i] += w * p[i];
      }
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
  std::vector<std::shared_ptr<Processor>> branches_;
  std::vector<double> weights_;
  AudioBuffer<float> scratch_f_;
  AudioBuffer<double> scratch_d_;
};

}  // namespace percept::dsp
