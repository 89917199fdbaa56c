#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "percept/analysis/normalize.hpp"
#include "percept/core/error.hpp"

using namespace percept;
using namespace percept::analysis;

namespace {
FrameMatrix<float> random_features(std::size_t frames, std::size_t bands, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> nd;
  FrameMatrix<float> X(frames, bands);
  for (std::size_t t = 0; t < frames; ++t)
    for (std::size_t b = 0; b < bands; ++b)
      X.at(b, t) = static_cast<float>(3.0 * static_cast<double>(b) + (1.0 + 0.1 * static_cast<double>(b)) * nd(rng));
  return X;
}
}  // namespace

TEST(BandStandardizer, ChunkedFitEqualsOneFitAndFrameFit) {
  const auto A = random_features(300, 16, 1), B = random_features(123, 16, 2);
  FrameMatrix<float> AB(A.n_frames + B.n_frames, 16);
  std::copy(A.data.begin(), A.data.end(), AB.data.begin());
  std::copy(B.data.begin(), B.data.end(), AB.data.begin() + static_cast<std::ptrdiff_t>(A.data.size()));
  BandStandardizer whole, chunks, frames;
  whole.partial_fit(AB);
  chunks.partial_fit(A);
  chunks.partial_fit(B);
  for (std::size_t t = 0; t < AB.n_frames; ++t) frames.partial_fit_frame(AB.frame(t), 16);
  ASSERT_EQ(whole.count(), 423u);
  for (std::size_t b = 0; b < 16; ++b) {
    EXPECT_NEAR(chunks.mean()[b], whole.mean()[b], 1e-10);
    EXPECT_NEAR(chunks.stddev()[b], whole.stddev()[b], 1e-10);
    EXPECT_NEAR(frames.mean()[b], whole.mean()[b], 1e-10);
    EXPECT_NEAR(frames.stddev()[b], whole.stddev()[b], 1e-10);
  }
  auto Z = AB;
  whole.transform(Z);
  for (std::size_t b = 0; b < 16; ++b) {
    double m = 0, v = 0;
    for (std::size_t t = 0; t < Z.n_frames; ++t) m += Z.at(b, t);
    m /= static_cast<double>(Z.n_frames);
    for (std::size_t t = 0; t < Z.n_frames; ++t) v += (Z.at(b, t) - m) * (Z.at(b, t) - m);
    EXPECT_NEAR(m, 0.0, 1e-5);
    EXPECT_NEAR(std::sqrt(v / static_cast<double>(Z.n_frames)), 1.0, 1e-5);
  }
  std::vector<float> f(AB.frame(5), AB.frame(5) + 16);
  whole.transform_frame(f.data());
  whole.inverse_transform_frame(f.data());
  for (std::size_t b = 0; b < 16; ++b) EXPECT_NEAR(f[b], AB.frame(5)[b], 1e-4);
}

TEST(BandStandardizer, StatisticsRoundTripAndErrors) {
  BandStandardizer s;
  EXPECT_THROW(s.set_statistics(3, {1.0, 2.0}, {1.0}), InvalidArgument);
  EXPECT_THROW(s.set_statistics(3, {1.0}, {-1.0}), InvalidArgument);
  s.set_statistics(4, {1.0, 2.0}, {4.0, 16.0});  // std 1 and 2
  float x[2] = {3.0f, 6.0f};
  s.transform_frame(x);
  EXPECT_NEAR(x[0], 2.0, 1e-6);
  EXPECT_NEAR(x[1], 2.0, 1e-6);
  auto X = random_features(10, 3, 3);
  EXPECT_THROW(s.transform(X), InvalidArgument);
  EXPECT_THROW(s.partial_fit(X), InvalidArgument);
  BandStandardizer empty;
  EXPECT_THROW(empty.transform(X), InvalidArgument);
  X.at(1, 1) = std::nanf("");
  EXPECT_THROW(empty.partial_fit(X), InvalidArgument);
  EXPECT_THROW(BandStandardizer(-1.0), InvalidArgument);
}
