// percept/vision/filter.hpp — Gaussian blur and difference of Gaussians (band-pass edges).
//
// The kernel follows OpenCV's getGaussianKernel for float images: size round(8 sigma + 1) | 1 (at least 3),
// taps exp(-x^2 / (2 sigma^2)) normalised to sum 1; borders reflect without repeating the edge pixel
// (cv2.BORDER_REFLECT_101). Results agree with cv2.GaussianBlur(float32 image, (0, 0), sigma) to float
// rounding. Separable, one pass per axis.
#pragma once

#include <cstdint>
#include <vector>

#include "percept/vision/image.hpp"

namespace percept::vision {

/// The normalised 1-D kernel for `sigma` (> 0).
std::vector<float> gaussian_kernel(double sigma);

/// dst = src blurred with sigma in both directions; any channel count; dst may not alias src.
void gaussian_blur(ImageView<const float> src, ImageView<float> dst, double sigma);

/// dst = G(sigma1) * src - G(sigma2) * src, in float (uint8 input is converted, not rescaled).
void difference_of_gaussians(ImageView<const float> src, ImageView<float> dst, double sigma1, double sigma2);
void difference_of_gaussians(ImageView<const std::uint8_t> src, ImageView<float> dst, double sigma1, double sigma2);

}  // namespace percept::vision
