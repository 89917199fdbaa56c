#include "percept/vision/filter.hpp"

#include <cmath>
#include <string>

namespace percept::vision {

namespace {
int reflect101(int p, int len) {
  if (len == 1) return 0;
  while (p < 0 || p >= len) p = p < 0 ? -p : 2 * len - 2 - p;
  return p;
}
}  // namespace

std::vector<float> gaussian_kernel(double sigma) {
  if (!(std::isfinite(sigma) && sigma > 0))
    throw InvalidArgument("gaussian kernel: sigma must be a positive number, got " + std::to_string(sigma));
  const int n = static_cast<int>(std::nearbyint(sigma * 8.0 + 1.0)) | 1;  // OpenCV's size for float images
  std::vector<double> k(static_cast<std::size_t>(n));
  const double scale = -0.5 / (sigma * sigma);
  double sum = 0.0;
  for (int i = 0; i < n; ++i) {
    const double x = i - (n - 1) * 0.5;
    k[static_cast<std::size_t>(i)] = std::exp(scale * x * x);
    sum += k[static_cast<std::size_t>(i)];
  }
  std::vector<float> out(k.size());
  for (std::size_t i = 0; i < k.size(); ++i) out[i] = static_cast<float>(k[i] / sum);
  return out;
}

void gaussian_blur(ImageView<const float> src, ImageView<float> dst, double sigma) {
  check_image(src, "gaussian_blur");
  if (!dst.same_shape(src.height, src.width, src.channels))
    throw InvalidArgument("gaussian_blur: output must have the input's shape");
  const std::vector<float> k = gaussian_kernel(sigma);
  const int n = static_cast<int>(k.size());
  const int r = n / 2;
  const int w = src.width, h = src.height, c = src.channels;
  const std::size_t row_len = static_cast<std::size_t>(w) * static_cast<std::size_t>(c);
  // Horizontal pass into tmp (h rows).
  std::vector<float> tmp(static_cast<std::size_t>(h) * row_len);
  std::vector<float> ext(static_cast<std::size_t>(w + 2 * r) * static_cast<std::size_t>(c));
  for (int y = 0; y < h; ++y) {
    const float* s = src.row(y);
    for (int x = -r; x < w + r; ++x) {
      const int sx = reflect101(x, w);
      for (int ch = 0; ch < c; ++ch)
        ext[static_cast<std::size_t>(x + r) * static_cast<std::size_t>(c) + static_cast<std::size_t>(ch)] =
            s[sx * c + ch];
    }
    float* t = tmp.data() + static_cast<std::size_t>(y) * row_len;
    for (std::size_t i = 0; i < row_len; ++i) t[i] = 0.0f;
    for (int j = 0; j < n; ++j) {
      const float kj = k[static_cast<std::size_t>(j)];
      const float* e = ext.data() + static_cast<std::size_t>(j) * static_cast<std::size_t>(c);
      for (std::size_t i = 0; i < row_len; ++i) t[i] += kj * e[i];
    }
  }
  // Vertical pass.
  for (int y = 0; y < h; ++y) {
    float* d = dst.row(y);
    for (std::size_t i = 0; i < row_len; ++i) d[i] = 0.0f;
    for (int j = 0; j < n; ++j) {
      const float kj = k[static_cast<std::size_t>(j)];
      const float* t = tmp.data() + static_cast<std::size_t>(reflect101(y + j - r, h)) * row_len;
      for (std::size_t i = 0; i < row_len; ++i) d[i] += kj * t[i];
    }
  }
}

void difference_of_gaussians(ImageView<const float> src, ImageView<float> dst, double sigma1, double sigma2) {
  check_image(src, "difference_of_gaussians");
  if (!dst.same_shape(src.height, src.width, src.channels))
    throw InvalidArgument("difference_of_gaussians: output must have the input's shape");
  Image<float> a(src.height, src.width, src.channels);
  gaussian_blur(src, a.view(), sigma1);
  gaussian_blur(src, dst, sigma2);
  const std::size_t row_len = static_cast<std::size_t>(src.width) * static_cast<std::size_t>(src.channels);
  for (int y = 0; y < src.height; ++y) {
    float* d = dst.row(y);
    const float* p = a.view().row(y);
    for (std::size_t i = 0; i < row_len; ++i) d[i] = p[i] - d[i];
  }
}

void difference_of_gaussians(ImageView<const std::uint8_t> src, ImageView<float> dst, double sigma1, double sigma2) {
  check_image(src, "difference_of_gaussians");
  Image<float> f(src.height, src.width, src.channels);
  const std::size_t row_len = static_cast<std::size_t>(src.width) * static_cast<std::size_t>(src.channels);
  for (int y = 0; y < src.height; ++y) {
    const std::uint8_t* s = src.row(y);
    float* d = f.view().row(y);
    for (std::size_t i = 0; i < row_len; ++i) d[i] = static_cast<float>(s[i]);
  }
  difference_of_gaussians(ImageView<const float>(f.view()), dst, sigma1, sigma2);
}

}  // namespace percept::vision
