// C++ parity with librosa 0.10.2 fixtures (tests/data): mel, log-mel, MFCC, onset frames, beats.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "npy_loader.hpp"
#include "percept/analysis/features.hpp"
#include "percept/analysis/rhythm.hpp"
#include "percept/analysis/spectrum.hpp"
#include "percept/core/error.hpp"

using namespace percept;
using namespace percept::analysis;

namespace {

std::vector<float> signal(const std::string& name) {
  const auto a = test::load_npy(std::string(PERCEPT_TEST_DATA) + "/in_" + name + ".npy");
  const auto d = a.as_double();
  return {d.begin(), d.end()};
}

// max |ours - ref| / max |ref| for a (bins, frames) reference
double rel_err(const FrameMatrix<float>& m, const std::string& fixture) {
  const auto a = test::load_npy(std::string(PERCEPT_TEST_DATA) + "/" + fixture + ".npy");
  const auto ref = a.as_double();
  EXPECT_EQ(a.shape.size(), 2u);
  EXPECT_EQ(a.shape[0], m.n_bins);
  EXPECT_EQ(a.shape[1], m.n_frames);
  double mx = 0, err = 0;
  for (std::size_t b = 0; b < m.n_bins; ++b)
    for (std::size_t t = 0; t < m.n_frames; ++t) {
      const double r = ref[b * m.n_frames + t];
      mx = std::max(mx, std::abs(r));
      err = std::max(err, std::abs(static_cast<double>(m.at(b, t)) - r));
    }
  return err / mx;
}

}  // namespace

TEST(AnalysisParity, MelLogMelAndMfccWithin1e4) {
  for (const std::string sig : {"chirp", "music", "speech"}) {
    const auto y = signal(sig);
    auto M = melspectrogram(y.data(), y.size(), 22050.0);
    EXPECT_LT(rel_err(M, "mel_" + sig), 1e-4) << sig;
    auto L = M;
    DbParams db;
    db.ref_is_max = true;
    power_to_db(L.data.data(), L.data.size(), db);
    EXPECT_LT(rel_err(L, "logmel_" + sig), 1e-4) << sig;
    const auto C = mfcc(y.data(), y.size(), 22050.0);
    EXPECT_LT(rel_err(C, "mfcc_" + sig), 1e-4) << sig;
  }
}

TEST(AnalysisParity, OnsetAndBeatFramesIdentical) {
  const auto y = signal("music");
  const auto env = onset_strength(y.data(), y.size());
  const auto onsets = onset_detect(env.data(), env.size(), 22050.0, 512);
  const auto ref = test::load_npy(std::string(PERCEPT_TEST_DATA) + "/onset_frames_music.npy").as_double();
  ASSERT_EQ(onsets.size(), ref.size());
  for (std::size_t i = 0; i < ref.size(); ++i) EXPECT_EQ(static_cast<double>(onsets[i]), ref[i]);

  const auto beats = beat_track_signal(y.data(), y.size());
  const auto bref = test::load_npy(std::string(PERCEPT_TEST_DATA) + "/beat_frames_music.npy").as_double();
  ASSERT_EQ(beats.beats.size(), bref.size());
  for (std::size_t i = 0; i < bref.size(); ++i) EXPECT_EQ(static_cast<double>(beats.beats[i]), bref[i]);
  const auto tref = test::load_npy(std::string(PERCEPT_TEST_DATA) + "/tempo_music.npy").as_double();
  EXPECT_EQ(beats.tempo, tref[0]);
}

TEST(AnalysisParity, WindowsMatchScipy) {
  // periodic hann of length 4: [0, 0.5, 1, 0.5]; symmetric hamming of length 3: [0.08, 1, 0.08]
  const auto h = get_window(WindowType::Hann, 4, true);
  EXPECT_NEAR(h[0], 0.0, 1e-15);
  EXPECT_NEAR(h[1], 0.5, 1e-15);
  EXPECT_NEAR(h[2], 1.0, 1e-15);
  const auto m = get_window(WindowType::Hamming, 3, false);
  EXPECT_NEAR(m[0], 0.08, 1e-15);
  EXPECT_NEAR(m[1], 1.0, 1e-15);
  EXPECT_EQ(parse_window("rect"), WindowType::Rect);
  EXPECT_THROW((void)parse_window("kaiser"), InvalidArgument);
}

TEST(AnalysisParity, PaddingModesFollowNumpy) {
  const float x[4] = {1, 2, 3, 4};
  // numpy.pad([1,2,3,4], 3, 'reflect') = [4 3 2 1 2 3 4 3 2 1]
  const float reflect[10] = {4, 3, 2, 1, 2, 3, 4, 3, 2, 1};
  // 'symmetric' = [3 2 1 1 2 3 4 4 3 2]
  const float symmetric[10] = {3, 2, 1, 1, 2, 3, 4, 4, 3, 2};
  for (int i = -3; i < 7; ++i) {
    EXPECT_EQ(padded_sample(x, 4, i, PadMode::Reflect), reflect[i + 3]) << i;
    EXPECT_EQ(padded_sample(x, 4, i, PadMode::Symmetric), symmetric[i + 3]) << i;
    EXPECT_EQ(padded_sample(x, 4, i, PadMode::Edge), x[std::clamp(i, 0, 3)]) << i;
    EXPECT_EQ(padded_sample(x, 4, i, PadMode::Constant), (i >= 0 && i < 4) ? x[i] : 0.0f) << i;
  }
}

TEST(AnalysisErrors, BadInputIsAnInvalidArgument) {
  std::vector<float> y(4096, 0.1f);
  EXPECT_THROW((void)stft(y.data(), 0), InvalidArgument);
  y[100] = std::nanf("");
  EXPECT_THROW((void)stft(y.data(), y.size()), InvalidArgument);
  EXPECT_THROW((void)melspectrogram(y.data(), y.size(), 22050.0), InvalidArgument);
  y[100] = 0;
  StftParams p;
  p.center = false;
  EXPECT_THROW((void)stft(y.data(), 1000, p), InvalidArgument);
  MelParams mel;
  mel.fmin = 12000;
  EXPECT_THROW((void)melspectrogram(y.data(), y.size(), 22050.0, StftParams{}, 2.0, mel), InvalidArgument);
  MfccParams mp;
  mp.n_mfcc = 500;
  EXPECT_THROW((void)mfcc(y.data(), y.size(), 22050.0, mp), InvalidArgument);
  DbParams db;
  db.amin = 0;
  EXPECT_THROW(power_to_db(y.data(), y.size(), db), InvalidArgument);
}

TEST(AnalysisParity, IstftInvertsStftFloatAndDouble) {
  std::vector<double> y(10000);
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = std::sin(0.01 * static_cast<double>(i * i % 7919));
  StftParams p;
  p.n_fft = 512;
  const auto S = stft(y.data(), y.size(), p);
  const auto back = istft(S, p, y.size());
  ASSERT_EQ(back.size(), y.size());
  for (std::size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(back[i], y[i], 1e-10);
}
