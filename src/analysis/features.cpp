#include "percept/analysis/features.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "percept/analysis/spectrum.hpp"
#include "percept/core/error.hpp"

namespace percept::analysis {

namespace {

constexpr double kFsp = 200.0 / 3;
constexpr double kMinLogHz = 1000.0;

double min_log_mel() {
  return (kMinLogHz - 0.0) / kFsp;
}
double logstep() {
  return std::log(6.4) / 27.0;
}

template <class T>
T tiny() {
  return std::numeric_limits<T>::min();
}

}  // namespace

double hz_to_mel(double hz, bool htk) noexcept {
  if (htk) return 2595.0 * std::log10(1.0 + hz / 700.0);
  double mel = (hz - 0.0) / kFsp;
  if (hz >= kMinLogHz) mel = min_log_mel() + std::log(hz / kMinLogHz) / logstep();
  return mel;
}

double mel_to_hz(double mel, bool htk) noexcept {
  if (htk) return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0);
  double hz = 0.0 + kFsp * mel;
  if (mel >= min_log_mel()) hz = kMinLogHz * std::exp(logstep() * (mel - min_log_mel()));
  return hz;
}

std::vector<double> mel_frequencies(std::size_t n_mels, double fmin, double fmax, bool htk) {
  auto mels = linspace(hz_to_mel(fmin, htk), hz_to_mel(fmax, htk), n_mels);
  for (auto& m : mels) m = mel_to_hz(m, htk);
  return mels;
}

std::vector<double> fft_frequencies(double sr, std::size_t n_fft) {
  const double d = 1.0 / sr;
  const double val = 1.0 / (static_cast<double>(n_fft) * d);
  std::vector<double> f(n_fft / 2 + 1);
  for (std::size_t k = 0; k < f.size(); ++k) f[k] = static_cast<double>(k) * val;
  return f;
}

template <class T>
void normalize_vector(T* x, std::size_t n, double norm) noexcept {
  if (norm == 0 || n == 0) return;
  double length = 0;
  if (std::isinf(norm)) {
    for (std::size_t i = 0; i < n; ++i) length = std::max(length, std::abs(static_cast<double>(x[i])));
  } else {
    for (std::size_t i = 0; i < n; ++i) length += std::pow(std::abs(static_cast<double>(x[i])), norm);
    length = std::pow(length, 1.0 / norm);
  }
  if (length < static_cast<double>(tiny<T>())) return;
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<T>(static_cast<double>(x[i]) / length);
}

// ---------------------------------------------------------------------------------------------
template <class T>
MelFilterbank<T>::MelFilterbank(const MelParams& params) {
  if (!(params.sr > 0)) throw InvalidArgument("filters.mel: sr must be positive");
  if (params.n_fft == 0) throw InvalidArgument("filters.mel: n_fft must be positive");
  if (params.n_mels == 0) throw InvalidArgument("filters.mel: n_mels must be positive");
  const double fmax = params.fmax.value_or(params.sr / 2);
  if (params.fmin < 0 || !(fmax > params.fmin))
    throw InvalidArgument("filters.mel: need 0 <= fmin < fmax (fmin=" + std::to_string(params.fmin) +
                          ", fmax=" + std::to_string(fmax) + ")");
  n_mels_ = params.n_mels;
  n_bins_ = params.n_fft / 2 + 1;
  dense_.assign(n_mels_ * n_bins_, T{0});
  const auto fftfreqs = fft_frequencies(params.sr, params.n_fft);
  const auto mel_f = mel_frequencies(n_mels_ + 2, params.fmin, fmax, params.htk);
  for (std::size_t i = 0; i < n_mels_; ++i) {
    const double fd0 = mel_f[i + 1] - mel_f[i];
    const double fd1 = mel_f[i + 2] - mel_f[i + 1];
    T* row = dense_.data() + i * n_bins_;
    for (std::size_t k = 0; k < n_bins_; ++k) {
      const double lower = -(mel_f[i] - fftfreqs[k]) / fd0;
      const double upper = (mel_f[i + 2] - fftfreqs[k]) / fd1;
      row[k] = static_cast<T>(std::max(0.0, std::min(lower, upper)));
    }
    if (params.norm.kind == FilterNorm::Slaney) {
      const double enorm = 2.0 / (mel_f[i + 2] - mel_f[i]);
      for (std::size_t k = 0; k < n_bins_; ++k) row[k] = static_cast<T>(static_cast<double>(row[k]) * enorm);
    } else if (params.norm.kind == FilterNorm::P) {
      normalize_vector(row, n_bins_, params.norm.p);
    }
  }
  begin_.resize(n_mels_);
  end_.resize(n_mels_);
  offset_.resize(n_mels_);
  for (std::size_t i = 0; i < n_mels_; ++i) {
    const T* row = dense_.data() + i * n_bins_;
    std::size_t b = 0, e = 0;
    for (std::size_t k = 0; k < n_bins_; ++k)
      if (row[k] != T{0}) {
        if (e == 0) b = k;
        e = k + 1;
      }
    begin_[i] = b;
    end_[i] = e;
    offset_[i] = packed_.size();
    packed_.insert(packed_.end(), row + b, row + e);
  }
}

