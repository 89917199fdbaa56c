// percept/analysis/streaming.hpp — chunk-by-chunk versions of the spectral features that produce the
// same frames as the offline functions on the concatenated signal.
//
//   StreamingStft            complex spectrum (or magnitude / power) of every frame
//   StreamingMel             mel power frames, optionally in dB with a FIXED reference (log-mel)
//   StreamingMfcc            MFCC from fixed-reference log-mel
//   StreamingOnsetStrength   onset strength (librosa.onset.onset_strength on fixed-reference log-mel)
//   StreamingSpectralStats   centroid, bandwidth, rolloff, flatness, contrast (n_bands + 1) per frame
//   StreamingChroma          chroma_stft with a fixed tuning
//
// Edge semantics (documented in docs/design.md (analysis, part A)):
// * center=true (default): the stream starts with n_fft/2 zeros, exactly like librosa's constant
//   padding, so frame t covers input samples [t*hop - n_fft/2, t*hop + n_fft/2) and is emitted as soon
//   as its last sample arrives (latency n_fft/2 samples). flush() appends the zero padding of the end
//   and emits the remaining frames: after flush(), the frames are those of the offline call on the
//   whole signal (1 + n/hop frames). Only pad_mode='constant' streams (reflect/edge padding of the
//   start would need samples that have not arrived yet).
// * center=false: frame t covers [t*hop, t*hop + n_fft); flush() emits nothing.
// * Quantities that librosa computes over the whole signal cannot be causal and are fixed instead:
//   log-mel uses a fixed `ref` and no top_db clamp relative to the global maximum (an optional fixed
//   floor_db replaces it); onset strength uses that log-mel; spectral contrast uses top_db=None;
//   chroma uses a given tuning (default 0). The offline equivalents are stated next to each class and
//   are what the tests compare with.
// Arithmetic is float32 whatever the input type (double input is converted sample by sample).
//
// Processor contract: prepare() allocates everything (sample ring, scratch, the output frame queue of
// `queue_frames` frames); process() feeds the (channel-averaged) input, passes the audio through
// unchanged and appends every completed feature frame to a lock-free single-producer/single-consumer
// queue that another thread drains with pop_frame(). push()/flush() are the direct (non-queued) path:
// they call a callback per frame and allocate nothing either.
#pragma once

#include <atomic>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "percept/analysis/features.hpp"
#include "percept/analysis/rhythm.hpp"
#include "percept/analysis/spectrum.hpp"
#include "percept/dsp/processor.hpp"

namespace percept::analysis {

/// Fixed-capacity single-producer single-consumer queue of fixed-width float frames.
class FrameQueue {
 public:
  void allocate(std::size_t width, std::size_t capacity_frames);
  [[nodiscard]] std::size_t width() const noexcept { return width_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  /// Producer: copies one frame in; false (and counts a drop) when full.
  bool push(const float* frame) noexcept;
  /// Consumer: copies the oldest frame out; false when empty.
  bool pop(float* frame) noexcept;
  [[nodiscard]] std::size_t size() const noexcept;
  [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }
  void clear() noexcept;

 private:
  std::vector<float> data_;
  std::size_t width_ = 0, capacity_ = 0;
  std::atomic<std::size_t> head_{0}, tail_{0};  // head: next write, tail: next read (monotonic counters)
  std::atomic<std::uint64_t> dropped_{0};
};

/// Collects samples into overlapping frames of n_fft every hop (center: starting with n_fft/2 zeros).
class FrameAssembler {
 public:
  void prepare(std::size_t n_fft, std::size_t hop, bool center);
  void reset() noexcept;
  /// Appends samples; calls on_frame(const float* n_fft_samples) for every completed frame.
  template <class T, class F>
  void push(const T* x, std::size_t n, F&& on_frame) noexcept;
  /// Emits the frames of the zero-padded end (center) so that the total matches the offline count.
  template <class F>
  void flush(F&& on_frame) noexcept;
  [[nodiscard]] std::uint64_t samples_received() const noexcept { return received_; }
  [[nodiscard]] std::uint64_t frames_emitted() const noexcept { return emitted_; }

 private:
  template <class F>
  void append(float v, F& on_frame) noexcept;
  std::vector<float> buf_;
  std::size_t n_fft_ = 0, hop_ = 0, fill_ = 0, skip_ = 0;
  bool center_ = true;
  std::uint64_t received_ = 0, emitted_ = 0;
};

/// Base of the streaming analysers: framing, FFT, queue, processor plumbing. Subclasses turn one
/// spectrum into one feature frame.
class StreamingAnalyzer : public dsp::ProcessorBase<StreamingAnalyzer> {
 public:
  StreamingAnalyzer(double sample_rate, const StftParams& stft);
  ~StreamingAnalyzer() override = default;

  /// Number of values per emitted frame.
  [[nodiscard]] std::size_t feature_size() const noexcept { return feature_size_; }
  [[nodiscard]] const StftParams& stft_params() const noexcept { return stft_; }
  [[nodiscard]] double analysis_rate() const noexcept { return sr_; }
  /// Capacity of the frame queue that process() fills (set before prepare()).
  void set_queue_frames(std::size_t frames) noexcept { queue_frames_ = frames; }

