#include "percept/analysis/rhythm.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "percept/core/error.hpp"

namespace percept::analysis {

namespace {

template <class T>
T median_of(T* v, std::size_t n) noexcept {
  // numpy.median: the middle value, or the mean (in T) of the two middle values
  const std::size_t h = n / 2;
  std::nth_element(v, v + h, v + n);
  const T hi = v[h];
  if (n % 2) return hi;
  const T lo = *std::max_element(v, v + h);
  return static_cast<T>((lo + hi) / T{2});
}

// scipy.ndimage.maximum_filter1d(x, size, mode='reflect', origin=0) of one vector
template <class T>
void max_filter(const T* x, std::size_t n, std::size_t size, T* out) noexcept {
  const auto nn = static_cast<std::int64_t>(n);
  const auto half = static_cast<std::int64_t>(size / 2);
  for (std::int64_t i = 0; i < nn; ++i) {
    T m = -std::numeric_limits<T>::infinity();
    for (std::int64_t j = i - half; j < i - half + static_cast<std::int64_t>(size); ++j)
      m = std::max(m, padded_sample(x, n, j, PadMode::Symmetric));
    out[i] = m;
  }
}

}  // namespace

template <class T>
T onset_diff_frame(const T* cur, const T* prev, std::size_t n_mels, std::size_t max_size, Aggregate agg, T* scratch,
                   T* scratch2) noexcept {
  const T* ref = prev;
  if (max_size > 1) {
    max_filter(prev, n_mels, max_size, scratch2);
    ref = scratch2;
  }
  if (agg == Aggregate::Mean) {
    double acc = 0;
    for (std::size_t m = 0; m < n_mels; ++m) acc += static_cast<double>(std::max(T{0}, cur[m] - ref[m]));
    return static_cast<T>(acc / static_cast<double>(n_mels));
  }
  for (std::size_t m = 0; m < n_mels; ++m) scratch[m] = std::max(T{0}, cur[m] - ref[m]);
  return median_of(scratch, n_mels);
}

template <class T>
std::vector<T> onset_strength_from_db(const FrameMatrix<T>& S, const OnsetParams& p) {
  if (p.lag < 1) throw InvalidArgument("onset_strength: lag must be a positive integer");
  if (p.max_size < 1) throw InvalidArgument("onset_strength: max_size must be a positive integer");
  const std::size_t N = S.n_frames;
  std::size_t pad_width = p.lag;
  if (p.center) pad_width += p.n_fft / (2 * p.hop_length);
  std::vector<double> env(pad_width + (N > p.lag ? N - p.lag : 0), 0.0);
  std::vector<T> s1(S.n_bins), s2(S.n_bins);
  for (std::size_t k = p.lag; k < N; ++k)
    env[pad_width + k - p.lag] = static_cast<double>(
        onset_diff_frame(S.frame(k), S.frame(k - p.lag), S.n_bins, p.max_size, p.aggregate, s1.data(), s2.data()));
  if (p.detrend) {
    double xprev = 0, yprev = 0;
    for (auto& v : env) {
      const double y = v - xprev + 0.99 * yprev;
      xprev = v;
      yprev = y;
      v = y;
    }
  }
  if (p.center && env.size() > N) env.resize(N);
  return std::vector<T>(env.begin(), env.end());
}

template <class T>
std::vector<T> onset_strength(const T* y, std::size_t n, const OnsetParams& p) {
  StftParams st;
  st.n_fft = p.n_fft;
  st.hop_length = p.hop_length;
  st.window = p.window;
  st.center = p.center;
  st.pad_mode = p.pad_mode;
  MelParams mel;
  mel.n_mels = p.n_mels;
  mel.fmin = p.fmin;
  mel.fmax = p.fmax.value_or(0.5 * p.sr);
  mel.htk = p.htk;
  auto M = melspectrogram(y, n, p.sr, st, 2.0, mel);
  DbParams db;
  db.top_db = p.top_db;
  power_to_db(M.data.data(), M.data.size(), db);
  return onset_strength_from_db(M, p);
}

PeakPickParams PeakPickParams::onset_defaults(double sr, std::size_t hop_length) {
  const double h = static_cast<double>(hop_length);
  PeakPickParams q{};
  q.pre_max = std::floor(0.03 * sr / h);
  q.post_max = std::floor(0.00 * sr / h) + 1;
  q.pre_avg = std::floor(0.10 * sr / h);
  q.post_avg = std::floor(0.10 * sr / h) + 1;
  q.wait = std::floor(0.03 * sr / h);
  q.delta = 0.07;
  return q;
}

template <class T>
std::vector<std::int64_t> peak_pick(const T* x, std::size_t n, const PeakPickParams& p) {
  if (p.pre_max < 0) throw InvalidArgument("peak_pick: pre_max must be non-negative");
  if (p.pre_avg < 0) throw InvalidArgument("peak_pick: pre_avg must be non-negative");
  if (p.delta < 0) throw InvalidArgument("peak_pick: delta must be non-negative");
  if (p.wait < 0) throw InvalidArgument("peak_pick: wait must be non-negative");
  if (!(p.post_max > 0)) throw InvalidArgument("peak_pick: post_max must be positive");
  if (!(p.post_avg > 0)) throw InvalidArgument("peak_pick: post_avg must be positive");
  std::vector<std::int64_t> peaks;
  if (n == 0) return peaks;
  const auto nn = static_cast<std::int64_t>(n);
  const auto pre_max = static_cast<std::int64_t>(std::ceil(p.pre_max));
  const auto post_max = static_cast<std::int64_t>(std::ceil(p.post_max));
  const auto pre_avg = static_cast<std::int64_t>(std::ceil(p.pre_avg));
  const auto post_avg = static_cast<std::int64_t>(std::ceil(p.post_avg));
  const auto wait = static_cast<std::int64_t>(std::ceil(p.wait));
  auto max_of = [&](std::int64_t a, std::int64_t b) {
    T m = x[a];
    for (std::int64_t i = a + 1; i < b; ++i) m = std::max(m, x[i]);
    return m;
  };
  auto mean_of = [&](std::int64_t a, std::int64_t b) {
    double s = 0;
    for (std::int64_t i = a; i < b; ++i) s += static_cast<double>(x[i]);
    return s / static_cast<double>(b - a);
  };
  std::int64_t i = 1;
  {
    bool pk = x[0] >= max_of(0, std::min(post_max, nn));
    pk = pk && static_cast<double>(x[0]) >= mean_of(0, std::min(post_avg, nn)) + p.delta;
    if (pk) {
      peaks.push_back(0);
      i = wait + 1;
    }
  }
  while (i < nn) {
    const T maxn = max_of(std::max<std::int64_t>(0, i - pre_max), std::min(i + post_max, nn));
    if (!(x[i] == maxn)) {
      ++i;
      continue;
    }
    const double avgn = mean_of(std::max<std::int64_t>(0, i - pre_avg), std::min(i + post_avg, nn));
    if (!(static_cast<double>(x[i]) >= avgn + p.delta)) {
      ++i;
      continue;
    }
    peaks.push_back(i);
    i += wait + 1;
  }
  return peaks;
}

template <class T>
std::vector<std::int64_t> onset_backtrack(const std::vector<std::int64_t>& events, const T* energy, std::size_t n) {
  std::vector<std::int64_t> minima{0};
  for (std::size_t i = 1; i + 1 < n; ++i)
    if (energy[i] <= energy[i - 1] && energy[i] < energy[i + 1]) minima.push_back(static_cast<std::int64_t>(i));
  std::vector<std::int64_t> out;
  out.reserve(events.size());
  for (auto e : events) {
    auto it = std::upper_bound(minima.begin(), minima.end(), e);
    out.push_back(it == minima.begin() ? minima.front() : *(it - 1));
  }
  return out;
}

template <class T>
std::vector<std::int64_t> onset_detect(const T* envelope, std::size_t n, double sr, std::size_t hop_length,
                                       bool normalize, bool backtrack, std::optional<PeakPickParams> pick) {
  std::vector<T> env(envelope, envelope + n);
  if (normalize && n > 0) {
    const T mn = *std::min_element(env.begin(), env.end());
    for (auto& v : env) v -= mn;
    const T mx = *std::max_element(env.begin(), env.end());
    const T den = mx + std::numeric_limits<T>::min();
    for (auto& v : env) v /= den;
  }
  bool any = false, finite = true;
  for (auto v : env) {
    any = any || v != T{0};
    finite = finite && std::isfinite(v);
  }
  if (!any || !finite) return {};
  const PeakPickParams pp = pick ? *pick : PeakPickParams::onset_defaults(sr, hop_length);
  auto onsets = peak_pick(env.data(), n, pp);
  if (backtrack) onsets = onset_backtrack(onsets, env.data(), n);
  return onsets;
}

// ---------------------------------------------------------------------------------------------
template <class T>
FrameMatrix<double> tempogram(const T* env, std::size_t n, std::size_t win_length) {
  if (win_length < 1) throw InvalidArgument("tempogram: win_length must be positive");
  if (n == 0) throw InvalidArgument("tempogram: the onset envelope is empty");
  const std::size_t half = win_length / 2;
  // linear_ramp padding to 0 at both ends (numpy.pad, computed in T like numpy does for float32)
  std::vector<T> padded(n + 2 * half);
  const T left_step = env[0] / static_cast<T>(half == 0 ? 1 : half);
  const T right_step = env[n - 1] / static_cast<T>(half == 0 ? 1 : half);
  for (std::size_t i = 0; i < half; ++i) {
    padded[i] = static_cast<T>(i) * left_step;
    padded[n + half + i] = static_cast<T>(half - 1 - i) * right_step;
  }
  std::copy(env, env + n, padded.begin() + static_cast<std::ptrdiff_t>(half));
  const auto win = get_window(WindowType::Hann, win_length, true);
  std::size_t nfft = 1;
  while (nfft < 2 * win_length - 1) nfft *= 2;
  RealFft<double> fft(nfft);
  AlignedVector<double> frame(nfft), ac(nfft);
  AlignedVector<std::complex<double>> spec(nfft / 2 + 1);
  FrameMatrix<double> tg(n, win_length);
  for (std::size_t t = 0; t < n; ++t) {
    std::fill(frame.begin(), frame.end(), 0.0);
    for (std::size_t i = 0; i < win_length; ++i) frame[i] = static_cast<double>(padded[t + i]) * win[i];
    fft.forward(frame.data(), spec.data());
    for (auto& c : spec) c = std::norm(c);
    fft.inverse(spec.data(), ac.data());
    double* out = tg.frame(t);
    double mx = 0;
    for (std::size_t k = 0; k < win_length; ++k) {
      out[k] = ac[k] / static_cast<double>(nfft);
      mx = std::max(mx, std::abs(out[k]));
    }
    if (mx >= std::numeric_limits<double>::min())
      for (std::size_t k = 0; k < win_length; ++k) out[k] /= mx;
  }
  return tg;
}

template <class T>
double tempo(const T* env, std::size_t n, const TempoParams& p) {
  if (!(p.start_bpm > 0)) throw InvalidArgument("tempo: start_bpm must be strictly positive");
  if (p.hop_length == 0) throw InvalidArgument("tempo: hop_length must be positive");
  const auto samples = static_cast<std::int64_t>(p.ac_size * p.sr);  // time_to_samples (astype int)
  const std::size_t win = static_cast<std::size_t>(samples / static_cast<std::int64_t>(p.hop_length));
  if (win < 2) throw InvalidArgument("tempo: ac_size is shorter than two frames");
  const auto tg = tempogram(env, n, win);
  std::vector<double> mean(win, 0.0);
  for (std::size_t t = 0; t < tg.n_frames; ++t)
    for (std::size_t k = 0; k < win; ++k) mean[k] += tg.frame(t)[k];
  for (auto& v : mean) v /= static_cast<double>(tg.n_frames);
  std::vector<double> bpms(win);
  bpms[0] = std::numeric_limits<double>::infinity();
  for (std::size_t k = 1; k < win; ++k)
    bpms[k] = 60.0 * p.sr / (static_cast<double>(p.hop_length) * static_cast<double>(k));
  std::vector<double> logprior(win);
  for (std::size_t k = 0; k < win; ++k) {
    const double z = (std::log2(bpms[k]) - std::log2(p.start_bpm)) / p.std_bpm;
    logprior[k] = -0.5 * (z * z);
  }
  if (p.max_tempo) {
    std::size_t max_idx = 0;
    for (std::size_t k = 0; k < win; ++k)
      if (bpms[k] < *p.max_tempo) {
        max_idx = k;
        break;
      }
    for (std::size_t k = 0; k < max_idx; ++k) logprior[k] = -std::numeric_limits<double>::infinity();
  }
  std::size_t best = 0;
  double best_v = -std::numeric_limits<double>::infinity();
  for (std::size_t k = 0; k < win; ++k) {
    const double v = std::log1p(1e6 * mean[k]) + logprior[k];
    if (v > best_v) {
      best_v = v;
      best = k;
    }
  }
  return bpms[best];
}

template <class T>
BeatResult beat_track(const T* env_in, std::size_t n, const BeatParams& p) {
  BeatResult r;
  if (n == 0) throw InvalidArgument("beat_track: the onset envelope is empty");
  check_finite(env_in, n, "beat_track");
  if (!(p.tightness > 0)) throw InvalidArgument("beat_track: tightness must be strictly positive");
  bool any = false;
  for (std::size_t i = 0; i < n; ++i) any = any || env_in[i] != T{0};
  if (!any) return r;
  const double bpm = p.bpm ? *p.bpm : tempo(env_in, n, p.tempo);
  if (!(bpm > 0)) throw InvalidArgument("beat_track: bpm must be strictly positive");
  r.tempo = bpm;
  const double frame_rate = p.tempo.sr / static_cast<double>(p.tempo.hop_length);
  const double fpb = std::nearbyint(frame_rate * 60.0 / bpm);

  // __normalize_onsets: divide by the sample standard deviation (ddof=1)
  double mean = 0;
  for (std::size_t i = 0; i < n; ++i) mean += static_cast<double>(env_in[i]);
  mean /= static_cast<double>(n);
  double var = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(env_in[i]) - mean;
    var += d * d;
  }
  const T sd =
      n > 1 ? static_cast<T>(std::sqrt(var / static_cast<double>(n - 1))) : std::numeric_limits<T>::quiet_NaN();
  std::vector<T> onset(n);
  for (std::size_t i = 0; i < n; ++i) onset[i] = env_in[i] / (sd + std::numeric_limits<T>::min());

