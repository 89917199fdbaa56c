// Median-filtering HPSS (see hpss.hpp).
#include "percept/analysis/hpss.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "percept/core/error.hpp"

namespace percept::analysis {

namespace {

// scipy.ndimage 'reflect' index for any integer i over n >= 1 values.
inline std::ptrdiff_t reflect_index(std::ptrdiff_t i, std::ptrdiff_t n) {
  if (i >= 0 && i < n) return i;
  const std::ptrdiff_t period = 2 * n;
  std::ptrdiff_t k = i % period;
  if (k < 0) k += period;
  return k < n ? k : period - 1 - k;
}

// Running median over one extended row ext[0 .. n + k - 1): out[t] = rank-(k/2) of ext[t .. t + k).
// The window stays sorted; each step finds the leaving and entering positions by counting values below
// them and rebuilds the window as a shifted blend into the other half of a double buffer. Both are
// fixed-length loops without data-dependent branches: the AVX2 version below does 8 values per
// instruction, the portable one is the same algorithm in scalar code.
struct MedianBuffers {
  float* a;
  float* b;
};

MedianBuffers init_window(const float* ext, std::size_t k, float* buf, std::size_t k_pad) {
  // buf holds two windows of k_pad + 16 values each: [8 guards | k_pad values | 8 guards]
  const float inf = std::numeric_limits<float>::infinity();
  float* a = buf + 8;
  float* b = buf + k_pad + 24;
  for (std::size_t i = 0; i < 2 * (k_pad + 16); ++i) buf[i] = inf;
  std::memcpy(a, ext, k * sizeof(float));
  std::sort(a, a + k);
  return {a, b};
}

void running_median_scalar(const float* ext, std::size_t n, std::size_t k, float* buf, std::size_t k_pad, float* out) {
  auto [a, b] = init_window(ext, k, buf, k_pad);
  const std::size_t mid = k / 2;
  out[0] = a[mid];
  for (std::size_t t = 1; t < n; ++t) {
    const float old_v = ext[t - 1], new_v = ext[t + k - 1];
    std::size_t p = 0, c = 0;
    for (std::size_t i = 0; i < k_pad; ++i) {
      p += a[i] < old_v ? 1u : 0u;
      c += a[i] < new_v ? 1u : 0u;
    }
    if (new_v > old_v) {
      const std::size_t q = c - 1;
      for (std::size_t j = 0; j < k_pad; ++j) b[j] = (j >= p && j < q) ? a[j + 1] : a[j];
      b[q] = new_v;
    } else {
      for (std::size_t j = 0; j < k_pad; ++j) b[j] = (j > c && j <= p) ? a[j - 1] : a[j];
      b[c] = new_v;
    }
    std::swap(a, b);
    out[t] = a[mid];
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define PERCEPT_HPSS_AVX2 1
template <std::size_t NV>
__attribute__((target("avx2,popcnt"))) void running_median_avx2(const float* ext, std::size_t n, std::size_t k,
                                                                float* buf, std::size_t k_pad, float* out) {
  auto [a, b] = init_window(ext, k, buf, k_pad);
  const std::size_t mid = k / 2;
  const std::size_t nv = NV ? NV : k_pad / 8;  // NV > 0: a constant loop length (unrolled)
  out[0] = a[mid];
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (std::size_t t = 1; t < n; ++t) {
    const float old_v = ext[t - 1], new_v = ext[t + k - 1];
    const __m256 vo = _mm256_set1_ps(old_v), vn = _mm256_set1_ps(new_v);
    int p = 0, c = 0;
    for (std::size_t v = 0; v < nv; ++v) {
      const __m256 w = _mm256_loadu_ps(a + 8 * v);
      p += __builtin_popcount(static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(w, vo, _CMP_LT_OQ))));
      c += __builtin_popcount(static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(w, vn, _CMP_LT_OQ))));
    }
    if (new_v > old_v) {
      const int q = c - 1;  // a[p+1 .. q] move down one place
      const __m256i lo = _mm256_set1_epi32(p - 1), hi = _mm256_set1_epi32(q);
      for (std::size_t v = 0; v < nv; ++v) {
        const __m256i j = _mm256_add_epi32(lane, _mm256_set1_epi32(static_cast<int>(8 * v)));
        const __m256i sel = _mm256_and_si256(_mm256_cmpgt_epi32(j, lo), _mm256_cmpgt_epi32(hi, j));
        const __m256 r =
            _mm256_blendv_ps(_mm256_loadu_ps(a + 8 * v), _mm256_loadu_ps(a + 8 * v + 1), _mm256_castsi256_ps(sel));
        _mm256_storeu_ps(b + 8 * v, r);
      }
      b[q] = new_v;
    } else {
      // a[c .. p-1] move up one place
      const __m256i lo = _mm256_set1_epi32(c), hi = _mm256_set1_epi32(p + 1);
      for (std::size_t v = 0; v < nv; ++v) {
        const __m256i j = _mm256_add_epi32(lane, _mm256_set1_epi32(static_cast<int>(8 * v)));
        const __m256i sel = _mm256_and_si256(_mm256_cmpgt_epi32(j, lo), _mm256_cmpgt_epi32(hi, j));
        const __m256 r =
            _mm256_blendv_ps(_mm256_loadu_ps(a + 8 * v), _mm256_loadu_ps(a + 8 * v - 1), _mm256_castsi256_ps(sel));
        _mm256_storeu_ps(b + 8 * v, r);
      }
      b[c] = new_v;
    }
    std::swap(a, b);
    out[t] = a[mid];
  }
}
#endif