  void prepare(const dsp::ProcessSpec& spec) override;
  void reset() noexcept override;
  [[nodiscard]] std::size_t latency() const noexcept override;

  template <class T>
  void process_impl(AudioView<const T> in, AudioView<T> out) noexcept;

  /// Allocates the framing state for the direct push()/flush() path (prepare() does it too).
  void ensure_ready();

  /// Direct path: feeds mono samples and calls on_frame(const float* feature) per completed frame.
  template <class T, class F>
  void push(const T* x, std::size_t n, F&& on_frame) noexcept;
  template <class F>
  void flush(F&& on_frame) noexcept;

  /// Consumer side of the queue filled by process().
  bool pop_frame(float* dst) noexcept { return queue_.pop(dst); }
  [[nodiscard]] std::size_t frames_available() const noexcept { return queue_.size(); }
  [[nodiscard]] std::uint64_t frames_dropped() const noexcept { return queue_.dropped(); }
  [[nodiscard]] std::uint64_t frames_emitted() const noexcept { return frames_.frames_emitted(); }
  [[nodiscard]] bool is_prepared() const noexcept { return ready_; }

 protected:
  /// Called from prepare(): allocate per-feature state. feature_size_ must be set by the constructor.
  virtual void prepare_feature() {}
  virtual void reset_feature() noexcept {}
  /// One spectrum (n_bins complex values) -> one feature frame (feature_size() values).
  virtual void compute(const std::complex<float>* spectrum, float* out) noexcept = 0;
  double sr_;
  StftParams stft_;
  std::size_t feature_size_ = 0;

 private:
  template <class F>
  void on_samples(const float* frame, F& cb) noexcept;
  Stft<float> engine_;
  FrameAssembler frames_;
  AlignedVector<float> windowed_;
  AlignedVector<std::complex<float>> spectrum_;
  std::vector<float> feature_;
  std::vector<float> mono_;
  FrameQueue queue_;
  std::size_t queue_frames_ = 1024;
  bool ready_ = false;
};

enum class SpectrumOutput { Complex, Magnitude, Power };

/// Offline equivalent: librosa.stft(y, ...) (complex: re, im interleaved per bin), or |stft|, |stft|^2.
class StreamingStft final : public StreamingAnalyzer {
 public:
  StreamingStft(double sample_rate, const StftParams& stft, SpectrumOutput output = SpectrumOutput::Complex);
  [[nodiscard]] std::string name() const override { return "streaming_stft"; }
  [[nodiscard]] SpectrumOutput output() const noexcept { return output_; }

 protected:
  void compute(const std::complex<float>* X, float* out) noexcept override;

 private:
  SpectrumOutput output_;
};

/// Fixed-reference dB conversion of streaming features: 10 log10(max(amin, x)) - 10 log10(max(amin, ref)),
/// then max(., floor_db) when floor_db is set.
struct StreamingDb {
  bool enabled = true;
  double ref = 1.0;
  double amin = 1e-10;
  std::optional<double> floor_db;
};

/// Offline equivalent: melspectrogram(y, sr, ..., power) then (db.enabled) power_to_db(ref=db.ref,
/// amin=db.amin, top_db=None) and the optional floor.
class StreamingMel final : public StreamingAnalyzer {
 public:
  StreamingMel(double sample_rate, const StftParams& stft, MelParams mel = {}, StreamingDb db = {}, double power = 2.0);
  [[nodiscard]] std::string name() const override { return "streaming_mel"; }

 protected:
  void compute(const std::complex<float>* X, float* out) noexcept override;

 private:
  MelFilterbank<float> fb_;
  StreamingDb db_;
  double power_;
  std::vector<float> mag_;
};

/// Offline equivalent: mfcc(S=power_to_db(melspectrogram(y), ref, amin, top_db=None) [floor], ...).
class StreamingMfcc final : public StreamingAnalyzer {
 public:
  StreamingMfcc(double sample_rate, const StftParams& stft, MelParams mel = {}, MfccParams mfcc = {},
                StreamingDb db = {});
  [[nodiscard]] std::string name() const override { return "streaming_mfcc"; }

 protected:
  void compute(const std::complex<float>* X, float* out) noexcept override;

 private:
  MelFilterbank<float> fb_;
  Mfcc<float> dct_;
  StreamingDb db_;
  std::vector<float> mag_, mel_;
};

/// Offline equivalent: onset_strength(S=power_to_db(melspectrogram(y), ref, amin, top_db=None)
/// [floor], lag, max_size, detrend, center, aggregate). One value per frame; the first
/// lag + n_fft/(2 hop) values are the zeros of librosa's lag/centre compensation.
class StreamingOnsetStrength final : public StreamingAnalyzer {
 public:
  StreamingOnsetStrength(double sample_rate, const OnsetParams& onset = {}, StreamingDb db = {});
  [[nodiscard]] std::string name() const override { return "streaming_onset_strength"; }

