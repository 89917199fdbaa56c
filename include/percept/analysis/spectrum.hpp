// percept/analysis/spectrum.hpp — windows, padding, framing, STFT/ISTFT and dB conversions, following
// librosa 0.10 (librosa.stft, librosa.istft, librosa.filters.get_window, librosa.util.pad_center,
// librosa.power_to_db, ...). Shared building blocks for every spectral feature of percept.
//
// Layout. A spectrogram has librosa's logical shape (bins, frames) but is stored FRAME-MAJOR: frame t
// is a contiguous run of n_bins values (FrameMatrix::frame(t)). That is exactly the memory layout of
// librosa's own stft output (Fortran order), so Python gets (bins, frames) arrays without a copy.
//
// Precision. T is float or double: float input is analysed in float32 arithmetic throughout (FFTW's
// single precision), double input in float64.
//
// Framing (center=true): the signal is padded by n_fft/2 on both sides with pad_mode, and frame t
// covers padded samples [t*hop, t*hop + n_fft), i.e. original samples [t*hop - n_fft/2, t*hop + n_fft/2).
// n_frames = 1 + (n + 2*(n_fft/2) - n_fft) / hop. With center=false, n_frames = 1 + (n - n_fft) / hop
// (n >= n_fft required).
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "percept/analysis/fft.hpp"

namespace percept::analysis {

/// numpy.linspace(start, stop, num) exactly as numpy 1.24 computes it (i * step + start, last = stop).
[[nodiscard]] std::vector<double> linspace(double start, double stop, std::size_t num);

// ---------------------------------------------------------------------------------------------
// Windows (scipy.signal.get_window semantics, as librosa.filters.get_window uses them)

enum class WindowType { Hann, Hamming, Blackman, Rect };

/// "hann" ("hanning"), "hamming", "blackman", "boxcar" ("rect", "rectangular", "box", "ones").
/// Throws InvalidArgument naming the unknown window.
[[nodiscard]] WindowType parse_window(std::string_view name);
[[nodiscard]] const char* window_name(WindowType w) noexcept;

/// The window of length n in float64; fftbins=true gives the periodic window (librosa's default),
/// false the symmetric one. Computed as scipy does (general cosine on linspace(-pi, pi)).
[[nodiscard]] std::vector<double> get_window(WindowType type, std::size_t n, bool fftbins = true);

/// librosa.util.pad_center: centres `data` in a zero vector of length `size` (size >= data.size()).
[[nodiscard]] std::vector<double> pad_center(const std::vector<double>& data, std::size_t size);

/// The analysis window of an STFT: get_window(type, win_length) centred in n_fft (librosa.stft's).
[[nodiscard]] std::vector<double> stft_window(WindowType type, std::size_t win_length, std::size_t n_fft);

/// librosa.filters.window_sumsquare: sum over n_frames of the squared window shifted by hop. O(length)
/// (the interior, covered by every overlapping frame, is periodic in hop and computed once per phase).
[[nodiscard]] std::vector<double> window_sumsquare(WindowType type, std::size_t n_frames, std::size_t hop_length,
                                                   std::size_t win_length, std::size_t n_fft);

// ---------------------------------------------------------------------------------------------
// Padding (numpy.pad modes that librosa.stft accepts)

enum class PadMode { Constant, Edge, Reflect, Symmetric };

/// "constant" ("zeros"), "edge", "reflect", "symmetric". Throws InvalidArgument for any other.
[[nodiscard]] PadMode parse_pad_mode(std::string_view name);

/// Sample `i` (any integer, may be negative or >= n) of x[0..n) extended as numpy.pad would with the
/// given mode (constant pads zeros). n must be >= 1.
template <class T>
[[nodiscard]] T padded_sample(const T* x, std::size_t n, std::int64_t i, PadMode mode) noexcept {
  const auto nn = static_cast<std::int64_t>(n);
  if (i >= 0 && i < nn) return x[i];
  switch (mode) {
    case PadMode::Constant:
      return T{0};
    case PadMode::Edge:
      return i < 0 ? x[0] : x[n - 1];
    case PadMode::Reflect: {
      if (nn == 1) return x[0];
      const std::int64_t period = 2 * (nn - 1);
      std::int64_t k = i % period;
      if (k < 0) k += period;
      return x[k < nn ? k : period - k];
    }
    case PadMode::Symmetric: {
      const std::int64_t period = 2 * nn;
      std::int64_t k = i % period;
      if (k < 0) k += period;
      return x[k < nn ? k : period - 1 - k];
    }
  }
  return T{0};
}

/// Number of frames librosa produces for a signal of n samples.
[[nodiscard]] std::size_t num_frames(std::size_t n, std::size_t n_fft, std::size_t hop_length, bool center) noexcept;

// ---------------------------------------------------------------------------------------------
// Frame-major matrices

/// n_frames x n_bins values, frame t contiguous (64-byte aligned storage). Logical (librosa) shape is
/// (n_bins, n_frames): at(bin, frame).
template <class T>
struct FrameMatrix {
  std::size_t n_frames = 0;
  std::size_t n_bins = 0;
  AlignedVector<T> data;

