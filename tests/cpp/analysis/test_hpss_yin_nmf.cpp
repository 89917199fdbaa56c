// HPSS median filtering and masks, YIN parity with librosa, deterministic NMF.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "fixtures_b.hpp"
#include "percept/analysis/hpss.hpp"
#include "percept/analysis/nmf.hpp"
#include "percept/analysis/yin.hpp"
#include "percept/core/error.hpp"

using namespace percept;
using namespace percept::analysis;

namespace {

// scipy.ndimage.median_filter(x, size=k, mode='reflect') along one row, by brute force.
std::vector<float> brute_median(const std::vector<float>& x, std::size_t k) {
  const auto n = static_cast<std::ptrdiff_t>(x.size());
  std::vector<float> out(x.size()), w(k);
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < k; ++j) {
      std::ptrdiff_t idx = i - static_cast<std::ptrdiff_t>(k / 2) + static_cast<std::ptrdiff_t>(j);
      while (idx < 0 || idx >= n) idx = idx < 0 ? -idx - 1 : 2 * n - idx - 1;
      w[j] = x[static_cast<std::size_t>(idx)];
    }
    std::nth_element(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(k / 2), w.end());
    out[static_cast<std::size_t>(i)] = w[k / 2];
  }
  return out;
}

}  // namespace

TEST(Hpss, RunningMedianMatchesBruteForce) {
  std::mt19937 g(3);
  std::uniform_int_distribution<int> q(0, 9);  // many ties
  for (std::size_t n : {1u, 2u, 5u, 17u, 40u, 300u}) {
    for (std::size_t k : {1u, 3u, 4u, 31u, 33u}) {
      std::vector<float> x(n);
      for (auto& v : x) v = static_cast<float>(q(g));
      std::vector<float> out(n);
      median_filter_rows(x.data(), 1, n, k, out.data());
      EXPECT_EQ(out, brute_median(x, k)) << "n=" << n << " k=" << k;
      // columns: the same data as one column
      std::vector<float> out2(n);
      median_filter_cols(x.data(), n, 1, k, out2.data());
      EXPECT_EQ(out2, out);
    }
  }
}

namespace {
void check_median_matrices();
}  // namespace

TEST(Hpss, MedianFilterOfMatricesMatchesBruteForce) {
  // several rows and columns at once (the SIMD lanes), including partial lane blocks and long kernels,
  // with each instruction set this CPU has (AVX-512 16 lanes, AVX2 8 lanes, portable vectors)
  for (int level : {2, 1, 0}) {
    SCOPED_TRACE(level);
    const int previous = detail::set_hpss_simd_limit(level);
    check_median_matrices();
    detail::set_hpss_simd_limit(previous);
  }
}

TEST(Hpss, SoftMaskKernelsAgree) {
  std::mt19937 g(5);
  std::uniform_real_distribution<float> u(0.0f, 2.0f);
  std::vector<float> x(1001), r(1001), a(1001), b(1001);
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = i % 17 == 0 ? 0.0f : u(g);
    r[i] = i % 17 == 0 || i % 5 == 0 ? 0.0f : u(g);
  }
  for (bool split : {true, false}) {
    const int previous = detail::set_hpss_simd_limit(0);
    softmask(x.data(), r.data(), x.size(), 2.0, split, a.data());
    detail::set_hpss_simd_limit(2);
    softmask(x.data(), r.data(), x.size(), 2.0, split, b.data());
    detail::set_hpss_simd_limit(previous);
    EXPECT_EQ(a, b);
    EXPECT_EQ(a[0], split ? 0.5f : 0.0f);  // 0 vs 0
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (x[i] == 0.0f && r[i] == 0.0f) continue;
      const double xd = x[i], rd = r[i];
      const double want = xd * xd / (xd * xd + rd * rd);
      EXPECT_NEAR(a[i], want, 1e-6) << i;
    }
  }
}

namespace {
void check_median_matrices() {
  std::mt19937 g(11);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::uniform_int_distribution<int> q(0, 3);
  for (std::size_t rows : {1u, 7u, 17u, 40u}) {
    for (std::size_t cols : {1u, 9u, 16u, 35u}) {
      for (std::size_t k : {1u, 2u, 5u, 31u, 65u}) {
        std::vector<float> x(rows * cols);
        for (auto& v : x) v = (rows + cols) % 2 ? u(g) : static_cast<float>(q(g));
        std::vector<float> out_r(x.size()), out_c(x.size());
        median_filter_rows(x.data(), rows, cols, k, out_r.data());
        median_filter_cols(x.data(), rows, cols, k, out_c.data());
        for (std::size_t r = 0; r < rows; ++r) {
          const std::vector<float> row(x.begin() + static_cast<std::ptrdiff_t>(r * cols),
                                       x.begin() + static_cast<std::ptrdiff_t>((r + 1) * cols));
          const auto want = brute_median(row, k);
          for (std::size_t c = 0; c < cols; ++c)
            ASSERT_EQ(out_r[r * cols + c], want[c]) << rows << "x" << cols << " k=" << k << " row " << r;
        }
        for (std::size_t c = 0; c < cols; ++c) {
          std::vector<float> col(rows);
          for (std::size_t r = 0; r < rows; ++r) col[r] = x[r * cols + c];
          const auto want = brute_median(col, k);
          for (std::size_t r = 0; r < rows; ++r)
            ASSERT_EQ(out_c[r * cols + c], want[r]) << rows << "x" << cols << " k=" << k << " col " << c;
        }
      }
    }
  }
}
}  // namespace