 protected:
  void prepare_feature() override;
  void reset_feature() noexcept override;
  void compute(const std::complex<float>* X, float* out) noexcept override;

 private:
  OnsetParams op_;
  MelFilterbank<float> fb_;
  StreamingDb db_;
  std::size_t n_mels_, delay_;
  std::vector<float> mag_, history_, diffs_, s1_, s2_;
  std::uint64_t count_ = 0;
  double xprev_ = 0, yprev_ = 0;
};

/// Per frame: [centroid, bandwidth, rolloff, flatness, contrast_0 .. contrast_n_bands] of the magnitude
/// spectrum. Offline equivalents: spectral_centroid/bandwidth/rolloff/flatness and
/// spectral_contrast(top_db=None semantics: power_to_db(peak, top_db=None) - power_to_db(valley, top_db=None)).
class StreamingSpectralStats final : public StreamingAnalyzer {
 public:
  StreamingSpectralStats(double sample_rate, const StftParams& stft, double roll_percent = 0.85,
                         ContrastParams contrast = {});
  [[nodiscard]] std::string name() const override { return "streaming_spectral_stats"; }

 protected:
  void compute(const std::complex<float>* X, float* out) noexcept override;

 private:
  double roll_;
  ContrastParams cp_;
  ContrastBands bands_;
  std::vector<double> freq_;
  std::vector<float> mag_, peak_, valley_, scratch_;
};

/// Offline equivalent: chroma_stft(y, sr, tuning=tuning, norm=norm, n_chroma, ...).
class StreamingChroma final : public StreamingAnalyzer {
 public:
  StreamingChroma(double sample_rate, const StftParams& stft, double tuning = 0.0, double norm = INFINITY,
                  ChromaParams chroma = {});
  [[nodiscard]] std::string name() const override { return "streaming_chroma"; }

 protected:
  void compute(const std::complex<float>* X, float* out) noexcept override;

 private:
  double norm_;
  std::size_t n_chroma_;
  std::vector<float> fb_, pw_;
};

// ---------------------------------------------------------------------------------------------
// Template definitions

template <class T, class F>
void FrameAssembler::push(const T* x, std::size_t n, F&& on_frame) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    ++received_;
    append(static_cast<float>(x[i]), on_frame);
  }
}

template <class F>
void FrameAssembler::append(float v, F& on_frame) noexcept {
  if (skip_ > 0) {
    --skip_;
    return;
  }
  buf_[fill_++] = v;
  if (fill_ == n_fft_) {
    on_frame(static_cast<const float*>(buf_.data()));
    ++emitted_;
    if (hop_ >= n_fft_) {
      fill_ = 0;
      skip_ = hop_ - n_fft_;
    } else {
      for (std::size_t i = 0; i + hop_ < n_fft_; ++i) buf_[i] = buf_[i + hop_];
      fill_ = n_fft_ - hop_;
    }
  }
}

template <class F>
void FrameAssembler::flush(F&& on_frame) noexcept {
  if (!center_ || received_ == 0) return;
  const std::uint64_t expected = num_frames(static_cast<std::size_t>(received_), n_fft_, hop_, true);
  std::size_t guard = 0;
  while (emitted_ < expected && guard++ < n_fft_ + hop_) append(0.0f, on_frame);
}

template <class F>
void StreamingAnalyzer::on_samples(const float* frame, F& cb) noexcept {
  engine_.spectrum_of(frame, windowed_.data(), spectrum_.data());
  compute(spectrum_.data(), feature_.data());
  cb(static_cast<const float*>(feature_.data()));
}

template <class T, class F>
void StreamingAnalyzer::push(const T* x, std::size_t n, F&& on_frame) noexcept {
  auto cb = [&](const float* frame) { on_samples(frame, on_frame); };
  frames_.push(x, n, cb);
}

template <class F>
void StreamingAnalyzer::flush(F&& on_frame) noexcept {
  auto cb = [&](const float* frame) { on_samples(frame, on_frame); };
  frames_.flush(cb);
}

template <class T>
void StreamingAnalyzer::process_impl(AudioView<const T> in, AudioView<T> out) noexcept {
  const std::size_t nf = in.num_frames();
  const std::size_t nc = in.num_channels();
  if (!ready_ || nc == 0) return;
  auto to_queue = [this](const float* f) { queue_.push(f); };
  std::size_t pos = 0;
  while (pos < nf) {
    const std::size_t n = std::min(nf - pos, mono_.size());
    for (std::size_t i = 0; i < n; ++i) {
      double acc = 0;
      for (std::size_t c = 0; c < nc; ++c) acc += static_cast<double>(in.channel(c)[pos + i]);
      mono_[i] = static_cast<float>(acc / static_cast<double>(nc));
    }
    push(mono_.data(), n, to_queue);
    pos += n;
  }
  if (out.num_channels() > 0) {
    for (std::size_t c = 0; c < std::min(nc, out.num_channels()); ++c) {
      const T* s = in.channel(c);
      T* d = out.channel(c);
      if (s != d)
        for (std::size_t i = 0; i < nf; ++i) d[i] = s[i];
    }
  }
}

}  // namespace percept::analysis
