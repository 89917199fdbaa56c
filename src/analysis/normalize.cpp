#include "percept/analysis/normalize.hpp"

#include <cmath>
#include <string>

#include "percept/core/error.hpp"

namespace percept::analysis {

BandStandardizer::BandStandardizer(double eps) : eps_(eps) {
  if (!(eps >= 0)) throw InvalidArgument("BandStandardizer: eps must be non-negative");
}

void BandStandardizer::check_bands(std::size_t n) const {
  if (!mean_.empty() && n != mean_.size())
    throw InvalidArgument("BandStandardizer: fitted on " + std::to_string(mean_.size()) + " bands, got " +
                          std::to_string(n));
}

void BandStandardizer::refresh() noexcept {
  for (std::size_t b = 0; b < mean_.size(); ++b) {
    const double sd = count_ ? std::sqrt(m2_[b] / static_cast<double>(count_)) : 0.0;
    scale_[b] = 1.0 / (sd + eps_);
  }
}

template <class T>
void BandStandardizer::partial_fit(const FrameMatrix<T>& X) {
  if (X.n_bins == 0) throw InvalidArgument("BandStandardizer: features have no bands");
  check_bands(X.n_bins);
  check_finite(X.data.data(), X.data.size(), "BandStandardizer");
  if (X.n_frames == 0) return;
  const std::size_t nb = X.n_bins;
  // statistics of this chunk (two passes, float64), then Chan's merge
  std::vector<double> mean(nb, 0.0), m2(nb, 0.0);
  for (std::size_t t = 0; t < X.n_frames; ++t)
    for (std::size_t b = 0; b < nb; ++b) mean[b] += static_cast<double>(X.frame(t)[b]);
  const double n = static_cast<double>(X.n_frames);
  for (auto& v : mean) v /= n;
  for (std::size_t t = 0; t < X.n_frames; ++t)
    for (std::size_t b = 0; b < nb; ++b) {
      const double d = static_cast<double>(X.frame(t)[b]) - mean[b];
      m2[b] += d * d;
    }
  if (count_ == 0) {
    mean_ = std::move(mean);
    m2_ = std::move(m2);
    count_ = X.n_frames;
  } else {
    const double na = static_cast<double>(count_);
    const double total = na + n;
    for (std::size_t b = 0; b < nb; ++b) {
      const double delta = mean[b] - mean_[b];
      mean_[b] += delta * (n / total);
      m2_[b] += m2[b] + delta * delta * (na * n / total);
    }
    count_ += X.n_frames;
  }
  scale_.resize(nb);
  refresh();
}

template <class T>
void BandStandardizer::partial_fit_frame(const T* frame, std::size_t n_bands) {
  if (n_bands == 0) throw InvalidArgument("BandStandardizer: features have no bands");
  check_bands(n_bands);
  check_finite(frame, n_bands, "BandStandardizer");
  if (mean_.empty()) {
    mean_.assign(n_bands, 0.0);
    m2_.assign(n_bands, 0.0);
    scale_.assign(n_bands, 0.0);
  }
  ++count_;
  const double c = static_cast<double>(count_);
  for (std::size_t b = 0; b < n_bands; ++b) {  // Welford
    const double x = static_cast<double>(frame[b]);
    const double delta = x - mean_[b];
    mean_[b] += delta / c;
    m2_[b] += delta * (x - mean_[b]);
  }
  refresh();
}

template <class T>
void BandStandardizer::transform_frame(T* frame) const noexcept {
  for (std::size_t b = 0; b < mean_.size(); ++b)
    frame[b] = static_cast<T>((static_cast<double>(frame[b]) - mean_[b]) * scale_[b]);
}

template <class T>
void BandStandardizer::inverse_transform_frame(T* frame) const noexcept {
  for (std::size_t b = 0; b < mean_.size(); ++b)
    frame[b] = static_cast<T>(static_cast<double>(frame[b]) / scale_[b] + mean_[b]);
}

template <class T>
void BandStandardizer::transform(FrameMatrix<T>& X) const {
  if (count_ == 0) throw InvalidArgument("BandStandardizer is not fitted yet");
  if (X.n_bins != mean_.size())
    throw InvalidArgument("BandStandardizer: fitted on " + std::to_string(mean_.size()) + " bands, got " +
                          std::to_string(X.n_bins));
  for (std::size_t t = 0; t < X.n_frames; ++t) transform_frame(X.frame(t));
}

std::vector<double> BandStandardizer::stddev() const {
  std::vector<double> s(mean_.size(), 0.0);
  for (std::size_t b = 0; b < s.size(); ++b) s[b] = count_ ? std::sqrt(m2_[b] / static_cast<double>(count_)) : 0.0;
  return s;
}

void BandStandardizer::set_statistics(std::uint64_t count, std::vector<double> mean, std::vector<double> m2) {
  if (mean.size() != m2.size() || mean.empty())
    throw InvalidArgument("BandStandardizer: mean and m2 must be non-empty and of equal length");
  for (std::size_t b = 0; b < mean.size(); ++b)
    if (!std::isfinite(mean[b]) || !std::isfinite(m2[b]) || m2[b] < 0)
      throw InvalidArgument("BandStandardizer: statistics must be finite with m2 >= 0");
  count_ = count;
  mean_ = std::move(mean);
  m2_ = std::move(m2);
  scale_.assign(mean_.size(), 0.0);
  refresh();
}

template void BandStandardizer::partial_fit<float>(const FrameMatrix<float>&);
template void BandStandardizer::partial_fit<double>(const FrameMatrix<double>&);
template void BandStandardizer::partial_fit_frame<float>(const float*, std::size_t);
template void BandStandardizer::partial_fit_frame<double>(const double*, std::size_t);
template void BandStandardizer::transform_frame<float>(float*) const noexcept;
template void BandStandardizer::transform_frame<double>(double*) const noexcept;
template void BandStandardizer::inverse_transform_frame<float>(float*) const noexcept;
template void BandStandardizer::inverse_transform_frame<double>(double*) const noexcept;
template void BandStandardizer::transform<float>(FrameMatrix<float>&) const;
template void BandStandardizer::transform<double>(FrameMatrix<double>&) const;

}  // namespace percept::analysis
