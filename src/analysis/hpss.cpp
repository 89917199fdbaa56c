// Median-filtering HPSS (see hpss.hpp).
#include "percept/analysis/hpss.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "percept/analysis/fft.hpp"
#include "percept/core/error.hpp"

namespace percept::analysis {

namespace {

// 8 floats as one GCC generic vector (AVX where the function is compiled for it, SSE pairs otherwise)
using v8f = float __attribute__((vector_size(32)));

// scipy.ndimage 'reflect' index for any integer i over n >= 1 values.
inline std::ptrdiff_t reflect_index(std::ptrdiff_t i, std::ptrdiff_t n) {
  if (i >= 0 && i < n) return i;
  if (n <= 0) return 0;  // not reached (callers filter empty sequences); keeps the modulo well-defined
  const std::ptrdiff_t period = 2 * n;
  std::ptrdiff_t k = i % period;
  if (k < 0) k += period;
  return k < n ? k : period - 1 - k;
}

// Running median of L independent sequences at once, one per SIMD lane ("vertical" SIMD). Lane l of
// sequence value i is src[i * stride + l]. Each lane keeps its window of k values sorted in w[0 .. k):
// a step removes the value leaving the window and inserts the one entering it with min/max only,
//   u[j]  = w[j] < old ? w[j] : w[j + 1]          (w without one copy of `old`, k - 1 values)
//   w'[j] = max(u[j - 1], min(new, u[j]))          (sorted insertion of `new`; u[-1] = -inf, u[k-1] = +inf)
// i.e. four branch-free vector operations per window position and no data-dependent control flow, and
// the median is w[k / 2]. The exact rank value comes out, so results equal any exact median filter.
// Edges follow scipy.ndimage's 'reflect' mode: value i of the extended sequence is x[reflect(i - k/2)].

template <class V>
inline __attribute__((always_inline)) void median_lanes_body(const float* src, std::size_t n, std::size_t stride,
                                                             std::size_t k, float* out, std::size_t out_stride, V* w) {
  const float inf = std::numeric_limits<float>::infinity();
  const auto half = static_cast<std::ptrdiff_t>(k / 2);
  const auto nn = static_cast<std::ptrdiff_t>(n);
  const V vinf = V{} + inf;
  const V vninf = V{} - inf;
  for (std::size_t j = 0; j < k; ++j) w[j] = vinf;
  // the first window: k sorted insertions into a window of +inf (the largest value drops out each time)
  for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(k); ++i) {
    V x;
    std::memcpy(&x, src + static_cast<std::size_t>(reflect_index(i - half, nn)) * stride, sizeof(V));
    V prev = vninf;
    for (std::size_t j = 0; j < k; ++j) {
      const V c = w[j];
      const V m = x < c ? x : c;
      w[j] = prev > m ? prev : m;
      prev = c;
    }
  }
  std::memcpy(out, &w[k / 2], sizeof(V));
  for (std::ptrdiff_t t = 1; t < nn; ++t) {
    V o, x;
    std::memcpy(&o, src + static_cast<std::size_t>(reflect_index(t - 1 - half, nn)) * stride, sizeof(V));
    std::memcpy(
        &x, src + static_cast<std::size_t>(reflect_index(t + static_cast<std::ptrdiff_t>(k) - 1 - half, nn)) * stride,
        sizeof(V));
    V up = vninf;
    V cur = w[0];
    for (std::size_t j = 0; j + 1 < k; ++j) {
      const V nxt = w[j + 1];
      const V u = cur < o ? cur : nxt;
      const V m = x < u ? x : u;
      w[j] = up > m ? up : m;
      up = u;
      cur = nxt;
    }
    w[k - 1] = up > x ? up : x;
    std::memcpy(out + static_cast<std::size_t>(t) * out_stride, &w[k / 2], sizeof(V));
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
// The same algorithm on 16 lanes with AVX-512 intrinsics (GCC's generic vectors of 16 floats scalarise
// some of the selects). GCC 12's own _mm512_min_ps/max_ps trip -Wmaybe-uninitialized (its
// _mm512_undefined_ps), hence the local pragma.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f"))) void median_lanes16_avx512(const float* src, std::size_t n, std::size_t stride,
                                                              std::size_t k, float* out, std::size_t out_stride,
                                                              void* scratch) {
  auto* w = static_cast<float*>(scratch);  // k vectors of 16 floats, 64-byte aligned
  const auto half = static_cast<std::ptrdiff_t>(k / 2);
  const auto nn = static_cast<std::ptrdiff_t>(n);
  const __m512 vinf = _mm512_set1_ps(std::numeric_limits<float>::infinity());
  const __m512 vninf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  for (std::size_t j = 0; j < k; ++j) _mm512_store_ps(w + 16 * j, vinf);
  for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(k); ++i) {
    const __m512 x = _mm512_loadu_ps(src + static_cast<std::size_t>(reflect_index(i - half, nn)) * stride);
    __m512 prev = vninf;
    for (std::size_t j = 0; j < k; ++j) {
      const __m512 c = _mm512_load_ps(w + 16 * j);
      _mm512_store_ps(w + 16 * j, _mm512_max_ps(prev, _mm512_min_ps(x, c)));
      prev = c;
    }
  }
  _mm512_storeu_ps(out, _mm512_load_ps(w + 16 * (k / 2)));
  for (std::ptrdiff_t t = 1; t < nn; ++t) {
    const __m512 o = _mm512_loadu_ps(src + static_cast<std::size_t>(reflect_index(t - 1 - half, nn)) * stride);
    const __m512 x = _mm512_loadu_ps(
        src + static_cast<std::size_t>(reflect_index(t + static_cast<std::ptrdiff_t>(k) - 1 - half, nn)) * stride);
    __m512 up = vninf;
    __m512 cur = _mm512_load_ps(w);
    for (std::size_t j = 0; j + 1 < k; ++j) {
      const __m512 nxt = _mm512_load_ps(w + 16 * (j + 1));
      const __m512 u = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(cur, o, _CMP_LT_OQ), nxt, cur);
      _mm512_store_ps(w + 16 * j, _mm512_max_ps(up, _mm512_min_ps(x, u)));
      up = u;
      cur = nxt;
    }
    _mm512_store_ps(w + 16 * (k - 1), _mm512_max_ps(up, x));
    _mm512_storeu_ps(out + static_cast<std::size_t>(t) * out_stride, _mm512_load_ps(w + 16 * (k / 2)));
  }
}
#pragma GCC diagnostic pop
__attribute__((target("avx2"))) void median_lanes8_avx2(const float* src, std::size_t n, std::size_t stride,
                                                        std::size_t k, float* out, std::size_t out_stride, void* w) {
  median_lanes_body(src, n, stride, k, out, out_stride, static_cast<v8f*>(w));
}
#endif
// Portable: 4 lanes, one 16-byte vector (SSE2 on any x86-64, NEON on ARM); 8-float vectors without AVX
// are split by GCC into slow pairs.
using v4f = float __attribute__((vector_size(16)));
void median_lanes4_generic(const float* src, std::size_t n, std::size_t stride, std::size_t k, float* out,
                           std::size_t out_stride, void* w) {
  median_lanes_body(src, n, stride, k, out, out_stride, static_cast<v4f*>(w));
}

