// percept/analysis/cqt.hpp — constant-Q and variable-Q transforms, CQT chroma, tuning estimation.
//
// The algorithm is librosa 0.10's `vqt` (which `cqt` calls with gamma = 0):
//   1. bin frequencies fmin * 2^(octave) * 2^(k / bins_per_octave), fmin tuned by 2^(tuning / bpo);
//      relative bandwidths alpha from the local spacing of log2(frequency); Q = filter_scale / alpha;
//      wavelet lengths L = Q * sr / (f + gamma / alpha) (gamma = NaN: librosa's gamma=None, the ERB
//      rule gamma = alpha * 24.7 / 0.108).
//   2. early downsampling by 2^k when the whole filter bank sits far below Nyquist and the hop allows,
//      then octave by octave from the top: a filter bank of windowed complex exponentials (L1-normalised,
//      centred in a power-of-two frame, scaled by L / n_fft), FFT'd, sparsified (up to `sparsity` of each
//      filter's magnitude dropped), multiplied with the rectangular-window STFT of the current signal;
//      the signal is then halved in rate with libsoxr (soxr_hq by default) and scaled by sqrt(2).
//   3. octaves stacked (lowest bins first), trimmed to the shortest, divided by sqrt(L) when `scale`.
// Arithmetic is float32 (the basis is designed in float64 and stored as complex<float>).
#pragma once

#include <cmath>
#include <complex>
#include <cstddef>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "percept/analysis/array2d.hpp"
#include "percept/analysis/streaming.hpp"
#include "percept/dsp/processor.hpp"
#include "percept/dsp/resample.hpp"

namespace percept::analysis {

/// librosa.note_to_hz('C1').
inline constexpr double kFreqC1 = 32.703195662574829;

/// Frame padding for centred analysis (numpy.pad modes librosa accepts for CQT frames).
enum class CqtPadMode { Constant, Reflect, Edge };

/// Parses "constant", "reflect", "edge"; throws InvalidArgument.
[[nodiscard]] CqtPadMode parse_cqt_pad_mode(const std::string& name);

struct CqtOptions {
  double sr = 22050.0;
  std::size_t hop_length = 512;
  double fmin = kFreqC1;
  std::size_t n_bins = 84;
  std::size_t bins_per_octave = 12;
  double tuning = 0.0;  ///< in fractions of a bin
  double filter_scale = 1.0;
  /// Basis normalisation (librosa.util.normalize): nullopt = none, +inf = max, p > 0 = Lp, 0 = count.
  std::optional<double> norm = 1.0;
  double sparsity = 0.01;
  std::string window = "hann";  ///< hann, hamming, blackman, ones (rect, boxcar)
  bool scale = true;
  CqtPadMode pad_mode = CqtPadMode::Constant;
  /// VQT bandwidth offset in Hz; 0 = constant-Q; NaN = librosa's gamma=None (ERB-derived).
  double gamma = 0.0;
  dsp::ResampleQuality res_type = dsp::ResampleQuality::High;
};

/// librosa.interval_frequencies(intervals='equal'): fmin * 2^(k // bpo) * 2^((k % bpo) / bpo).
[[nodiscard]] std::vector<double> cqt_frequencies(std::size_t n_bins, double fmin, std::size_t bins_per_octave);

/// The precomputed plan of a (V)CQT: per-octave sparse FFT filter banks, rates, hops and scaling.
/// Built once and reused by cqt()/vqt() calls with the same options, and by StreamingCqt.
class CqtPlan {
 public:
  /// Throws InvalidArgument for bad options (non-positive rates, fmin, filter cut-off above Nyquist...).
  explicit CqtPlan(const CqtOptions& options);
  ~CqtPlan();
  CqtPlan(CqtPlan&&) noexcept;
  CqtPlan& operator=(CqtPlan&&) noexcept;
  CqtPlan(const CqtPlan&) = delete;
  CqtPlan& operator=(const CqtPlan&) = delete;

  [[nodiscard]] const CqtOptions& options() const noexcept;
  /// Bin centre frequencies (tuned), ascending.
  [[nodiscard]] const std::vector<double>& frequencies() const noexcept;
  /// Filter lengths at the (possibly early-downsampled) analysis rate, as librosa.filters.wavelet_lengths.
  [[nodiscard]] const std::vector<double>& lengths() const noexcept;
  [[nodiscard]] std::size_t num_octaves() const noexcept;
  /// 2^k of the early downsampling (1 when none).
  [[nodiscard]] std::size_t early_downsample_factor() const noexcept;
  /// Number of frames for an input of n samples (librosa's: the shortest octave's STFT).
  [[nodiscard]] std::size_t num_frames(std::size_t n) const;

  /// The complex (V)CQT of a mono signal: n_bins x num_frames(y.size()).
  [[nodiscard]] Array2D<std::complex<float>> transform(std::span<const float> y) const;

