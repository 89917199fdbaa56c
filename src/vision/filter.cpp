#include "percept/vision/filter.hpp"

#include <thread>

#include "vectorize.hpp"

#include <cmath>
#include <exception>
#include <string>

namespace percept::vision {

namespace {
PERCEPT_VECTORIZE void axpy(float* __restrict acc, const float* __restrict x, float k, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) acc[i] += k * x[i];
}

// acc += k * (a + b): two symmetric taps of the kernel at once.
PERCEPT_VECTORIZE void axpy2(float* __restrict acc, const float* __restrict a, const float* __restrict b, float k,
                             std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) acc[i] += k * (a[i] + b[i]);
}

PERCEPT_VECTORIZE void subtract(float* __restrict d, const float* __restrict a, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) d[i] = a[i] - d[i];
}

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
    auto tap = [&](int j) { return ext.data() + static_cast<std::size_t>(j) * static_cast<std::size_t>(c); };
    axpy(t, tap(r), k[static_cast<std::size_t>(r)], row_len);
    for (int j = 0; j < r; ++j) axpy2(t, tap(j), tap(n - 1 - j), k[static_cast<std::size_t>(j)], row_len);
  }
  // Vertical pass.
  for (int y = 0; y < h; ++y) {
    float* d = dst.row(y);
    for (std::size_t i = 0; i < row_len; ++i) d[i] = 0.0f;
    auto tap = [&](int j) { return tmp.data() + static_cast<std::size_t>(reflect101(y + j - r, h)) * row_len; };
    axpy(d, tap(r), k[static_cast<std::size_t>(r)], row_len);
    for (int j = 0; j < r; ++j) axpy2(d, tap(j), tap(n - 1 - j), k[static_cast<std::size_t>(j)], row_len);
  }
}

void difference_of_gaussians(ImageView<const float> src, ImageView<float> dst, double sigma1, double sigma2) {
  check_image(src, "difference_of_gaussians");
  if (!dst.same_shape(src.height, src.width, src.channels))
    throw InvalidArgument("difference_of_gaussians: output must have the input's shape");
  Image<float> a(src.height, src.width, src.channels);
  // The two blurs are independent: the second runs on a helper thread when there is enough work.
  if (src.pixels() >= 100000 && std::thread::hardware_concurrency() > 1) {
    std::exception_ptr failure;
    std::thread helper([&] {
      try {
        gaussian_blur(src, dst, sigma2);
      } catch (...) {
        failure = std::current_exception();
      }
    });
    try {
      gaussian_blur(src, a.view(), sigma1);
    } catch (...) {
      helper.join();
      throw;
    }
    helper.join();
    if (failure) std::rethrow_exception(failure);
  } else {
    gaussian_blur(src, a.view(), sigma1);
    gaussian_blur(src, dst, sigma2);
  }
  const std::size_t row_len = static_cast<std::size_t>(src.width) * static_cast<std::size_t>(src.channels);
  for (int y = 0; y < src.height; ++y) {
    float* d = dst.row(y);
    subtract(d, a.view().row(y), row_len);
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