  // __beat_local_score: librosa's same-mode convolution loop (including its range bounds)
  const auto fpbi = static_cast<std::int64_t>(fpb);
  const std::int64_t K = 2 * fpbi + 1;
  std::vector<double> window(static_cast<std::size_t>(K));
  for (std::int64_t k = 0; k < K; ++k) {
    const double z = static_cast<double>(k - fpbi) * 32.0 / fpb;
    window[static_cast<std::size_t>(k)] = std::exp(-0.5 * (z * z));
  }
  const auto N = static_cast<std::int64_t>(n);
  std::vector<T> localscore(n);
  for (std::int64_t i = 0; i < N; ++i) {
    T acc = 0;
    for (std::int64_t k = std::max<std::int64_t>(0, i + K / 2 - N + 1); k < std::min(i + K / 2, K); ++k)
      acc = static_cast<T>(static_cast<double>(acc) +
                           window[static_cast<std::size_t>(k)] *
                               static_cast<double>(onset[static_cast<std::size_t>(i + K / 2 - k)]));
    localscore[static_cast<std::size_t>(i)] = acc;
  }

  // __beat_track_dp
  std::vector<std::int64_t> backlink(n, -1);
  std::vector<T> cumscore(n);
  const double score_thresh = 0.01 * static_cast<double>(*std::max_element(localscore.begin(), localscore.end()));
  const double log_fpb = static_cast<double>(std::log(static_cast<float>(fpb)));
  const double tight = static_cast<double>(static_cast<float>(p.tightness));
  const auto half = static_cast<std::int64_t>(std::nearbyint(fpb / 2));
  bool first_beat = true;
  for (std::int64_t i = 0; i < N; ++i) {
    double best_score = -std::numeric_limits<double>::infinity();
    std::int64_t beat_location = -1;
    for (std::int64_t loc = i - half; loc > i - 2 * fpbi - 1; --loc) {
      if (loc < 0) break;
      const double d = std::log(static_cast<double>(i - loc)) - log_fpb;
      const double score = static_cast<double>(cumscore[static_cast<std::size_t>(loc)]) - tight * (d * d);
      if (score > best_score) {
        best_score = score;
        beat_location = loc;
      }
    }
    const T score_i = localscore[static_cast<std::size_t>(i)];
    cumscore[static_cast<std::size_t>(i)] =
        beat_location >= 0 ? static_cast<T>(static_cast<double>(score_i) + best_score) : score_i;
    if (first_beat && static_cast<double>(score_i) < score_thresh) {
      backlink[static_cast<std::size_t>(i)] = -1;
    } else {
      backlink[static_cast<std::size_t>(i)] = beat_location;
      first_beat = false;
    }
  }

