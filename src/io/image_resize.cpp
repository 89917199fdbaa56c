#include "percept/io/image_resize.hpp"

extern "C" {
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <cctype>
#include <vector>

#include "percept/core/error.hpp"

namespace percept::io {

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
  flags |= SWS_ACCURATE_RND;
  SwsContext* sws = sws_getContext(width, height, AV_PIX_FMT_GRAY8, out_width, out_height, AV_PIX_FMT_GRAY8, flags,
                                   nullptr, nullptr, nullptr);
  if (!sws)
    throw InvalidArgument("resize: swscale cannot scale " + std::to_string(width) + "x" + std::to_string(height) +
                          " to " + std::to_string(out_width) + "x" + std::to_string(out_height));
  if (channels == 1) {
    const std::uint8_t* sp[4] = {src, nullptr, nullptr, nullptr};
    const int ss[4] = {static_cast<int>(src_stride), 0, 0, 0};
    std::uint8_t* dp[4] = {dst, nullptr, nullptr, nullptr};
    const int ds[4] = {static_cast<int>(dst_stride), 0, 0, 0};
    sws_scale(sws, sp, ss, 0, height, dp, ds);
    sws_freeContext(sws);
    return;
  }
  const auto w = static_cast<std::size_t>(width), h = static_cast<std::size_t>(height);
  const auto ow = static_cast<std::size_t>(out_width), oh = static_cast<std::size_t>(out_height);
  std::vector<std::uint8_t> in(w * h), out(ow * oh);
  for (int c = 0; c < channels; ++c) {
    for (std::size_t y = 0; y < h; ++y) {
      const std::uint8_t* r = src + static_cast<std::ptrdiff_t>(y) * src_stride;
      for (std::size_t x = 0; x < w; ++x)
        in[y * w + x] = r[x * static_cast<std::size_t>(channels) + static_cast<std::size_t>(c)];
    }
    const std::uint8_t* sp[4] = {in.data(), nullptr, nullptr, nullptr};
    const int ss[4] = {width, 0, 0, 0};
    std::uint8_t* dp[4] = {out.data(), nullptr, nullptr, nullptr};
    const int ds[4] = {out_width, 0, 0, 0};
    sws_scale(sws, sp, ss, 0, height, dp, ds);
    for (std::size_t y = 0; y < oh; ++y) {
      std::uint8_t* r = dst + static_cast<std::ptrdiff_t>(y) * dst_stride;
      for (std::size_t x = 0; x < ow; ++x)
        r[x * static_cast<std::size_t>(channels) + static_cast<std::size_t>(c)] = out[y * ow + x];
    }
  }
  sws_freeContext(sws);
}

}  // namespace percept::io