template <class T>
void MelFilterbank<T>::apply(const T* spec, T* out) const noexcept {
  for (std::size_t m = 0; m < n_mels_; ++m) {
    const T* w = packed_.data() + offset_[m];
    const T* s = spec + begin_[m];
    const std::size_t len = end_[m] - begin_[m];
    T acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
    std::size_t k = 0;
    for (; k + 4 <= len; k += 4) {
      acc0 += w[k] * s[k];
      acc1 += w[k + 1] * s[k + 1];
      acc2 += w[k + 2] * s[k + 2];
      acc3 += w[k + 3] * s[k + 3];
    }
    for (; k < len; ++k) acc0 += w[k] * s[k];
    out[m] = (acc0 + acc1) + (acc2 + acc3);
  }
}

template <class T>
FrameMatrix<T> apply_filterbank(const MelFilterbank<T>& fb, const FrameMatrix<T>& S) {
  if (S.n_bins != fb.n_bins())
    throw InvalidArgument("melspectrogram: spectrogram has " + std::to_string(S.n_bins) +
                          " bins, the filterbank expects " + std::to_string(fb.n_bins()));
  FrameMatrix<T> M(S.n_frames, fb.n_mels());
  for (std::size_t t = 0; t < S.n_frames; ++t) fb.apply(S.frame(t), M.frame(t));
  return M;
}

template <class T>
FrameMatrix<T> melspectrogram(const T* y, std::size_t n, double sr, const StftParams& stft, double power,
                              MelParams mel) {
  Stft<T> st(stft);
  mel.sr = sr;
  mel.n_fft = st.params().n_fft;
  MelFilterbank<T> fb(mel);
  if (!(power > 0)) throw InvalidArgument("melspectrogram: power must be positive");
  if (n == 0) throw InvalidArgument("melspectrogram: the signal is empty");
  if (!st.params().center && n < st.params().n_fft)
    throw InvalidArgument("melspectrogram: signal shorter than n_fft with center=False");
  check_finite(y, n, "melspectrogram");
  const std::size_t nb = st.n_bins();
  FrameMatrix<T> M(st.num_frames(n), fb.n_mels());
  AlignedVector<T> mag(nb);
  st.for_each_frame(y, n, [&](std::size_t t, const std::complex<T>* X) {
    if (power == 2.0) {
      for (std::size_t k = 0; k < nb; ++k) mag[k] = X[k].real() * X[k].real() + X[k].imag() * X[k].imag();
    } else if (power == 1.0) {
      for (std::size_t k = 0; k < nb; ++k) mag[k] = std::hypot(X[k].real(), X[k].imag());
    } else {
      for (std::size_t k = 0; k < nb; ++k)
        mag[k] = std::pow(std::hypot(X[k].real(), X[k].imag()), static_cast<T>(power));
    }
    fb.apply(mag.data(), M.frame(t));
  });
  return M;
}

std::vector<double> dct2_matrix(std::size_t n_out, std::size_t n_in, bool ortho) {
  std::vector<double> m(n_out * n_in);
  const double N = static_cast<double>(n_in);
  for (std::size_t k = 0; k < n_out; ++k) {
    double scale = 2.0;
    if (ortho) scale = k == 0 ? std::sqrt(1.0 / N) : std::sqrt(2.0 / N);
    for (std::size_t i = 0; i < n_in; ++i)
      m[k * n_in + i] = scale * std::cos(std::numbers::pi * static_cast<double>(k) *
                                         (2.0 * static_cast<double>(i) + 1.0) / (2.0 * N));
  }
  return m;
}