  // __last_beat: last local maximum of cumscore reaching half the median of the local maxima
  std::vector<bool> is_max(n);
  std::vector<T> maxima;
  for (std::size_t i = 0; i < n; ++i) {
    const T prev = i == 0 ? cumscore[0] : cumscore[i - 1];
    const T next = i + 1 == n ? cumscore[n - 1] : cumscore[i + 1];
    is_max[i] = cumscore[i] > prev && cumscore[i] >= next;
    if (is_max[i]) maxima.push_back(cumscore[i]);
  }
  std::int64_t tail = N - 1;
  if (!maxima.empty()) {
    std::sort(maxima.begin(), maxima.end());
    const std::size_t h = maxima.size() / 2;
    const T med = maxima.size() % 2 ? maxima[h] : static_cast<T>((maxima[h - 1] + maxima[h]) / T{2});
    const T threshold = static_cast<T>(0.5) * med;
    for (std::int64_t i = N - 1; i >= 0; --i)
      if (is_max[static_cast<std::size_t>(i)] && cumscore[static_cast<std::size_t>(i)] >= threshold) {
        tail = i;
        break;
      }
  }
  std::vector<bool> beats(n, false);
  for (std::int64_t i = tail; i >= 0; i = backlink[static_cast<std::size_t>(i)])
    beats[static_cast<std::size_t>(i)] = true;