std::atomic<int> g_simd_limit{2};

// The widest instruction set of this CPU that the kernels may use: 2 AVX-512, 1 AVX2, 0 portable.
[[maybe_unused]] int simd_level() noexcept {
#if defined(__x86_64__) && defined(__GNUC__)
  static const int cpu = __builtin_cpu_supports("avx512f") ? 2 : __builtin_cpu_supports("avx2") ? 1 : 0;
#else
  static const int cpu = 0;
#endif
  return std::min(cpu, g_simd_limit.load(std::memory_order_relaxed));
}

using MedianKernel = void (*)(const float*, std::size_t, std::size_t, std::size_t, float*, std::size_t, void*);

// The widest kernel this CPU runs, with its lane count, and the window scratch it needs.
struct MedianRunner {
  MedianKernel fn = median_lanes4_generic;
  std::size_t lanes = 4;
  std::size_t k;
  AlignedVector<float> window;
  explicit MedianRunner(std::size_t kernel) : k(kernel) {
#if defined(__x86_64__) && defined(__GNUC__)
    const int level = simd_level();
    if (level == 2) {
      fn = median_lanes16_avx512;
      lanes = 16;
    } else if (level == 1) {
      fn = median_lanes8_avx2;
      lanes = 8;
    }
#endif
    window.resize(k * lanes);
  }
  void run(const float* src, std::size_t n, std::size_t stride, float* out, std::size_t out_stride) {
    fn(src, n, stride, k, out, out_stride, window.data());
  }
};