template <class T>
Mfcc<T>::Mfcc(std::size_t n_mels, const MfccParams& params) : n_in_(n_mels), n_out_(params.n_mfcc) {
  if (params.dct_type != 2) throw InvalidArgument("mfcc: only dct_type=2 is provided");
  if (params.n_mfcc == 0) throw InvalidArgument("mfcc: n_mfcc must be positive");
  if (params.n_mfcc > n_mels)
    throw InvalidArgument("mfcc: n_mfcc=" + std::to_string(params.n_mfcc) +
                          " exceeds n_mels=" + std::to_string(n_mels));
  if (params.lifter < 0) throw InvalidArgument("mfcc: lifter must be non-negative");
  const auto d = dct2_matrix(n_out_, n_in_, params.ortho);
  m_.resize(d.size());
  for (std::size_t k = 0; k < n_out_; ++k) {
    double lift = 1.0;
    if (params.lifter > 0) {
      const T li =
          static_cast<T>(std::sin(std::numbers::pi * static_cast<double>(static_cast<T>(k + 1)) / params.lifter));
      lift = 1.0 + (params.lifter / 2) * static_cast<double>(li);
    }
    for (std::size_t i = 0; i < n_in_; ++i) m_[i * n_out_ + k] = d[k * n_in_ + i] * lift;  // transposed
  }
}

template <class T>
void Mfcc<T>::apply(const T* x, T* out) const noexcept {
  // out = M x with M stored transposed (n_in x n_out): the inner loop runs over the contiguous
  // outputs and vectorises; accumulation in double.
  constexpr std::size_t kMaxOut = 64;
  double acc[kMaxOut];
  for (std::size_t k0 = 0; k0 < n_out_; k0 += kMaxOut) {
    const std::size_t nk = std::min(kMaxOut, n_out_ - k0);
    for (std::size_t k = 0; k < nk; ++k) acc[k] = 0.0;
    for (std::size_t i = 0; i < n_in_; ++i) {
      const double xi = static_cast<double>(x[i]);
      const double* row = m_.data() + i * n_out_ + k0;
      for (std::size_t k = 0; k < nk; ++k) acc[k] += row[k] * xi;
    }
    for (std::size_t k = 0; k < nk; ++k) out[k0 + k] = static_cast<T>(acc[k]);
  }
}

template <class T>
FrameMatrix<T> mfcc_from_db(const FrameMatrix<T>& S_db, const MfccParams& params) {
  Mfcc<T> m(S_db.n_bins, params);
  FrameMatrix<T> out(S_db.n_frames, m.n_mfcc());
  for (std::size_t t = 0; t < S_db.n_frames; ++t) m.apply(S_db.frame(t), out.frame(t));
  return out;
}

template <class T>
FrameMatrix<T> mfcc(const T* y, std::size_t n, double sr, const MfccParams& params, const StftParams& stft,
                    MelParams mel, const DbParams& db) {
  auto M = melspectrogram(y, n, sr, stft, 2.0, mel);
  power_to_db(M.data.data(), M.data.size(), db);
  return mfcc_from_db(M, params);
}

// ---------------------------------------------------------------------------------------------
template <class T>
T centroid_frame(const T* S, const double* freq, std::size_t nb) noexcept {
  double sum = 0, wsum = 0;
  for (std::size_t k = 0; k < nb; ++k) {
    sum += static_cast<double>(S[k]);
    wsum += freq[k] * static_cast<double>(S[k]);
  }
  if (sum < static_cast<double>(tiny<T>())) return static_cast<T>(wsum);
  return static_cast<T>(wsum / sum);
}

template <class T>
T bandwidth_frame(const T* S, const double* freq, std::size_t nb, T centroid, double p, bool norm) noexcept {
  double sum = 1.0;
  if (norm) {
    sum = 0;
    for (std::size_t k = 0; k < nb; ++k) sum += std::abs(static_cast<double>(S[k]));
    if (sum < static_cast<double>(tiny<T>())) sum = 1.0;
  }
  const double c = static_cast<double>(centroid);
  double acc = 0;
  for (std::size_t k = 0; k < nb; ++k) {
    const double dev = std::abs(c - freq[k]);
    acc += static_cast<double>(S[k]) * (p == 2.0 ? dev * dev : std::pow(dev, p));
  }
  return static_cast<T>(std::pow(acc / sum, 1.0 / p));
}

template <class T>
T rolloff_frame(const T* S, const double* freq, std::size_t nb, double roll_percent) noexcept {
  T total = 0;
  for (std::size_t k = 0; k < nb; ++k) total += S[k];
  const T threshold = static_cast<T>(roll_percent) * total;
  T cum = 0;
  for (std::size_t k = 0; k < nb; ++k) {
    cum += S[k];
    if (!(cum < threshold)) return static_cast<T>(freq[k]);
  }
  return std::numeric_limits<T>::quiet_NaN();
}

