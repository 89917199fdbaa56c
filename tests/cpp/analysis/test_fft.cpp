#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <random>
#include <thread>
#include <vector>

#include "percept/analysis/fft.hpp"
#include "percept/core/error.hpp"

using namespace percept;
using namespace percept::analysis;

namespace {

template <class T>
std::vector<std::complex<double>> naive_dft(const std::vector<std::complex<T>>& x, int sign) {
  const std::size_t n = x.size();
  std::vector<std::complex<double>> y(n);
  for (std::size_t k = 0; k < n; ++k) {
    std::complex<double> acc = 0;
    for (std::size_t t = 0; t < n; ++t) {
      const double ang = sign * 2.0 * std::numbers::pi * static_cast<double>((k * t) % n) / static_cast<double>(n);
      acc += std::complex<double>(x[t]) * std::complex<double>(std::cos(ang), std::sin(ang));
    }
    y[k] = acc;
  }
  return y;
}

template <class T>
double tol() {
  return sizeof(T) == 4 ? 2e-4 : 1e-10;
}

template <class T>
void check_real(std::size_t n, std::size_t offset) {
  std::mt19937 rng(static_cast<unsigned>(n * 7 + offset));
  std::normal_distribution<double> nd;
  AlignedVector<T> in_store(n + offset);
  AlignedVector<std::complex<T>> out_store(n / 2 + 1 + offset);
  T* in = in_store.data() + offset;
  std::complex<T>* out = out_store.data() + offset;
  std::vector<std::complex<T>> xc(n);
  for (std::size_t i = 0; i < n; ++i) {
    in[i] = static_cast<T>(nd(rng));
    xc[i] = in[i];
  }
  RealFft<T> fft(n);
  ASSERT_EQ(fft.num_bins(), n / 2 + 1);
  const std::vector<T> in_copy(in, in + n);
  fft.forward(in, out);
  for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(in[i], in_copy[i]) << "forward modified its input";
  const auto ref = naive_dft(xc, -1);
  const double scale = std::sqrt(static_cast<double>(n));
  for (std::size_t k = 0; k < n / 2 + 1; ++k) {
    EXPECT_NEAR(out[k].real(), ref[k].real(), tol<T>() * scale * 4) << "n=" << n << " k=" << k;
    EXPECT_NEAR(out[k].imag(), ref[k].imag(), tol<T>() * scale * 4) << "n=" << n << " k=" << k;
  }
  // inverse (unnormalised) gives n * x and leaves the spectrum alone
  const std::vector<std::complex<T>> spec_copy(out, out + n / 2 + 1);
  AlignedVector<T> back_store(n + offset);
  T* back = back_store.data() + offset;
  fft.inverse(out, back);
  for (std::size_t k = 0; k < n / 2 + 1; ++k) ASSERT_EQ(out[k], spec_copy[k]) << "inverse modified its input";
  for (std::size_t i = 0; i < n; ++i)
    EXPECT_NEAR(back[i] / static_cast<T>(n), in[i], tol<T>() * 10) << "n=" << n << " i=" << i;
}

template <class T>
void check_complex(std::size_t n, std::size_t offset, bool in_place) {
  std::mt19937 rng(static_cast<unsigned>(n * 11 + offset));
  std::normal_distribution<double> nd;
  AlignedVector<std::complex<T>> a(n + offset), b(n + offset);
  std::complex<T>* in = a.data() + offset;
  std::complex<T>* out = in_place ? in : b.data() + offset;
  std::vector<std::complex<T>> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = in[i] = std::complex<T>(static_cast<T>(nd(rng)), static_cast<T>(nd(rng)));
  ComplexFft<T> fft(n);
  fft.forward(in, out);
  const auto ref = naive_dft(x, -1);
  const double scale = std::sqrt(static_cast<double>(n));
  for (std::size_t k = 0; k < n; ++k) {
    EXPECT_NEAR(out[k].real(), ref[k].real(), tol<T>() * scale * 4);
    EXPECT_NEAR(out[k].imag(), ref[k].imag(), tol<T>() * scale * 4);
  }
  std::vector<std::complex<T>> spec(out, out + n);
  const auto ref_inv = naive_dft(spec, +1);
  fft.inverse(out, out);
  for (std::size_t k = 0; k < n; ++k) {
    EXPECT_NEAR(out[k].real(), ref_inv[k].real(), tol<T>() * scale * scale * 4);
    EXPECT_NEAR(out[k].real() / static_cast<T>(n), x[k].real(), tol<T>() * 10);
    EXPECT_NEAR(out[k].imag() / static_cast<T>(n), x[k].imag(), tol<T>() * 10);
  }
}

}  // namespace