TEST(Hpss, MasksSumToOneAndSeparateLinesFromClicks) {
  // 64 bins x 80 frames: a horizontal line (harmonic) at bin 10 and a vertical line (percussive) at frame 40
  const std::size_t B = 64, T = 80;
  std::vector<float> S(B * T, 0.01f);
  for (std::size_t t = 0; t < T; ++t) S[10 * T + t] = 5.0f;
  for (std::size_t b = 0; b < B; ++b) S[b * T + 40] = 5.0f;
  std::vector<float> mh(B * T), mp(B * T);
  hpss_masks(S.data(), B, T, SpecLayout::TimeContiguous, HpssOptions{}, mh.data(), mp.data());
  for (std::size_t i = 0; i < S.size(); ++i) EXPECT_NEAR(mh[i] + mp[i], 1.0f, 1e-6f);
  EXPECT_GT(mh[10 * T + 5], 0.99f);
  EXPECT_GT(mp[30 * T + 40], 0.99f);
  // frame-major layout gives the same masks transposed
  std::vector<float> St(B * T), mh2(B * T), mp2(B * T);
  for (std::size_t b = 0; b < B; ++b)
    for (std::size_t t = 0; t < T; ++t) St[t * B + b] = S[b * T + t];
  hpss_masks(St.data(), B, T, SpecLayout::FrameMajor, HpssOptions{}, mh2.data(), mp2.data());
  for (std::size_t b = 0; b < B; ++b)
    for (std::size_t t = 0; t < T; ++t) EXPECT_EQ(mh2[t * B + b], mh[b * T + t]);
}

TEST(Hpss, RejectsBadInput) {
  std::vector<float> S(16, 1.0f), a(16), b(16);
  HpssOptions o;
  o.margin_harmonic = 0.5;
  EXPECT_THROW(hpss_masks(S.data(), 4, 4, SpecLayout::TimeContiguous, o, a.data(), b.data()), InvalidArgument);
  S[3] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(hpss_masks(S.data(), 4, 4, SpecLayout::TimeContiguous, HpssOptions{}, a.data(), b.data()),
               InvalidArgument);
}

TEST(Yin, MatchesLibrosa) {
  const auto y = percept_test::load_values("in_music.npy");
  const auto ref = percept_test::load_values<double>("yin_music.npy");
  YinOptions o;
  o.fmin = 65;
  o.fmax = 2093;
  const auto f0 = yin(y, o);
  ASSERT_EQ(f0.size(), ref.size());
  for (std::size_t i = 0; i < f0.size(); ++i) EXPECT_NEAR(f0[i], ref[i], 1e-6 * ref[i]) << i;
}

TEST(Yin, PureToneAndErrors) {
  std::vector<float> y(22050);
  for (std::size_t i = 0; i < y.size(); ++i)
    y[i] = static_cast<float>(std::sin(2 * M_PI * 220.0 * static_cast<double>(i) / 22050));
  YinOptions o;
  const auto f0 = yin(y, o);
  EXPECT_NEAR(f0[f0.size() / 2], 220.0, 0.5);
  o.fmin = 3000;
  EXPECT_THROW((void)yin(y, o), InvalidArgument);
  YinOptions o2;
  o2.fmax = 20000;
  EXPECT_THROW((void)yin(y, o2), InvalidArgument);
}

TEST(Nmf, RecoversLowRankAndIsDeterministic) {
  // S = W H with 3 non-negative components
  const std::size_t F = 40, T = 60, K = 3;
  std::mt19937 g(1);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> W(F * K), H(K * T);
  for (auto& v : W) v = u(g);
  for (auto& v : H) v = u(g);
  Array2D<float> S(F, T);
  for (std::size_t f = 0; f < F; ++f)
    for (std::size_t t = 0; t < T; ++t)
      for (std::size_t k = 0; k < K; ++k) S(f, t) += W[f * K + k] * H[k * T + t];
  NmfOptions o;
  o.n_components = K;
  o.max_iter = 500;
  o.tol = 0;
  const auto r1 = nmf(S, o);
  const auto r2 = nmf(S, o);
  EXPECT_EQ(r1.components.data, r2.components.data);
  EXPECT_EQ(r1.activations.data, r2.activations.data);
  double err = 0, norm = 0;
  for (std::size_t f = 0; f < F; ++f)
    for (std::size_t t = 0; t < T; ++t) {
      double v = 0;
      for (std::size_t k = 0; k < K; ++k) v += r1.components(f, k) * r1.activations(k, t);
      err += (v - S(f, t)) * (v - S(f, t));
      norm += S(f, t) * S(f, t);
    }
  EXPECT_LT(std::sqrt(err / norm), 0.02);
  for (float v : r1.components.data) EXPECT_GE(v, 0.0f);
  // KL divergence also decreases the error well below the initial one
  o.beta = 1.0;
  o.max_iter = 200;
  const auto r3 = nmf(S, o);
  EXPECT_LT(r3.divergence, 1.0);
  // transform with fixed components reproduces the activations' fit
  const auto Ht = nmf_transform(S, r1.components, o);
  EXPECT_EQ(Ht.rows, K);
}

TEST(Nmf, RejectsBadInput) {
  Array2D<float> S(4, 4, 1.0f);
  S(1, 1) = -1.0f;
  EXPECT_THROW((void)nmf(S, NmfOptions{}), InvalidArgument);
  EXPECT_THROW((void)nmf(Array2D<float>{}, NmfOptions{}), InvalidArgument);
}