  // __trim_beats
  if (p.trim) {
    std::vector<double> at_beats;
    for (std::size_t i = 0; i < n; ++i)
      if (beats[i]) at_beats.push_back(static_cast<double>(localscore[i]));
    const double w[5] = {0.0, 0.5, 1.0, 0.5, 0.0};
    const std::size_t nb = at_beats.size();
    std::vector<double> full(nb + 4, 0.0);
    for (std::size_t i = 0; i < nb; ++i)
      for (std::size_t k = 0; k < 5; ++k) full[i + k] += at_beats[i] * w[k];
    const std::size_t end = std::min(n + 2, full.size());
    double ss = 0;
    std::size_t cnt = 0;
    for (std::size_t i = 2; i < end; ++i, ++cnt) ss += full[i] * full[i];
    const double threshold = cnt ? 0.5 * std::sqrt(ss / static_cast<double>(cnt)) : 0.0;
    for (std::size_t i = 0; i < n && static_cast<double>(localscore[i]) <= threshold; ++i) beats[i] = false;
    for (std::size_t i = n; i-- > 0 && static_cast<double>(localscore[i]) <= threshold;) beats[i] = false;
  } else {
    for (std::size_t i = 0; i < n && localscore[i] <= T{0}; ++i) beats[i] = false;
    for (std::size_t i = n; i-- > 0 && localscore[i] <= T{0};) beats[i] = false;
  }
  for (std::size_t i = 0; i < n; ++i)
    if (beats[i]) r.beats.push_back(static_cast<std::int64_t>(i));
  return r;
}