TEST(Fft, RealMatchesNaiveDftFloatAndDoubleAlignedAndUnaligned) {
  for (std::size_t n : {1u, 2u, 3u, 5u, 8u, 17u, 64u, 100u, 512u, 1000u, 2048u}) {
    for (std::size_t off : {0u, 1u, 3u}) {
      check_real<float>(n, off);
      check_real<double>(n, off);
    }
  }
}

TEST(Fft, ComplexMatchesNaiveDftInPlaceAndOutOfPlace) {
  for (std::size_t n : {1u, 2u, 7u, 16u, 96u, 1024u}) {
    for (std::size_t off : {0u, 1u}) {
      for (bool ip : {false, true}) {
        check_complex<float>(n, off, ip);
        check_complex<double>(n, off, ip);
      }
    }
  }
}

TEST(Fft, ZeroLengthIsAnInvalidArgument) {
  EXPECT_THROW(RealFft<float>(0), InvalidArgument);
  EXPECT_THROW(ComplexFft<double>(0), InvalidArgument);
}

TEST(Fft, PlansAreCachedPerLengthAndPrecision) {
  RealFft<float> a(4410);
  const std::size_t before = fft_plan_cache_size();
  RealFft<float> b(4410);
  EXPECT_EQ(fft_plan_cache_size(), before);
  RealFft<double> c(4410);
  EXPECT_EQ(fft_plan_cache_size(), before + 1);
}

TEST(Fft, ConcurrentPlanCreationAndExecutionFromManyThreads) {
  // Threads construct transforms of overlapping lengths at the same time and use them at once;
  // each checks its own result against a reference computed on this thread beforehand.
  const std::vector<std::size_t> sizes = {384, 640, 1536, 2560, 3000, 3001, 6144, 999};
  std::vector<std::vector<std::complex<double>>> refs;
  std::vector<std::vector<std::complex<double>>> inputs;
  for (std::size_t n : sizes) {
    std::vector<std::complex<double>> x(n);
    for (std::size_t i = 0; i < n; ++i) x[i] = std::sin(0.01 * static_cast<double>(i * i % 1000));
    inputs.push_back(x);
  }
  // references with a separate precision so that the threads' plans are all new
  for (std::size_t s = 0; s < sizes.size(); ++s) {
    ComplexFft<double> f(sizes[s]);
    std::vector<std::complex<double>> y(sizes[s]);
    f.forward(inputs[s].data(), y.data());
    refs.push_back(y);
  }
  std::vector<int> failures(16, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 20; ++rep) {
        const std::size_t s = static_cast<std::size_t>(t + rep) % sizes.size();
        const std::size_t n = sizes[s];
        RealFft<double> f(n);
        std::vector<double> x(n);
        for (std::size_t i = 0; i < n; ++i) x[i] = inputs[s][i].real();
        std::vector<std::complex<double>> y(f.num_bins());
        f.forward(x.data(), y.data());
        for (std::size_t k = 0; k < y.size(); ++k)
          if (std::abs(y[k] - refs[s][k]) > 1e-8 * static_cast<double>(n)) ++failures[static_cast<std::size_t>(t)];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

TEST(Fft, MeasurePlanningGivesTheSameTransform) {
  const std::size_t n = 240;
  std::vector<float> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<float>(std::cos(0.37 * static_cast<double>(i)));
  std::vector<std::complex<float>> ye(n / 2 + 1), ym(n / 2 + 1);
  RealFft<float>(n).forward(x.data(), ye.data());
  set_fft_planning(FftPlanning::Measure);
  RealFft<float> m(n);
  set_fft_planning(FftPlanning::Estimate);
  EXPECT_EQ(fft_planning(), FftPlanning::Estimate);
  m.forward(x.data(), ym.data());
  for (std::size_t k = 0; k < ye.size(); ++k) EXPECT_NEAR(std::abs(ye[k] - ym[k]), 0.0, 1e-3);
}