  FrameMatrix() = default;
  FrameMatrix(std::size_t frames, std::size_t bins) : n_frames(frames), n_bins(bins), data(frames * bins) {}
  [[nodiscard]] T* frame(std::size_t t) noexcept { return data.data() + t * n_bins; }
  [[nodiscard]] const T* frame(std::size_t t) const noexcept { return data.data() + t * n_bins; }
  [[nodiscard]] T& at(std::size_t bin, std::size_t t) noexcept { return data[t * n_bins + bin]; }
  [[nodiscard]] const T& at(std::size_t bin, std::size_t t) const noexcept { return data[t * n_bins + bin]; }
};

// ---------------------------------------------------------------------------------------------
// STFT

struct StftParams {
  std::size_t n_fft = 2048;
  std::size_t hop_length = 0;  ///< 0: win_length / 4 (librosa's default)
  std::size_t win_length = 0;  ///< 0: n_fft
  WindowType window = WindowType::Hann;
  bool center = true;
  PadMode pad_mode = PadMode::Constant;

  /// Fills the defaults and validates (InvalidArgument naming the parameter).
  [[nodiscard]] StftParams resolved() const;
};

/// A prepared STFT: window and FFT plan for one parameter set. Thread-safe to use concurrently
/// (each call uses its own scratch). T is float or double.
template <class T>
class Stft {
 public:
  explicit Stft(const StftParams& params);

  [[nodiscard]] const StftParams& params() const noexcept { return p_; }
  [[nodiscard]] std::size_t n_bins() const noexcept { return p_.n_fft / 2 + 1; }
  [[nodiscard]] std::size_t num_frames(std::size_t n) const noexcept;
  [[nodiscard]] const AlignedVector<T>& window() const noexcept { return window_; }
  [[nodiscard]] const RealFft<T>& fft() const noexcept { return fft_; }

  /// The complex STFT of y[0..n), (bins, frames). Throws InvalidArgument for an empty signal, for
  /// center=false with n < n_fft, and for non-finite samples.
  [[nodiscard]] FrameMatrix<std::complex<T>> complex(const T* y, std::size_t n) const;
  /// |STFT|^power without keeping the complex spectrogram (power 1: magnitude, 2: power).
  [[nodiscard]] FrameMatrix<T> magnitude(const T* y, std::size_t n, double power = 1.0) const;

  /// Calls fn(t, spectrum) for every frame t in order, spectrum being n_bins complex values in an
  /// aligned scratch buffer valid during the call. The building block of every spectral feature.
  template <class Fn>
  void for_each_frame(const T* y, std::size_t n, Fn&& fn) const;

  /// Windows one frame that starts at padded index `start` (original index start - n_fft/2 when
  /// center) into `frame` (n_fft values) and transforms it into `out` (n_bins values).
  void frame_spectrum(const T* y, std::size_t n, std::int64_t start, T* frame, std::complex<T>* out) const noexcept;
  /// Windows n_fft contiguous samples and transforms them (no padding logic): the streaming path.
  void spectrum_of(const T* samples, T* frame, std::complex<T>* out) const noexcept;

