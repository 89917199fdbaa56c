#include "percept/io/image_resize.hpp"

extern "C" {
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <cctype>
#include <vector>

#include "percept/core/error.hpp"

namespace percept::io {

// Row loops GCC vectorises (with an AVX2 clone on x86-64); the library itself builds at -O2.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define PERCEPT_IO_VECTORIZE __attribute__((target_clones("avx2", "default"), optimize("O3")))
#elif defined(__GNUC__) && !defined(__clang__)
#define PERCEPT_IO_VECTORIZE __attribute__((optimize("O3")))
#else
#define PERCEPT_IO_VECTORIZE
#endif

namespace {

PERCEPT_IO_VECTORIZE void split3(const std::uint8_t* __restrict s, std::uint8_t* __restrict a,
                                 std::uint8_t* __restrict b, std::uint8_t* __restrict c, int w) {
  for (int x = 0; x < w; ++x) {
    a[x] = s[3 * x];
    b[x] = s[3 * x + 1];
    c[x] = s[3 * x + 2];
  }
}

PERCEPT_IO_VECTORIZE void merge3(const std::uint8_t* __restrict a, const std::uint8_t* __restrict b,
                                 const std::uint8_t* __restrict c, std::uint8_t* __restrict d, int w) {
  for (int x = 0; x < w; ++x) {
    d[3 * x] = a[x];
    d[3 * x + 1] = b[x];
    d[3 * x + 2] = c[x];
  }
}

void split_row(const std::uint8_t* s, std::uint8_t* const* planes, int w, int channels) {
  if (channels == 3) return split3(s, planes[0], planes[1], planes[2], w);
  for (int x = 0; x < w; ++x)
    for (int c = 0; c < channels; ++c) planes[c][x] = s[x * channels + c];
}

void merge_row(const std::uint8_t* const* planes, std::uint8_t* d, int w, int channels) {
  if (channels == 3) return merge3(planes[0], planes[1], planes[2], d, w);
  for (int x = 0; x < w; ++x)
    for (int c = 0; c < channels; ++c) d[x * channels + c] = planes[c][x];
}

}  // namespace

ResizeMethod parse_resize_method(const std::string& name) {
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (n == "nearest") return ResizeMethod::Nearest;
  if (n == "linear" || n == "bilinear") return ResizeMethod::Linear;
  if (n == "cubic" || n == "bicubic") return ResizeMethod::Cubic;
  if (n == "area") return ResizeMethod::Area;
  if (n == "lanczos") return ResizeMethod::Lanczos;
  throw InvalidArgument("resize: unknown interpolation '" + name + "' (nearest, linear, cubic, area, lanczos)");
}

void resize_image(const std::uint8_t* src, int width, int height, int channels, std::ptrdiff_t src_stride,
                  std::uint8_t* dst, int out_width, int out_height, std::ptrdiff_t dst_stride, ResizeMethod method) {
  if (!src || !dst || width <= 0 || height <= 0) throw InvalidArgument("resize: empty image");
  if (out_width <= 0 || out_height <= 0)
    throw InvalidArgument("resize: output size must be positive, got " + std::to_string(out_width) + "x" +
                          std::to_string(out_height));
  if (channels < 1 || channels > 4) throw InvalidArgument("resize: 1 to 4 channels, got " + std::to_string(channels));
  int flags = SWS_BILINEAR;
  switch (method) {
    case ResizeMethod::Nearest:
      flags = SWS_POINT;
      break;
    case ResizeMethod::Linear:
      flags = SWS_BILINEAR;
      break;
    case ResizeMethod::Cubic:
      flags = SWS_BICUBIC;
      break;
    case ResizeMethod::Area:
      flags = SWS_AREA;
      break;
    case ResizeMethod::Lanczos:
      flags = SWS_LANCZOS;
      break;
  }
  // The scaler (filter set-up is the costly part) is kept per thread for the next call of the same geometry.
  struct Cache {
    SwsContext* ctx = nullptr;
    ~Cache() { sws_freeContext(ctx); }
  };
  thread_local Cache cache;
  cache.ctx = sws_getCachedContext(cache.ctx, width, height, AV_PIX_FMT_GRAY8, out_width, out_height, AV_PIX_FMT_GRAY8,
                                   flags, nullptr, nullptr, nullptr);
  SwsContext* sws = cache.ctx;
  if (!sws)
    throw InvalidArgument("resize: swscale cannot scale " + std::to_string(width) + "x" + std::to_string(height) +
                          " to " + std::to_string(out_width) + "x" + std::to_string(out_height));
  if (channels == 1) {
    const std::uint8_t* sp[4] = {src, nullptr, nullptr, nullptr};
    const int ss[4] = {static_cast<int>(src_stride), 0, 0, 0};
    std::uint8_t* dp[4] = {dst, nullptr, nullptr, nullptr};
    const int ds[4] = {static_cast<int>(dst_stride), 0, 0, 0};
    sws_scale(sws, sp, ss, 0, height, dp, ds);
    return;
  }
  // Split into planes, scale each, interleave again (vectorised row loops for 3 and 4 channels).
  const auto plane = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
  const auto out_plane = static_cast<std::size_t>(out_width) * static_cast<std::size_t>(out_height);
  std::vector<std::uint8_t> in(plane * static_cast<std::size_t>(channels));
  std::vector<std::uint8_t> out(out_plane * static_cast<std::size_t>(channels));
  for (int y = 0; y < height; ++y) {
    std::uint8_t* planes[4];
    for (int c = 0; c < channels; ++c)
      planes[c] = in.data() + static_cast<std::size_t>(c) * plane +
                  static_cast<std::size_t>(y) * static_cast<std::size_t>(width);
    split_row(src + static_cast<std::ptrdiff_t>(y) * src_stride, planes, width, channels);
  }
  for (int c = 0; c < channels; ++c) {
    const std::uint8_t* sp[4] = {in.data() + static_cast<std::size_t>(c) * plane, nullptr, nullptr, nullptr};
    const int ss[4] = {width, 0, 0, 0};
    std::uint8_t* dp[4] = {out.data() + static_cast<std::size_t>(c) * out_plane, nullptr, nullptr, nullptr};
    const int ds[4] = {out_width, 0, 0, 0};
    sws_scale(sws, sp, ss, 0, height, dp, ds);
  }
  for (int y = 0; y < out_height; ++y) {
    const std::uint8_t* planes[4];
    for (int c = 0; c < channels; ++c)
      planes[c] = out.data() + static_cast<std::size_t>(c) * out_plane +
                  static_cast<std::size_t>(y) * static_cast<std::size_t>(out_width);
    merge_row(planes, dst + static_cast<std::ptrdiff_t>(y) * dst_stride, out_width, channels);
  }
}

}  // namespace percept::io