// The same algorithm with the whole window held in NV AVX registers: shifts by one place are lane
// permutes plus one lane carried over from the neighbouring register, so no step reloads what the previous
// step stored (the memory version stalls on store-to-load forwarding of its misaligned reloads).
template <std::size_t NV>
__attribute__((target("avx2,popcnt"))) void running_median_avx2_reg(const float* ext, std::size_t n, std::size_t k,
                                                                    float* out) {
  alignas(32) float init[NV * 8];
  for (std::size_t i = 0; i < NV * 8; ++i) init[i] = std::numeric_limits<float>::infinity();
  std::memcpy(init, ext, k * sizeof(float));
  std::sort(init, init + k);
  __m256 w[NV];
  __m256i jv[NV];
  for (std::size_t v = 0; v < NV; ++v) {
    w[v] = _mm256_load_ps(init + 8 * v);
    jv[v] = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    jv[v] = _mm256_add_epi32(jv[v], _mm256_set1_epi32(static_cast<int>(8 * v)));
  }
  const std::size_t mid = k / 2;
  const std::size_t mv = mid / 8;
  const __m256i mid_lane = _mm256_set1_epi32(static_cast<int>(mid % 8));
  const __m256i rot_dn = _mm256_setr_epi32(1, 2, 3, 4, 5, 6, 7, 7);
  const __m256i rot_up = _mm256_setr_epi32(0, 0, 1, 2, 3, 4, 5, 6);
  const __m256i lane0 = _mm256_set1_epi32(0), lane7 = _mm256_set1_epi32(7);
  const __m256 inf = _mm256_set1_ps(std::numeric_limits<float>::infinity());
  const __m256 ninf = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  out[0] = init[mid];
  for (std::size_t t = 1; t < n; ++t) {
    const float old_v = ext[t - 1], new_v = ext[t + k - 1];
    const __m256 vo = _mm256_set1_ps(old_v), vn = _mm256_set1_ps(new_v);
    int p = 0, c = 0;
    for (std::size_t v = 0; v < NV; ++v) {
      p += __builtin_popcount(static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(w[v], vo, _CMP_LT_OQ))));
      c += __builtin_popcount(static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(w[v], vn, _CMP_LT_OQ))));
    }
    __m256 nw[NV];
    if (new_v > old_v) {
      const int q = c - 1;  // ranks p .. q-1 take their upper neighbour, rank q takes new_v
      const __m256i lo = _mm256_set1_epi32(p - 1), hi = _mm256_set1_epi32(q), qv = _mm256_set1_epi32(q);
      for (std::size_t v = 0; v < NV; ++v) {
        const __m256 next0 = v + 1 < NV ? _mm256_permutevar8x32_ps(w[v + 1], lane0) : inf;
        const __m256 sh = _mm256_blend_ps(_mm256_permutevar8x32_ps(w[v], rot_dn), next0, 0x80);
        const __m256i sel = _mm256_and_si256(_mm256_cmpgt_epi32(jv[v], lo), _mm256_cmpgt_epi32(hi, jv[v]));
        const __m256 r = _mm256_blendv_ps(w[v], sh, _mm256_castsi256_ps(sel));
        nw[v] = _mm256_blendv_ps(r, vn, _mm256_castsi256_ps(_mm256_cmpeq_epi32(jv[v], qv)));
      }
    } else {
      // ranks c+1 .. p take their lower neighbour, rank c takes new_v
      const __m256i lo = _mm256_set1_epi32(c), hi = _mm256_set1_epi32(p + 1);
      for (std::size_t v = 0; v < NV; ++v) {
        const __m256 prev7 = v > 0 ? _mm256_permutevar8x32_ps(w[v - 1], lane7) : ninf;
        const __m256 sh = _mm256_blend_ps(_mm256_permutevar8x32_ps(w[v], rot_up), prev7, 0x01);
        const __m256i sel = _mm256_and_si256(_mm256_cmpgt_epi32(jv[v], lo), _mm256_cmpgt_epi32(hi, jv[v]));
        const __m256 r = _mm256_blendv_ps(w[v], sh, _mm256_castsi256_ps(sel));
        nw[v] = _mm256_blendv_ps(r, vn, _mm256_castsi256_ps(_mm256_cmpeq_epi32(jv[v], lo)));
      }
    }
    for (std::size_t v = 0; v < NV; ++v) w[v] = nw[v];
    out[t] = _mm256_cvtss_f32(_mm256_permutevar8x32_ps(w[mv], mid_lane));
  }
}