 private:
  StftParams p_;
  AlignedVector<T> window_;
  RealFft<T> fft_;
};

/// librosa.stft with the given parameters (float or double).
template <class T>
[[nodiscard]] FrameMatrix<std::complex<T>> stft(const T* y, std::size_t n, const StftParams& params = {});

/// librosa.istft: the signal from a (bins, frames) complex spectrogram. n_fft = 0 takes
/// 2 * (bins - 1); `length` (if set) fixes the output length.
template <class T>
[[nodiscard]] std::vector<T> istft(const FrameMatrix<std::complex<T>>& S, const StftParams& params,
                                   std::optional<std::size_t> length = std::nullopt);

/// librosa.istft's synthesis one frame at a time: inverse FFT, synthesis window, overlap-add, then
/// division by the window sum-square and trimming. istft() is built on it; pipelines that produce their
/// spectra on the fly (effects.hpss: two signals from one STFT) use it without materialising the
/// complex spectrogram they invert.
template <class T>
class OverlapAdd {
 public:
  /// `params` as for istft (n_fft must be set); n_frames: the spectrogram's frame count; `length` as
  /// for istft (frames beyond what `length` needs are not used: see frames()).
  OverlapAdd(const StftParams& params, std::size_t n_frames, std::optional<std::size_t> length = std::nullopt);

  /// Frames that reach the output (<= the spectrogram's n_frames); add() frames 0 .. frames() - 1.
  [[nodiscard]] std::size_t frames() const noexcept { return n_frames_; }
  [[nodiscard]] std::size_t n_bins() const noexcept { return p_.n_fft / 2 + 1; }

  /// Adds frame t (n_bins() values). `spectrum` is overwritten (the inverse FFT's scratch); 64-byte
  /// aligned storage takes FFTW's SIMD path. Each t at most once; any order.
  void add(std::size_t t, std::complex<T>* spectrum) noexcept;

  /// The signal: overlap-added frames divided by the window sum-square where it is not tiny, trimmed
  /// like librosa.istft. The object is spent afterwards.
  [[nodiscard]] std::vector<T> finish();

 private:
  StftParams p_;
  std::size_t n_frames_ = 0, expected_ = 0, start_ = 0, out_len_ = 0;
  AlignedVector<T> win_;
  AlignedVector<T> frame_;
  std::vector<T> full_;
  RealFft<T> fft_;
};

// ---------------------------------------------------------------------------------------------
// dB conversions (librosa.power_to_db and friends), in place on any contiguous array

struct DbParams {
  /// The reference: fixed value, or (ref_is_max) the maximum of the input.
  double ref = 1.0;
  bool ref_is_max = false;
  double amin = 1e-10;
  /// Clamp at max - top_db (no clamp when unset).
  std::optional<double> top_db = 80.0;
};

/// x[i] = 10 log10(max(amin, x[i])) - ref_db for i in [0, n): the vectorised dB kernel shared by
/// power_to_db and the streaming analysers (noexcept, no allocation).
template <class T>
void power_db_inplace(T* x, std::size_t n, T amin, T ref_db) noexcept;

/// librosa.power_to_db on x[0..n) (in place). Throws InvalidArgument for amin <= 0 or top_db < 0.
template <class T>
void power_to_db(T* x, std::size_t n, const DbParams& params = {});
/// librosa.amplitude_to_db (amin default 1e-5 in librosa: pass it in params).
template <class T>
void amplitude_to_db(T* x, std::size_t n, DbParams params);
/// ref * 10^(0.1 x)
template <class T>
void db_to_power(T* x, std::size_t n, double ref = 1.0) noexcept;
/// sqrt(ref^2 * 10^(0.1 x)) = ref * 10^(0.05 x)
template <class T>
void db_to_amplitude(T* x, std::size_t n, double ref = 1.0) noexcept;

/// Throws InvalidArgument if any of x[0..n) is NaN or infinite, naming `what`.
template <class T>
void check_finite(const T* x, std::size_t n, const char* what);

// ---------------------------------------------------------------------------------------------
// Template definition

template <class T>
template <class Fn>
void Stft<T>::for_each_frame(const T* y, std::size_t n, Fn&& fn) const {
  const std::size_t frames = num_frames(n);
  AlignedVector<T> frame(p_.n_fft);
  AlignedVector<std::complex<T>> spec(n_bins());
  const std::int64_t offset = p_.center ? static_cast<std::int64_t>(p_.n_fft / 2) : 0;
  for (std::size_t t = 0; t < frames; ++t) {
    const std::int64_t start = static_cast<std::int64_t>(t * p_.hop_length) - offset;
    frame_spectrum(y, n, start, frame.data(), spec.data());
    fn(t, static_cast<const std::complex<T>*>(spec.data()));
  }
}

}  // namespace percept::analysis
