// Google Benchmark: ns per sample of the percept::dsp processors in C++ (no Python in the loop), mono,
// blocks of 512 frames, double precision. items_per_second = samples per second; ns/sample = 1e9 / it.
//   ./build/bin/bench_dsp --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <cmath>
#include <memory>
#include <numbers>
#include <vector>

#include "percept/dsp/chain.hpp"
#include "percept/dsp/denoise.hpp"
#include "percept/dsp/filters.hpp"
#include "percept/dsp/virtual_analog.hpp"

namespace {

using namespace percept;
using namespace percept::dsp;

constexpr double kRate = 44100;
constexpr std::size_t kBlock = 512;

template <class T>
void run(benchmark::State& st, Processor& p, double rate = kRate, double amp = 0.5) {
  p.prepare(ProcessSpec{rate, kBlock, 1});
  std::vector<T> x(kBlock), y(kBlock);
  for (std::size_t i = 0; i < kBlock; ++i)
    x[i] = static_cast<T>(amp * std::sin(2 * std::numbers::pi * 220.0 * static_cast<double>(i) / rate));
  const T* in[1] = {x.data()};
  T* out[1] = {y.data()};
  for (auto _ : st) {
    p.process(AudioView<const T>(in, 1, kBlock), AudioView<T>(out, 1, kBlock));
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * kBlock));
}

void BM_OnePole(benchmark::State& st) {
  OnePoleLowpass p(0.05);
  run<double>(st, p);
}
void BM_OnePoleFloat(benchmark::State& st) {
  OnePoleLowpass p(0.05);
  run<float>(st, p);
}
void BM_Butterworth4(benchmark::State& st) {
  Butterworth p(4, {2000}, FilterType::Lowpass, kRate);
  run<double>(st, p);
}
void BM_RingModulator30x(benchmark::State& st) {
  DiodeRingModulator p(kRate, 30, 0.4, 97.0);
  run<double>(st, p);
}
void BM_RingCore30x_PerBaseSample(benchmark::State& st) {
  // 30 core steps per base-rate sample: items are base-rate samples. Two-input process (carrier and a
  // precomputed modulator), so that the internal sine of the one-input interface is not measured.
  DiodeRingCore p(kRate * 30, 0.4);
  p.prepare(ProcessSpec{kRate * 30, kBlock * 30, 1});
  std::vector<double> x(kBlock * 30), m(kBlock * 30), y(kBlock * 30);
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = 0.1 * std::sin(2 * std::numbers::pi * 220.0 * static_cast<double>(i) / (kRate * 30));
    m[i] = 0.1 * std::sin(2 * std::numbers::pi * 97.0 * static_cast<double>(i) / (kRate * 30));
  }
  const double* in[1] = {x.data()};
  const double* mod[1] = {m.data()};
  double* out[1] = {y.data()};
  for (auto _ : st) {
    p.process_pair<double>(AudioView<const double>(in, 1, x.size()), AudioView<const double>(mod, 1, m.size()),
                           AudioView<double>(out, 1, x.size()));
    benchmark::DoNotOptimize(y.data());
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * kBlock));
}
void BM_Vcs3FixedPoint(benchmark::State& st) {
  Vcs3Filter p(kRate);
  run<double>(st, p);
  st.counters["iters/sample"] = p.iterations_per_sample();
}
void BM_Vcs3Newton(benchmark::State& st) {
  Vcs3Filter p(kRate, 30e-6, 5.175, Vcs3Solver::Newton);
  run<double>(st, p);
  st.counters["iters/sample"] = p.iterations_per_sample();
}
void BM_SpectralSubtraction(benchmark::State& st) {
  SpectralSubtraction p;
  run<double>(st, p);
}
void BM_Nlms32(benchmark::State& st) {
  Nlms p(32, 0.01);
  p.prepare(ProcessSpec{kRate, kBlock, 2});
  std::vector<double> a(kBlock), b(kBlock), y0(kBlock), y1(kBlock);
  for (std::size_t i = 0; i < kBlock; ++i) {
    a[i] = std::sin(0.01 * static_cast<double>(i));
    b[i] = std::cos(0.013 * static_cast<double>(i));
  }
  const double* in[2] = {a.data(), b.data()};
  double* out[2] = {y0.data(), y1.data()};
  for (auto _ : st) {
    p.process(AudioView<const double>(in, 2, kBlock), AudioView<double>(out, 2, kBlock));
    benchmark::DoNotOptimize(y0.data());
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * kBlock));
}

BENCHMARK(BM_OnePole);
BENCHMARK(BM_OnePoleFloat);
BENCHMARK(BM_Butterworth4);
BENCHMARK(BM_RingModulator30x);
BENCHMARK(BM_RingCore30x_PerBaseSample);
BENCHMARK(BM_Vcs3FixedPoint);
BENCHMARK(BM_Vcs3Newton);
BENCHMARK(BM_SpectralSubtraction);
BENCHMARK(BM_Nlms32);

}  // namespace

BENCHMARK_MAIN();
