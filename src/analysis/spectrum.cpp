#include "percept/analysis/spectrum.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>
#include <string>

#include <Eigen/Core>

#include "percept/core/error.hpp"

namespace percept::analysis {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto ca = static_cast<unsigned char>(a[i]);
    const auto cb = static_cast<unsigned char>(b[i]);
    if (std::tolower(ca) != std::tolower(cb)) return false;
  }
  return true;
}

std::vector<double> general_cosine(std::size_t m, std::initializer_list<double> a) {
  const auto fac = linspace(-std::numbers::pi, std::numbers::pi, m);
  std::vector<double> w(m, 0.0);
  std::size_t k = 0;
  for (double ak : a) {
    for (std::size_t i = 0; i < m; ++i) w[i] += ak * std::cos(static_cast<double>(k) * fac[i]);
    ++k;
  }
  return w;
}

}  // namespace

std::vector<double> linspace(double start, double stop, std::size_t num) {
  std::vector<double> y(num);
  if (num == 0) return y;
  if (num == 1) {
    y[0] = start;
    return y;
  }
  const double step = (stop - start) / static_cast<double>(num - 1);
  for (std::size_t i = 0; i < num; ++i) y[i] = static_cast<double>(i) * step + start;
  y[num - 1] = stop;
  return y;
}

WindowType parse_window(std::string_view name) {
  if (iequals(name, "hann") || iequals(name, "hanning")) return WindowType::Hann;
  if (iequals(name, "hamming")) return WindowType::Hamming;
  if (iequals(name, "blackman")) return WindowType::Blackman;
  if (iequals(name, "boxcar") || iequals(name, "rect") || iequals(name, "rectangular") || iequals(name, "box") ||
      iequals(name, "ones"))
    return WindowType::Rect;
  throw InvalidArgument("unknown window '" + std::string(name) + "' (expected hann, hamming, blackman or boxcar/rect)");
}

const char* window_name(WindowType w) noexcept {
  switch (w) {
    case WindowType::Hann:
      return "hann";
    case WindowType::Hamming:
      return "hamming";
    case WindowType::Blackman:
      return "blackman";
    case WindowType::Rect:
      return "boxcar";
  }
  return "?";
}

std::vector<double> get_window(WindowType type, std::size_t n, bool fftbins) {
  if (n <= 1) return std::vector<double>(n, 1.0);
  const std::size_t m = fftbins ? n + 1 : n;
  std::vector<double> w;
  switch (type) {
    case WindowType::Hann:
      w = general_cosine(m, {0.5, 0.5});
      break;
    case WindowType::Hamming:
      w = general_cosine(m, {0.54, 1.0 - 0.54});
      break;
    case WindowType::Blackman:
      w = general_cosine(m, {0.42, 0.50, 0.08});
      break;
    case WindowType::Rect:
      w.assign(m, 1.0);
      break;
  }
  w.resize(n);
  return w;
}

std::vector<double> pad_center(const std::vector<double>& data, std::size_t size) {
  if (size < data.size())
    throw InvalidArgument("pad_center: target size " + std::to_string(size) + " is smaller than the data (" +
                          std::to_string(data.size()) + ")");
  std::vector<double> out(size, 0.0);
  const std::size_t lpad = (size - data.size()) / 2;
  std::copy(data.begin(), data.end(), out.begin() + static_cast<std::ptrdiff_t>(lpad));
  return out;
}

std::vector<double> stft_window(WindowType type, std::size_t win_length, std::size_t n_fft) {
  return pad_center(get_window(type, win_length, true), n_fft);
}