template <class T>
BeatResult beat_track_signal(const T* y, std::size_t n, const BeatParams& p) {
  OnsetParams op;
  op.sr = p.tempo.sr;
  op.hop_length = p.tempo.hop_length;
  op.aggregate = Aggregate::Median;
  const auto env = onset_strength(y, n, op);
  return beat_track(env.data(), env.size(), p);
}

#define PERCEPT_INSTANTIATE(T)                                                                                    \
  template T onset_diff_frame<T>(const T*, const T*, std::size_t, std::size_t, Aggregate, T*, T*) noexcept;       \
  template std::vector<T> onset_strength_from_db<T>(const FrameMatrix<T>&, const OnsetParams&);                   \
  template std::vector<T> onset_strength<T>(const T*, std::size_t, const OnsetParams&);                           \
  template std::vector<std::int64_t> peak_pick<T>(const T*, std::size_t, const PeakPickParams&);                  \
  template std::vector<std::int64_t> onset_backtrack<T>(const std::vector<std::int64_t>&, const T*, std::size_t); \
  template std::vector<std::int64_t> onset_detect<T>(const T*, std::size_t, double, std::size_t, bool, bool,      \
                                                     std::optional<PeakPickParams>);                              \
  template FrameMatrix<double> tempogram<T>(const T*, std::size_t, std::size_t);                                  \
  template double tempo<T>(const T*, std::size_t, const TempoParams&);                                            \
  template BeatResult beat_track<T>(const T*, std::size_t, const BeatParams&);                                    \
  template BeatResult beat_track_signal<T>(const T*, std::size_t, const BeatParams&);

PERCEPT_INSTANTIATE(float)
PERCEPT_INSTANTIATE(double)
#undef PERCEPT_INSTANTIATE

}  // namespace percept::analysis
