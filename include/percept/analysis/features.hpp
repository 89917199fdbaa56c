// percept/analysis/features.hpp — librosa 0.10's spectral features in C++:
// filters.mel / melspectrogram / mfcc, spectral_centroid / bandwidth / rolloff / flatness / contrast,
// zero_crossing_rate, rms, filters.chroma / estimate_tuning / chroma_stft.
//
// Every feature is a (features, frames) FrameMatrix (frame-major storage, see spectrum.hpp) computed in
// the precision of the input (float: float32 arithmetic). Per-frame kernels (MelFilterbank::apply,
// centroid_frame, ...) allocate nothing, so the streaming objects (streaming.hpp) reuse them and
// produce the very same numbers as the offline functions.
#pragma once

#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "percept/analysis/spectrum.hpp"

namespace percept::analysis {

// ---------------------------------------------------------------------------------------------
// Frequencies and the mel scale

/// librosa.hz_to_mel / mel_to_hz (Slaney's scale unless htk).
[[nodiscard]] double hz_to_mel(double hz, bool htk = false) noexcept;
[[nodiscard]] double mel_to_hz(double mel, bool htk = false) noexcept;
/// librosa.mel_frequencies(n_mels, fmin, fmax, htk)
[[nodiscard]] std::vector<double> mel_frequencies(std::size_t n_mels, double fmin, double fmax, bool htk);
/// librosa.fft_frequencies(sr, n_fft) = numpy.fft.rfftfreq(n_fft, 1/sr)
[[nodiscard]] std::vector<double> fft_frequencies(double sr, std::size_t n_fft);

/// Normalisation of filter rows: none, Slaney's area normalisation, or the p-norm of each row
/// (librosa.util.normalize; p may be infinity).
struct FilterNorm {
  enum Kind { None, Slaney, P } kind = Slaney;
  double p = 2.0;
};

struct MelParams {
  double sr = 22050.0;
  std::size_t n_fft = 2048;
  std::size_t n_mels = 128;
  double fmin = 0.0;
  std::optional<double> fmax;  ///< default sr / 2
  bool htk = false;
  FilterNorm norm{};
};

/// librosa.filters.mel as a banded matrix: row m is nonzero only on bins [begin[m], end[m]).
template <class T>
class MelFilterbank {
 public:
  explicit MelFilterbank(const MelParams& params);

  [[nodiscard]] std::size_t n_mels() const noexcept { return n_mels_; }
  [[nodiscard]] std::size_t n_bins() const noexcept { return n_bins_; }
  /// The dense (n_mels, n_bins) weights, row-major, exactly librosa.filters.mel (dtype T).
  [[nodiscard]] const std::vector<T>& dense() const noexcept { return dense_; }
  /// out[m] = sum_k W[m, k] spec[k] (banded product; no allocation).
  void apply(const T* spec, T* out) const noexcept;

 private:
  std::size_t n_mels_ = 0, n_bins_ = 0;
  std::vector<T> dense_;
  std::vector<std::size_t> begin_, end_, offset_;
  std::vector<T> packed_;  // the nonzero band of each row, concatenated
};

// ---------------------------------------------------------------------------------------------
// Mel spectrogram, log-mel, MFCC

/// librosa.feature.melspectrogram(y, sr, n_fft, hop_length, ..., power, **mel kwargs). The mel
/// parameters' sr and n_fft are taken from `sr` and `stft.n_fft`.
template <class T>
[[nodiscard]] FrameMatrix<T> melspectrogram(const T* y, std::size_t n, double sr, const StftParams& stft = {},
                                            double power = 2.0, MelParams mel = {});

/// Applies a filterbank to every frame of a (bins, frames) spectrogram.
template <class T>
[[nodiscard]] FrameMatrix<T> apply_filterbank(const MelFilterbank<T>& fb, const FrameMatrix<T>& S);

/// Orthonormal (or unnormalised) DCT-II matrix, n_out x n_in, row-major (scipy.fftpack.dct type 2).
[[nodiscard]] std::vector<double> dct2_matrix(std::size_t n_out, std::size_t n_in, bool ortho);

struct MfccParams {
  std::size_t n_mfcc = 20;
  int dct_type = 2;   ///< only 2 (DCT-II) is provided
  bool ortho = true;  ///< norm='ortho' (else norm=None)
  double lifter = 0;  ///< 0: none; > 0: librosa's sinusoidal liftering
};

/// A prepared DCT (+ lifter) from n_mels log-mel values to n_mfcc coefficients.
template <class T>
class Mfcc {
 public:
  Mfcc(std::size_t n_mels, const MfccParams& params);
  [[nodiscard]] std::size_t n_mfcc() const noexcept { return n_out_; }
  void apply(const T* log_mel, T* out) const noexcept;