inline void copy_lanes(float* dst, const float* src, std::size_t lanes) noexcept {
  if (lanes == 16)
    std::memcpy(dst, src, 16 * sizeof(float));
  else if (lanes == 8)
    std::memcpy(dst, src, 8 * sizeof(float));
  else
    std::memcpy(dst, src, lanes * sizeof(float));
}

void check_kernel(std::size_t kernel, const char* what) {
  if (kernel == 0) throw InvalidArgument(std::string(what) + ": kernel size must be positive");
}

}  // namespace

namespace detail {
int set_hpss_simd_limit(int level) noexcept {
  return g_simd_limit.exchange(std::clamp(level, 0, 2));
}
}  // namespace detail

void median_filter_rows(const float* x, std::size_t rows, std::size_t cols, std::size_t kernel, float* out) {
  check_kernel(kernel, "median_filter");
  if (rows == 0 || cols == 0) return;
  // blocks of `lanes` rows, interleaved (transposed) into a scratch buffer so that each lane runs along a row
  MedianRunner med(kernel);
  const std::size_t L = med.lanes;
  AlignedVector<float> in(cols * L, 0.0f), res(cols * L);
  for (std::size_t r0 = 0; r0 < rows; r0 += L) {
    const std::size_t m = std::min(L, rows - r0);
    for (std::size_t l = 0; l < m; ++l) {
      const float* row = x + (r0 + l) * cols;
      for (std::size_t c = 0; c < cols; ++c) in[c * L + l] = row[c];
    }
    med.run(in.data(), cols, L, res.data(), L);
    for (std::size_t l = 0; l < m; ++l) {
      float* row = out + (r0 + l) * cols;
      for (std::size_t c = 0; c < cols; ++c) row[c] = res[c * L + l];
    }
  }
}

void median_filter_cols(const float* x, std::size_t rows, std::size_t cols, std::size_t kernel, float* out) {
  check_kernel(kernel, "median_filter");
  if (rows == 0 || cols == 0) return;
  // `lanes` neighbouring columns at a time, copied into a contiguous buffer first (filtering them in
  // place, a step touches rows far apart in memory: several times slower for wide matrices)
  MedianRunner med(kernel);
  const std::size_t L = med.lanes;
  AlignedVector<float> in(rows * L, 0.0f), res(rows * L);
  for (std::size_t c0 = 0; c0 < cols; c0 += L) {
    const std::size_t m = std::min(L, cols - c0);
    if (m == L) {  // whole blocks: constant-size copies (inlined as single vector moves)
      for (std::size_t r = 0; r < rows; ++r) copy_lanes(in.data() + r * L, x + r * cols + c0, L);
      med.run(in.data(), rows, L, res.data(), L);
      for (std::size_t r = 0; r < rows; ++r) copy_lanes(out + r * cols + c0, res.data() + r * L, L);
      continue;
    }
    for (std::size_t r = 0; r < rows; ++r) std::memcpy(in.data() + r * L, x + r * cols + c0, m * sizeof(float));
    med.run(in.data(), rows, L, res.data(), L);
    for (std::size_t r = 0; r < rows; ++r) std::memcpy(out + r * cols + c0, res.data() + r * L, m * sizeof(float));
  }
}

