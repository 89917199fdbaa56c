// CQT / VQT / chroma_cqt parity with librosa 0.10.2 fixtures, and the streaming CQT.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <limits>
#include <vector>

#include "fixtures_b.hpp"
#include "percept/analysis/cqt.hpp"
#include "percept/core/error.hpp"

using namespace percept;
using namespace percept::analysis;
using percept_test::load_values;
using percept_test::worst_ratio;

namespace {

std::vector<float> magnitude(const Array2D<std::complex<float>>& C) {
  std::vector<float> m(C.size());
  for (std::size_t i = 0; i < C.size(); ++i) m[i] = std::abs(C.data[i]);
  return m;
}

}  // namespace

TEST(Cqt, MatchesLibrosaOnChirpAndMusic) {
  for (const char* name : {"chirp", "music"}) {
    const auto y = load_values(std::string("in_") + name + ".npy");
    const auto ref = load_values(std::string("cqt_") + name + "_mag.npy");
    const auto C = cqt(y, CqtOptions{});
    ASSERT_EQ(C.rows, 84u);
    ASSERT_EQ(C.rows * C.cols, ref.size()) << name;
    // 1e-3 relative, plus float32 noise near zero (1e-6 of the peak)
    EXPECT_LT(worst_ratio(magnitude(C), ref, 1e-3, 1e-6), 1.0) << name;
  }
}

TEST(Cqt, VqtErbMatchesLibrosa) {
  const auto y = load_values("in_music.npy");
  const auto ref = load_values("vqt_music_mag.npy");
  CqtOptions o;
  o.gamma = std::numeric_limits<double>::quiet_NaN();
  const auto V = vqt(y, o);
  ASSERT_EQ(V.rows * V.cols, ref.size());
  EXPECT_LT(worst_ratio(magnitude(V), ref, 1e-3, 1e-6), 1.0);
}

TEST(Cqt, ChromaCqtMatchesLibrosa) {
  const auto y = load_values("in_music.npy");
  const auto ref = load_values("chroma_cqt_music.npy");
  const auto ch = chroma_cqt(y, ChromaCqtOptions{});
  ASSERT_EQ(ch.rows, 12u);
  ASSERT_EQ(ch.size(), ref.size());
  EXPECT_LT(worst_ratio(ch.data, ref, 1e-3, 1e-6), 1.0);
}

TEST(Cqt, PitchTuningFindsOffset) {
  // notes at +25 cents (librosa's doc example): tuning 0.25
  const auto f = cqt_frequencies(24, 55.0 * std::pow(2.0, 0.25 / 12.0), 12);
  std::vector<float> ff(f.begin(), f.end());
  EXPECT_NEAR(pitch_tuning(ff), 0.25, 1e-9);
  EXPECT_EQ(pitch_tuning(std::vector<float>{}), 0.0);
}

TEST(Cqt, PureToneLandsOnItsBin) {
  const double sr = 22050;
  std::vector<float> y(22050);
  const double f0 = 440.0;  // A4 = MIDI 69, C1 = MIDI 24: bin 45
  for (std::size_t i = 0; i < y.size(); ++i)
    y[i] = static_cast<float>(std::sin(2 * M_PI * f0 * static_cast<double>(i) / sr));
  const auto C = cqt(y, CqtOptions{});
  const std::size_t t = C.cols / 2;
  std::size_t best = 0;
  for (std::size_t b = 0; b < C.rows; ++b)
    if (std::abs(C(b, t)) > std::abs(C(best, t))) best = b;
  EXPECT_EQ(best, 45u);
}

TEST(Cqt, EarlyDownsamplingKeepsTheSameFrames) {
  // Few low bins and a long hop: librosa downsamples early; the frame count stays 1 + n / hop.
  CqtOptions o;
  o.n_bins = 24;
  o.hop_length = 1024;
  CqtPlan plan(o);
  EXPECT_GT(plan.early_downsample_factor(), 1u);
  std::vector<float> y(22050);
  for (std::size_t i = 0; i < y.size(); ++i)
    y[i] = static_cast<float>(std::sin(2 * M_PI * 55.0 * static_cast<double>(i) / 22050));
  const auto C = plan.transform(y);
  EXPECT_EQ(C.cols, 1 + y.size() / 1024);
  std::size_t best = 0;
  for (std::size_t b = 0; b < C.rows; ++b)
    if (std::abs(C(b, 10)) > std::abs(C(best, 10))) best = b;
  EXPECT_EQ(best, 9u);  // A1 = 55 Hz is 9 semitones above C1
}

TEST(Cqt, RejectsBadInput) {
  CqtOptions o;
  o.n_bins = 200;  // beyond Nyquist
  EXPECT_THROW(CqtPlan{o}, InvalidArgument);
  std::vector<float> y(4096, 0.0f);
  y[7] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW((void)cqt(y, CqtOptions{}), InvalidArgument);
  CqtOptions bad;
  bad.hop_length = 0;
  EXPECT_THROW(CqtPlan{bad}, InvalidArgument);
  EXPECT_THROW((void)cq_to_chroma(84, 12, 5), InvalidArgument);
}

