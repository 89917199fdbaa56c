// Streaming analysers: same frames as the offline functions for any chunk size, and the processor
// contract (no allocation in process() after prepare()), proven by trapping operator new.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <new>
#include <random>
#include <vector>

#include "alloc_trap.hpp"
#include "percept/analysis/features.hpp"
#include "percept/analysis/rhythm.hpp"
#include "percept/analysis/spectrum.hpp"
#include "percept/analysis/streaming.hpp"
#include "percept/core/error.hpp"

using namespace percept;
using namespace percept::analysis;

namespace {

using percept::testing::ForbidAllocations;

// A test signal with tones, clicks and noise (~3.3 s at 22050 Hz).
std::vector<float> test_signal(std::size_t n = 73000, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0.0, 0.02);
  std::vector<float> y(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / 22050.0;
    double v = 0.3 * std::sin(2 * M_PI * 440.0 * t) + 0.2 * std::sin(2 * M_PI * (200.0 + 300.0 * t) * t);
    if (i % 11025 < 300) v += 0.5 * std::exp(-static_cast<double>(i % 11025) / 60.0);
    y[i] = static_cast<float>(v + noise(rng));
  }
  return y;
}

// Runs a streaming analyser over y in chunks of the given (cycled) sizes, then flush(); returns the
// frames in order, frame-major.
std::vector<float> run_stream(StreamingAnalyzer& a, const std::vector<float>& y,
                              const std::vector<std::size_t>& chunks) {
  std::vector<float> out;
  const std::size_t w = a.feature_size();
  a.ensure_ready();
  a.reset();
  std::size_t pos = 0, c = 0;
  auto sink = [&](const float* f) { out.insert(out.end(), f, f + w); };
  while (pos < y.size()) {
    const std::size_t n = std::min(chunks[c++ % chunks.size()], y.size() - pos);
    a.push(y.data() + pos, n, sink);
    pos += n;
  }
  a.flush(sink);
  return out;
}

const std::vector<std::vector<std::size_t>> kChunkings = {{1},     {7, 1, 64, 3}, {64}, {511, 2048, 5},
                                                          {22050}, {60 * 22050}};

void expect_close(const std::vector<float>& streamed, const std::vector<float>& offline, double tol, const char* what) {
  ASSERT_EQ(streamed.size(), offline.size()) << what;
  double max_ref = 0, max_err = 0;
  for (std::size_t i = 0; i < offline.size(); ++i) {
    max_ref = std::max(max_ref, std::abs(static_cast<double>(offline[i])));
    max_err = std::max(max_err, std::abs(static_cast<double>(streamed[i]) - static_cast<double>(offline[i])));
  }
  EXPECT_LE(max_err, tol * std::max(1.0, max_ref)) << what;
}

std::vector<float> flat(const FrameMatrix<float>& m) {
  return {m.data.begin(), m.data.end()};
}

}  // namespace

TEST(Streaming, StftMatchesOfflineForEveryChunking) {
  const auto y = test_signal();
  StftParams p;
  FrameMatrix<std::complex<float>> S = stft(y.data(), y.size(), p);
  std::vector<float> off;
  for (auto& v : S.data) {
    off.push_back(v.real());
    off.push_back(v.imag());
  }
  for (const auto& ch : kChunkings) {
    StreamingStft s(22050, p);
    expect_close(run_stream(s, y, ch), off, 1e-6, "stft");
  }
}

TEST(Streaming, LogMelMatchesOfflineWithFixedReference) {
  const auto y = test_signal();
  StftParams p;
  MelParams mel;
  auto M = melspectrogram(y.data(), y.size(), 22050.0, p, 2.0, mel);
  DbParams db;
  db.top_db = std::nullopt;
  power_to_db(M.data.data(), M.data.size(), db);
  for (const auto& ch : kChunkings) {
    StreamingMel s(22050, p, mel);
    expect_close(run_stream(s, y, ch), flat(M), 1e-6, "log-mel");
  }
  // with a floor: offline = max(power_to_db(..., top_db=None), floor)
  StreamingDb fdb;
  fdb.floor_db = -60.0;
  StreamingMel floored(22050, p, mel, fdb);
  auto F = M;
  for (auto& v : F.data) v = std::max(v, -60.0f);
  expect_close(run_stream(floored, y, {100}), flat(F), 1e-6, "log-mel floor");
}