namespace {
#if defined(__x86_64__) && defined(__GNUC__)
// softmask with power 2 on 8 values at a time, branch-free: both divisions for every element, the
// 0/0 of a zero pair discarded by the final select. Returns how many values it did (a multiple of 8).
__attribute__((target("avx2"))) std::size_t softmask2_avx2(const float* X, const float* X_ref, std::size_t n,
                                                           bool split_zeros, float* out) noexcept {
  const __m256 tiny = _mm256_set1_ps(std::numeric_limits<float>::min());
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 zero_val = _mm256_set1_ps(split_zeros ? 0.5f : 0.0f);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_loadu_ps(X + i), r = _mm256_loadu_ps(X_ref + i);
    const __m256 ge = _mm256_cmp_ps(x, r, _CMP_GE_OQ);
    const __m256 Z = _mm256_blendv_ps(r, x, ge);
    const __m256 q = _mm256_div_ps(_mm256_blendv_ps(x, r, ge), Z);
    const __m256 q2 = _mm256_mul_ps(q, q);
    const __m256 v = _mm256_div_ps(_mm256_blendv_ps(q2, one, ge), _mm256_add_ps(one, q2));
    _mm256_storeu_ps(out + i, _mm256_blendv_ps(v, zero_val, _mm256_cmp_ps(Z, tiny, _CMP_LT_OQ)));
  }
  return i;
}
#endif

}  // namespace

void softmask(const float* X, const float* X_ref, std::size_t n, double power, bool split_zeros, float* out) noexcept {
  const float tiny = std::numeric_limits<float>::min();
  if (std::isinf(power)) {
    for (std::size_t i = 0; i < n; ++i) out[i] = X[i] > X_ref[i] ? 1.0f : 0.0f;
    return;
  }
  if (power == 2.0) {
    std::size_t i = 0;
#if defined(__x86_64__) && defined(__GNUC__)
    if (simd_level() >= 1) i = softmask2_avx2(X, X_ref, n, split_zeros, out);
#endif
    const float zero_val = split_zeros ? 0.5f : 0.0f;
    for (; i < n; ++i) {
      const float x = X[i], r = X_ref[i];
      const bool ge = x >= r;
      const float Z = ge ? x : r;
      if (Z < tiny) {
        out[i] = zero_val;
        continue;
      }
      // the smaller value over the larger is the one ratio that is not 1: the same float operations as
      // librosa's (x/Z)^2 / ((x/Z)^2 + (r/Z)^2)
      const float q = (ge ? r : x) / Z;
      const float q2 = q * q;
      out[i] = (ge ? 1.0f : q2) / (1.0f + q2);
    }
    return;
  }
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
    out[i] = std::pow(a, pw) / (std::pow(a, pw) + std::pow(b, pw));
  }
}

namespace {

void check_options(const HpssOptions& opt) {
  if (opt.margin_harmonic < 1 || opt.margin_percussive < 1)
    throw InvalidArgument("hpss: margins must be >= 1.0 (a typical range is between 1 and 10)");
  if (!(opt.power > 0)) throw InvalidArgument("hpss: power must be strictly positive");
}

// Turns n median-filtered values harm[i], perc[i] into librosa's soft masks, in place.
void masks_from_medians(float* harm, float* perc, std::size_t n, const HpssOptions& opt) noexcept {
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

// The two median filters of HPSS: along time into harm, along frequency into perc.
void hpss_medians(const float* S, std::size_t n_bins, std::size_t n_frames, SpecLayout layout, const HpssOptions& opt,
                  float* harm, float* perc) {
  if (layout == SpecLayout::TimeContiguous) {
    median_filter_rows(S, n_bins, n_frames, opt.kernel_harmonic, harm);
    median_filter_cols(S, n_bins, n_frames, opt.kernel_percussive, perc);
  } else {
    median_filter_cols(S, n_frames, n_bins, opt.kernel_harmonic, harm);
    median_filter_rows(S, n_frames, n_bins, opt.kernel_percussive, perc);
  }
}

// |D| of n complex values into mag; false if any is not finite.
bool magnitudes(const std::complex<float>* D, std::size_t n, float* mag) noexcept {
  const float big = std::numeric_limits<float>::max();
  unsigned bad = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float re = D[i].real(), im = D[i].imag();
    const float m = std::sqrt(re * re + im * im);
    mag[i] = m;
    // |D| overflows to inf when a part does, NaN propagates: one test covers both parts
    bad |= static_cast<unsigned>(!(m <= big));
  }
  return bad == 0;
}

// H = |D| mask e^{j angle D} as librosa computes it (magphase, float32), for n values.
void apply_mask(const std::complex<float>* D, const float* mag, const float* mask, std::size_t n,
                std::complex<float>* out) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    const float m = mag[i];
    const bool zero = m == 0.0f;
    const float nz = m + (zero ? 1.0f : 0.0f);
    const float pr = D[i].real() / nz + (zero ? 1.0f : 0.0f), pi = D[i].imag() / nz;
    const float h = m * mask[i];
    out[i] = {h * pr, h * pi};
  }
}

}  // namespace

