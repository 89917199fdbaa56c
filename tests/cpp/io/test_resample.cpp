#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "percept/core/error.hpp"
#include "percept/dsp/resample.hpp"

using namespace percept;

namespace {
double rms_error_vs_sine(const AudioBuffer<double>& y, double f, double sr, std::size_t skip) {
  double acc = 0;
  std::size_t n = 0;
  for (std::size_t i = skip; i + skip < y.num_frames(); ++i, ++n) {
    const double ref = std::sin(2 * std::numbers::pi * f * static_cast<double>(i) / sr);
    acc += (y.channel(0)[i] - ref) * (y.channel(0)[i] - ref);
  }
  return std::sqrt(acc / static_cast<double>(n));
}
}  // namespace

TEST(Resample, LengthIsCeilOfRatioLikeLibrosa) {
  EXPECT_EQ(dsp::resampled_length(132300, 22050, 16000), 96000u);
  EXPECT_EQ(dsp::resampled_length(1001, 44100, 22050), 501u);
  AudioBuffer<float> x(2, 1001);
  const auto y = dsp::resample<float>(x.view(), 44100, 22050);
  EXPECT_EQ(y.num_frames(), 501u);
  EXPECT_EQ(y.num_channels(), 2u);
}

TEST(Resample, SineStaysASineAtTheNewRate) {
  AudioBuffer<double> x(1, 44100);
  for (std::size_t i = 0; i < 44100; ++i) x.channel(0)[i] = std::sin(2 * std::numbers::pi * 1000.0 * i / 44100.0);
  const auto y = dsp::resample<double>(x.view(), 44100, 16000);
  EXPECT_LT(rms_error_vs_sine(y, 1000.0, 16000.0, 200), 1e-4);
}

TEST(Resample, StreamingEqualsOneShotAfterTheFilterDelay) {
  const std::size_t n = 30000;
  std::vector<float> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<float>(std::sin(0.01 * static_cast<double>(i)) * 0.5);
  dsp::StreamResampler s(48000, 32000, 1);
  std::vector<float> out(s.max_output_frames(1000) * 2), all;
  for (std::size_t pos = 0; pos < n; pos += 1000) {
    const std::size_t got = s.process(x.data() + pos, 1000, out.data(), out.size());
    all.insert(all.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(got));
  }
  for (std::size_t got; (got = s.flush(out.data(), out.size())) > 0;)
    all.insert(all.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(got));
  const float* xp = x.data();
  AudioView<const float> view(&xp, 1, n);
  const auto ref = dsp::resample<float>(view, 48000, 32000);
  ASSERT_GE(all.size(), ref.num_frames());
  double max_err = 0;
  for (std::size_t i = 0; i < ref.num_frames(); ++i)
    max_err = std::max(max_err, static_cast<double>(std::fabs(all[i] - ref.channel(0)[i])));
  EXPECT_LT(max_err, 1e-5);
}

TEST(Resample, BadRatesAndQualitiesAreRefused) {
  AudioBuffer<float> x(1, 10);
  EXPECT_THROW((void)dsp::resample<float>(x.view(), 0, 16000), InvalidArgument);
  EXPECT_THROW((void)dsp::resample<float>(x.view(), 44100, -1), InvalidArgument);
  EXPECT_THROW((void)dsp::resample<float>(x.view(), 44100, std::nan("")), InvalidArgument);
  EXPECT_THROW((void)dsp::parse_resample_quality("best"), InvalidArgument);
  EXPECT_EQ(dsp::parse_resample_quality("soxr_vhq"), dsp::ResampleQuality::VeryHigh);
}