 private:
  std::size_t n_in_ = 0, n_out_ = 0;
  std::vector<double> m_;  // transposed DCT matrix (n_in x n_out), lifter folded in
};

/// librosa.feature.mfcc on a log-power mel spectrogram (S=...).
template <class T>
[[nodiscard]] FrameMatrix<T> mfcc_from_db(const FrameMatrix<T>& S_db, const MfccParams& params = {});
/// librosa.feature.mfcc(y=...): power_to_db(melspectrogram(y), db) then the DCT.
template <class T>
[[nodiscard]] FrameMatrix<T> mfcc(const T* y, std::size_t n, double sr, const MfccParams& params = {},
                                  const StftParams& stft = {}, MelParams mel = {}, const DbParams& db = {});

// ---------------------------------------------------------------------------------------------
// Spectral statistics on a magnitude spectrogram (per-frame kernels + whole-matrix helpers)

/// sum(freq * S) / sum(S) (librosa: S normalised by its L1 norm when that is >= tiny).
template <class T>
[[nodiscard]] T centroid_frame(const T* S, const double* freq, std::size_t nb) noexcept;
template <class T>
[[nodiscard]] T bandwidth_frame(const T* S, const double* freq, std::size_t nb, T centroid, double p = 2.0,
                                bool norm = true) noexcept;
/// First frequency whose cumulative (sequential, precision T) energy reaches roll_percent of the total.
template <class T>
[[nodiscard]] T rolloff_frame(const T* S, const double* freq, std::size_t nb, double roll_percent = 0.85) noexcept;
/// gmean / amean of max(amin, S^power).
template <class T>
[[nodiscard]] T flatness_frame(const T* S, std::size_t nb, double amin = 1e-10, double power = 2.0) noexcept;

struct ContrastParams {
  double fmin = 200.0;
  std::size_t n_bands = 6;
  double quantile = 0.02;
  bool linear = false;
  /// power_to_db's top_db applied to the peak and valley matrices (librosa: 80; streaming uses none).
  std::optional<double> top_db = 80.0;
};

/// The band layout of spectral_contrast for one (sr, n_fft): bins [lo, hi) and the quantile count.
struct ContrastBands {
  std::vector<std::size_t> lo, hi, count;
  std::size_t max_width = 0;
  ContrastBands(double sr, std::size_t n_fft, const ContrastParams& p);
};

/// Peak and valley (means of the top / bottom quantile) of each band of one frame; `scratch` holds
/// bands.max_width values.
template <class T>
void contrast_frame(const T* S, const ContrastBands& bands, T* peak, T* valley, T* scratch) noexcept;

template <class T>
[[nodiscard]] std::vector<T> spectral_centroid(const FrameMatrix<T>& S, double sr, std::size_t n_fft);
template <class T>
[[nodiscard]] std::vector<T> spectral_bandwidth(const FrameMatrix<T>& S, double sr, std::size_t n_fft, double p = 2.0,
                                                bool norm = true);
template <class T>
[[nodiscard]] std::vector<T> spectral_rolloff(const FrameMatrix<T>& S, double sr, std::size_t n_fft,
                                              double roll_percent = 0.85);
template <class T>
[[nodiscard]] std::vector<T> spectral_flatness(const FrameMatrix<T>& S, double amin = 1e-10, double power = 2.0);
template <class T>
[[nodiscard]] FrameMatrix<T> spectral_contrast(const FrameMatrix<T>& S, double sr, std::size_t n_fft,
                                               const ContrastParams& p = {});

// ---------------------------------------------------------------------------------------------
// Time-domain frame features

/// librosa.feature.zero_crossing_rate (edge padding when center; zero_pos=True; pad=False).
template <class T>
[[nodiscard]] std::vector<double> zero_crossing_rate(const T* y, std::size_t n, std::size_t frame_length = 2048,
                                                     std::size_t hop_length = 512, bool center = true,
                                                     double threshold = 1e-10);
/// librosa.feature.rms(y=...)
template <class T>
[[nodiscard]] std::vector<T> rms(const T* y, std::size_t n, std::size_t frame_length = 2048,
                                 std::size_t hop_length = 512, bool center = true,
                                 PadMode pad_mode = PadMode::Constant);
/// librosa.feature.rms(S=...) from a magnitude spectrogram of frames of frame_length samples.
template <class T>
[[nodiscard]] std::vector<T> rms_from_spectrogram(const FrameMatrix<T>& S, std::size_t frame_length);

// ---------------------------------------------------------------------------------------------
// Chroma

struct ChromaParams {
  std::size_t n_chroma = 12;
  double ctroct = 5.0;
  std::optional<double> octwidth = 2.0;
  double norm = 2.0;  ///< column norm of the filterbank (librosa filters.chroma)
  bool base_c = true;
};

/// librosa.filters.chroma(sr, n_fft, tuning, ...) as a dense (n_chroma, n_fft/2+1) row-major matrix.
[[nodiscard]] std::vector<double> chroma_filterbank(double sr, std::size_t n_fft, double tuning,
                                                    const ChromaParams& p = {});

/// librosa.estimate_tuning(S=S, sr=sr, bins_per_octave) for a power/magnitude spectrogram, via
/// piptrack (fmin 150, fmax 4000, threshold 0.1) and pitch_tuning (resolution 0.01).
template <class T>
[[nodiscard]] double estimate_tuning(const FrameMatrix<T>& S, double sr, std::size_t bins_per_octave = 12,
                                     double resolution = 0.01);

/// librosa.feature.chroma_stft from a power spectrogram. tuning unset: estimated; norm: the per-frame
/// p-norm (infinity by default; 0 disables normalisation).
template <class T>
[[nodiscard]] FrameMatrix<T> chroma_from_spectrogram(const FrameMatrix<T>& S_power, double sr,
                                                     std::optional<double> tuning = std::nullopt,
                                                     double norm = INFINITY, const ChromaParams& p = {});

/// librosa.util.normalize of one vector (norm p, infinity allowed; values whose norm is below the
/// smallest normal number of T are left as they are).
template <class T>
void normalize_vector(T* x, std::size_t n, double norm) noexcept;

}  // namespace percept::analysis