void running_median(const float* ext, std::size_t n, std::size_t k, float* buf, std::size_t k_pad, float* out) {
#ifdef PERCEPT_HPSS_AVX2
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
  if (avx2) {
    switch (k_pad / 8) {
      case 1:
        running_median_avx2_reg<1>(ext, n, k, out);
        return;
      case 2:
        running_median_avx2_reg<2>(ext, n, k, out);
        return;
      case 3:
        running_median_avx2_reg<3>(ext, n, k, out);
        return;
      case 4:
        running_median_avx2_reg<4>(ext, n, k, out);
        return;
      case 5:
        running_median_avx2_reg<5>(ext, n, k, out);
        return;
      case 6:
        running_median_avx2_reg<6>(ext, n, k, out);
        return;
      default:
        running_median_avx2<0>(ext, n, k, buf, k_pad, out);
        return;
    }
  }
#endif
  running_median_scalar(ext, n, k, buf, k_pad, out);
}

void check_kernel(std::size_t kernel, const char* what) {
  if (kernel == 0) throw InvalidArgument(std::string(what) + ": kernel size must be positive");
}

}  // namespace

namespace {

// Fills ext[0 .. n + k - 1) with src[(i - k/2) * stride] under scipy's 'reflect' extension.
void extend(const float* src, std::size_t n, std::size_t stride, std::size_t kernel, float* ext) {
  const std::size_t before = kernel / 2;  // scipy origin 0: window [i - k//2, i - k//2 + k)
  const std::size_t total = n + kernel - 1;
  const auto nn = static_cast<std::ptrdiff_t>(n);
  for (std::size_t i = 0; i < total; ++i) {
    const auto j = static_cast<std::ptrdiff_t>(i) - static_cast<std::ptrdiff_t>(before);
    if (j >= 0 && j < nn) {
      // the interior in one go
      const std::size_t run = std::min<std::size_t>(n - static_cast<std::size_t>(j), total - i);
      if (stride == 1) {
        std::memcpy(ext + i, src + j, run * sizeof(float));
      } else {
        for (std::size_t q = 0; q < run; ++q) ext[i + q] = src[(static_cast<std::size_t>(j) + q) * stride];
      }
      i += run - 1;
      continue;
    }
    ext[i] = src[static_cast<std::size_t>(reflect_index(j, nn)) * stride];
  }
}

}  // namespace

