// Analysis throughput (Google Benchmark) and a fresh-process "first log-mel" mode.
//
//   bench_analysis                         log-mel / MFCC / onset strength of 60 s at 22.05 kHz, and
//                                          streaming log-mel at 48 kHz in 64-sample blocks
//   bench_analysis --first-logmel F.wav    reads F.wav, prints the log-mel's shape and the time from
//                                          process start (used by bench/bench_analysis.py)
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "percept/analysis/features.hpp"
#include "percept/analysis/rhythm.hpp"
#include "percept/analysis/spectrum.hpp"
#include "percept/analysis/streaming.hpp"
#include "percept/io/audio_file.hpp"

using namespace percept;
using namespace percept::analysis;

namespace {

std::vector<float> signal(std::size_t n, double sr) {
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0.0, 0.05);
  std::vector<float> y(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / sr;
    y[i] = static_cast<float>(0.3 * std::sin(2 * M_PI * 440 * t) + 0.2 * std::sin(2 * M_PI * 1234 * t) + noise(rng));
  }
  return y;
}

void BM_LogMel60s(benchmark::State& state) {
  const auto y = signal(60 * 22050, 22050);
  for (auto _ : state) {
    auto M = melspectrogram(y.data(), y.size(), 22050.0);
    DbParams db;
    db.ref_is_max = true;
    power_to_db(M.data.data(), M.data.size(), db);
    benchmark::DoNotOptimize(M.data.data());
  }
}
BENCHMARK(BM_LogMel60s)->Unit(benchmark::kMillisecond);

void BM_Mfcc60s(benchmark::State& state) {
  const auto y = signal(60 * 22050, 22050);
  for (auto _ : state) {
    auto C = mfcc(y.data(), y.size(), 22050.0);
    benchmark::DoNotOptimize(C.data.data());
  }
}
BENCHMARK(BM_Mfcc60s)->Unit(benchmark::kMillisecond);

void BM_OnsetStrength60s(benchmark::State& state) {
  const auto y = signal(60 * 22050, 22050);
  for (auto _ : state) {
    auto e = onset_strength(y.data(), y.size());
    benchmark::DoNotOptimize(e.data());
  }
}
BENCHMARK(BM_OnsetStrength60s)->Unit(benchmark::kMillisecond);

void BM_StreamingLogMel48k64(benchmark::State& state) {
  // 10 s of 48 kHz audio fed in 64-sample blocks through process(); reports the fraction of one core
  const double sr = 48000;
  const auto y = signal(10 * 48000, sr);
  StreamingMel m(sr, StftParams{}, MelParams{});
  m.set_queue_frames(2048);
  m.prepare(dsp::ProcessSpec{sr, 64, 1});
  std::vector<float> out(64);
  double seconds_of_audio = 0;
  for (auto _ : state) {
    for (std::size_t pos = 0; pos + 64 <= y.size(); pos += 64) {
      const float* ip = y.data() + pos;
      float* op = out.data();
      m.process(AudioView<const float>(&ip, 1, 64), AudioView<float>(&op, 1, 64));
      float frame[128];
      while (m.pop_frame(frame)) benchmark::DoNotOptimize(frame[0]);
    }
    seconds_of_audio += static_cast<double>(y.size()) / sr;
  }
  state.counters["audio_s_per_s"] = benchmark::Counter(seconds_of_audio, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StreamingLogMel48k64)->Unit(benchmark::kMillisecond);

int first_logmel(const char* path) {
  int sr = 0;
  auto audio = io::read_audio<float>(path, sr);
  auto M = melspectrogram(audio.channel(0), audio.num_frames(), static_cast<double>(sr));
  DbParams db;
  db.ref_is_max = true;
  power_to_db(M.data.data(), M.data.size(), db);
  // the caller measures the wall time around the whole process; the shape is printed as proof of work
  std::printf("%zu %zu %.3f\n", M.n_bins, M.n_frames, static_cast<double>(M.data[0]));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--first-logmel") == 0) return first_logmel(argv[2]);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