namespace {

// librosa.filters.window_sumsquare evaluated sample by sample: x[i] = sum over the frames f covering i of
// wsq[i - f * hop], added in frame order (offsets descending) exactly as the frame-by-frame accumulation
// of librosa's __window_ss_fill orders the additions. The interior, where every frame that could cover
// i exists (n_fft - 1 <= i < n_frames * hop), depends on i mod hop only: one period is computed and
// reused, so a whole envelope costs O(length), not O(n_frames * n_fft).
class WindowSumSquare {
 public:
  WindowSumSquare(WindowType type, std::size_t n_frames, std::size_t hop, std::size_t win_length, std::size_t n_fft)
      : n_frames_(n_frames), hop_(hop), n_fft_(n_fft) {
    if (hop == 0) throw InvalidArgument("window_sumsquare: hop_length must be positive");
    n_ = n_frames == 0 ? 0 : n_fft + hop * (n_frames - 1);
    auto w = get_window(type, win_length, true);
    for (auto& v : w) v = v * v;
    wsq_ = pad_center(w, n_fft);
    lo_ = n_fft - 1;
    hi_ = std::min(n_, n_frames * hop);
    if (lo_ + hop < hi_) {
      period_.resize(hop);
      for (std::size_t r = 0; r < hop; ++r) period_[r] = direct(lo_ + r);
    } else {
      lo_ = hi_ = n_;  // no interior: every sample directly
    }
  }
  [[nodiscard]] std::size_t size() const noexcept { return n_; }

  /// fn(i, x[i]) for i in [a, b) (b <= size()), in order.
  template <class Fn>
  void for_range(std::size_t a, std::size_t b, Fn&& fn) const {
    std::size_t i = a;
    for (; i < std::min(b, lo_); ++i) fn(i, direct(i));
    while (i < std::min(b, hi_)) {
      const std::size_t r = (i - lo_) % hop_;
      const std::size_t len = std::min(hop_ - r, std::min(b, hi_) - i);
      const double* per = period_.data() + r;
      for (std::size_t j = 0; j < len; ++j) fn(i + j, per[j]);
      i += len;
    }
    for (i = std::max(i, hi_); i < b; ++i) fn(i, direct(i));
  }

 private:
  [[nodiscard]] double direct(std::size_t i) const noexcept {
    const std::size_t f_last = std::min(i / hop_, n_frames_ - 1);
    const std::size_t f_first = i >= n_fft_ ? (i - n_fft_) / hop_ + 1 : 0;
    double acc = 0.0;
    for (std::size_t f = f_first; f <= f_last; ++f) acc += wsq_[i - f * hop_];
    return acc;
  }

  std::size_t n_frames_, hop_, n_fft_, n_ = 0, lo_ = 0, hi_ = 0;
  std::vector<double> wsq_, period_;
};

}  // namespace

std::vector<double> window_sumsquare(WindowType type, std::size_t n_frames, std::size_t hop_length,
                                     std::size_t win_length, std::size_t n_fft) {
  const WindowSumSquare ws(type, n_frames, hop_length, win_length, n_fft);
  std::vector<double> x(ws.size(), 0.0);
  ws.for_range(0, ws.size(), [&](std::size_t i, double v) { x[i] = v; });
  return x;
}

PadMode parse_pad_mode(std::string_view name) {
  if (iequals(name, "constant") || iequals(name, "zeros")) return PadMode::Constant;
  if (iequals(name, "edge")) return PadMode::Edge;
  if (iequals(name, "reflect")) return PadMode::Reflect;
  if (iequals(name, "symmetric")) return PadMode::Symmetric;
  throw InvalidArgument("unsupported pad_mode '" + std::string(name) +
                        "' (expected constant, edge, reflect or symmetric)");
}

std::size_t num_frames(std::size_t n, std::size_t n_fft, std::size_t hop_length, bool center) noexcept {
  const std::size_t padded = center ? n + 2 * (n_fft / 2) : n;
  if (padded < n_fft || hop_length == 0) return 0;
  return 1 + (padded - n_fft) / hop_length;
}

StftParams StftParams::resolved() const {
  StftParams p = *this;
  if (p.n_fft == 0) throw InvalidArgument("stft: n_fft must be positive");
  if (p.win_length == 0) p.win_length = p.n_fft;
  if (p.win_length > p.n_fft)
    throw InvalidArgument("stft: win_length=" + std::to_string(p.win_length) +
                          " must be <= n_fft=" + std::to_string(p.n_fft));
  if (p.hop_length == 0) p.hop_length = p.win_length / 4;
  if (p.hop_length == 0) throw InvalidArgument("stft: hop_length must be positive (win_length / 4 is 0)");
  return p;
}

