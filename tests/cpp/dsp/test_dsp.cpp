// percept::dsp processors: no allocation in process(), state across blocks, parser, designs.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <functional>
#include <memory>
#include <new>
#include <numbers>
#include <vector>

#include "alloc_trap.hpp"
#include "percept/core/error.hpp"
#include "percept/dsp/chain.hpp"
#include "percept/dsp/chain_parser.hpp"
#include "percept/dsp/denoise.hpp"
#include "percept/dsp/filter_design.hpp"
#include "percept/dsp/filters.hpp"
#include "percept/dsp/oversampling.hpp"
#include "percept/dsp/utility.hpp"
#include "percept/dsp/virtual_analog.hpp"

namespace {

using namespace percept;
using namespace percept::dsp;

using percept::testing::ForbidAllocations;

template <class T>
std::vector<T> test_signal(std::size_t n, double sr, double amp = 0.5) {
  std::vector<T> x(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / sr;
    x[i] = static_cast<T>(
        amp * (0.6 * std::sin(2 * std::numbers::pi * 220 * t) + 0.4 * std::sin(2 * std::numbers::pi * 1375 * t)));
  }
  return x;
}

// Processes `channels` copies of a test signal in blocks; returns the output of channel 0.
template <class T>
std::vector<T> run(Processor& p, std::size_t channels, std::size_t frames, std::size_t block, double sr,
                   std::size_t* allocs = nullptr, double amp = 0.5) {
  p.prepare(ProcessSpec{sr, block, channels});
  AudioBuffer<T> in(channels, frames), out(channels, frames);
  const auto x = test_signal<T>(frames, sr, amp);
  for (std::size_t c = 0; c < channels; ++c)
    for (std::size_t i = 0; i < frames; ++i)
      in.channel(c)[i] = x[i] * static_cast<T>(1.0 - 0.1 * static_cast<double>(c));
  std::size_t count = 0;
  for (std::size_t pos = 0; pos < frames; pos += block) {
    const std::size_t n = std::min(block, frames - pos);
    {
      ForbidAllocations f;
      p.process(AudioView<const T>(in.view()).frames(pos, n), out.view().frames(pos, n));
      count += static_cast<std::size_t>(ForbidAllocations::events());
    }
  }
  if (allocs) *allocs = count;
  return {out.channel(0), out.channel(0) + frames};
}

struct Factory {
  const char* name;
  std::function<std::shared_ptr<Processor>()> make;
  double rate = 44100;
  double amp = 0.5;
};

std::vector<Factory> factories() {
  const double sr = 44100;
  return {
      {"onepole", [] { return std::make_shared<OnePoleLowpass>(0.2); }},
      {"butterworth",
       [sr] {
         return std::make_shared<Butterworth>(6, std::vector<double>{300, 3000}, FilterType::Bandpass, sr);
       }},
      {"sos",
       [] {
         return std::make_shared<Sos>(std::vector<Section>{{0.2, 0.4, 0.2, 1, -0.5, 0.3}});
       }},
      {"dcblock", [] { return std::make_shared<DcBlocker>(20.0); }},
      {"gain", [] { return std::make_shared<Gain>(-6.0); }},
      {"delay", [] { return std::make_shared<Delay>(37); }},
      {"softclip", [] { return std::make_shared<SoftClip>(12.0); }},
      {"mix", [] { return std::make_shared<Mix>(std::make_shared<SoftClip>(20.0), 0.3); }},
      {"chain",
       [sr] {
         return std::make_shared<Chain>(std::vector<std::shared_ptr<Processor>>{
             std::make_shared<Butterworth>(4, std::vector<double>{2000}, FilterType::Lowpass, sr),
             std::make_shared<Vcs3Filter>(sr, 30e-6, 4.0)});
       }},
      {"parallel",
       [] {
         return std::make_shared<Parallel>(
             std::vector<std::shared_ptr<Processor>>{std::make_shared<Gain>(0.0), std::make_shared<Delay>(5)},
             std::vector<double>{0.5, 0.5});
       }},
      {"oversampled", [] { return std::make_shared<Oversampled>(std::make_shared<SoftClip>(12.0), 4); }},
      {"ringcore", [sr] { return std::make_shared<DiodeRingCore>(sr * 30, 0.4, 300.0, 0.2); }, 44100 * 30, 0.2},
      {"ring", [sr] { return std::make_shared<DiodeRingModulator>(sr, 30, 0.4, 300.0); }},
      {"vcs3-fixed", [sr] { return std::make_shared<Vcs3Filter>(sr); }},
      {"vcs3-newton", [sr] { return std::make_shared<Vcs3Filter>(sr, 30e-6, 5.175, Vcs3Solver::Newton); }},
      {"vcs3-os2", [sr] { return std::make_shared<Vcs3Filter>(sr, 30e-6, 2.0, Vcs3Solver::Newton, 1e-3, 100, 2); }},
      {"nlms", [] { return std::make_shared<Nlms>(32, 0.5); }},
      {"denoise", [] { return std::make_shared<SpectralSubtraction>(); }},
  };
}

TEST(DspNoAllocation, ProcessNeverAllocatesFloatOrDouble) {
  for (const auto& f : factories()) {
    SCOPED_TRACE(f.name);
    auto p = f.make();
    std::size_t allocs = 99;
    auto yd = run<double>(*p, 2, 4000, 256, f.rate, &allocs, f.amp);
    EXPECT_EQ(allocs, 0u);
    for (double v : yd) ASSERT_TRUE(std::isfinite(v));
    auto yf = run<float>(*p, 2, 4000, 256, f.rate, &allocs, f.amp);
    EXPECT_EQ(allocs, 0u);
    for (float v : yf) ASSERT_TRUE(std::isfinite(v));
  }
}

TEST(DspNoAllocation, CounterSeesAllocations) {
  // The counter works: an allocation inside the forbidden region is counted.
  ForbidAllocations f;
  auto* v = new std::vector<int>(100);
  delete v;
  EXPECT_GE(ForbidAllocations::events(), 2);
}

TEST(DspState, BlockSizeDoesNotChangeTheResult) {
  for (const auto& f : factories()) {
    SCOPED_TRACE(f.name);
    auto a = f.make();
    auto b = f.make();
    const auto ya = run<double>(*a, 1, 3000, 3000, f.rate, nullptr, f.amp);
    const auto yb = run<double>(*b, 1, 3000, 97, f.rate, nullptr, f.amp);
    for (std::size_t i = 0; i < ya.size(); ++i)
      ASSERT_NEAR(ya[i], yb[i], 1e-12 * (1 + std::abs(ya[i]))) << "frame " << i;
  }
}

TEST(DspState, ResetRestartsTheSignal) {
  auto p = std::make_shared<Vcs3Filter>(44100.0);
  const auto y1 = run<double>(*p, 1, 2000, 256, 44100);
  p->reset();
  AudioBuffer<double> in(1, 2000), out(1, 2000);
  const auto x = test_signal<double>(2000, 44100);
  std::copy(x.begin(), x.end(), in.channel(0));
  process_offline<double>(*p, in.view(), out.view());
  for (std::size_t i = 0; i < 2000; ++i) ASSERT_EQ(out.channel(0)[i], y1[i]);
}

TEST(DspFilters, OnePoleMatchesTheRecursion) {
  OnePoleLowpass p(0.3);
  const auto y = run<double>(p, 1, 1001, 64, 48000);
  const auto x = test_signal<double>(1001, 48000);
  double s = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    s = 0.3 * x[i] + 0.7 * s;
    ASSERT_NEAR(y[i], s, 1e-14);
  }
}

