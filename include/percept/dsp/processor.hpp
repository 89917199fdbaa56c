// percept/dsp/processor.hpp — the processor contract shared by live (engine callback) and offline use.
//
//   prepare(spec)      sample rate, max block size, channels. The ONLY place that may allocate.
//   process(in, out)   planar views, float or double; noexcept; no allocation, lock or system call.
//                      `in` and `out` may be the same buffers (in-place). out.num_frames() ==
//                      in.num_frames() <= spec.max_block_size.
//   reset()            clears the state (as if freshly prepared); no allocation.
//   latency()          the delay in frames the processor introduces (0 for most).
//
// Offline use is the same object: process_offline() runs process() over a whole buffer in blocks of
// max_block_size, carrying state. Parameters change through setters that are safe to call from another
// thread (atomics), so a UI or Python thread can turn a knob while the audio thread runs.
//
// Implementations derive from ProcessorBase<Derived> and write one template
//   template <class T> void process_impl(AudioView<const T> in, AudioView<T> out) noexcept;
// which serves both float and double.
#pragma once

#include <cstddef>
#include <string>

#include "percept/core/audio_block.hpp"

namespace percept::dsp {

struct ProcessSpec {
  double sample_rate = 48000.0;
  std::size_t max_block_size = 512;
  std::size_t num_channels = 1;
};

class Processor {
 public:
  virtual ~Processor() = default;
  Processor() = default;
  Processor(const Processor&) = delete;
  Processor& operator=(const Processor&) = delete;
  Processor(Processor&&) = default;
  Processor& operator=(Processor&&) = default;

  /// Allocates and configures for `spec`; throws InvalidArgument for a spec it cannot serve.
  virtual void prepare(const ProcessSpec& spec) = 0;
  virtual void process(AudioView<const float> in, AudioView<float> out) noexcept = 0;
  virtual void process(AudioView<const double> in, AudioView<double> out) noexcept = 0;
  virtual void reset() noexcept = 0;
  [[nodiscard]] virtual std::size_t latency() const noexcept { return 0; }
  /// Short name used in logs and in the CLI chain syntax ("butterworth", "vcs3").
  [[nodiscard]] virtual std::string name() const = 0;

  [[nodiscard]] const ProcessSpec& spec() const noexcept { return spec_; }
  [[nodiscard]] bool prepared() const noexcept { return prepared_; }
  /// The sample rate the processor was constructed for (0 if it has none, e.g. a gain): offline
  /// callers that do not know a rate prepare with this one.
  [[nodiscard]] double sample_rate_hint() const noexcept { return sample_rate_hint_; }

 protected:
  void set_sample_rate_hint(double sample_rate) noexcept { sample_rate_hint_ = sample_rate; }
  void set_spec(const ProcessSpec& spec) noexcept {
    spec_ = spec;
    prepared_ = true;
  }

 private:
  ProcessSpec spec_{};
  bool prepared_ = false;
  double sample_rate_hint_ = 0.0;
};

/// CRTP helper: Derived::process_impl<T> implements both precisions.
template <class Derived>
class ProcessorBase : public Processor {
 public:
  void process(AudioView<const float> in, AudioView<float> out) noexcept final {
    static_cast<Derived*>(this)->template process_impl<float>(in, out);
  }
  void process(AudioView<const double> in, AudioView<double> out) noexcept final {
    static_cast<Derived*>(this)->template process_impl<double>(in, out);
  }
};

/// Runs `p` over all of `in` in blocks of p.spec().max_block_size, writing `out` (same shape as in;
/// may alias). State carries over from previous calls, so successive calls continue the signal.
template <class T>
void process_offline(Processor& p, AudioView<const T> in, AudioView<T> out) noexcept {
  const std::size_t block = p.spec().max_block_size;
  for (std::size_t pos = 0; pos < in.num_frames(); pos += block) {
    const std::size_t n = in.num_frames() - pos < block ? in.num_frames() - pos : block;
    p.process(in.frames(pos, n), out.frames(pos, n));
  }
}

}  // namespace percept::dsp
