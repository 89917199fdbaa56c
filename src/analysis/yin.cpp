// YIN (see yin.hpp).
#include "percept/analysis/yin.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <string>

#include "percept/analysis/cqt.hpp"
#include "percept/analysis/fft.hpp"
#include "percept/core/error.hpp"

namespace percept::analysis {

std::vector<double> yin(std::span<const float> y, const YinOptions& in) {
  YinOptions o = in;
  if (o.frame_length == 0) throw InvalidArgument("yin: frame_length must be positive");
  if (o.win_length == 0) o.win_length = o.frame_length / 2;
  if (o.hop_length == 0) o.hop_length = o.frame_length / 4;
  if (o.hop_length == 0) throw InvalidArgument("yin: hop_length must be positive");
  if (!(o.sr > 0)) throw InvalidArgument("yin: sr must be positive");
  if (!(o.fmin > 0) || !(o.fmax > 0)) throw InvalidArgument("yin: fmin and fmax must be positive");
  if (o.fmax > o.sr / 2) throw InvalidArgument("yin: fmax=" + std::to_string(o.fmax) + " cannot exceed Nyquist");
  if (o.fmin >= o.fmax) throw InvalidArgument("yin: fmin must be smaller than fmax");
  if (o.win_length >= o.frame_length) throw InvalidArgument("yin: win_length must be smaller than frame_length");
  const auto min_period = static_cast<std::size_t>(std::floor(o.sr / o.fmax));
  const std::size_t max_period =
      std::min(static_cast<std::size_t>(std::ceil(o.sr / o.fmin)), o.frame_length - o.win_length - 1);
  if (min_period < 1 || min_period >= max_period)
    throw InvalidArgument("yin: fmin/fmax leave no period range for this frame_length and win_length");
  if (!(o.trough_threshold >= 0)) throw InvalidArgument("yin: trough_threshold must be non-negative");
  for (float v : y)
    if (!std::isfinite(v)) throw InvalidArgument("yin: audio buffer is not finite everywhere");
  const CqtPadMode mode = parse_cqt_pad_mode(o.pad_mode);

  const std::size_t N = o.frame_length, W = o.win_length;
  const std::size_t pad = o.center ? N / 2 : 0;
  const std::size_t padded = y.size() + 2 * pad;
  if (padded < N) throw InvalidArgument("yin: signal shorter than frame_length");
  const std::size_t n_frames = 1 + (padded - N) / o.hop_length;
  const auto n = static_cast<std::ptrdiff_t>(y.size());
  auto sample = [&](std::ptrdiff_t i) -> float {
    if (i >= 0 && i < n) return y[static_cast<std::size_t>(i)];
    if (mode == CqtPadMode::Constant || n == 0) return 0.0f;
    if (mode == CqtPadMode::Edge) return i < 0 ? y.front() : y.back();
    if (n == 1) return y[0];
    const std::ptrdiff_t period = 2 * (n - 1);
    std::ptrdiff_t k = i % period;
    if (k < 0) k += period;
    return y[static_cast<std::size_t>(k < n ? k : period - k)];
  };

  RealFft<double> fft(N);
  AlignedVector<double> fr(N), rev(N), acf(N);
  AlignedVector<std::complex<double>> A(N / 2 + 1), B(N / 2 + 1);
  std::vector<float> frame32(N), cum(N);
  const std::size_t n_tau = max_period + 1;
  std::vector<double> d(n_tau), cmnd(max_period - min_period + 1), shift(cmnd.size());
  std::vector<double> f0(n_frames);
  const double tiny = std::numeric_limits<double>::min();
  for (std::size_t t = 0; t < n_frames; ++t) {
    const auto s0 = static_cast<std::ptrdiff_t>(t * o.hop_length) - static_cast<std::ptrdiff_t>(pad);
    for (std::size_t i = 0; i < N; ++i) frame32[i] = sample(s0 + static_cast<std::ptrdiff_t>(i));
    // autocorrelation over the window: acf[tau] = sum_{i=1..W} x[i] x[i + tau]
    for (std::size_t i = 0; i < N; ++i) fr[i] = frame32[i];
    std::fill(rev.begin(), rev.end(), 0.0);
    for (std::size_t j = 0; j < W; ++j) rev[j] = frame32[W - j];
    fft.forward(fr.data(), A.data());
    fft.forward(rev.data(), B.data());
    for (std::size_t k = 0; k < A.size(); ++k) A[k] *= B[k];
    fft.inverse(A.data(), acf.data());
    // energies: float32 running sum, as numpy's cumsum of float32 frames
    float acc = 0.0f;
    for (std::size_t i = 0; i < N; ++i) {
      acc += frame32[i] * frame32[i];
      cum[i] = acc;
    }
    float e0 = cum[W] - cum[0];
    if (std::abs(e0) < 1e-6f) e0 = 0.0f;
    for (std::size_t tau = 0; tau < n_tau; ++tau) {
      double a = acf[W + tau] / static_cast<double>(N);
      if (std::abs(a) < 1e-6) a = 0.0;
      float e = cum[W + tau] - cum[tau];
      if (std::abs(e) < 1e-6f) e = 0.0f;
      d[tau] = static_cast<double>(e0 + e) - 2.0 * a;
    }
    double csum = 0.0;
    for (std::size_t tau = 1; tau <= max_period; ++tau) {
      csum += d[tau];
      if (tau >= min_period) {
        const double mean = csum / static_cast<double>(tau);
        cmnd[tau - min_period] = d[tau] / (mean + tiny);
      }
    }
    const std::size_t m = cmnd.size();
    shift[0] = shift[m - 1] = 0.0;
    for (std::size_t j = 1; j + 1 < m; ++j) {
      const double a = cmnd[j + 1] + cmnd[j - 1] - 2 * cmnd[j];
      const double b = (cmnd[j + 1] - cmnd[j - 1]) / 2;
      shift[j] = std::abs(b) >= std::abs(a) ? 0.0 : -b / a;
    }
    std::size_t period = m;  // first trough below threshold
    for (std::size_t j = 0; j < m && period == m; ++j) {
      bool trough;
      if (j == 0)
        trough = m > 1 && cmnd[0] < cmnd[1];
      else if (j + 1 == m)
        trough = cmnd[j] < cmnd[j - 1];
      else
        trough = cmnd[j] < cmnd[j - 1] && cmnd[j] <= cmnd[j + 1];
      if (trough && cmnd[j] < o.trough_threshold) period = j;
    }
    if (period == m) period = static_cast<std::size_t>(std::min_element(cmnd.begin(), cmnd.end()) - cmnd.begin());
    f0[t] = o.sr / (static_cast<double>(min_period) + static_cast<double>(period) + shift[period]);
  }
  return f0;
}

}  // namespace percept::analysis
