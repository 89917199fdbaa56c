#include "percept/vision/color.hpp"

#include "vectorize.hpp"

#include <algorithm>
#include <cctype>
#include <thread>

namespace percept::vision {

namespace {
// OpenCV's 14-bit fixed-point coefficients (round(c * 2^14)).
constexpr int kShift = 14;
constexpr int kHalf = 1 << (kShift - 1);
constexpr int kR2Y = 4899, kG2Y = 9617, kB2Y = 1868;                   // 0.299, 0.587, 0.114
constexpr int kB2U = 8061, kR2V = 14369;                               // 0.492, 0.877
constexpr int kV2R = 18678, kV2G = -9519, kU2G = -6472, kU2B = 33292;  // 1.140, -0.581, -0.395, 2.032
constexpr int kDelta = 128 << kShift;
// Gray uses OpenCV's 15-bit coefficients (they sum to 2^15; cv2's RGB2Gray for 8-bit images).
constexpr int kGrayShift = 15;
constexpr int kR2Y15 = 9798, kG2Y15 = 19235, kB2Y15 = 3735;

inline std::uint8_t sat(int v) {
  return static_cast<std::uint8_t>(std::clamp(v, 0, 255));
}
inline int descale(int v) {
  return (v + kHalf) >> kShift;
}
}  // namespace

ColorConversion parse_color_conversion(const std::string& name) {
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (n == "bgr2rgb" || n == "rgb2bgr") return ColorConversion::BGR2RGB;
  if (n == "bgr2gray") return ColorConversion::BGR2GRAY;
  if (n == "rgb2gray") return ColorConversion::RGB2GRAY;
  if (n == "gray2bgr" || n == "gray2rgb") return ColorConversion::GRAY2BGR;
  if (n == "bgr2yuv") return ColorConversion::BGR2YUV;
  if (n == "rgb2yuv") return ColorConversion::RGB2YUV;
  if (n == "yuv2bgr") return ColorConversion::YUV2BGR;
  if (n == "yuv2rgb") return ColorConversion::YUV2RGB;
  throw InvalidArgument("unknown colour conversion '" + name +
                        "' (bgr2rgb, rgb2bgr, bgr2gray, rgb2gray, gray2bgr, gray2rgb, bgr2yuv, rgb2yuv, yuv2bgr, "
                        "yuv2rgb)");
}

int input_channels(ColorConversion c) noexcept {
  return c == ColorConversion::GRAY2BGR ? 1 : 3;
}
int output_channels(ColorConversion c) noexcept {
  return (c == ColorConversion::BGR2GRAY || c == ColorConversion::RGB2GRAY) ? 1 : 3;
}

// Row kernels, written so that GCC vectorises them (interleaved stride-3 access).
namespace {

PERCEPT_VECTORIZE void swap_row(const std::uint8_t* __restrict s, std::uint8_t* __restrict d, int w) {
  for (int x = 0; x < w; ++x) {
    d[3 * x] = s[3 * x + 2];
    d[3 * x + 1] = s[3 * x + 1];
    d[3 * x + 2] = s[3 * x];
  }
}

PERCEPT_VECTORIZE void gray_row(const std::uint8_t* __restrict s, std::uint8_t* __restrict d, int w, int cb, int cr) {
  for (int x = 0; x < w; ++x)
    d[x] = static_cast<std::uint8_t>(
        (s[3 * x] * cb + s[3 * x + 1] * kG2Y15 + s[3 * x + 2] * cr + (1 << (kGrayShift - 1))) >> kGrayShift);
}

PERCEPT_VECTORIZE void gray2bgr_row(const std::uint8_t* __restrict s, std::uint8_t* __restrict d, int w) {
  for (int x = 0; x < w; ++x) d[3 * x] = d[3 * x + 1] = d[3 * x + 2] = s[x];
}

// bi = index of blue in the packed input (0 for BGR, 2 for RGB).
PERCEPT_VECTORIZE void yuv_row(const std::uint8_t* __restrict s, std::uint8_t* __restrict d, int w, int bi) {
  for (int x = 0; x < w; ++x) {
    const int b = s[3 * x + bi], g = s[3 * x + 1], r = s[3 * x + (2 - bi)];
    const int yy = descale(b * kB2Y + g * kG2Y + r * kR2Y);
    d[3 * x] = sat(yy);
    d[3 * x + 1] = sat(descale((b - yy) * kB2U + kDelta));
    d[3 * x + 2] = sat(descale((r - yy) * kR2V + kDelta));
  }
}

PERCEPT_VECTORIZE void yuv2bgr_row(const std::uint8_t* __restrict s, std::uint8_t* __restrict d, int w, int bi) {
  for (int x = 0; x < w; ++x) {
    const int yy = s[3 * x], u = s[3 * x + 1] - 128, v = s[3 * x + 2] - 128;
    d[3 * x + bi] = sat(yy + descale(u * kU2B));
    d[3 * x + 1] = sat(yy + descale(v * kV2G + u * kU2G));
    d[3 * x + (2 - bi)] = sat(yy + descale(v * kV2R));
  }
}

}  // namespace

void convert_color(ImageView<const std::uint8_t> src, ImageView<std::uint8_t> dst, ColorConversion code) {
  check_image(src, "convert_color", input_channels(code));
  if (!dst.same_shape(src.height, src.width, output_channels(code)))
    throw InvalidArgument("convert_color: output must be " + std::to_string(src.height) + "x" +
                          std::to_string(src.width) + "x" + std::to_string(output_channels(code)));
  if (src.data == dst.data) throw InvalidArgument("convert_color: the output may not be the input");
  const int w = src.width;
  auto rows = [&](int begin, int end) {
    for (int y = begin; y < end; ++y) {
      const std::uint8_t* s = src.row(y);
      std::uint8_t* d = dst.row(y);
      switch (code) {
        case ColorConversion::BGR2RGB:
          swap_row(s, d, w);
          break;
        case ColorConversion::BGR2GRAY:
          gray_row(s, d, w, kB2Y15, kR2Y15);
          break;
        case ColorConversion::RGB2GRAY:
          gray_row(s, d, w, kR2Y15, kB2Y15);
          break;
        case ColorConversion::GRAY2BGR:
          gray2bgr_row(s, d, w);
          break;
        case ColorConversion::BGR2YUV:
          yuv_row(s, d, w, 0);
          break;
        case ColorConversion::RGB2YUV:
          yuv_row(s, d, w, 2);
          break;
        case ColorConversion::YUV2BGR:
          yuv2bgr_row(s, d, w, 0);
          break;
        case ColorConversion::YUV2RGB:
          yuv2bgr_row(s, d, w, 2);
          break;
      }
    }
  };
  // Large images are split over two threads (rows are independent).
  if (src.pixels() >= 200000 && std::thread::hardware_concurrency() > 1) {
    const int mid = src.height / 2;
    std::thread helper(rows, mid, src.height);
    rows(0, mid);
    helper.join();
  } else {
    rows(0, src.height);
  }
}

}  // namespace percept::vision