template <class T>
void check_finite(const T* x, std::size_t n, const char* what) {
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(x[i]))
      throw InvalidArgument(std::string(what) + ": input is not finite everywhere (sample " + std::to_string(i) +
                            " is " + (std::isnan(x[i]) ? "NaN" : "infinite") + ")");
}

// ---------------------------------------------------------------------------------------------
template <class T>
Stft<T>::Stft(const StftParams& params) : p_(params.resolved()), fft_(p_.n_fft, FftDirections::Forward) {
  const auto w = stft_window(p_.window, p_.win_length, p_.n_fft);
  window_.resize(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) window_[i] = static_cast<T>(w[i]);
}

template <class T>
std::size_t Stft<T>::num_frames(std::size_t n) const noexcept {
  return analysis::num_frames(n, p_.n_fft, p_.hop_length, p_.center);
}

template <class T>
void Stft<T>::spectrum_of(const T* samples, T* frame, std::complex<T>* out) const noexcept {
  const T* w = window_.data();
  const std::size_t nf = p_.n_fft;
  for (std::size_t i = 0; i < nf; ++i) frame[i] = samples[i] * w[i];
  fft_.forward(frame, out);
}

template <class T>
void Stft<T>::frame_spectrum(const T* y, std::size_t n, std::int64_t start, T* frame,
                             std::complex<T>* out) const noexcept {
  const std::size_t nf = p_.n_fft;
  const T* w = window_.data();
  if (start >= 0 && static_cast<std::size_t>(start) + nf <= n) {
    const T* s = y + start;
    for (std::size_t i = 0; i < nf; ++i) frame[i] = s[i] * w[i];
  } else {
    for (std::size_t i = 0; i < nf; ++i)
      frame[i] = padded_sample(y, n, start + static_cast<std::int64_t>(i), p_.pad_mode) * w[i];
  }
  fft_.forward(frame, out);
}

namespace {
template <class T>
void check_signal(const T* y, std::size_t n, const StftParams& p, const char* what) {
  if (n == 0) throw InvalidArgument(std::string(what) + ": the signal is empty");
  if (!p.center && n < p.n_fft)
    throw InvalidArgument(std::string(what) + ": signal of " + std::to_string(n) +
                          " samples is shorter than n_fft=" + std::to_string(p.n_fft) + " with center=False");
  check_finite(y, n, what);
}
}  // namespace

template <class T>
FrameMatrix<std::complex<T>> Stft<T>::complex(const T* y, std::size_t n) const {
  check_signal(y, n, p_, "stft");
  FrameMatrix<std::complex<T>> S(num_frames(n), n_bins());
  AlignedVector<T> frame(p_.n_fft);
  const std::int64_t offset = p_.center ? static_cast<std::int64_t>(p_.n_fft / 2) : 0;
  for (std::size_t t = 0; t < S.n_frames; ++t)
    frame_spectrum(y, n, static_cast<std::int64_t>(t * p_.hop_length) - offset, frame.data(), S.frame(t));
  return S;
}

template <class T>
FrameMatrix<T> Stft<T>::magnitude(const T* y, std::size_t n, double power) const {
  check_signal(y, n, p_, "stft");
  if (!(power > 0)) throw InvalidArgument("stft: power must be positive");
  FrameMatrix<T> S(num_frames(n), n_bins());
  const std::size_t nb = n_bins();
  for_each_frame(y, n, [&](std::size_t t, const std::complex<T>* X) {
    T* o = S.frame(t);
    if (power == 2.0) {
      for (std::size_t k = 0; k < nb; ++k) o[k] = X[k].real() * X[k].real() + X[k].imag() * X[k].imag();
    } else if (power == 1.0) {
      for (std::size_t k = 0; k < nb; ++k) o[k] = std::hypot(X[k].real(), X[k].imag());
    } else {
      const T pw = static_cast<T>(power);
      for (std::size_t k = 0; k < nb; ++k) o[k] = std::pow(std::hypot(X[k].real(), X[k].imag()), pw);
    }
  });
  return S;
}