TEST(DspFilters, ButterworthLowpassHasUnitDcGainAndHalfPowerAtCutoff) {
  const auto sos = butter_sos(5, std::vector<double>{0.25}, FilterType::Lowpass);
  ASSERT_EQ(sos.size(), 3u);
  auto response = [&](double w) {
    std::complex<double> h{1, 0};
    const std::complex<double> z = std::exp(std::complex<double>(0, -w));
    for (const auto& s : sos) h *= (s[0] + s[1] * z + s[2] * z * z) / (s[3] + s[4] * z + s[5] * z * z);
    return std::abs(h);
  };
  EXPECT_NEAR(response(0), 1.0, 1e-12);
  EXPECT_NEAR(response(0.25 * std::numbers::pi), std::sqrt(0.5), 1e-9);
}

TEST(DspFilters, LfilterZiGivesASteadyStepResponse) {
  std::vector<double> b, a;
  butter_ba(3, std::vector<double>{0.1}, FilterType::Lowpass, b, a);
  auto zi = lfilter_zi(b, a);
  std::vector<double> x(50, 1.0), y(50);
  lfilter(b, a, x, y, zi);
  for (double v : y) EXPECT_NEAR(v, 1.0, 1e-12);
}

TEST(DspFilters, BadDesignsThrow) {
  EXPECT_THROW((void)butter_sos(0, std::vector<double>{0.2}, FilterType::Lowpass), InvalidArgument);
  EXPECT_THROW((void)butter_sos(2, std::vector<double>{1.2}, FilterType::Lowpass), InvalidArgument);
  EXPECT_THROW((void)butter_sos(2, std::vector<double>{0.2}, FilterType::Bandpass), InvalidArgument);
  EXPECT_THROW(Butterworth(4, {30000}, FilterType::Lowpass, 44100), InvalidArgument);
  EXPECT_THROW((void)parse_filter_type("sideways"), InvalidArgument);
}