  struct Impl;
  [[nodiscard]] const Impl& impl() const noexcept { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

/// A shared plan for these options from a small process-wide cache (the last 8 option sets), built on
/// first use. Thread-safe.
[[nodiscard]] std::shared_ptr<const CqtPlan> cached_cqt_plan(const CqtOptions& options);

/// librosa.vqt(y, ...) (complex, n_bins x frames). Uses cached_cqt_plan().
[[nodiscard]] Array2D<std::complex<float>> vqt(std::span<const float> y, const CqtOptions& options);
/// librosa.cqt(y, ...): vqt with gamma = 0.
[[nodiscard]] Array2D<std::complex<float>> cqt(std::span<const float> y, CqtOptions options);

// ---------------------------------------------------------------------------------------------
// Tuning estimation (librosa.pitch_tuning / piptrack / estimate_tuning)

/// librosa.pitch_tuning: histogram peak of the frequencies' deviation from the equal-tempered grid.
/// Frequencies are float32 like librosa's piptrack output. Returns 0 when none is positive.
[[nodiscard]] double pitch_tuning(std::span<const float> frequencies, double resolution = 0.01,
                                  std::size_t bins_per_octave = 12);

/// librosa.estimate_tuning(y=y, sr=sr, bins_per_octave=...) with its defaults: piptrack on the magnitude of
/// a 2048-point Hann STFT (hop 512, centred, zero padded), fmin 150 Hz, fmax 4000 Hz, threshold 0.1, then the
/// peaks at or above the median magnitude go to pitch_tuning().
[[nodiscard]] double estimate_tuning(std::span<const float> y, double sr, double resolution = 0.01,
                                     std::size_t bins_per_octave = 12);

/// The same on a given magnitude spectrogram S (n_fft/2+1 rows x frames), as librosa.estimate_tuning(S=S).
[[nodiscard]] double estimate_tuning_from_magnitude(const Array2D<float>& S, double sr, std::size_t n_fft,
                                                    double resolution = 0.01, std::size_t bins_per_octave = 12);

// ---------------------------------------------------------------------------------------------
// Chroma from the CQT

/// librosa.filters.cq_to_chroma(n_input, bins_per_octave, n_chroma, fmin, base_c=True): n_chroma x n_input.
[[nodiscard]] Array2D<float> cq_to_chroma(std::size_t n_input, std::size_t bins_per_octave = 12,
                                          std::size_t n_chroma = 12, double fmin = kFreqC1, bool base_c = true);

struct ChromaCqtOptions {
  double sr = 22050.0;
  std::size_t hop_length = 512;
  double fmin = kFreqC1;
  /// Column normalisation (librosa.util.normalize along chroma): nullopt none, inf max (default), p > 0 Lp.
  std::optional<double> norm = std::numeric_limits<double>::infinity();
  double threshold = 0.0;
  /// Tuning in fractions of a CQT bin; nullopt = estimate it from the signal (librosa's tuning=None).
  std::optional<double> tuning;
  std::size_t n_chroma = 12;
  std::size_t n_octaves = 7;
  std::size_t bins_per_octave = 36;
  dsp::ResampleQuality res_type = dsp::ResampleQuality::High;
};

/// librosa.feature.chroma_cqt(y=y, sr=sr, ...) with cqt_mode='full', window=None.
[[nodiscard]] Array2D<float> chroma_cqt(std::span<const float> y, const ChromaCqtOptions& options);

/// The CQT options chroma_cqt uses for a resolved tuning.
[[nodiscard]] CqtOptions chroma_cqt_cqt_options(const ChromaCqtOptions& options, double tuning);

/// Chroma of a CQT magnitude (bins x frames) with a cq_to_chroma matrix, thresholding and normalisation.
[[nodiscard]] Array2D<float> chroma_from_cqt_magnitude(const Array2D<float>& C, const ChromaCqtOptions& options);

// ---------------------------------------------------------------------------------------------
// Streaming

/// Chunk-by-chunk CQT of a mono stream that reproduces cqt()/vqt() of the concatenated signal.
///
/// Edge semantics (librosa's center=True with zero padding): frame t is centred on input sample t * hop;
/// the stream starts with the zero padding offline analysis sees. A frame is released once every octave has
/// all the (resampled) samples it needs, so the output lags the input by about half the longest filter of
/// the lowest octave plus the resamplers' delays (latency_samples()). finish() ends the stream: it flushes
/// the resamplers, pads the end with zeros like the offline transform and releases the remaining frames,
/// num_frames(total input) in all. Only pad_mode Constant is supported (reflection needs the future signal).
///
/// push() makes no heap allocation for chunks up to `max_chunk` samples given to prepare() (larger chunks
/// are split); libsoxr's internal FIFOs settle after the first chunks.
class StreamingCqt {
 public:
  explicit StreamingCqt(const CqtOptions& options);
  ~StreamingCqt();
  StreamingCqt(StreamingCqt&&) noexcept;
  StreamingCqt& operator=(StreamingCqt&&) noexcept;
  StreamingCqt(const StreamingCqt&) = delete;
  StreamingCqt& operator=(const StreamingCqt&) = delete;

  /// Allocates the working buffers for chunks up to max_chunk samples and frame queues. Called by the
  /// constructor with 4096; call again before real-time use with the block size.
  void prepare(std::size_t max_chunk);
  /// Feeds samples; returns the number of frames now ready (read them with read()).
  std::size_t push(std::span<const float> x);
  /// Ends the stream; returns the number of frames ready. push() after finish() throws StreamError.
  std::size_t finish();
  /// Frames ready to read.
  [[nodiscard]] std::size_t available() const noexcept;
  /// Copies up to max_frames ready frames into out (n_bins values per frame, frame-major:
  /// out[f * n_bins + bin]) and removes them; returns how many were copied.
  std::size_t read(std::complex<float>* out, std::size_t max_frames) noexcept;
  /// Back to the start of a new stream.
  void reset();

  [[nodiscard]] std::size_t num_bins() const noexcept;
  [[nodiscard]] const CqtPlan& plan() const noexcept;
  /// Frames released so far (including those read).
  [[nodiscard]] std::size_t frames_emitted() const noexcept;
  /// Input samples (at the input rate) received so far.
  [[nodiscard]] std::size_t samples_received() const noexcept;
  /// The current analysis lag: input samples received after the centre of the last released frame
  /// (all received samples when none is released yet). It is dominated by libsoxr's block processing in
  /// the chain of 2:1 resamplers (its default block sizes, kept for bit-compatibility with librosa).
  [[nodiscard]] std::size_t lag_samples() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Streaming chroma_cqt: a StreamingCqt (tuning fixed: the streaming form cannot estimate it from the
/// whole signal, so nullopt means 0) followed by the per-frame chroma mapping and normalisation.
class StreamingChromaCqt {
 public:
  explicit StreamingChromaCqt(const ChromaCqtOptions& options);
  ~StreamingChromaCqt();
  StreamingChromaCqt(StreamingChromaCqt&&) noexcept;
  StreamingChromaCqt& operator=(StreamingChromaCqt&&) noexcept;

  void prepare(std::size_t max_chunk);
  std::size_t push(std::span<const float> x);
  std::size_t finish();
  [[nodiscard]] std::size_t available() const noexcept;
  /// out[f * n_chroma + c]
  std::size_t read(float* out, std::size_t max_frames) noexcept;
  void reset();
  [[nodiscard]] std::size_t num_chroma() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// StreamingCqt as a real-time processor: the audio passes through unchanged, its channel average is
/// analysed, and the magnitude of every finished frame (n_bins floats, |CQT| like np.abs(cqt(y))) goes
/// into a lock-free single-producer/single-consumer queue that another thread drains with pop_frame().
/// prepare() allocates everything (sample rate must equal options.sr); process() is noexcept, takes no
/// lock and makes no system call; non-finite input samples are analysed as 0 (counted in
/// nonfinite_samples()); a full queue drops frames (frames_dropped()).
class CqtProcessor : public dsp::ProcessorBase<CqtProcessor> {
 public:
  explicit CqtProcessor(const CqtOptions& options, std::size_t queue_frames = 1024);
  void prepare(const dsp::ProcessSpec& spec) override;
  void reset() noexcept override;
  [[nodiscard]] std::size_t latency() const noexcept override { return 0; }  // audio passes through
  [[nodiscard]] std::string name() const override { return "cqt"; }
  template <class T>
  void process_impl(AudioView<const T> in, AudioView<T> out) noexcept;

  [[nodiscard]] std::size_t num_bins() const noexcept { return cqt_.num_bins(); }
  bool pop_frame(float* dst) noexcept { return queue_.pop(dst); }
  [[nodiscard]] std::size_t frames_available() const noexcept { return queue_.size(); }
  [[nodiscard]] std::uint64_t frames_dropped() const noexcept { return queue_.dropped(); }
  [[nodiscard]] std::uint64_t nonfinite_samples() const noexcept { return nonfinite_; }
  /// Current analysis lag in samples (see StreamingCqt::lag_samples()).
  [[nodiscard]] std::size_t analysis_lag() const noexcept { return cqt_.lag_samples(); }

 private:
  StreamingCqt cqt_;
  FrameQueue queue_;
  std::size_t queue_frames_;
  std::vector<float> mono_;
  std::vector<std::complex<float>> frame_;
  std::vector<float> mag_;
  std::uint64_t nonfinite_ = 0;
};

}  // namespace percept::analysis