template <class T>
FrameMatrix<std::complex<T>> stft(const T* y, std::size_t n, const StftParams& params) {
  return Stft<T>(params).complex(y, n);
}

template <class T>
OverlapAdd<T>::OverlapAdd(const StftParams& params, std::size_t n_frames, std::optional<std::size_t> length)
    : p_(params.resolved()) {
  const std::size_t nf = p_.n_fft, hop = p_.hop_length;
  n_frames_ = n_frames;
  if (length && *length > 0) {
    const std::size_t padded = p_.center ? *length + 2 * (nf / 2) : *length;
    n_frames_ = std::min(n_frames_, (padded + hop - 1) / hop);
  }
  expected_ = n_frames_ == 0 ? 0 : nf + hop * (n_frames_ - 1);
  start_ = p_.center ? nf / 2 : 0;
  if (length && *length > 0) {
    out_len_ = *length;
  } else {
    out_len_ = expected_ > start_ * 2 ? expected_ - (p_.center ? 2 * (nf / 2) : 0) : 0;
  }
  const auto w = stft_window(p_.window, p_.win_length, nf);
  win_.assign(w.begin(), w.end());
  frame_.resize(nf);
  full_.assign(expected_, T{0});
  fft_ = RealFft<T>(nf);
}

template <class T>
void OverlapAdd<T>::add(std::size_t t, std::complex<T>* spectrum) noexcept {
  const std::size_t nf = p_.n_fft;
  fft_.inverse_destroy(spectrum, frame_.data());
  const T scale = T{1} / static_cast<T>(nf);
  const T* f = frame_.data();
  const T* w = win_.data();
  T* dst = full_.data() + t * p_.hop_length;
  for (std::size_t i = 0; i < nf; ++i) dst[i] += f[i] * scale * w[i];
}

template <class T>
std::vector<T> OverlapAdd<T>::finish() {
  // normalised in place and shifted to the front of the overlap-add buffer (no second signal-sized array)
  const WindowSumSquare wss(p_.window, n_frames_, p_.hop_length, p_.win_length, p_.n_fft);
  std::vector<T> y = std::move(full_);
  const T tiny = std::numeric_limits<T>::min();
  const std::size_t avail = expected_ > start_ ? std::min(out_len_, expected_ - start_) : 0;
  T* d = y.data();
  const std::size_t off = start_;
  wss.for_range(start_, start_ + avail, [d, off, tiny](std::size_t i, double w) {
    const T wsum = static_cast<T>(w);
    const T v = d[i];
    d[i - off] = wsum > tiny ? v / wsum : v;
  });
  std::fill(y.begin() + static_cast<std::ptrdiff_t>(avail),
            y.begin() + static_cast<std::ptrdiff_t>(std::min(out_len_, y.size())), T{0});
  y.resize(out_len_, T{0});
  return y;
}

template <class T>
std::vector<T> istft(const FrameMatrix<std::complex<T>>& S, const StftParams& params,
                     std::optional<std::size_t> length) {
  if (S.n_bins == 0) throw InvalidArgument("istft: the spectrogram has no frequency bins");
  StftParams p = params;
  if (p.n_fft == 0) p.n_fft = 2 * (S.n_bins - 1);
  if (p.n_fft == 0) throw InvalidArgument("istft: a spectrogram of 1 bin implies n_fft = 0");
  if (p.n_fft / 2 + 1 != S.n_bins)
    throw InvalidArgument("istft: n_fft=" + std::to_string(p.n_fft) + " does not match " + std::to_string(S.n_bins) +
                          " frequency bins");
  for (const auto& v : S.data)
    if (!std::isfinite(v.real()) || !std::isfinite(v.imag()))
      throw InvalidArgument("istft: the spectrogram is not finite everywhere");
  OverlapAdd<T> ola(p, S.n_frames, length);
  AlignedVector<std::complex<T>> spec(S.n_bins);
  for (std::size_t t = 0; t < ola.frames(); ++t) {
    std::copy(S.frame(t), S.frame(t) + S.n_bins, spec.begin());
    ola.add(t, spec.data());
  }
  return ola.finish();
}