TEST(Streaming, MelOddParametersAndNoCenter) {
  const auto y = test_signal(30001);
  StftParams p;
  p.n_fft = 1000;
  p.hop_length = 333;
  p.win_length = 800;
  p.window = WindowType::Hamming;
  p.center = false;
  MelParams mel;
  mel.n_mels = 40;
  mel.htk = true;
  mel.fmin = 50;
  auto M = melspectrogram(y.data(), y.size(), 22050.0, p, 2.0, mel);
  StreamingMel s(22050, p, mel, StreamingDb{false, 1.0, 1e-10, std::nullopt});
  expect_close(run_stream(s, y, {13, 999}), flat(M), 1e-6, "mel no-center");
  // hop larger than n_fft
  p.center = true;
  p.n_fft = 256;
  p.hop_length = 300;
  p.win_length = 0;
  auto M2 = melspectrogram(y.data(), y.size(), 22050.0, p, 2.0, mel);
  StreamingMel s2(22050, p, mel, StreamingDb{false, 1.0, 1e-10, std::nullopt});
  expect_close(run_stream(s2, y, {1, 77}), flat(M2), 1e-6, "mel hop > n_fft");
}

TEST(Streaming, MfccMatchesOffline) {
  const auto y = test_signal();
  StftParams p;
  MelParams mel;
  auto M = melspectrogram(y.data(), y.size(), 22050.0, p, 2.0, mel);
  DbParams db;
  db.top_db = std::nullopt;
  power_to_db(M.data.data(), M.data.size(), db);
  MfccParams mp;
  mp.n_mfcc = 13;
  mp.lifter = 22;
  const auto C = mfcc_from_db(M, mp);
  for (const auto& ch : kChunkings) {
    StreamingMfcc s(22050, p, mel, mp);
    expect_close(run_stream(s, y, ch), flat(C), 1e-6, "mfcc");
  }
}

TEST(Streaming, OnsetStrengthMatchesOffline) {
  const auto y = test_signal();
  for (auto [lag, max_size, detrend, agg] : std::vector<std::tuple<std::size_t, std::size_t, bool, Aggregate>>{
           {1, 1, false, Aggregate::Mean}, {2, 3, true, Aggregate::Median}}) {
    OnsetParams op;
    op.lag = lag;
    op.max_size = max_size;
    op.detrend = detrend;
    op.aggregate = agg;
    op.top_db = std::nullopt;
    const auto env = onset_strength(y.data(), y.size(), op);
    for (const auto& ch : kChunkings) {
      StreamingOnsetStrength s(22050, op);
      expect_close(run_stream(s, y, ch), env, 1e-6, "onset strength");
    }
  }
}

TEST(Streaming, SpectralStatsMatchOffline) {
  const auto y = test_signal();
  StftParams p;
  Stft<float> st(p);
  const auto S = st.magnitude(y.data(), y.size(), 1.0);
  const auto c = spectral_centroid(S, 22050, 2048);
  const auto b = spectral_bandwidth(S, 22050, 2048);
  const auto r = spectral_rolloff(S, 22050, 2048);
  const auto f = spectral_flatness(S);
  ContrastParams cp;
  cp.top_db = std::nullopt;
  const auto k = spectral_contrast(S, 22050, 2048, cp);
  std::vector<float> off;
  for (std::size_t t = 0; t < S.n_frames; ++t) {
    off.insert(off.end(), {c[t], b[t], r[t], f[t]});
    off.insert(off.end(), k.frame(t), k.frame(t) + k.n_bins);
  }
  for (const auto& ch : kChunkings) {
    StreamingSpectralStats s(22050, p, 0.85, cp);
    expect_close(run_stream(s, y, ch), off, 1e-6, "spectral stats");
  }
}

TEST(Streaming, ChromaMatchesOfflineWithFixedTuning) {
  const auto y = test_signal();
  StftParams p;
  Stft<float> st(p);
  const auto P = st.magnitude(y.data(), y.size(), 2.0);
  const auto C = chroma_from_spectrogram(P, 22050, 0.0);
  for (const auto& ch : kChunkings) {
    StreamingChroma s(22050, p, 0.0);
    expect_close(run_stream(s, y, ch), flat(C), 1e-6, "chroma");
  }
}

TEST(Streaming, ResetStartsANewSignal) {
  const auto y = test_signal(20000);
  StreamingMel s(22050, StftParams{}, MelParams{});
  const auto a = run_stream(s, y, {64});
  const auto b = run_stream(s, y, {1000});
  EXPECT_EQ(a, b);
}