namespace {

Array2D<std::complex<float>> stream_all(StreamingCqt& s, const std::vector<float>& y, std::size_t chunk) {
  std::vector<std::complex<float>> frames;
  std::vector<std::complex<float>> buf;
  const std::size_t nb = s.num_bins();
  auto drain = [&] {
    buf.resize(s.available() * nb);
    const std::size_t n = s.read(buf.data(), s.available());
    frames.insert(frames.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n * nb));
  };
  for (std::size_t off = 0; off < y.size(); off += chunk) {
    s.push(std::span<const float>(y.data() + off, std::min(chunk, y.size() - off)));
    drain();
  }
  s.finish();
  drain();
  const std::size_t T = frames.size() / nb;
  Array2D<std::complex<float>> C(nb, T);
  for (std::size_t t = 0; t < T; ++t)
    for (std::size_t b = 0; b < nb; ++b) C(b, t) = frames[t * nb + b];
  return C;
}

double max_abs_diff(const Array2D<std::complex<float>>& a, const Array2D<std::complex<float>>& b, double& peak) {
  double d = 0;
  peak = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    d = std::max(d, static_cast<double>(std::abs(a.data[i] - b.data[i])));
    peak = std::max(peak, static_cast<double>(std::abs(b.data[i])));
  }
  return d;
}

}  // namespace

TEST(StreamingCqt, SameFramesAsOfflineForAnyChunking) {
  auto y = load_values("in_music.npy");
  y.resize(50000);
  CqtOptions o;
  const auto ref = cqt(y, o);
  for (std::size_t chunk : {1u, 64u, 1000u, 4096u, 50000u}) {
    StreamingCqt s(o);
    s.prepare(1024);
    const auto C = stream_all(s, y, chunk);
    ASSERT_EQ(C.cols, ref.cols) << chunk;
    double peak = 0;
    const double diff = max_abs_diff(C, ref, peak);
    EXPECT_LT(diff, 1e-6 * peak) << "chunk " << chunk;
  }
}

TEST(StreamingCqt, VqtWithEarlyDownsamplingAndChroma) {
  auto y = load_values("in_chirp.npy");
  y.resize(30011);
  CqtOptions o;
  o.n_bins = 24;
  o.hop_length = 1024;
  o.gamma = std::numeric_limits<double>::quiet_NaN();
  const auto ref = vqt(y, o);
  StreamingCqt s(o);
  const auto C = stream_all(s, y, 777);
  ASSERT_EQ(C.cols, ref.cols);
  double peak = 0;
  const double diff = max_abs_diff(C, ref, peak);
  EXPECT_LT(diff, 1e-6 * peak);
  EXPECT_THROW(s.push(std::vector<float>(10)), StreamError);
  s.reset();
  EXPECT_EQ(s.frames_emitted(), 0u);

  ChromaCqtOptions co;
  co.tuning = 0.0;
  const auto ch_ref = chroma_cqt(y, co);
  StreamingChromaCqt sc(co);
  sc.prepare(512);
  std::vector<float> got;
  for (std::size_t off = 0; off < y.size(); off += 500) {
    sc.push(std::span<const float>(y.data() + off, std::min<std::size_t>(500, y.size() - off)));
    std::vector<float> b(sc.available() * 12);
    sc.read(b.data(), sc.available());
    got.insert(got.end(), b.begin(), b.end());
  }
  sc.finish();
  std::vector<float> b(sc.available() * 12);
  sc.read(b.data(), sc.available());
  got.insert(got.end(), b.begin(), b.end());
  ASSERT_EQ(got.size(), ch_ref.size());
  for (std::size_t t = 0; t < ch_ref.cols; ++t)
    for (std::size_t c = 0; c < 12; ++c) EXPECT_NEAR(got[t * 12 + c], ch_ref(c, t), 1e-6);
}

TEST(CqtProcessor, PassesAudioAndQueuesOfflineFrames) {
  auto y = load_values("in_music.npy");
  CqtOptions o;
  const auto ref = cqt(y, o);
  CqtProcessor proc(o, 256);
  EXPECT_THROW(proc.prepare(dsp::ProcessSpec{48000.0, 512, 1}), InvalidArgument);
  proc.prepare(dsp::ProcessSpec{22050.0, 512, 2});
  std::vector<float> l(y), r(y), ol(y.size()), orr(y.size());
  std::vector<float> got;
  std::vector<float> frame(proc.num_bins());
  for (std::size_t off = 0; off < y.size(); off += 512) {
    const std::size_t n = std::min<std::size_t>(512, y.size() - off);
    const float* ins[2] = {l.data() + off, r.data() + off};
    float* outs[2] = {ol.data() + off, orr.data() + off};
    proc.process(AudioView<const float>(ins, 2, n), AudioView<float>(outs, 2, n));
    while (proc.pop_frame(frame.data())) got.insert(got.end(), frame.begin(), frame.end());
  }
  EXPECT_EQ(ol, y);
  EXPECT_EQ(orr, y);
  const std::size_t T = got.size() / proc.num_bins();
  // frames arrive while streaming: all but those within the analysis latency of the end
  EXPECT_GT(T, 0u);
  EXPECT_EQ((T - 1) * 512 + proc.analysis_lag(), y.size());
  EXPECT_LE(proc.analysis_lag(), 6 * 22050u);  // 4-5 s: libsoxr HQ block buffering over six 2:1 stages
  double peak = 0, diff = 0;
  for (std::size_t t = 0; t < T; ++t)
    for (std::size_t b = 0; b < proc.num_bins(); ++b) {
      const double a = got[t * proc.num_bins() + b], e = std::abs(ref(b, t));
      peak = std::max(peak, e);
      diff = std::max(diff, std::abs(a - e));
    }
  EXPECT_LT(diff, 1e-6 * peak);
  EXPECT_EQ(proc.frames_dropped(), 0u);
}