template <class T>
T flatness_frame(const T* S, std::size_t nb, double amin, double power) noexcept {
  double logsum = 0, sum = 0;
  const T a = static_cast<T>(amin);
  for (std::size_t k = 0; k < nb; ++k) {
    const T s = power == 2.0 ? S[k] * S[k] : static_cast<T>(std::pow(S[k], static_cast<T>(power)));
    const T v = std::max(a, s);
    logsum += std::log(static_cast<double>(v));
    sum += static_cast<double>(v);
  }
  const double nbd = static_cast<double>(nb);
  return static_cast<T>(std::exp(logsum / nbd) / (sum / nbd));
}

ContrastBands::ContrastBands(double sr, std::size_t n_fft, const ContrastParams& p) {
  if (!(p.fmin > 0)) throw InvalidArgument("spectral_contrast: fmin must be positive");
  if (p.n_bands < 1) throw InvalidArgument("spectral_contrast: n_bands must be a positive integer");
  if (!(p.quantile > 0 && p.quantile < 1)) throw InvalidArgument("spectral_contrast: quantile must lie in (0, 1)");
  if (p.fmin * std::pow(2.0, static_cast<double>(p.n_bands - 1)) >= 0.5 * sr)
    throw InvalidArgument("spectral_contrast: a frequency band exceeds Nyquist; reduce fmin or n_bands");
  const auto freq = fft_frequencies(sr, n_fft);
  const std::size_t nb = freq.size();
  std::vector<double> octa(p.n_bands + 2, 0.0);
  for (std::size_t i = 1; i < octa.size(); ++i) octa[i] = p.fmin * std::pow(2.0, static_cast<double>(i - 1));
  for (std::size_t k = 0; k + 1 < octa.size(); ++k) {
    const double f_low = octa[k], f_high = octa[k + 1];
    std::size_t first = nb, last = 0;
    for (std::size_t i = 0; i < nb; ++i)
      if (freq[i] >= f_low && freq[i] <= f_high) {
        if (first == nb) first = i;
        last = i;
      }
    if (first == nb) throw InvalidArgument("spectral_contrast: a frequency band holds no FFT bin (n_fft too small)");
    std::size_t b_lo = first, hi_incl = last;
    if (k > 0 && b_lo > 0) --b_lo;
    std::size_t end_incl = hi_incl;
    if (k == p.n_bands) end_incl = nb - 1;
    const std::size_t in_band = end_incl - b_lo + 1;  // np.sum(current_band)
    std::size_t b_hi = end_incl + 1;
    if (k < p.n_bands) b_hi -= 1;  // sub_band[:-1]
    if (b_hi <= b_lo) throw InvalidArgument("spectral_contrast: empty sub-band (n_fft too small)");
    double q = std::nearbyint(p.quantile * static_cast<double>(in_band));
    std::size_t cnt = static_cast<std::size_t>(std::max(q, 1.0));
    cnt = std::min(cnt, b_hi - b_lo);
    this->lo.push_back(b_lo);
    this->hi.push_back(b_hi);
    count.push_back(cnt);
    max_width = std::max(max_width, b_hi - b_lo);
  }
}

template <class T>
void contrast_frame(const T* S, const ContrastBands& bands, T* peak, T* valley, T* scratch) noexcept {
  for (std::size_t b = 0; b < bands.lo.size(); ++b) {
    const std::size_t w = bands.hi[b] - bands.lo[b];
    std::copy(S + bands.lo[b], S + bands.hi[b], scratch);
    std::sort(scratch, scratch + w);
    const std::size_t c = bands.count[b];
    double lo_sum = 0, hi_sum = 0;
    for (std::size_t i = 0; i < c; ++i) {
      lo_sum += static_cast<double>(scratch[i]);
      hi_sum += static_cast<double>(scratch[w - c + i]);
    }
    valley[b] = static_cast<T>(lo_sum / static_cast<double>(c));
    peak[b] = static_cast<T>(hi_sum / static_cast<double>(c));
  }
}

template <class T>
std::vector<T> spectral_centroid(const FrameMatrix<T>& S, double sr, std::size_t n_fft) {
  const auto f = fft_frequencies(sr, n_fft);
  if (f.size() != S.n_bins) throw InvalidArgument("spectral_centroid: n_fft does not match the spectrogram");
  std::vector<T> out(S.n_frames);
  for (std::size_t t = 0; t < S.n_frames; ++t) out[t] = centroid_frame(S.frame(t), f.data(), S.n_bins);
  return out;
}