TEST(Streaming, ProcessAllocatesNothingAfterPrepare) {
  // 48 kHz live input in 64-sample blocks, float and double, through the Processor interface.
  std::vector<std::unique_ptr<StreamingAnalyzer>> analysers;
  StftParams p;
  p.n_fft = 1024;
  p.hop_length = 480;
  MelParams mel;
  mel.n_mels = 64;
  OnsetParams op;
  op.sr = 48000;
  op.n_fft = 1024;
  op.hop_length = 480;
  analysers.push_back(std::make_unique<StreamingStft>(48000, p));
  analysers.push_back(std::make_unique<StreamingMel>(48000, p, mel));
  analysers.push_back(std::make_unique<StreamingMfcc>(48000, p, mel));
  analysers.push_back(std::make_unique<StreamingOnsetStrength>(48000, op));
  analysers.push_back(std::make_unique<StreamingSpectralStats>(48000, p));
  analysers.push_back(std::make_unique<StreamingChroma>(48000, p));
  std::vector<float> in(64 * 2), out(64 * 2);
  std::vector<double> ind(64 * 2), outd(64 * 2);
  for (auto& a : analysers) {
    a->set_queue_frames(4096);
    a->prepare(dsp::ProcessSpec{48000.0, 64, 2});
    float* ic[2] = {in.data(), in.data() + 64};
    float* oc[2] = {out.data(), out.data() + 64};
    double* icd[2] = {ind.data(), ind.data() + 64};
    double* ocd[2] = {outd.data(), outd.data() + 64};
    long allocations = 0;
    {
      ForbidAllocations guard;
      for (int block = 0; block < 1500; ++block) {  // 2 s
        for (std::size_t i = 0; i < 64; ++i) {
          const double t = static_cast<double>(block * 64 + static_cast<int>(i)) / 48000.0;
          in[i] = static_cast<float>(0.5 * std::sin(2 * M_PI * 440 * t));
          in[64 + i] = static_cast<float>(0.25 * std::sin(2 * M_PI * 660 * t));
          ind[i] = in[i];
          ind[64 + i] = in[64 + i];
        }
        if (block % 2 == 0) {
          a->process(AudioView<const float>(ic, 2, 64), AudioView<float>(oc, 2, 64));
        } else {
          a->process(AudioView<const double>(icd, 2, 64), AudioView<double>(ocd, 2, 64));
        }
      }
      allocations = percept::testing::g_trapped_allocations.load();
    }
    EXPECT_EQ(allocations, 0) << a->name() << " allocated in process()";
    EXPECT_EQ(outd, ind) << a->name() << " must pass the audio through (last block: double)";
    // 2 s at hop 480 (center): 1 + (96000 - 512) / 480 frames are complete before flushing
    EXPECT_EQ(a->frames_available(), 1 + (96000 - 512) / 480) << a->name();
    EXPECT_EQ(a->frames_dropped(), 0u);
    std::vector<float> frame(a->feature_size());
    EXPECT_TRUE(a->pop_frame(frame.data()));
  }
}

TEST(Streaming, QueueOverflowCountsDropsInsteadOfAllocating) {
  StreamingMel s(22050, StftParams{}, MelParams{});
  s.set_queue_frames(4);
  s.prepare(dsp::ProcessSpec{22050.0, 512, 1});
  std::vector<float> x(512 * 20, 0.1f), o(512 * 20);
  float* ic[1] = {x.data()};
  float* oc[1] = {o.data()};
  for (int b = 0; b < 20; ++b)
    s.process(AudioView<const float>(ic, 1, 512, static_cast<std::size_t>(b) * 512),
              AudioView<float>(oc, 1, 512, static_cast<std::size_t>(b) * 512));
  EXPECT_EQ(s.frames_available(), 4u);
  EXPECT_GT(s.frames_dropped(), 0u);
}

TEST(Streaming, BadConfigurationIsAnInvalidArgument) {
  StftParams reflect;
  reflect.pad_mode = PadMode::Reflect;
  EXPECT_THROW(StreamingMel(22050, reflect, MelParams{}), InvalidArgument);
  EXPECT_THROW(StreamingMel(0, StftParams{}, MelParams{}), InvalidArgument);
  StreamingMel m(22050, StftParams{}, MelParams{});
  EXPECT_THROW(m.prepare(dsp::ProcessSpec{48000.0, 64, 1}), InvalidArgument);
  StftParams bad;
  bad.n_fft = 0;
  EXPECT_THROW(StreamingStft(22050, bad), InvalidArgument);
}

TEST(Streaming, AllocationTrapSeesAllocations) {
  // the trap itself works: a vector growing while forbidden is counted
  long counted = 0;
  {
    ForbidAllocations guard;
    std::vector<double> v;
    v.push_back(1.0);
    counted = percept::testing::g_trapped_allocations.load();
  }
  EXPECT_GE(counted, 1);
}
