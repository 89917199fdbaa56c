// Google Benchmark: vision kernels on 640x480 frames (the Python side-by-side with cv2 is bench_video.py).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "percept/vision/color.hpp"
#include "percept/vision/filter.hpp"
#include "percept/vision/histogram.hpp"
#include "percept/vision/motion.hpp"
#include "percept/vision/polar.hpp"

using namespace percept::vision;

namespace {
constexpr int kW = 640, kH = 480;

std::vector<std::uint8_t> test_image(int channels) {
  std::vector<std::uint8_t> img(static_cast<std::size_t>(kW) * kH * static_cast<std::size_t>(channels));
  std::uint32_t s = 12345;
  for (auto& v : img) {
    s = s * 1664525u + 1013904223u;
    v = static_cast<std::uint8_t>(s >> 24);
  }
  return img;
}

void BM_PolarMapApply(benchmark::State& state) {
  const int channels = static_cast<int>(state.range(0));
  PolarSpec spec;
  spec.src_width = kW;
  spec.src_height = kH;
  spec.width = kW;
  spec.height = kH;
  spec.center_x = kW / 2.0;
  spec.center_y = kH / 2.0;
  spec.max_radius = kH / 2.0;
  spec.mode = PolarMode::Log;
  const PolarMap map(spec);
  auto img = test_image(channels);
  std::vector<std::uint8_t> out(img.size());
  for (auto _ : state) {
    map.apply(ImageView<const std::uint8_t>(img.data(), kH, kW, channels),
              ImageView<std::uint8_t>(out.data(), kH, kW, channels));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kW * kH);
}
BENCHMARK(BM_PolarMapApply)->Arg(1)->Arg(3)->Unit(benchmark::kMicrosecond);

void BM_PolarMapBuild(benchmark::State& state) {
  PolarSpec spec;
  spec.src_width = kW;
  spec.src_height = kH;
  spec.width = kW;
  spec.height = kH;
  spec.center_x = kW / 2.0;
  spec.center_y = kH / 2.0;
  spec.max_radius = kH / 2.0;
  spec.mode = PolarMode::LogFovea;
  spec.fovea = 10.0;
  for (auto _ : state) {
    PolarMap map(spec);
    benchmark::DoNotOptimize(map.map_x().data());
  }
}
BENCHMARK(BM_PolarMapBuild)->Unit(benchmark::kMillisecond);

void BM_BgrToGray(benchmark::State& state) {
  auto img = test_image(3);
  std::vector<std::uint8_t> out(static_cast<std::size_t>(kW) * kH);
  for (auto _ : state) {
    convert_color(ImageView<const std::uint8_t>(img.data(), kH, kW, 3), ImageView<std::uint8_t>(out.data(), kH, kW, 1),
                  ColorConversion::BGR2GRAY);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_BgrToGray)->Unit(benchmark::kMicrosecond);

void BM_Histogram256(benchmark::State& state) {
  auto img = test_image(3);
  for (auto _ : state) {
    auto h = histogram_channels(ImageView<const std::uint8_t>(img.data(), kH, kW, 3), 256, std::make_pair(0.0, 256.0));
    benchmark::DoNotOptimize(h.counts.data());
  }
}
BENCHMARK(BM_Histogram256)->Unit(benchmark::kMicrosecond);

void BM_DifferenceOfGaussians(benchmark::State& state) {
  auto img = test_image(1);
  std::vector<float> out(img.size());
  for (auto _ : state) {
    difference_of_gaussians(ImageView<const std::uint8_t>(img.data(), kH, kW, 1),
                            ImageView<float>(out.data(), kH, kW, 1), 1.0, 2.0);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_DifferenceOfGaussians)->Unit(benchmark::kMillisecond);

void BM_MotionEnergy(benchmark::State& state) {
  auto a = test_image(3);
  auto b = test_image(3);
  b[0] ^= 1;
  for (auto _ : state) {
    auto e = motion_energy(ImageView<const std::uint8_t>(a.data(), kH, kW, 3),
                           ImageView<const std::uint8_t>(b.data(), kH, kW, 3), 25);
    benchmark::DoNotOptimize(e.mean_abs);
  }
}
BENCHMARK(BM_MotionEnergy)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
