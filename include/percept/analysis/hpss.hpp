// percept/analysis/hpss.hpp — harmonic/percussive source separation by median filtering
// (librosa.decompose.hpss, Fitzgerald 2010 with Driedger's margins), and the pieces it is made of.
//
// Layout: a spectrogram of n_bins x n_frames is given either time-contiguous (bin-major: row b holds
// the n_frames values of bin b; numpy C order of a (bins, frames) array) or frame-major (frame t holds
// n_bins values; librosa's own Fortran-ordered STFT, percept::analysis::FrameMatrix). The harmonic
// part is the median along time, the percussive part the median along frequency, both with
// scipy.ndimage's 'reflect' edges (d c b a | a b c d | d c b a) and rank kernel // 2.
#pragma once

#include <complex>
#include <cstddef>

namespace percept::analysis {

struct HpssOptions {
  std::size_t kernel_harmonic = 31;    ///< median length along time
  std::size_t kernel_percussive = 31;  ///< median length along frequency
  double power = 2.0;                  ///< soft-mask exponent (inf: hard masks)
  double margin_harmonic = 1.0;        ///< >= 1
  double margin_percussive = 1.0;      ///< >= 1
};

enum class SpecLayout { TimeContiguous, FrameMajor };

/// Median of `kernel` consecutive values along each row of a rows x cols row-major array (scipy
/// median_filter with size (1, kernel), mode 'reflect'). Running sorted window: O(kernel) per value,
/// no sorting per output.
void median_filter_rows(const float* x, std::size_t rows, std::size_t cols, std::size_t kernel, float* out);
/// The same along each column (size (kernel, 1)).
void median_filter_cols(const float* x, std::size_t rows, std::size_t cols, std::size_t kernel, float* out);

namespace detail {
/// Caps the instruction set the HPSS kernels use (2: AVX-512, 1: AVX2, 0: portable; the CPU's own limit
/// still applies) so that tests exercise every code path on one machine. Returns the previous cap. Not
/// meant to change while other threads filter.
int set_hpss_simd_limit(int level) noexcept;
}  // namespace detail

/// librosa.util.softmask(X, X_ref, power, split_zeros) element-wise over n values (float32 like librosa).
void softmask(const float* X, const float* X_ref, std::size_t n, double power, bool split_zeros, float* out) noexcept;

/// Harmonic and percussive soft masks of a magnitude spectrogram S (all arrays in `layout`).
void hpss_masks(const float* S, std::size_t n_bins, std::size_t n_frames, SpecLayout layout, const HpssOptions& opt,
                float* mask_harmonic, float* mask_percussive);

/// librosa.decompose.hpss on a complex STFT D: H = |D| mask_H e^{j angle D}, P likewise.
void hpss(const std::complex<float>* D, std::size_t n_bins, std::size_t n_frames, SpecLayout layout,
          const HpssOptions& opt, std::complex<float>* harmonic, std::complex<float>* percussive);

/// The same on a magnitude spectrogram (phase 1): H = S mask_H, P = S mask_P.
void hpss_magnitude(const float* S, std::size_t n_bins, std::size_t n_frames, SpecLayout layout, const HpssOptions& opt,
                    float* harmonic, float* percussive);

}  // namespace percept::analysis

#include <utility>
#include <vector>

#include "percept/analysis/spectrum.hpp"

namespace percept::analysis {

/// librosa.effects.hpss: STFT (params), decompose.hpss with `opt`, inverse STFT of each part trimmed to
/// the input length. Returns (harmonic, percussive) signals.
[[nodiscard]] std::pair<std::vector<float>, std::vector<float>> hpss_signal(const float* y, std::size_t n,
                                                                            const HpssOptions& opt = {},
                                                                            const StftParams& params = {});

}  // namespace percept::analysis