TEST(DspVirtualAnalog, RingCoreFollowsTheEulerEquations) {
  // One step by hand from rest with carrier 0.5, modulator 0.25 at T = 1 / 1323000.
  DiodeRingCore core(1323000.0, 0.4);
  core.prepare(ProcessSpec{1323000.0, 16, 1});
  double c[2] = {0.5, 0.5}, m[2] = {0.25, 0.25}, y[2] = {0, 0};
  const double* cp[1] = {c};
  const double* mp[1] = {m};
  double* yp[1] = {y};
  core.process_pair<double>(AudioView<const double>(cp, 1, 2), AudioView<const double>(mp, 1, 2),
                            AudioView<double>(yp, 1, 2));
  const double T = 1.0 / 1323000.0;
  // Step 1: u4..u7 are zero, so u1 += T/C * (m k / Rm), u2 stays 0.
  const double u1 = T / 10e-9 * (-(0.0 - 0.25 * 0.4) / 80.0);
  EXPECT_EQ(y[0], 0.0);
  // Step 2: u4 = u1/2 - 0.2, u5 = -u1/2 - 0.2, u6 = u1/2 + 0.2, u7 = -u1/2 + 0.2 (u2 = u3 = 0).
  const double u4 = u1 / 2 - 0.2, u5 = -u1 / 2 - 0.2, u6 = u1 / 2 + 0.2, u7 = -u1 / 2 + 0.2;
  auto g = [](double v) { return v * v * v * v * 0.17; };
  const double u2 = T / 10e-9 * (g(u4) / 2 + g(u7) / 2 - g(u5) / 2 - g(u6) / 2);
  EXPECT_NEAR(y[1], u2, 1e-15 + 1e-12 * std::abs(u2));
}

namespace {
std::vector<double> sine(std::size_t n, double amplitude, double hz, double sr) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = amplitude * std::sin(2 * std::numbers::pi * hz * static_cast<double>(i) / sr);
  return v;
}

// ring.process_pair over frames [i0, i0 + len) of carrier c and modulator m into y.
void ring_pair(DiodeRingModulator& ring, const std::vector<double>& c, const std::vector<double>& m,
               std::vector<double>& y, std::size_t i0, std::size_t len) {
  const double* cp[1] = {c.data() + i0};
  const double* mp[1] = {m.data() + i0};
  double* yp[1] = {y.data() + i0};
  ring.process_pair<double>(AudioView<const double>(cp, 1, len), AudioView<const double>(mp, 1, len),
                            AudioView<double>(yp, 1, len));
}

// +6 dBFS sines run the model away: counted, restarted, the output stays finite.
void expect_runaways_counted(double sr, int factor) {
  DiodeRingModulator ring(sr, factor);
  const auto n = static_cast<std::size_t>(sr / 10);
  ring.prepare(ProcessSpec{sr, n, 1});
  const auto c = sine(n, 2.0, 440.0, sr), m = sine(n, 2.0, 100.0, sr);
  std::vector<double> y(n);
  ring_pair(ring, c, m, y, 0, n);
  EXPECT_EQ(ring.diverged_blocks(), 1u);
  EXPECT_GE(ring.diverged_samples(), 1u);
  for (double v : y) ASSERT_TRUE(std::isfinite(v));
  ring.reset_statistics();
  EXPECT_EQ(ring.diverged_blocks(), 0u);
}
}  // namespace

TEST(DspVirtualAnalog, RingModulatorChecksStabilityAndCountsRunaways) {
  // Euler on the u3 node needs T < 2 Cp Ri = 1 us: sample_rate * oversampling > 1 MHz.
  EXPECT_EQ(DiodeRingModulator::min_oversampling(44100.0), 23);
  EXPECT_EQ(DiodeRingModulator::min_oversampling(48000.0), 21);
  EXPECT_THROW(DiodeRingModulator(48000.0, 8), InvalidArgument);
  EXPECT_THROW(DiodeRingModulator(44100.0, 22), InvalidArgument);
  EXPECT_NO_THROW(DiodeRingModulator(48000.0, 21));
  DiodeRingModulator hi_rate(96000.0, 11);
  EXPECT_THROW(hi_rate.prepare(ProcessSpec{44100.0, 64, 1}), InvalidArgument);
  EXPECT_THROW(DiodeRingModulator(48000.0, 30, 0.4, 500.0, 1.0, {}, 0.3), InvalidArgument);  // drive 0.12
  EXPECT_NEAR(DiodeRingModulator(48000.0).output_gain_db(), DiodeRingModulator::kReferenceGainDb, 1e-12);

  expect_runaways_counted(48000.0, 21);  // (the plain path: interpolate, core, decimate per sample)
}

