// Vision kernels (core only). Comparisons with OpenCV and numpy are in tests/python/test_vision.py.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "percept/core/error.hpp"
#include "percept/vision/color.hpp"
#include "percept/vision/filter.hpp"
#include "percept/vision/histogram.hpp"
#include "percept/vision/motion.hpp"
#include "percept/vision/polar.hpp"

using namespace percept;
using namespace percept::vision;

TEST(Histogram, NumpyBinsLastBinClosedOutsideIgnored) {
  const std::vector<double> x = {0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, -1.0, 3.5, std::nan("")};
  const Histogram h = histogram(x.data(), x.size(), 3, std::make_pair(0.0, 3.0));
  // numpy.histogram(x, 3, (0, 3)) -> [2, 2, 3]: 3.0 falls in the last (closed) bin, -1, 3.5 and nan are out.
  EXPECT_EQ(h.counts, (std::vector<std::int64_t>{2, 2, 3}));
  EXPECT_EQ(h.edges, (std::vector<double>{0.0, 1.0, 2.0, 3.0}));
}

TEST(Histogram, AutoRangeAndDegenerateData) {
  const std::vector<std::uint8_t> u = {5, 5, 5};
  const Histogram h = histogram(u.data(), u.size(), 2);  // numpy: range (4.5, 5.5)
  EXPECT_EQ(h.counts, (std::vector<std::int64_t>{0, 3}));
  EXPECT_DOUBLE_EQ(h.edges.front(), 4.5);
  EXPECT_DOUBLE_EQ(h.edges.back(), 5.5);
  const std::vector<float> f = {1.0f, std::numeric_limits<float>::infinity()};
  EXPECT_THROW(histogram(f.data(), f.size(), 4), InvalidArgument);
  EXPECT_THROW(histogram(u.data(), u.size(), 0), InvalidArgument);
  EXPECT_THROW(histogram(u.data(), u.size(), 4, std::make_pair(2.0, 1.0)), InvalidArgument);
}

TEST(Color, GrayOfPrimariesMatchesOpenCV) {
  std::vector<std::uint8_t> bgr = {255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255};
  std::vector<std::uint8_t> gray(4);
  convert_color(ImageView<const std::uint8_t>(bgr.data(), 1, 4, 3), ImageView<std::uint8_t>(gray.data(), 1, 4, 1),
                ColorConversion::BGR2GRAY);
  EXPECT_EQ(gray, (std::vector<std::uint8_t>{29, 150, 76, 255}));  // cv2.cvtColor(..., COLOR_BGR2GRAY)
}

TEST(Color, YuvRoundTripIsClose) {
  std::vector<std::uint8_t> bgr(64 * 3), yuv(64 * 3), back(64 * 3);
  for (std::size_t i = 0; i < bgr.size(); ++i) bgr[i] = static_cast<std::uint8_t>(40 + (i * 37) % 170);
  convert_color(ImageView<const std::uint8_t>(bgr.data(), 8, 8, 3), ImageView<std::uint8_t>(yuv.data(), 8, 8, 3),
                ColorConversion::BGR2YUV);
  convert_color(ImageView<const std::uint8_t>(yuv.data(), 8, 8, 3), ImageView<std::uint8_t>(back.data(), 8, 8, 3),
                ColorConversion::YUV2BGR);
  for (std::size_t i = 0; i < bgr.size(); ++i) EXPECT_NEAR(back[i], bgr[i], 3) << i;
  EXPECT_THROW(convert_color(ImageView<const std::uint8_t>(bgr.data(), 8, 8, 3),
                             ImageView<std::uint8_t>(yuv.data(), 8, 8, 1), ColorConversion::BGR2YUV),
               InvalidArgument);
}

TEST(Filter, KernelAndBlurOfConstantAndDogOfConstant) {
  const auto k = gaussian_kernel(1.0);
  EXPECT_EQ(k.size(), 9u);  // OpenCV: round(8 sigma + 1) | 1
  double sum = 0;
  for (float v : k) sum += v;
  EXPECT_NEAR(sum, 1.0, 1e-6);
  EXPECT_FLOAT_EQ(k[0], k[8]);
  std::vector<float> img(20 * 30, 42.0f), out(img.size());
  gaussian_blur(ImageView<const float>(img.data(), 20, 30, 1), ImageView<float>(out.data(), 20, 30, 1), 2.5);
  for (float v : out) EXPECT_NEAR(v, 42.0f, 1e-4f);
  difference_of_gaussians(ImageView<const float>(img.data(), 20, 30, 1), ImageView<float>(out.data(), 20, 30, 1), 1.0,
                          2.0);
  for (float v : out) EXPECT_NEAR(v, 0.0f, 1e-4f);
  EXPECT_THROW(gaussian_kernel(-1.0), InvalidArgument);
}