void median_filter_rows(const float* x, std::size_t rows, std::size_t cols, std::size_t kernel, float* out) {
  check_kernel(kernel, "median_filter");
  if (rows == 0 || cols == 0) return;
  const std::size_t k_pad = (kernel + 7) / 8 * 8;
  std::vector<float> ext(cols + kernel - 1), win(2 * (k_pad + 16));
  for (std::size_t r = 0; r < rows; ++r) {
    extend(x + r * cols, cols, 1, kernel, ext.data());
    running_median(ext.data(), cols, kernel, win.data(), k_pad, out + r * cols);
  }
}

void median_filter_cols(const float* x, std::size_t rows, std::size_t cols, std::size_t kernel, float* out) {
  check_kernel(kernel, "median_filter");
  if (rows == 0 || cols == 0) return;
  // Blocks of B columns: gather them (row by row, contiguous reads) into B extended sequences, filter,
  // scatter back. Small buffers, no whole-matrix transposes.
  constexpr std::size_t B = 64;
  const std::size_t k_pad = (kernel + 7) / 8 * 8;
  const std::size_t len = rows + kernel - 1;
  std::vector<float> blk(B * rows), ext(len), med(B * rows), win(2 * (k_pad + 16));
  for (std::size_t c0 = 0; c0 < cols; c0 += B) {
    const std::size_t nb = std::min(B, cols - c0);
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t q = 0; q < nb; ++q) blk[q * rows + r] = x[r * cols + c0 + q];
    for (std::size_t q = 0; q < nb; ++q) {
      extend(blk.data() + q * rows, rows, 1, kernel, ext.data());
      running_median(ext.data(), rows, kernel, win.data(), k_pad, med.data() + q * rows);
    }
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t q = 0; q < nb; ++q) out[r * cols + c0 + q] = med[q * rows + r];
  }
}

void softmask(const float* X, const float* X_ref, std::size_t n, double power, bool split_zeros, float* out) noexcept {
  const float tiny = std::numeric_limits<float>::min();
  if (std::isinf(power)) {
    for (std::size_t i = 0; i < n; ++i) out[i] = X[i] > X_ref[i] ? 1.0f : 0.0f;
    return;
  }
  const bool square = power == 2.0;
  const auto pw = static_cast<float>(power);
  for (std::size_t i = 0; i < n; ++i) {
    float Z = std::max(X[i], X_ref[i]);
    if (Z < tiny) {
      out[i] = split_zeros ? 0.5f : 0.0f;
      continue;
    }
    // one of the two ratios is exactly 1 (Z is the larger value): skip that division
    const float a = X[i] >= X_ref[i] ? 1.0f : X[i] / Z;
    const float b = X[i] >= X_ref[i] ? X_ref[i] / Z : 1.0f;
    const float m = square ? a * a : std::pow(a, pw);
    const float rm = square ? b * b : std::pow(b, pw);
    out[i] = m / (m + rm);
  }
}