TEST(DspVirtualAnalog, RingModulatorFusedPathIsInterpolateCoreDecimate) {
  // At 30x the filters run interleaved with the core (ring_run_fused): the output must be the plain
  // pipeline's (Interpolator -> ring_run per base-rate sample -> Decimator), two base-rate samples later.
  const double sr = 44100.0;
  const int f = 30;
  DiodeRingModulator ring(sr, f);
  const std::size_t n = 3000;
  ring.prepare(ProcessSpec{sr, n, 1});
  const auto c = sine(n, 0.9, 440.0, sr), m = sine(n, 0.7, 97.0, sr);
  std::vector<double> y(n);
  for (std::size_t i0 = 0; i0 < n;) {  // uneven blocks: the state and the pipeline carry across them
    const std::size_t len = std::min<std::size_t>(i0 % 2 ? 700 : 333, n - i0);
    ring_pair(ring, c, m, y, i0, len);
    i0 += len;
  }
  Interpolator up;
  Decimator down;
  up.prepare(2, f, {});
  down.prepare(1, f, {});
  const RingCoeffs k = make_ring_coeffs(0.4, sr * f);
  RingState st;
  std::vector<double> hc(f), hm(f), ho(f), ref(n);
  const double gain = std::pow(10.0, ring.output_gain_db() / 20.0);
  for (std::size_t i = 0; i < n; ++i) {
    up.push_pair(0, ring.input_scale() * c[i], hc.data(), 1, ring.input_scale() * m[i], hm.data());
    ring_run(st, hc.data(), hm.data(), ho.data(), f, k);
    ref[i] = gain * down.push(0, ho.data());
  }
  double peak = 0, err = 0;
  for (std::size_t i = 0; i + 2 < n; ++i) {
    peak = std::max(peak, std::abs(ref[i]));
    err = std::max(err, std::abs(y[i + 2] - ref[i]));
  }
  EXPECT_EQ(y[0], 0.0);
  EXPECT_EQ(y[1], 0.0);
  EXPECT_GT(peak, 0.1);
  EXPECT_LE(err, 1e-5 * peak);  // single-precision filter sums in another order
  EXPECT_EQ(ring.latency(), static_cast<std::size_t>(std::lround((up.delay() + down.delay()) / f)) + 2);
  EXPECT_EQ(ring.diverged_blocks(), 0u);
}

TEST(DspVirtualAnalog, RingModulatorFusedPathCountsRunaways) {
  expect_runaways_counted(44100.0, 30);
}

TEST(DspVirtualAnalog, NewtonNeedsFewerIterationsThanFixedPoint) {
  Vcs3Filter fp(44100.0), nt(44100.0, 30e-6, 5.175, Vcs3Solver::Newton);
  (void)run<double>(fp, 1, 8000, 512, 44100);
  (void)run<double>(nt, 1, 8000, 512, 44100);
  EXPECT_GT(fp.iterations_per_sample(), 3.0);
  EXPECT_LT(nt.iterations_per_sample(), fp.iterations_per_sample() / 2);
  EXPECT_LE(nt.max_iterations_used(), 10u);
}

TEST(DspVirtualAnalog, FixedPointSettlesIntoIncrementalSweeps) {
  // Once vc4 has nearly settled, each tanh is a polynomial in its argument's offset from a fixed centre (bounded);
  // the first sweeps of every sample (vc4 restarts at 0) are split sweeps.
  Vcs3Filter fp(44100.0);
  (void)run<double>(fp, 1, 8000, 512, 44100);
  const double sweeps = fp.iterations_per_sample(), incremental = fp.incremental_sweeps_per_sample();
  EXPECT_GT(sweeps, 8.0);
  EXPECT_GT(incremental, 0.2 * sweeps);
  EXPECT_LT(incremental, sweeps - 2.0);
  fp.reset_statistics();
  EXPECT_EQ(fp.incremental_sweeps_per_sample(), 0.0);
}