TEST(Polar, LinearMapGeometryAndConstantImage) {
  PolarSpec s;
  s.src_width = 40;
  s.src_height = 30;
  s.width = 10;  // radii
  s.height = 8;  // angles
  s.center_x = 20;
  s.center_y = 15;
  s.max_radius = 10;
  PolarMap m(s);
  // Row 0 is angle 0: x = cx + r, y = cy; column j is radius j * max_radius / width.
  for (int j = 0; j < 10; ++j) {
    EXPECT_FLOAT_EQ(m.map_x()[static_cast<std::size_t>(j)], 20.0f + static_cast<float>(j));
    EXPECT_FLOAT_EQ(m.map_y()[static_cast<std::size_t>(j)], 15.0f);
  }
  // Row 2 is 90 degrees: y grows (downwards on screen).
  EXPECT_NEAR(m.map_y()[2 * 10 + 5], 20.0f, 1e-5f);
  std::vector<std::uint8_t> img(40 * 30 * 3, 123), out(10 * 8 * 3);
  m.apply(ImageView<const std::uint8_t>(img.data(), 30, 40, 3), ImageView<std::uint8_t>(out.data(), 8, 10, 3));
  for (auto v : out) EXPECT_EQ(v, 123);  // fully inside: weights sum to one
  EXPECT_THROW(
      m.apply(ImageView<const std::uint8_t>(img.data(), 20, 40, 3), ImageView<std::uint8_t>(out.data(), 8, 10, 3)),
      InvalidArgument);
}

TEST(Polar, OutsideTheImageIsBlackAndFoveaRadiiAreLogOfRPlusA) {
  PolarSpec s;
  s.src_width = 20;
  s.src_height = 20;
  s.width = 16;
  s.height = 4;
  s.center_x = 10;
  s.center_y = 10;
  s.max_radius = 40;  // reaches far outside a 20x20 image
  s.mode = PolarMode::LogFovea;
  s.fovea = 5.0;
  PolarMap m(s);
  EXPECT_DOUBLE_EQ(m.radius(0), 0.0);
  for (int j = 1; j < 16; ++j)
    EXPECT_NEAR(std::log(m.radius(j) + 5.0) - std::log(m.radius(j - 1) + 5.0), std::log(45.0 / 5.0) / 16, 1e-12);
  std::vector<std::uint8_t> img(20 * 20, 200), out(16 * 4);
  m.apply(ImageView<const std::uint8_t>(img.data(), 20, 20, 1), ImageView<std::uint8_t>(out.data(), 4, 16, 1));
  EXPECT_EQ(out[0], 200);  // the centre
  EXPECT_EQ(out[15], 0);   // radius ~36 at angle 0: outside
  s.fovea = 0;
  EXPECT_THROW(PolarMap{s}, InvalidArgument);
}

TEST(Motion, DifferenceEnergyAndHemifields) {
  std::vector<std::uint8_t> a = {10, 20, 30, 40}, b = {13, 20, 0, 40}, d(4);
  ImageView<const std::uint8_t> va(a.data(), 2, 2, 1), vb(b.data(), 2, 2, 1);
  frame_difference(va, vb, ImageView<std::uint8_t>(d.data(), 2, 2, 1));
  EXPECT_EQ(d, (std::vector<std::uint8_t>{3, 0, 30, 0}));
  const auto e = motion_energy(va, vb, 5);
  EXPECT_DOUBLE_EQ(e.mean_abs, 33.0 / 4);
  EXPECT_DOUBLE_EQ(e.mean_square, (9.0 + 900.0) / 4);
  EXPECT_DOUBLE_EQ(e.changed, 0.25);
  std::vector<std::uint8_t> img(3 * 5);
  auto [left, right] = split_hemifields(ImageView<std::uint8_t>(img.data(), 3, 5, 1));
  EXPECT_EQ(left.width, 3);
  EXPECT_EQ(right.width, 3);
  EXPECT_EQ(right.data, img.data() + 2);
  EXPECT_THROW(split_hemifields(ImageView<std::uint8_t>(img.data(), 3, 5, 1), 3), InvalidArgument);
}

TEST(Polar, HemifieldsSplitRowsByAngle) {
  // 6 angle rows of 1 pixel: angles 0, 60, 120, 180, 240, 300 degrees; left = [90, 270) = rows 2, 3, 4.
  std::vector<std::uint8_t> polar = {0, 1, 2, 3, 4, 5};
  Image<std::uint8_t> left, right;
  split_polar_hemifields(ImageView<const std::uint8_t>(polar.data(), 6, 1, 1), left, right);
  EXPECT_EQ(left.pixels(), (std::vector<std::uint8_t>{2, 3, 4}));
  EXPECT_EQ(right.pixels(), (std::vector<std::uint8_t>{5, 0, 1}));
}