void hpss_masks(const float* S, std::size_t n_bins, std::size_t n_frames, SpecLayout layout, const HpssOptions& opt,
                float* mask_harmonic, float* mask_percussive) {
  check_options(opt);
  const std::size_t n = n_bins * n_frames;
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(S[i]) || S[i] < 0)
      throw InvalidArgument("hpss: the spectrogram must be finite and non-negative");
  // the median-filtered spectrograms go straight into the mask buffers, then become masks in place
  hpss_medians(S, n_bins, n_frames, layout, opt, mask_harmonic, mask_percussive);
  masks_from_medians(mask_harmonic, mask_percussive, n, opt);
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
  check_options(opt);
  // grow-only per-thread scratch: repeated calls do not pay fresh page faults for 3 * n floats
  thread_local AlignedVector<float> mag, mh, mp;
  if (mag.size() < n) {
    mag.resize(n);
    mh.resize(n);
    mp.resize(n);
  }
  if (!magnitudes(D, n, mag.data())) throw InvalidArgument("hpss: the spectrogram is not finite everywhere");
  hpss_medians(mag.data(), n_bins, n_frames, layout, opt, mh.data(), mp.data());
  masks_from_medians(mh.data(), mp.data(), n, opt);
  apply_mask(D, mag.data(), mh.data(), n, harmonic);
  apply_mask(D, mag.data(), mp.data(), n, percussive);
}

}  // namespace percept::analysis

namespace percept::analysis {

std::pair<std::vector<float>, std::vector<float>> hpss_signal(const float* y, std::size_t n, const HpssOptions& opt,
                                                              const StftParams& params) {
  check_options(opt);
  const Stft<float> stft(params);
  const auto p = stft.params();
  const auto D = stft.complex(y, n);  // validates the signal
  const std::size_t nb = D.n_bins, nt = D.n_frames, total = nb * nt;
  AlignedVector<float> mag(total), harm(total), perc(total);
  if (!magnitudes(D.data.data(), total, mag.data()))
    throw InvalidArgument("effects.hpss: the spectrogram is not finite everywhere (input too large)");
  hpss_medians(mag.data(), nb, nt, SpecLayout::FrameMajor, opt, harm.data(), perc.data());
  // Frame by frame: masks, masked spectra, inverse FFTs, overlap-add. Neither masked complex
  // spectrogram is ever stored whole.
  OverlapAdd<float> out_h(p, nt, n), out_p(p, nt, n);
  AlignedVector<std::complex<float>> spec_h(nb), spec_p(nb);
  for (std::size_t t = 0; t < out_h.frames(); ++t) {
    float* mh = harm.data() + t * nb;
    float* mp = perc.data() + t * nb;
    masks_from_medians(mh, mp, nb, opt);
    apply_mask(D.frame(t), mag.data() + t * nb, mh, nb, spec_h.data());
    apply_mask(D.frame(t), mag.data() + t * nb, mp, nb, spec_p.data());
    out_h.add(t, spec_h.data());
    out_p.add(t, spec_p.data());
  }
  return {out_h.finish(), out_p.finish()};
}

}  // namespace percept::analysis