TEST(DspVirtualAnalog, NewtonAndFixedPointSolveTheSameEquations) {
  // With a tight tolerance both solvers converge to the same trapezoidal solution.
  Vcs3Filter fp(44100.0, 30e-6, 1.0, Vcs3Solver::FixedPoint, 1e-12, 100000);
  Vcs3Filter nt(44100.0, 30e-6, 1.0, Vcs3Solver::Newton, 1e-12, 50);
  const auto a = run<double>(fp, 1, 4000, 512, 44100);
  const auto b = run<double>(nt, 1, 4000, 512, 44100);
  EXPECT_GT(fp.incremental_sweeps_per_sample(), 0.5 * fp.iterations_per_sample());  // mostly incremental here
  double num = 0, den = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    num += (a[i] - b[i]) * (a[i] - b[i]);
    den += a[i] * a[i];
  }
  EXPECT_GT(den, 0.0);
  EXPECT_LT(std::sqrt(num / den), 1e-6);
}

TEST(DspDenoise, SpectralSubtractionWithUnitFloorIsADelay) {
  SpectralSubtraction p(256, 64, 0.0, 1.0, NoiseEstimator::Leading, 4);
  const auto y = run<double>(p, 1, 3000, 100, 16000);
  const auto x = test_signal<double>(3000, 16000);
  const std::size_t lat = p.latency();
  ASSERT_EQ(lat, 256u);
  for (std::size_t i = lat + 256; i < x.size(); ++i) ASSERT_NEAR(y[i], x[i - lat], 1e-12);
}

TEST(DspDenoise, NlmsCancelsAFilteredReference) {
  Nlms p(16, 0.5);
  p.prepare(ProcessSpec{16000, 512, 2});
  const std::size_t n = 20000;
  AudioBuffer<double> in(2, n), out(2, n);
  std::srand(3);
  double prev = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double r = std::rand() / double(RAND_MAX) - 0.5;
    in.channel(1)[i] = r;
    in.channel(0)[i] = 0.8 * r + 0.3 * prev;  // noise through a 2-tap path, no speech
    prev = r;
  }
  process_offline<double>(p, in.view(), out.view());
  double e = 0, d = 0;
  for (std::size_t i = n / 2; i < n; ++i) {
    e += out.channel(0)[i] * out.channel(0)[i];
    d += in.channel(0)[i] * in.channel(0)[i];
  }
  EXPECT_LT(e / d, 1e-6);
  const auto w = p.weights(0);
  EXPECT_NEAR(w[0], 0.8, 1e-3);
  EXPECT_NEAR(w[1], 0.3, 1e-3);
}

TEST(DspChainParser, ParsesStagesAndArguments) {
  const auto st = parse_chain_spec("butterworth(order=4,cutoff_hz=2000) | vcs3(feedback=4)|gain( gain_db = -6 )");
  ASSERT_EQ(st.size(), 3u);
  EXPECT_EQ(st[0].name, "butterworth");
  EXPECT_EQ(st[0].args.at("order"), "4");
  EXPECT_EQ(st[1].args.at("feedback"), "4");
  EXPECT_EQ(st[2].args.at("gain_db"), "-6");
  const auto band = parse_chain_spec("butterworth(order=2, cutoff_hz=[300, 3000], btype=bandpass)");
  EXPECT_EQ(band[0].args.at("cutoff_hz"), "[300,3000]");
  auto chain = parse_chain(
      "butterworth(order=2, cutoff_hz=[300, 3000], btype=bandpass) | vcs3(feedback=4, solver=newton)", 44100);
  ASSERT_EQ(chain->processors().size(), 2u);
  EXPECT_EQ(chain->describe(), "butterworth | vcs3");
  auto v = std::dynamic_pointer_cast<Vcs3Filter>(chain->processors()[1]);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->feedback(), 4.0);
  EXPECT_EQ(v->solver(), Vcs3Solver::Newton);
}

TEST(DspChainParser, RejectsBadInput) {
  EXPECT_THROW((void)parse_chain("", 44100), InvalidArgument);
  EXPECT_THROW((void)parse_chain("wobble(x=1)", 44100), InvalidArgument);
  EXPECT_THROW((void)parse_chain("gain(gian_db=1)", 44100), InvalidArgument);
  EXPECT_THROW((void)parse_chain("gain(gain_db=loud)", 44100), InvalidArgument);
  EXPECT_THROW((void)parse_chain("gain(gain_db=1", 44100), InvalidArgument);
  EXPECT_THROW((void)parse_chain("gain | | gain", 44100), InvalidArgument);
  EXPECT_THROW((void)parse_chain("butterworth(order=2.5)", 44100), InvalidArgument);
  EXPECT_THROW((void)parse_chain("vcs3(solver=magic)", 44100), InvalidArgument);
}

}  // namespace