template <class T>
std::vector<T> spectral_bandwidth(const FrameMatrix<T>& S, double sr, std::size_t n_fft, double p, bool norm) {
  const auto f = fft_frequencies(sr, n_fft);
  if (f.size() != S.n_bins) throw InvalidArgument("spectral_bandwidth: n_fft does not match the spectrogram");
  std::vector<T> out(S.n_frames);
  for (std::size_t t = 0; t < S.n_frames; ++t) {
    const T c = centroid_frame(S.frame(t), f.data(), S.n_bins);
    out[t] = bandwidth_frame(S.frame(t), f.data(), S.n_bins, c, p, norm);
  }
  return out;
}

template <class T>
std::vector<T> spectral_rolloff(const FrameMatrix<T>& S, double sr, std::size_t n_fft, double roll_percent) {
  if (!(roll_percent > 0 && roll_percent < 1))
    throw InvalidArgument("spectral_rolloff: roll_percent must lie in (0, 1)");
  const auto f = fft_frequencies(sr, n_fft);
  if (f.size() != S.n_bins) throw InvalidArgument("spectral_rolloff: n_fft does not match the spectrogram");
  std::vector<T> out(S.n_frames);
  for (std::size_t t = 0; t < S.n_frames; ++t) out[t] = rolloff_frame(S.frame(t), f.data(), S.n_bins, roll_percent);
  return out;
}

template <class T>
std::vector<T> spectral_flatness(const FrameMatrix<T>& S, double amin, double power) {
  if (!(amin > 0)) throw InvalidArgument("spectral_flatness: amin must be strictly positive");
  std::vector<T> out(S.n_frames);
  for (std::size_t t = 0; t < S.n_frames; ++t) out[t] = flatness_frame(S.frame(t), S.n_bins, amin, power);
  return out;
}

template <class T>
FrameMatrix<T> spectral_contrast(const FrameMatrix<T>& S, double sr, std::size_t n_fft, const ContrastParams& p) {
  if (n_fft / 2 + 1 != S.n_bins) throw InvalidArgument("spectral_contrast: n_fft does not match the spectrogram");
  ContrastBands bands(sr, n_fft, p);
  const std::size_t nbands = bands.lo.size();
  FrameMatrix<T> peak(S.n_frames, nbands), valley(S.n_frames, nbands);
  std::vector<T> scratch(bands.max_width);
  for (std::size_t t = 0; t < S.n_frames; ++t)
    contrast_frame(S.frame(t), bands, peak.frame(t), valley.frame(t), scratch.data());
  if (!p.linear) {
    DbParams db;
    db.top_db = p.top_db;
    power_to_db(peak.data.data(), peak.data.size(), db);
    power_to_db(valley.data.data(), valley.data.size(), db);
  }
  for (std::size_t i = 0; i < peak.data.size(); ++i) peak.data[i] -= valley.data[i];
  return peak;
}

// ---------------------------------------------------------------------------------------------
template <class T>
std::vector<double> zero_crossing_rate(const T* y, std::size_t n, std::size_t frame_length, std::size_t hop_length,
                                       bool center, double threshold) {
  if (n == 0) throw InvalidArgument("zero_crossing_rate: the signal is empty");
  if (frame_length == 0 || hop_length == 0)
    throw InvalidArgument("zero_crossing_rate: frame_length and hop_length must be positive");
  check_finite(y, n, "zero_crossing_rate");
  const std::size_t frames = num_frames(n, frame_length, hop_length, center);
  if (frames == 0) throw InvalidArgument("zero_crossing_rate: signal shorter than frame_length");
  const std::int64_t off = center ? static_cast<std::int64_t>(frame_length / 2) : 0;
  const T thr = static_cast<T>(threshold);
  auto sign_at = [&](std::int64_t i) {
    T v = padded_sample(y, n, i, PadMode::Edge);
    if (threshold > 0 && std::abs(v) <= thr) v = T{0};
    return std::signbit(v);
  };
  std::vector<double> out(frames);
  for (std::size_t t = 0; t < frames; ++t) {
    const std::int64_t s = static_cast<std::int64_t>(t * hop_length) - off;
    std::size_t count = 0;
    bool prev = sign_at(s);
    for (std::size_t i = 1; i < frame_length; ++i) {
      const bool cur = sign_at(s + static_cast<std::int64_t>(i));
      count += cur != prev;
      prev = cur;
    }
    out[t] = static_cast<double>(count) / static_cast<double>(frame_length);
  }
  return out;
}