void hpss_masks(const float* S, std::size_t n_bins, std::size_t n_frames, SpecLayout layout, const HpssOptions& opt,
                float* mask_harmonic, float* mask_percussive) {
  if (opt.margin_harmonic < 1 || opt.margin_percussive < 1)
    throw InvalidArgument("hpss: margins must be >= 1.0 (a typical range is between 1 and 10)");
  if (!(opt.power > 0)) throw InvalidArgument("hpss: power must be strictly positive");
  const std::size_t n = n_bins * n_frames;
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(S[i]) || S[i] < 0)
      throw InvalidArgument("hpss: the spectrogram must be finite and non-negative");
  // the median-filtered spectrograms go straight into the mask buffers, then become masks in place
  float* harm = mask_harmonic;
  float* perc = mask_percussive;
  if (layout == SpecLayout::TimeContiguous) {
    median_filter_rows(S, n_bins, n_frames, opt.kernel_harmonic, harm);
    median_filter_cols(S, n_bins, n_frames, opt.kernel_percussive, perc);
  } else {
    median_filter_cols(S, n_frames, n_bins, opt.kernel_harmonic, harm);
    median_filter_rows(S, n_frames, n_bins, opt.kernel_percussive, perc);
  }
  const bool split = opt.margin_harmonic == 1 && opt.margin_percussive == 1;
  const auto mh = static_cast<float>(opt.margin_harmonic), mp = static_cast<float>(opt.margin_percussive);
  constexpr std::size_t kBlock = 1024;
  float ref_h[kBlock], ref_p[kBlock], out_h[kBlock], out_p[kBlock];
  for (std::size_t i0 = 0; i0 < n; i0 += kBlock) {
    const std::size_t m = std::min(kBlock, n - i0);
    for (std::size_t i = 0; i < m; ++i) {
      ref_h[i] = perc[i0 + i] * mh;
      ref_p[i] = harm[i0 + i] * mp;
    }
    softmask(harm + i0, ref_h, m, opt.power, split, out_h);
    softmask(perc + i0, ref_p, m, opt.power, split, out_p);
    std::memcpy(harm + i0, out_h, m * sizeof(float));
    std::memcpy(perc + i0, out_p, m * sizeof(float));
  }
}

void hpss_magnitude(const float* S, std::size_t n_bins, std::size_t n_frames, SpecLayout layout, const HpssOptions& opt,
                    float* harmonic, float* percussive) {
  const std::size_t n = n_bins * n_frames;
  std::vector<float> mh(n), mp(n);
  hpss_masks(S, n_bins, n_frames, layout, opt, mh.data(), mp.data());
  for (std::size_t i = 0; i < n; ++i) {
    harmonic[i] = S[i] * mh[i];
    percussive[i] = S[i] * mp[i];
  }
}

void hpss(const std::complex<float>* D, std::size_t n_bins, std::size_t n_frames, SpecLayout layout,
          const HpssOptions& opt, std::complex<float>* harmonic, std::complex<float>* percussive) {
  const std::size_t n = n_bins * n_frames;
  // grow-only per-thread scratch: repeated calls do not pay fresh page faults for 3 * n floats
  thread_local std::vector<float> mag, mh, mp;
  if (mag.size() < n) {
    mag.resize(n);
    mh.resize(n);
    mp.resize(n);
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(D[i].real()) || !std::isfinite(D[i].imag()))
      throw InvalidArgument("hpss: the spectrogram is not finite everywhere");
    mag[i] = std::sqrt(D[i].real() * D[i].real() + D[i].imag() * D[i].imag());
  }
  hpss_masks(mag.data(), n_bins, n_frames, layout, opt, mh.data(), mp.data());
  for (std::size_t i = 0; i < n; ++i) {
    // magphase: phase = D / |D| (1 + 0j where |D| = 0), float32 like librosa
    const float m = mag[i];
    const bool zero = m == 0.0f;
    const float nz = m + (zero ? 1.0f : 0.0f);
    const float pr = D[i].real() / nz + (zero ? 1.0f : 0.0f), pi = D[i].imag() / nz;
    const float h = m * mh[i], p = m * mp[i];
    harmonic[i] = {h * pr, h * pi};
    percussive[i] = {p * pr, p * pi};
  }
}

}  // namespace percept::analysis

namespace percept::analysis {

std::pair<std::vector<float>, std::vector<float>> hpss_signal(const float* y, std::size_t n, const HpssOptions& opt,
                                                              const StftParams& params) {
  const Stft<float> stft(params);
  const auto D = stft.complex(y, n);
  FrameMatrix<std::complex<float>> H(D.n_frames, D.n_bins), P(D.n_frames, D.n_bins);
  hpss(D.data.data(), D.n_bins, D.n_frames, SpecLayout::FrameMajor, opt, H.data.data(), P.data.data());
  const auto p = stft.params();
  return {istft(H, p, n), istft(P, p, n)};
}

}  // namespace percept::analysis