// ---------------------------------------------------------------------------------------------
template <class T>
void power_db_inplace(T* x, std::size_t n, T amin, T ref_db) noexcept {
  // 10 log10(v) = (10 / ln 10) ln(v); Eigen's packet logarithm vectorises it
  Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>> a(x, static_cast<Eigen::Index>(n));
  const T scale = static_cast<T>(10.0 / std::numbers::ln10);
  a = a.max(amin).log() * scale - ref_db;
}

template <class T>
void power_to_db(T* x, std::size_t n, const DbParams& params) {
  if (!(params.amin > 0)) throw InvalidArgument("power_to_db: amin must be strictly positive");
  if (params.top_db && *params.top_db < 0) throw InvalidArgument("power_to_db: top_db must be non-negative");
  const T amin = static_cast<T>(params.amin);
  T ref;
  if (params.ref_is_max) {
    ref = n ? T{0} : T{1};
    for (std::size_t i = 0; i < n; ++i) ref = std::max(ref, std::abs(x[i]));
  } else {
    ref = static_cast<T>(std::abs(params.ref));
  }
  const T ref_db = T{10} * std::log10(std::max(amin, ref));
  power_db_inplace(x, n, amin, ref_db);
  if (params.top_db && n) {
    T mx = -std::numeric_limits<T>::infinity();
    for (std::size_t i = 0; i < n; ++i) mx = std::max(mx, x[i]);
    const T floor = mx - static_cast<T>(*params.top_db);
    for (std::size_t i = 0; i < n; ++i) x[i] = std::max(x[i], floor);
  }
}

template <class T>
void amplitude_to_db(T* x, std::size_t n, DbParams params) {
  if (!(params.amin > 0)) throw InvalidArgument("amplitude_to_db: amin must be strictly positive");
  T ref;
  if (params.ref_is_max) {
    ref = n ? T{0} : T{1};
    for (std::size_t i = 0; i < n; ++i) ref = std::max(ref, std::abs(x[i]));
  } else {
    ref = static_cast<T>(std::abs(params.ref));
  }
  for (std::size_t i = 0; i < n; ++i) x[i] = std::abs(x[i]) * std::abs(x[i]);
  params.ref_is_max = false;
  params.ref = static_cast<double>(ref) * static_cast<double>(ref);
  params.amin = params.amin * params.amin;
  power_to_db(x, n, params);
}

template <class T>
void db_to_power(T* x, std::size_t n, double ref) noexcept {
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<T>(ref * std::pow(10.0, 0.1 * static_cast<double>(x[i])));
}

template <class T>
void db_to_amplitude(T* x, std::size_t n, double ref) noexcept {
  for (std::size_t i = 0; i < n; ++i)
    x[i] = static_cast<T>(std::sqrt(ref * ref * std::pow(10.0, 0.1 * static_cast<double>(x[i]))));
}

#define PERCEPT_INSTANTIATE(T)                                                             \
  template class Stft<T>;                                                                  \
  template class OverlapAdd<T>;                                                            \
  template FrameMatrix<std::complex<T>> stft<T>(const T*, std::size_t, const StftParams&); \
  template std::vector<T> istft<T>(const FrameMatrix<std::complex<T>>&, const StftParams&, \
                                   std::optional<std::size_t>);                            \
  template void power_to_db<T>(T*, std::size_t, const DbParams&);                          \
  template void amplitude_to_db<T>(T*, std::size_t, DbParams);                             \
  template void db_to_power<T>(T*, std::size_t, double) noexcept;                          \
  template void db_to_amplitude<T>(T*, std::size_t, double) noexcept;                      \
  template void check_finite<T>(const T*, std::size_t, const char*);

PERCEPT_INSTANTIATE(float)
PERCEPT_INSTANTIATE(double)
#undef PERCEPT_INSTANTIATE

template void power_db_inplace<float>(float*, std::size_t, float, float) noexcept;
template void power_db_inplace<double>(double*, std::size_t, double, double) noexcept;

}  // namespace percept::analysis