template <class T>
std::vector<T> rms(const T* y, std::size_t n, std::size_t frame_length, std::size_t hop_length, bool center,
                   PadMode pad_mode) {
  if (n == 0) throw InvalidArgument("rms: the signal is empty");
  if (frame_length == 0 || hop_length == 0) throw InvalidArgument("rms: frame_length and hop_length must be positive");
  check_finite(y, n, "rms");
  const std::size_t frames = num_frames(n, frame_length, hop_length, center);
  if (frames == 0) throw InvalidArgument("rms: signal shorter than frame_length");
  const std::int64_t off = center ? static_cast<std::int64_t>(frame_length / 2) : 0;
  std::vector<T> out(frames);
  for (std::size_t t = 0; t < frames; ++t) {
    const std::int64_t s = static_cast<std::int64_t>(t * hop_length) - off;
    double acc = 0;
    for (std::size_t i = 0; i < frame_length; ++i) {
      const T v = padded_sample(y, n, s + static_cast<std::int64_t>(i), pad_mode);
      acc += static_cast<double>(v * v);
    }
    out[t] = static_cast<T>(std::sqrt(static_cast<double>(static_cast<T>(acc / static_cast<double>(frame_length)))));
  }
  return out;
}

template <class T>
std::vector<T> rms_from_spectrogram(const FrameMatrix<T>& S, std::size_t frame_length) {
  if (S.n_bins != frame_length / 2 + 1)
    throw InvalidArgument("rms: spectrogram has " + std::to_string(S.n_bins) + " bins, frame_length=" +
                          std::to_string(frame_length) + " implies " + std::to_string(frame_length / 2 + 1));
  std::vector<T> out(S.n_frames);
  for (std::size_t t = 0; t < S.n_frames; ++t) {
    const T* s = S.frame(t);
    double acc = 0;
    for (std::size_t k = 0; k < S.n_bins; ++k) {
      double x = static_cast<double>(s[k]) * static_cast<double>(s[k]);
      if (k == 0 || (frame_length % 2 == 0 && k == S.n_bins - 1)) x *= 0.5;
      acc += x;
    }
    out[t] =
        static_cast<T>(std::sqrt(2 * acc / (static_cast<double>(frame_length) * static_cast<double>(frame_length))));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
std::vector<double> chroma_filterbank(double sr, std::size_t n_fft, double tuning, const ChromaParams& p) {
  if (p.n_chroma == 0) throw InvalidArgument("filters.chroma: n_chroma must be positive");
  if (n_fft < 2) throw InvalidArgument("filters.chroma: n_fft must be at least 2");
  const std::size_t nc = p.n_chroma;
  const double ncd = static_cast<double>(nc);
  const double a440 = 440.0 * std::pow(2.0, tuning / ncd);
  std::vector<double> frqbins(n_fft);
  for (std::size_t i = 1; i < n_fft; ++i) {
    const double f = static_cast<double>(i) * (sr / static_cast<double>(n_fft));
    frqbins[i] = ncd * std::log2(f / (a440 / 16));
  }
  frqbins[0] = frqbins[1] - 1.5 * ncd;
  std::vector<double> binwidth(n_fft);
  for (std::size_t i = 0; i + 1 < n_fft; ++i) binwidth[i] = std::max(frqbins[i + 1] - frqbins[i], 1.0);
  binwidth[n_fft - 1] = 1.0;
  const double n_chroma2 = std::nearbyint(ncd / 2);
  std::vector<double> wts(nc * n_fft);
  for (std::size_t c = 0; c < nc; ++c)
    for (std::size_t i = 0; i < n_fft; ++i) {
      double d = frqbins[i] - static_cast<double>(c);
      d = std::fmod(d + n_chroma2 + 10 * ncd, ncd);
      if (d < 0) d += ncd;
      d -= n_chroma2;
      const double z = 2 * d / binwidth[i];
      wts[c * n_fft + i] = std::exp(-0.5 * (z * z));
    }
  // normalise each column (util.normalize(norm, axis=0))
  for (std::size_t i = 0; i < n_fft; ++i) {
    double length = 0;
    if (std::isinf(p.norm)) {
      for (std::size_t c = 0; c < nc; ++c) length = std::max(length, std::abs(wts[c * n_fft + i]));
    } else if (p.norm != 0) {
      for (std::size_t c = 0; c < nc; ++c) length += std::pow(std::abs(wts[c * n_fft + i]), p.norm);
      length = std::pow(length, 1.0 / p.norm);
    } else {
      continue;
    }
    if (length < std::numeric_limits<double>::min()) continue;
    for (std::size_t c = 0; c < nc; ++c) wts[c * n_fft + i] /= length;
  }
  if (p.octwidth) {
    for (std::size_t i = 0; i < n_fft; ++i) {
      const double z = (frqbins[i] / ncd - p.ctroct) / *p.octwidth;
      const double g = std::exp(-0.5 * (z * z));
      for (std::size_t c = 0; c < nc; ++c) wts[c * n_fft + i] *= g;
    }
  }
  const std::size_t nb = n_fft / 2 + 1;
  std::vector<double> out(nc * nb);
  const std::size_t shift = p.base_c ? 3 * (nc / 12) : 0;  // np.roll(wts, -shift, axis=0)
  for (std::size_t c = 0; c < nc; ++c) {
    const std::size_t src = (c + shift) % nc;
    for (std::size_t i = 0; i < nb; ++i) out[c * nb + i] = wts[src * n_fft + i];
  }
  return out;
}

template <class T>
double estimate_tuning(const FrameMatrix<T>& S, double sr, std::size_t bins_per_octave, double resolution) {
  const std::size_t nb = S.n_bins;
  if (nb < 3) return 0.0;
  const std::size_t n_fft = 2 * (nb - 1);
  const auto fft_freqs = fft_frequencies(sr, n_fft);
  const double fmin = 150.0, fmax = std::min(4000.0, sr / 2);
  std::vector<T> pitches, mags;
  std::vector<T> thr(nb);
  for (std::size_t t = 0; t < S.n_frames; ++t) {
    const T* s = S.frame(t);
    T mx = s[0];
    for (std::size_t k = 1; k < nb; ++k) mx = std::max(mx, s[k]);
    const T ref = static_cast<T>(0.1) * mx;
    for (std::size_t k = 0; k < nb; ++k) thr[k] = s[k] > ref ? s[k] : T{0};
    for (std::size_t k = 1; k + 1 < nb; ++k) {
      if (!(fmin <= fft_freqs[k] && fft_freqs[k] < fmax)) continue;
      const bool lm = thr[k] > thr[k - 1] && thr[k] >= thr[k + 1];
      if (!lm) continue;
      const T avg = static_cast<T>(0.5) * (s[k + 1] - s[k - 1]);
      T shift = static_cast<T>(2) * s[k] - s[k + 1] - s[k - 1];
      shift = avg / (shift + (std::abs(shift) < tiny<T>() ? T{1} : T{0}));
      const T dskew = static_cast<T>(0.5) * avg * shift;
      pitches.push_back(
          static_cast<T>((static_cast<double>(k) + static_cast<double>(shift)) * sr / static_cast<double>(n_fft)));
      mags.push_back(s[k] + dskew);
    }
  }
  // np.median(mag[pitch > 0])
  std::vector<T> pos_mags;
  for (std::size_t i = 0; i < pitches.size(); ++i)
    if (pitches[i] > 0) pos_mags.push_back(mags[i]);
  T threshold = 0;
  if (!pos_mags.empty()) {
    std::vector<T> m = pos_mags;
    std::sort(m.begin(), m.end());
    const std::size_t h = m.size() / 2;
    threshold = m.size() % 2 ? m[h] : static_cast<T>((m[h - 1] + m[h]) / T{2});
  }
  const std::size_t nbins = static_cast<std::size_t>(std::ceil(1.0 / resolution));
  const auto edges = linspace(-0.5, 0.5, nbins + 1);
  std::vector<std::size_t> counts(nbins, 0);
  bool any = false;
  for (std::size_t i = 0; i < pitches.size(); ++i) {
    if (!(pitches[i] > 0) || !(mags[i] >= threshold)) continue;
    any = true;
    const T octs = std::log2(pitches[i] / static_cast<T>(440.0 / 16));
    T residual = std::fmod(static_cast<T>(bins_per_octave) * octs, T{1});
    if (residual < 0) residual += T{1};
    if (residual >= static_cast<T>(0.5)) residual -= T{1};
    const double r = static_cast<double>(residual);
    if (r < edges.front() || r > edges.back()) continue;
    auto it = std::upper_bound(edges.begin(), edges.end(), r);
    std::size_t b = static_cast<std::size_t>(it - edges.begin());
    b = b == 0 ? 0 : b - 1;
    if (b >= nbins) b = nbins - 1;
    ++counts[b];
  }
  if (!any) return 0.0;
  const std::size_t best = static_cast<std::size_t>(std::max_element(counts.begin(), counts.end()) - counts.begin());
  return edges[best];
}

template <class T>
FrameMatrix<T> chroma_from_spectrogram(const FrameMatrix<T>& S, double sr, std::optional<double> tuning, double norm,
                                       const ChromaParams& p) {
  if (S.n_bins < 2) throw InvalidArgument("chroma_stft: the spectrogram needs at least 2 bins");
  const std::size_t n_fft = 2 * (S.n_bins - 1);
  const double tun = tuning ? *tuning : estimate_tuning(S, sr, p.n_chroma);
  const auto fb = chroma_filterbank(sr, n_fft, tun, p);
  std::vector<T> fbt(fb.size());
  for (std::size_t i = 0; i < fb.size(); ++i) fbt[i] = static_cast<T>(fb[i]);
  FrameMatrix<T> C(S.n_frames, p.n_chroma);
  for (std::size_t t = 0; t < S.n_frames; ++t) {
    const T* s = S.frame(t);
    T* c = C.frame(t);
    for (std::size_t k = 0; k < p.n_chroma; ++k) {
      const T* w = fbt.data() + k * S.n_bins;
      T acc = 0;
      for (std::size_t i = 0; i < S.n_bins; ++i) acc += w[i] * s[i];
      c[k] = acc;
    }
    normalize_vector(c, p.n_chroma, norm);
  }
  return C;
}

// ---------------------------------------------------------------------------------------------
#define PERCEPT_INSTANTIATE(T)                                                                                       \
  template class MelFilterbank<T>;                                                                                   \
  template class Mfcc<T>;                                                                                            \
  template FrameMatrix<T> apply_filterbank<T>(const MelFilterbank<T>&, const FrameMatrix<T>&);                       \
  template FrameMatrix<T> melspectrogram<T>(const T*, std::size_t, double, const StftParams&, double, MelParams);    \
  template FrameMatrix<T> mfcc_from_db<T>(const FrameMatrix<T>&, const MfccParams&);                                 \
  template FrameMatrix<T> mfcc<T>(const T*, std::size_t, double, const MfccParams&, const StftParams&, MelParams,    \
                                  const DbParams&);                                                                  \
  template T centroid_frame<T>(const T*, const double*, std::size_t) noexcept;                                       \
  template T bandwidth_frame<T>(const T*, const double*, std::size_t, T, double, bool) noexcept;                     \
  template T rolloff_frame<T>(const T*, const double*, std::size_t, double) noexcept;                                \
  template T flatness_frame<T>(const T*, std::size_t, double, double) noexcept;                                      \
  template void contrast_frame<T>(const T*, const ContrastBands&, T*, T*, T*) noexcept;                              \
  template std::vector<T> spectral_centroid<T>(const FrameMatrix<T>&, double, std::size_t);                          \
  template std::vector<T> spectral_bandwidth<T>(const FrameMatrix<T>&, double, std::size_t, double, bool);           \
  template std::vector<T> spectral_rolloff<T>(const FrameMatrix<T>&, double, std::size_t, double);                   \
  template std::vector<T> spectral_flatness<T>(const FrameMatrix<T>&, double, double);                               \
  template FrameMatrix<T> spectral_contrast<T>(const FrameMatrix<T>&, double, std::size_t, const ContrastParams&);   \
  template std::vector<double> zero_crossing_rate<T>(const T*, std::size_t, std::size_t, std::size_t, bool, double); \
  template std::vector<T> rms<T>(const T*, std::size_t, std::size_t, std::size_t, bool, PadMode);                    \
  template std::vector<T> rms_from_spectrogram<T>(const FrameMatrix<T>&, std::size_t);                               \
  template double estimate_tuning<T>(const FrameMatrix<T>&, double, std::size_t, double);                            \
  template FrameMatrix<T> chroma_from_spectrogram<T>(const FrameMatrix<T>&, double, std::optional<double>, double,   \
                                                     const ChromaParams&);                                           \
  template void normalize_vector<T>(T*, std::size_t, double) noexcept;

PERCEPT_INSTANTIATE(float)
PERCEPT_INSTANTIATE(double)
#undef PERCEPT_INSTANTIATE

}  // namespace percept::analysis
