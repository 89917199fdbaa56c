// specshow-like rendering: geometry, colours, axes, PNG output.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "percept/analysis/display.hpp"
#include "percept/core/error.hpp"

using namespace percept;
using namespace percept::analysis;

namespace {

std::array<int, 3> pixel(const RgbImage& im, int x, int y) {
  const auto* p = im.pixels.data() +
                  (static_cast<std::size_t>(y) * static_cast<std::size_t>(im.width) + static_cast<std::size_t>(x)) * 3;
  return {p[0], p[1], p[2]};
}

}  // namespace

TEST(Display, ColormapEnds) {
  std::uint8_t lo[3], hi[3];
  colormap_rgb("magma", 0.0, lo);
  colormap_rgb("magma", 1.0, hi);
  EXPECT_LT(lo[0] + lo[1] + lo[2], 30);
  EXPECT_GT(hi[0] + hi[1] + hi[2], 600);
  colormap_rgb("gray_r", 0.0, lo);
  EXPECT_EQ(lo[0], 255);
  EXPECT_THROW(colormap_rgb("nope", 0.5, lo), InvalidArgument);
}

TEST(Display, LowRowsAtTheBottomAndLabelsDrawn) {
  // 84 x 100: bright only in the top row (highest bin) of the right half
  const std::size_t R = 84, C = 100;
  std::vector<float> d(R * C, 0.0f);
  for (std::size_t c = C / 2; c < C; ++c) d[(R - 1) * C + c] = 1.0f;
  SpecshowOptions o;
  o.x_axis = DisplayAxis::Time;
  o.y_axis = DisplayAxis::CqtNote;
  o.title = "CQT";
  o.colorbar_label = "dB";
  const auto im = specshow(d.data(), R, C, o);
  ASSERT_EQ(im.width, 900);
  ASSERT_EQ(im.height, 450);
  // plot area: x0 = 96, y0 = 40; width 900 - 96 - 150
  const int x0 = 96, y0 = 40, w = 900 - 96 - 150, h = 450 - 40 - 62;
  const auto top_right = pixel(im, x0 + w - 5, y0 + 1);
  const auto top_left = pixel(im, x0 + 5, y0 + 1);
  const auto bottom_right = pixel(im, x0 + w - 5, y0 + h - 2);
  EXPECT_GT(top_right[0] + top_right[1] + top_right[2], 600);  // magma's bright end
  EXPECT_LT(top_left[0] + top_left[1] + top_left[2], 30);
  EXPECT_LT(bottom_right[0] + bottom_right[1] + bottom_right[2], 30);
  // some dark text pixels in the left margin (tick labels) and below the plot (time labels)
  int dark_left = 0, dark_below = 0;
  for (int y = y0; y < y0 + h; ++y)
    for (int x = 20; x < x0 - 8; ++x) dark_left += pixel(im, x, y)[0] < 50;
  for (int y = y0 + h + 8; y < 450; ++y)
    for (int x = x0; x < x0 + w; ++x) dark_below += pixel(im, x, y)[0] < 50;
  EXPECT_GT(dark_left, 50);
  EXPECT_GT(dark_below, 50);
}

TEST(Display, WritesPng) {
  std::vector<float> d(12 * 40);
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<float>(i % 12) - 6.0f;  // crosses zero: coolwarm
  SpecshowOptions o;
  o.y_axis = DisplayAxis::Chroma;
  const auto path = (std::filesystem::temp_directory_path() / "percept_test_specshow.png").string();
  write_png(path, specshow(d.data(), 12, 40, o));
  std::ifstream f(path, std::ios::binary);
  char sig[8] = {};
  f.read(sig, 8);
  EXPECT_EQ(std::string(sig + 1, 3), "PNG");
  std::filesystem::remove(path);
  EXPECT_THROW(write_png("/nonexistent-dir/x.png", specshow(d.data(), 12, 40, o)), FileError);
}

TEST(Display, RejectsBadArguments) {
  std::vector<float> d(10, 1.0f);
  SpecshowOptions o;
  EXPECT_THROW((void)specshow(d.data(), 0, 10, o), InvalidArgument);
  o.width = 50;
  EXPECT_THROW((void)specshow(d.data(), 1, 10, o), InvalidArgument);
  EXPECT_THROW((void)parse_display_axis("sideways"), InvalidArgument);
}
