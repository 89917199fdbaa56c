// Constant-Q / variable-Q transforms (librosa 0.10 algorithm), chroma_cqt and tuning estimation.
#include "percept/analysis/cqt.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <numbers>
#include <numeric>
#include <string>

#include "percept/analysis/features.hpp"
#include "percept/analysis/fft.hpp"
#include "percept/analysis/spectrum.hpp"
#include "percept/core/error.hpp"

namespace percept::analysis {

namespace {

constexpr double kPi = std::numbers::pi;

double window_bandwidth(const std::string& w) {
  if (w == "hann" || w == "han") return 1.50018310546875;
  if (w == "hamming" || w == "ham" || w == "hamm") return 1.3629455320350348;
  if (w == "blackman" || w == "black" || w == "blk") return 1.7269681554262326;
  if (w == "ones" || w == "rect" || w == "rectangular" || w == "boxcar" || w == "box") return 1.0;
  throw InvalidArgument("cqt: unsupported window '" + w + "' (expected hann, hamming, blackman or ones)");
}

// scipy.signal.get_window(window, n, fftbins=True): the periodic form.
std::vector<double> periodic_window(const std::string& w, std::size_t n) {
  std::vector<double> out(n, 1.0);
  if (n <= 1) return out;
  const double N = static_cast<double>(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double x = 2.0 * kPi * static_cast<double>(i) / N;
    if (w == "hann" || w == "han")
      out[i] = 0.5 - 0.5 * std::cos(x);
    else if (w == "hamming" || w == "ham" || w == "hamm")
      out[i] = 0.54 - 0.46 * std::cos(x);
    else if (w == "blackman" || w == "black" || w == "blk")
      out[i] = 0.42 - 0.5 * std::cos(x) + 0.08 * std::cos(2.0 * x);
  }
  return out;
}

// librosa.util.normalize of a 1-D complex vector (threshold = tiny, fill = None).
void normalize_complex(std::vector<std::complex<double>>& v, const std::optional<double>& norm) {
  if (!norm) return;
  const double p = *norm;
  double length = 0.0;
  if (std::isinf(p) && p > 0) {
    for (const auto& z : v) length = std::max(length, std::abs(z));
  } else if (std::isinf(p)) {
    length = std::numeric_limits<double>::infinity();
    for (const auto& z : v) length = std::min(length, std::abs(z));
  } else if (p == 0) {
    for (const auto& z : v) length += std::abs(z) > 0 ? 1.0 : 0.0;
  } else if (p > 0) {
    for (const auto& z : v) length += std::pow(std::abs(z), p);
    length = std::pow(length, 1.0 / p);
  } else {
    throw InvalidArgument("cqt: unsupported norm " + std::to_string(p));
  }
  if (length < std::numeric_limits<double>::min()) return;
  for (auto& z : v) z /= length;
}

// librosa.filters._relative_bandwidth
std::vector<double> relative_bandwidth(const std::vector<double>& f, std::size_t bpo) {
  const std::size_t n = f.size();
  std::vector<double> alpha(n);
  if (n == 1) {
    const double r = std::pow(2.0, 1.0 / static_cast<double>(bpo));
    alpha[0] = (r * r - 1.0) / (r * r + 1.0);
    return alpha;
  }
  std::vector<double> logf(n), b(n);
  for (std::size_t i = 0; i < n; ++i) logf[i] = std::log2(f[i]);
  b[0] = 1.0 / (logf[1] - logf[0]);
  b[n - 1] = 1.0 / (logf[n - 1] - logf[n - 2]);
  for (std::size_t i = 1; i + 1 < n; ++i) b[i] = 2.0 / (logf[i + 1] - logf[i - 1]);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = std::pow(2.0, 2.0 / b[i]);
    alpha[i] = (t - 1.0) / (t + 1.0);
  }
  return alpha;
}

double gamma_of(double gamma, double alpha) {
  return std::isnan(gamma) ? alpha * 24.7 / 0.108 : gamma;
}

// librosa.filters.wavelet_lengths for a subset of bins at rate sr.
double wavelet_length(double f, double alpha, double gamma, double filter_scale, double sr) {
  const double Q = filter_scale / alpha;
  return Q * sr / (f + gamma_of(gamma, alpha) / alpha);
}

std::size_t num_two_factors(std::size_t x) {
  if (x == 0) return 0;
  std::size_t n = 0;
  while (x % 2 == 0) {
    ++n;
    x /= 2;
  }
  return n;
}

std::size_t next_pow2_of(double len) {
  return static_cast<std::size_t>(std::pow(2.0, std::ceil(std::log2(len))));
}

// Index into a signal of length n padded numpy-style (mode) on both sides; -1 means zero.
inline std::ptrdiff_t padded_index(std::ptrdiff_t i, std::ptrdiff_t n, CqtPadMode mode) {
  if (i >= 0 && i < n) return i;
  if (mode == CqtPadMode::Constant || n == 0) return -1;
  if (mode == CqtPadMode::Edge) return i < 0 ? 0 : n - 1;
  if (n == 1) return 0;
  // numpy 'reflect' (mirror without repeating the edge), applied repeatedly
  const std::ptrdiff_t period = 2 * (n - 1);
  std::ptrdiff_t k = i % period;
  if (k < 0) k += period;
  return k < n ? k : period - k;
}

}  // namespace

CqtPadMode parse_cqt_pad_mode(const std::string& name) {
  if (name == "constant") return CqtPadMode::Constant;
  if (name == "reflect") return CqtPadMode::Reflect;
  if (name == "edge") return CqtPadMode::Edge;
  throw InvalidArgument("cqt: unsupported pad_mode '" + name + "' (expected constant, reflect or edge)");
}

std::vector<double> cqt_frequencies(std::size_t n_bins, double fmin, std::size_t bins_per_octave) {
  std::vector<double> f(n_bins);
  const double bpo = static_cast<double>(bins_per_octave);
  for (std::size_t k = 0; k < n_bins; ++k) {
    const double oct = std::pow(2.0, static_cast<double>(k / bins_per_octave));
    const double ratio = std::pow(2.0, static_cast<double>(k % bins_per_octave) / bpo);
    f[k] = oct * ratio * fmin;
  }
  return f;
}

// ------------------------------------------------------------------------------------------------
// Plan

struct OctaveBank {
  double sr = 0;           // rate of this octave's signal
  std::size_t hop = 0;     // hop at this rate
  std::size_t n_fft = 0;   // frame length (power of two)
  std::size_t bin_lo = 0;  // first output bin (global index)
  std::size_t n_filters = 0;
  bool halve_after = false;            // the next octave runs on this signal decimated by 2
  std::vector<std::uint32_t> row_ptr;  // CSR over FFT bins 0..n_fft/2
  std::vector<std::uint32_t> col;
  std::vector<std::complex<float>> val;  // includes the octave rescaling and (if scale) 1/sqrt(length)
  std::vector<float> val_re, val_im;     // the same, split (the projection's fast path)
  RealFft<float> fft;
};

struct CqtPlan::Impl {
  CqtOptions opt;
  std::vector<double> freqs;
  std::vector<double> alpha;
  std::vector<double> lengths;  // at sr_eff
  std::size_t early_factor = 1;
  double sr_eff = 0;
  std::size_t hop_eff = 0;
  std::vector<OctaveBank> octaves;

  // Signal length of octave i for an input of n samples (after early downsampling and halving).
  [[nodiscard]] std::vector<std::size_t> octave_lengths(std::size_t n) const {
    std::vector<std::size_t> len(octaves.size());
    std::size_t cur = early_factor > 1 ? (n + early_factor - 1) / early_factor : n;
    for (std::size_t i = 0; i < octaves.size(); ++i) {
      len[i] = cur;
      if (octaves[i].halve_after) cur = (cur + 1) / 2;
    }
    return len;
  }
  [[nodiscard]] static std::size_t frames_of(std::size_t len, const OctaveBank& o) {
    const std::size_t padded = len + 2 * (o.n_fft / 2);
    if (padded < o.n_fft) return 0;
    return 1 + (padded - o.n_fft) / o.hop;
  }
  [[nodiscard]] std::size_t num_frames(std::size_t n) const {
    const auto len = octave_lengths(n);
    std::size_t f = std::numeric_limits<std::size_t>::max();
    for (std::size_t i = 0; i < octaves.size(); ++i) f = std::min(f, frames_of(len[i], octaves[i]));
    return f;
  }
};

namespace {

void build_octave(OctaveBank& o, const std::vector<double>& freqs, const std::vector<double>& alpha, std::size_t lo,
                  std::size_t count, const CqtOptions& opt, double sr_eff, const std::vector<double>& lengths_eff) {
  std::vector<double> L(count);
  double max_len = 0;
  for (std::size_t j = 0; j < count; ++j) {
    L[j] = wavelet_length(freqs[lo + j], alpha[lo + j], opt.gamma, opt.filter_scale, o.sr);
    max_len = std::max(max_len, L[j]);
  }
  const std::size_t n_fft = next_pow2_of(max_len);
  if (n_fft > (std::size_t{1} << 26)) throw InvalidArgument("cqt: filters too long (fmin too low for this rate?)");
  o.n_fft = n_fft;
  o.n_filters = count;
  o.bin_lo = lo;
  o.fft = RealFft<float>(n_fft, FftDirections::Forward);
  const std::size_t n_bins_fft = n_fft / 2 + 1;
  ComplexFft<double> cfft(n_fft);
  std::vector<std::complex<double>> buf(n_fft), spec(n_fft);
  std::vector<double> mags(n_bins_fft), sorted(n_bins_fft);
  o.row_ptr.assign(1, 0);
  o.col.clear();
  o.val.clear();
  const float octave_gain = static_cast<float>(std::sqrt(sr_eff / o.sr));
  for (std::size_t j = 0; j < count; ++j) {
    const double f = freqs[lo + j];
    const double ilen = L[j];
    const double start = std::floor(-ilen / 2.0);
    const double stop = std::floor(ilen / 2.0);
    const auto len = static_cast<std::size_t>(stop - start);
    std::vector<std::complex<double>> sig(len);
    const auto win = periodic_window(opt.window, len);
    for (std::size_t k = 0; k < len; ++k) {
      const double t = start + static_cast<double>(k);
      const double ang = t * 2.0 * kPi * f / o.sr;
      sig[k] = std::complex<double>(std::cos(ang), std::sin(ang)) * win[k];
    }
    normalize_complex(sig, opt.norm);
    // pad_center into n_fft, cast to complex64, scale by length / n_fft (rounded to complex64 again)
    std::fill(buf.begin(), buf.end(), std::complex<double>(0, 0));
    const std::size_t lpad = (n_fft - len) / 2;
    const double gain = ilen / static_cast<double>(n_fft);
    for (std::size_t k = 0; k < len; ++k) {
      const std::complex<float> c32(static_cast<float>(sig[k].real()), static_cast<float>(sig[k].imag()));
      const std::complex<double> scaled = std::complex<double>(c32) * gain;
      buf[lpad + k] = std::complex<double>(static_cast<float>(scaled.real()), static_cast<float>(scaled.imag()));
    }
    cfft.forward(buf.data(), spec.data());
    // sparsify_rows: drop the smallest magnitudes holding up to `sparsity` of the row's L1 mass
    double norm_sum = 0;
    for (std::size_t k = 0; k < n_bins_fft; ++k) {
      mags[k] = std::abs(spec[k]);
      norm_sum += mags[k];
    }
    double thresh = 0.0;
    if (opt.sparsity > 0 && norm_sum > 0) {
      sorted = mags;
      std::sort(sorted.begin(), sorted.end());
      double cum = 0;
      std::size_t idx = 0;
      for (std::size_t k = 0; k < n_bins_fft; ++k) {
        cum += sorted[k] / norm_sum;
        if (!(cum < opt.sparsity)) {
          idx = k;
          break;
        }
      }
      thresh = sorted[idx];
    }
    const float bin_gain =
        opt.scale ? static_cast<float>(1.0 / std::sqrt(lengths_eff[lo + j])) * octave_gain : octave_gain;
    for (std::size_t k = 0; k < n_bins_fft; ++k) {
      if (opt.sparsity <= 0 || mags[k] >= thresh) {
        const std::complex<float> v(static_cast<float>(spec[k].real()), static_cast<float>(spec[k].imag()));
        o.col.push_back(static_cast<std::uint32_t>(k));
        o.val.push_back(v * bin_gain);
      }
    }
    o.row_ptr.push_back(static_cast<std::uint32_t>(o.col.size()));
  }
  o.val_re.resize(o.val.size());
  o.val_im.resize(o.val.size());
  for (std::size_t j = 0; j < o.val.size(); ++j) {
    o.val_re[j] = o.val[j].real();
    o.val_im[j] = o.val[j].imag();
  }
}

}  // namespace

CqtPlan::CqtPlan(const CqtOptions& options) : impl_(std::make_unique<Impl>()) {
  Impl& p = *impl_;
  p.opt = options;
  const CqtOptions& o = p.opt;
  if (!(o.sr > 0) || !std::isfinite(o.sr)) throw InvalidArgument("cqt: sr must be positive and finite");
  if (o.hop_length == 0) throw InvalidArgument("cqt: hop_length must be positive");
  if (!(o.fmin > 0) || !std::isfinite(o.fmin)) throw InvalidArgument("cqt: fmin must be positive and finite");
  if (o.n_bins == 0) throw InvalidArgument("cqt: n_bins must be positive");
  if (o.bins_per_octave == 0) throw InvalidArgument("cqt: bins_per_octave must be positive");
  if (!std::isfinite(o.tuning)) throw InvalidArgument("cqt: tuning must be finite");
  if (!(o.filter_scale > 0)) throw InvalidArgument("cqt: filter_scale must be positive");
  if (!(o.sparsity >= 0 && o.sparsity < 1)) throw InvalidArgument("cqt: sparsity must be in [0, 1)");
  if (!std::isnan(o.gamma) && !(o.gamma >= 0)) throw InvalidArgument("cqt: gamma must be non-negative (or None)");
  const double wb = window_bandwidth(o.window);

  const std::size_t n_octaves = (o.n_bins + o.bins_per_octave - 1) / o.bins_per_octave;
  const std::size_t n_filters = std::min(o.bins_per_octave, o.n_bins);
  const double fmin = o.fmin * std::pow(2.0, o.tuning / static_cast<double>(o.bins_per_octave));
  p.freqs = cqt_frequencies(o.n_bins, fmin, o.bins_per_octave);
  p.alpha = relative_bandwidth(p.freqs, o.bins_per_octave);

  double cutoff = 0;
  for (std::size_t k = 0; k < o.n_bins; ++k) {
    const double Q = o.filter_scale / p.alpha[k];
    cutoff = std::max(cutoff, p.freqs[k] * (1.0 + 0.5 * wb / Q) + 0.5 * gamma_of(o.gamma, p.alpha[k]));
  }
  const double nyquist = o.sr / 2.0;
  if (cutoff > nyquist)
    throw InvalidArgument("cqt: wavelet basis with max frequency " + std::to_string(p.freqs.back()) +
                          " Hz would exceed the Nyquist frequency " + std::to_string(nyquist) +
                          " Hz; reduce n_bins or fmin");

  // early downsampling (librosa __early_downsample_count)
  const auto c1 = static_cast<long>(std::ceil(std::log2(nyquist / cutoff))) - 1 - 1;
  const std::size_t count1 = c1 > 0 ? static_cast<std::size_t>(c1) : 0;
  const long c2 = static_cast<long>(num_two_factors(o.hop_length)) - static_cast<long>(n_octaves) + 1;
  const std::size_t count2 = c2 > 0 ? static_cast<std::size_t>(c2) : 0;
  const std::size_t count = std::min(count1, count2);
  p.early_factor = std::size_t{1} << count;
  p.sr_eff = o.sr / static_cast<double>(p.early_factor);
  p.hop_eff = o.hop_length / p.early_factor;

  p.lengths.resize(o.n_bins);
  for (std::size_t k = 0; k < o.n_bins; ++k)
    p.lengths[k] = wavelet_length(p.freqs[k], p.alpha[k], o.gamma, o.filter_scale, p.sr_eff);

  double my_sr = p.sr_eff;
  std::size_t my_hop = p.hop_eff;
  p.octaves.resize(n_octaves);
  for (std::size_t i = 0; i < n_octaves; ++i) {
    const std::size_t hi = o.n_bins - n_filters * i;
    const std::size_t lo = o.n_bins >= n_filters * (i + 1) ? o.n_bins - n_filters * (i + 1) : 0;
    OctaveBank& ob = p.octaves[i];
    ob.sr = my_sr;
    ob.hop = my_hop;
    build_octave(ob, p.freqs, p.alpha, lo, hi - lo, o, p.sr_eff, p.lengths);
    ob.halve_after = (my_hop % 2 == 0) && (i + 1 < n_octaves);
    if (ob.halve_after) {
      my_hop /= 2;
      my_sr /= 2.0;
    }
  }
}

CqtPlan::~CqtPlan() = default;
CqtPlan::CqtPlan(CqtPlan&&) noexcept = default;
CqtPlan& CqtPlan::operator=(CqtPlan&&) noexcept = default;

const CqtOptions& CqtPlan::options() const noexcept {
  return impl_->opt;
}
const std::vector<double>& CqtPlan::frequencies() const noexcept {
  return impl_->freqs;
}
const std::vector<double>& CqtPlan::lengths() const noexcept {
  return impl_->lengths;
}
std::size_t CqtPlan::num_octaves() const noexcept {
  return impl_->octaves.size();
}
std::size_t CqtPlan::early_downsample_factor() const noexcept {
  return impl_->early_factor;
}
std::size_t CqtPlan::num_frames(std::size_t n) const {
  return impl_->num_frames(n);
}

namespace detail_cqt {

// One frame of one octave: FFT of sig[center - n_fft/2, center + n_fft/2) and the sparse projection into
// out[bin * out_stride] for the octave's bins.
void project_frame(const OctaveBank& o, const float* frame, std::complex<float>* spec, std::complex<float>* out,
                   std::size_t out_stride) noexcept {
  o.fft.forward(frame, spec);
  // split real/imaginary arithmetic in registers (std::complex round-trips through the stack here)
  const auto* sp = reinterpret_cast<const float*>(spec);
  const float* vr = o.val_re.data();
  const float* vi = o.val_im.data();
  const std::uint32_t* col = o.col.data();
  for (std::size_t r = 0; r < o.n_filters; ++r) {
    float re = 0, im = 0;
    for (std::uint32_t j = o.row_ptr[r]; j < o.row_ptr[r + 1]; ++j) {
      const float ar = vr[j], ai = vi[j];
      const float br = sp[2 * col[j]], bi = sp[2 * col[j] + 1];
      re += ar * br - ai * bi;
      im += ar * bi + ai * br;
    }
    out[(o.bin_lo + r) * out_stride] = std::complex<float>(re, im);
  }
}

}  // namespace detail_cqt

namespace {

// librosa.resample(x, orig_sr=factor, target_sr=1, res_type=soxr_*, scale=True) into `out` (resized to
// ceil(n / factor)): libsoxr through a per-thread cached StreamResampler, output trimmed or zero-padded like
// fix_length, then divided by sqrt(1 / factor) in float32 as numpy does.
void decimate_into(const float* x, std::size_t n, std::size_t factor, dsp::ResampleQuality q, std::vector<float>& out) {
  struct Cached {
    std::size_t factor;
    dsp::ResampleQuality quality;
    std::unique_ptr<dsp::StreamResampler> r;
  };
  thread_local std::vector<Cached> cache;
  dsp::StreamResampler* r = nullptr;
  for (auto& c : cache)
    if (c.factor == factor && c.quality == q) r = c.r.get();
  if (!r) {
    cache.push_back({factor, q, std::make_unique<dsp::StreamResampler>(static_cast<double>(factor), 1.0, 1, q)});
    r = cache.back().r.get();
  } else {
    r->reset();
  }
  const std::size_t n_out = (n + factor - 1) / factor;
  const std::size_t cap = r->max_output_frames(n) + 64;
  if (out.size() < cap) out.resize(cap);  // grow-only: repeated calls reuse the pages
  std::size_t got = r->process(x, n, out.data(), cap);
  while (got < cap) {
    const std::size_t more = r->flush(out.data() + got, cap - got);
    if (more == 0) break;
    got += more;
  }
  if (got < n_out)
    std::fill(out.begin() + static_cast<std::ptrdiff_t>(got), out.begin() + static_cast<std::ptrdiff_t>(n_out), 0.0f);
  out.resize(n_out);
  const auto s = static_cast<float>(std::sqrt(1.0 / static_cast<double>(factor)));
  for (auto& v : out) v /= s;
}

}  // namespace

Array2D<std::complex<float>> CqtPlan::transform(std::span<const float> y) const {
  const Impl& p = *impl_;
  for (float v : y)
    if (!std::isfinite(v)) throw InvalidArgument("cqt: audio buffer is not finite everywhere");
  if (y.size() < p.early_factor)
    throw InvalidArgument("cqt: input signal length " + std::to_string(y.size()) + " is too short for " +
                          std::to_string(p.octaves.size()) + "-octave CQT");
  // Octave signals ping-pong between two per-thread buffers; octave 0 reads the input itself.
  thread_local std::vector<float> buf_a, buf_b;
  const float* sig = y.data();
  std::size_t sig_n = y.size();
  if (p.early_factor > 1) {
    decimate_into(y.data(), y.size(), p.early_factor, p.opt.res_type, buf_a);
    if (!p.opt.scale) {
      const auto g = static_cast<float>(std::sqrt(static_cast<double>(p.early_factor)));
      for (auto& v : buf_a) v *= g;
    }
    sig = buf_a.data();
    sig_n = buf_a.size();
  }
  const std::size_t n_frames = p.num_frames(y.size());
  Array2D<std::complex<float>> C(p.opt.n_bins, n_frames);
  AlignedVector<float> frame;
  AlignedVector<std::complex<float>> spec;
  for (std::size_t i = 0; i < p.octaves.size(); ++i) {
    const OctaveBank& o = p.octaves[i];
    frame.resize(o.n_fft);
    spec.resize(o.n_fft / 2 + 1);
    const auto n = static_cast<std::ptrdiff_t>(sig_n);
    const auto half = static_cast<std::ptrdiff_t>(o.n_fft / 2);
    for (std::size_t t = 0; t < n_frames; ++t) {
      const std::ptrdiff_t s0 = static_cast<std::ptrdiff_t>(t * o.hop) - half;
      if (s0 >= 0 && s0 + static_cast<std::ptrdiff_t>(o.n_fft) <= n) {
        // interior frame: transformed in place where it has FFTW's SIMD alignment (the decimated octave
        // signals are aligned and their hops multiples of 4 samples, so nearly all of them), otherwise
        // copied into the aligned frame buffer first: either way every frame takes the same aligned plan,
        // so results do not depend on the input's alignment
        const float* src = sig + s0;
        if (RealFft<float>::simd_aligned(src)) {
          detail_cqt::project_frame(o, src, spec.data(), C.data.data() + t, n_frames);
          continue;
        }
        std::memcpy(frame.data(), src, o.n_fft * sizeof(float));
      } else {
        for (std::size_t k = 0; k < o.n_fft; ++k) {
          const std::ptrdiff_t idx = padded_index(s0 + static_cast<std::ptrdiff_t>(k), n, p.opt.pad_mode);
          frame[k] = idx < 0 ? 0.0f : sig[static_cast<std::size_t>(idx)];
        }
      }
      detail_cqt::project_frame(o, frame.data(), spec.data(), C.data.data() + t, n_frames);
    }
    if (o.halve_after) {
      std::vector<float>& dst = (sig == buf_a.data()) ? buf_b : buf_a;
      decimate_into(sig, sig_n, 2, p.opt.res_type, dst);
      sig = dst.data();
      sig_n = dst.size();
    }
  }
  return C;
}

std::shared_ptr<const CqtPlan> cached_cqt_plan(const CqtOptions& o) {
  // Plans are immutable once built and transform() is const: share them between calls and threads.
  char key[512];
  std::snprintf(key, sizeof key, "%.17g|%zu|%.17g|%zu|%zu|%.17g|%.17g|%d%.17g|%.17g|%s|%d|%d|%.17g|%d", o.sr,
                o.hop_length, o.fmin, o.n_bins, o.bins_per_octave, o.tuning, o.filter_scale, o.norm ? 1 : 0,
                o.norm.value_or(0.0), o.sparsity, o.window.c_str(), o.scale ? 1 : 0, static_cast<int>(o.pad_mode),
                o.gamma, static_cast<int>(o.res_type));
  static std::mutex mutex;
  static std::vector<std::pair<std::string, std::shared_ptr<const CqtPlan>>> cache;  // most recent last
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto it = cache.begin(); it != cache.end(); ++it)
      if (it->first == key) {
        auto plan = it->second;
        cache.erase(it);
        cache.emplace_back(key, plan);
        return plan;
      }
  }
  auto plan = std::make_shared<const CqtPlan>(o);
  std::lock_guard<std::mutex> lock(mutex);
  cache.emplace_back(key, plan);
  if (cache.size() > 8) cache.erase(cache.begin());
  return plan;
}

Array2D<std::complex<float>> vqt(std::span<const float> y, const CqtOptions& options) {
  return cached_cqt_plan(options)->transform(y);
}

Array2D<std::complex<float>> cqt(std::span<const float> y, CqtOptions options) {
  options.gamma = 0.0;
  return cached_cqt_plan(options)->transform(y);
}

// ------------------------------------------------------------------------------------------------
// Tuning

double pitch_tuning(std::span<const float> frequencies, double resolution, std::size_t bins_per_octave) {
  if (!(resolution > 0 && resolution < 1)) throw InvalidArgument("pitch_tuning: resolution must be in (0, 1)");
  if (bins_per_octave == 0) throw InvalidArgument("pitch_tuning: bins_per_octave must be positive");
  const auto n_edges = static_cast<std::size_t>(std::ceil(1.0 / resolution)) + 1;
  const std::size_t n_hist = n_edges - 1;
  std::vector<double> edges(n_edges);
  const double step = 1.0 / static_cast<double>(n_hist);
  for (std::size_t k = 0; k < n_edges; ++k) edges[k] = static_cast<double>(k) * step + -0.5;
  edges.back() = 0.5;
  std::vector<std::size_t> counts(n_hist, 0);
  bool any = false;
  const auto ref = static_cast<float>(440.0 / 16.0);
  const auto bpo = static_cast<float>(bins_per_octave);
  for (float f : frequencies) {
    if (!(f > 0)) continue;
    any = true;
    const float octs = std::log2(f / ref);
    float r = std::fmod(bpo * octs, 1.0f);
    if (r != 0 && r < 0) r += 1.0f;
    if (r >= 0.5f) r -= 1.0f;
    const double v = r;
    if (v < edges.front() || v > edges.back()) continue;
    auto idx =
        static_cast<std::size_t>((v - edges.front()) * (static_cast<double>(n_hist) / (edges.back() - edges.front())));
    if (idx >= n_hist) idx = n_hist - 1;
    if (v < edges[idx] && idx > 0) --idx;
    if (idx + 1 < n_hist && v >= edges[idx + 1]) ++idx;
    ++counts[idx];
  }
  if (!any) return 0.0;
  const auto it = std::max_element(counts.begin(), counts.end());
  return edges[static_cast<std::size_t>(it - counts.begin())];
}

double estimate_tuning_from_magnitude(const Array2D<float>& S, double sr, std::size_t n_fft, double resolution,
                                      std::size_t bins_per_octave) {
  if (n_fft != 2 * (S.rows > 0 ? S.rows - 1 : 0))
    throw InvalidArgument("estimate_tuning: S must have n_fft / 2 + 1 rows");
  FrameMatrix<float> F(S.cols, S.rows);
  for (std::size_t b = 0; b < S.rows; ++b)
    for (std::size_t t = 0; t < S.cols; ++t) F.at(b, t) = S(b, t);
  return estimate_tuning(F, sr, bins_per_octave, resolution);
}

double estimate_tuning(std::span<const float> y, double sr, double resolution, std::size_t bins_per_octave) {
  // librosa.estimate_tuning(y=y): piptrack on |stft(y)| with n_fft 2048, hop 512, Hann, centred, zeros.
  const Stft<float> stft(StftParams{});
  const auto S = stft.magnitude(y.data(), y.size(), 1.0);
  return estimate_tuning(S, sr, bins_per_octave, resolution);
}

// ------------------------------------------------------------------------------------------------
// Chroma

Array2D<float> cq_to_chroma(std::size_t n_input, std::size_t bins_per_octave, std::size_t n_chroma, double fmin,
                            bool base_c) {
  if (n_chroma == 0 || bins_per_octave == 0) throw InvalidArgument("cq_to_chroma: sizes must be positive");
  if (bins_per_octave % n_chroma != 0)
    throw InvalidArgument("cq_to_chroma: bins_per_octave=" + std::to_string(bins_per_octave) +
                          " must be an integer multiple of n_chroma=" + std::to_string(n_chroma));
  const std::size_t n_merge = bins_per_octave / n_chroma;
  // repeat(eye(n_chroma), n_merge) rolled left by n_merge // 2: row c has ones at columns
  // (c * n_merge + m - n_merge // 2) mod bins_per_octave
  Array2D<float> base(n_chroma, bins_per_octave, 0.0f);
  for (std::size_t c = 0; c < n_chroma; ++c)
    for (std::size_t m = 0; m < n_merge; ++m) {
      const std::size_t colm = (c * n_merge + m + bins_per_octave - n_merge / 2) % bins_per_octave;
      base(c, colm) = 1.0f;
    }
  const double midi = 12.0 * (std::log2(fmin) - std::log2(440.0)) + 69.0;
  double midi0 = std::fmod(midi, 12.0);
  if (midi0 < 0) midi0 += 12.0;
  const double roll_notes = base_c ? midi0 : midi0 - 9.0;
  const auto roll = static_cast<long>(std::nearbyint(roll_notes * (static_cast<double>(n_chroma) / 12.0)));
  Array2D<float> out(n_chroma, n_input, 0.0f);
  const auto nc = static_cast<long>(n_chroma);
  for (std::size_t c = 0; c < n_chroma; ++c) {
    // np.roll(axis=0) by `roll`: output row c comes from row c - roll
    const long src = (((static_cast<long>(c) - roll) % nc) + nc) % nc;
    for (std::size_t j = 0; j < n_input; ++j) out(c, j) = base(static_cast<std::size_t>(src), j % bins_per_octave);
  }
  return out;
}

CqtOptions chroma_cqt_cqt_options(const ChromaCqtOptions& o, double tuning) {
  CqtOptions c;
  c.sr = o.sr;
  c.hop_length = o.hop_length;
  c.fmin = o.fmin;
  c.n_bins = o.n_octaves * o.bins_per_octave;
  c.bins_per_octave = o.bins_per_octave;
  c.tuning = tuning;
  c.res_type = o.res_type;
  return c;
}

namespace {

void normalize_columns(float* col, std::size_t n, const std::optional<double>& norm) {
  if (!norm) return;
  const double p = *norm;
  float length = 0;
  if (std::isinf(p) && p > 0) {
    for (std::size_t i = 0; i < n; ++i) length = std::max(length, std::abs(col[i]));
  } else if (std::isinf(p)) {
    length = std::numeric_limits<float>::infinity();
    for (std::size_t i = 0; i < n; ++i) length = std::min(length, std::abs(col[i]));
  } else if (p == 0) {
    for (std::size_t i = 0; i < n; ++i) length += col[i] != 0 ? 1.0f : 0.0f;
  } else {
    double acc = 0;
    for (std::size_t i = 0; i < n; ++i) acc += std::pow(std::abs(static_cast<double>(col[i])), p);
    length = static_cast<float>(std::pow(acc, 1.0 / p));
  }
  if (length < std::numeric_limits<float>::min()) return;
  for (std::size_t i = 0; i < n; ++i) col[i] /= length;
}

}  // namespace

Array2D<float> chroma_from_cqt_magnitude(const Array2D<float>& C, const ChromaCqtOptions& o) {
  const auto M = cq_to_chroma(C.rows, o.bins_per_octave, o.n_chroma, o.fmin);
  Array2D<float> out(o.n_chroma, C.cols, 0.0f);
  for (std::size_t c = 0; c < o.n_chroma; ++c)
    for (std::size_t j = 0; j < C.rows; ++j) {
      const float w = M(c, j);
      if (w == 0) continue;
      const float* src = C.row(j);
      float* dst = out.row(c);
      for (std::size_t t = 0; t < C.cols; ++t) dst[t] += w * src[t];
    }
  std::vector<float> col(o.n_chroma);
  for (std::size_t t = 0; t < out.cols; ++t) {
    for (std::size_t c = 0; c < o.n_chroma; ++c) {
      float v = out(c, t);
      if (v < o.threshold) v = 0.0f;
      col[c] = v;
    }
    normalize_columns(col.data(), o.n_chroma, o.norm);
    for (std::size_t c = 0; c < o.n_chroma; ++c) out(c, t) = col[c];
  }
  return out;
}

Array2D<float> chroma_cqt(std::span<const float> y, const ChromaCqtOptions& o) {
  if (o.n_chroma == 0 || o.bins_per_octave % o.n_chroma != 0)
    throw InvalidArgument("chroma_cqt: bins_per_octave must be a multiple of n_chroma");
  const double tuning = o.tuning ? *o.tuning : estimate_tuning(y, o.sr, 0.01, o.bins_per_octave);
  const auto V = cqt(y, chroma_cqt_cqt_options(o, tuning));
  Array2D<float> C(V.rows, V.cols);
  for (std::size_t i = 0; i < V.size(); ++i) C.data[i] = std::abs(V.data[i]);
  return chroma_from_cqt_magnitude(C, o);
}

}  // namespace percept::analysis

// ------------------------------------------------------------------------------------------------
// Streaming

namespace percept::analysis {

namespace {

// One octave's signal as it arrives: samples [base, base + data.size()) of the (resampled) stream.
struct Stage {
  std::vector<float> data;
  std::size_t base = 0;
  std::size_t fed = 0;  // samples already given to the next octave's resampler
  [[nodiscard]] std::size_t end() const noexcept { return base + data.size(); }
  [[nodiscard]] float at(std::size_t i) const noexcept { return data[i - base]; }
  void drop_before(std::size_t keep_from) {
    if (keep_from <= base) return;
    const std::size_t n = std::min(keep_from, end()) - base;
    // memmove within capacity: no allocation
    data.erase(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
    base += n;
  }
};

}  // namespace

struct StreamingCqt::Impl {
  CqtPlan plan;
  std::unique_ptr<dsp::StreamResampler> early;                 // input -> octave 0 when early downsampling
  std::vector<std::unique_ptr<dsp::StreamResampler>> halvers;  // octave i -> i + 1 (null when none)
  std::vector<Stage> stages;
  std::vector<std::size_t> length_bound;  // samples of each octave known to exist (exact after finish)
  std::vector<float> scratch;             // resampler output
  AlignedVector<float> frame;
  AlignedVector<std::complex<float>> spec;
  std::vector<std::complex<float>> queue;  // ready frames, frame-major
  std::size_t queue_read = 0;              // in frames
  std::size_t next_frame = 0;
  std::size_t received = 0;
  std::size_t max_chunk = 4096;
  bool finished = false;
  float early_gain = 1.0f;

  explicit Impl(const CqtOptions& o) : plan(o) {
    if (o.pad_mode != CqtPadMode::Constant)
      throw InvalidArgument("StreamingCqt: only pad_mode='constant' can be streamed");
    build();
  }

  void build() {
    const auto& p = plan.impl();
    const std::size_t n_oct = p.octaves.size();
    early.reset();
    if (p.early_factor > 1) {
      early = std::make_unique<dsp::StreamResampler>(static_cast<double>(p.early_factor), 1.0, 1, p.opt.res_type);
      early_gain = 1.0f / static_cast<float>(std::sqrt(1.0 / static_cast<double>(p.early_factor)));
      if (!p.opt.scale) early_gain *= static_cast<float>(std::sqrt(static_cast<double>(p.early_factor)));
    }
    halvers.clear();
    halvers.resize(n_oct);
    for (std::size_t i = 0; i < n_oct; ++i)
      if (p.octaves[i].halve_after) halvers[i] = std::make_unique<dsp::StreamResampler>(2.0, 1.0, 1, p.opt.res_type);
    stages.assign(n_oct, Stage{});
    length_bound.assign(n_oct, 0);
    queue.clear();
    queue_read = 0;
    next_frame = 0;
    received = 0;
    finished = false;
  }

  void reserve() {
    const auto& p = plan.impl();
    std::size_t cap = max_chunk + 64;
    if (early) cap = std::max(cap, early->max_output_frames(max_chunk));
    for (auto& h : halvers)
      if (h) cap = std::max(cap, h->max_output_frames(max_chunk));
    scratch.resize(cap);
    std::size_t max_fft = 0;
    for (const auto& o : p.octaves) max_fft = std::max(max_fft, o.n_fft);
    frame.resize(max_fft);
    spec.resize(max_fft / 2 + 1);
    // Latency in top-octave samples: the longest half-frame at each octave, scaled to the top rate.
    std::size_t lat = 0, scale = 1;
    for (std::size_t i = 0; i < p.octaves.size(); ++i) {
      lat = std::max(lat, scale * (p.octaves[i].n_fft / 2 + 64));
      if (p.octaves[i].halve_after) scale *= 2;
    }
    scale = 1;
    for (std::size_t i = 0; i < stages.size(); ++i) {
      stages[i].data.reserve(2 * (lat / scale + max_chunk / scale + p.octaves[i].n_fft) + 256);
      if (p.octaves[i].halve_after) scale *= 2;
    }
    queue.reserve(p.opt.n_bins * (4 * (lat / p.hop_eff + max_chunk / p.hop_eff) + 16));
  }

  void append(std::size_t i, const float* x, std::size_t n, float gain) {
    auto& s = stages[i].data;
    for (std::size_t k = 0; k < n; ++k) s.push_back(x[k] * gain);
  }

  // Give octave i's new samples (below its known length) to its halver and append the output to i + 1.
  void feed_down(std::size_t i) {
    const float gain = 1.0f / static_cast<float>(std::sqrt(0.5));
    Stage& s = stages[i];
    if (!halvers[i]) return;
    const std::size_t upto = std::min(s.end(), length_bound[i]);
    while (s.fed < upto) {
      const std::size_t n = std::min(upto - s.fed, max_chunk);
      const std::size_t got = halvers[i]->process(s.data.data() + (s.fed - s.base), n, scratch.data(), scratch.size());
      s.fed += n;
      append(i + 1, scratch.data(), got, gain);
    }
  }

  void update_bounds() {
    const auto& p = plan.impl();
    std::size_t len = p.early_factor > 1 ? (received + p.early_factor - 1) / p.early_factor : received;
    if (p.early_factor > 1 && !finished) len = received / p.early_factor;
    for (std::size_t i = 0; i < stages.size(); ++i) {
      length_bound[i] = len;
      if (p.octaves[i].halve_after) len = finished ? (len + 1) / 2 : len / 2;
    }
  }

  std::size_t emit(std::size_t limit) {
    const auto& p = plan.impl();
    const std::size_t n_bins = p.opt.n_bins;
    std::size_t made = 0;
    while (next_frame < limit) {
      const std::size_t t = next_frame;
      bool ready = true;
      for (std::size_t i = 0; i < stages.size() && ready; ++i) {
        const auto& o = p.octaves[i];
        const std::size_t need = t * o.hop + o.n_fft / 2;  // exclusive end of the frame
        if (!finished && std::min(stages[i].end(), length_bound[i]) < need) ready = false;
      }
      if (!ready) break;
      const std::size_t off = queue.size();
      queue.resize(off + n_bins);
      for (std::size_t i = 0; i < stages.size(); ++i) {
        const auto& o = p.octaves[i];
        const Stage& s = stages[i];
        const auto start = static_cast<std::ptrdiff_t>(t * o.hop) - static_cast<std::ptrdiff_t>(o.n_fft / 2);
        for (std::size_t k = 0; k < o.n_fft; ++k) {
          const std::ptrdiff_t idx = start + static_cast<std::ptrdiff_t>(k);
          const bool inside = idx >= 0 && static_cast<std::size_t>(idx) < std::min(s.end(), length_bound[i]) &&
                              static_cast<std::size_t>(idx) >= s.base;
          frame[k] = inside ? s.at(static_cast<std::size_t>(idx)) : 0.0f;
        }
        detail_cqt::project_frame(o, frame.data(), spec.data(), queue.data() + off, 1);
      }
      ++next_frame;
      ++made;
    }
    // drop what no future frame needs (keeping what the halvers have not consumed)
    for (std::size_t i = 0; i < stages.size(); ++i) {
      const auto& o = p.octaves[i];
      const std::size_t first = next_frame * o.hop;
      const std::size_t keep = first > o.n_fft / 2 ? first - o.n_fft / 2 : 0;
      stages[i].drop_before(halvers[i] ? std::min(keep, stages[i].fed) : keep);
    }
    return made;
  }

  void push_chunk(const float* x, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k)
      if (!std::isfinite(x[k])) throw InvalidArgument("StreamingCqt: audio buffer is not finite everywhere");
    received += n;
    if (early) {
      const std::size_t got = early->process(x, n, scratch.data(), scratch.size());
      append(0, scratch.data(), got, early_gain);
    } else {
      append(0, x, n, 1.0f);
    }
    update_bounds();
    for (std::size_t i = 0; i < stages.size(); ++i) feed_down(i);
    emit(std::numeric_limits<std::size_t>::max());
  }

  void finish() {
    finished = true;
    if (early) {
      std::size_t got;
      while ((got = early->flush(scratch.data(), scratch.size())) > 0) append(0, scratch.data(), got, early_gain);
    }
    update_bounds();
    const float gain = 1.0f / static_cast<float>(std::sqrt(0.5));
    for (std::size_t i = 0; i < stages.size(); ++i) {
      Stage& s = stages[i];
      // exact length: trim the resampler's surplus, pad zeros like librosa's fix_length
      if (s.end() > length_bound[i]) s.data.resize(length_bound[i] - s.base);
      while (s.end() < length_bound[i]) s.data.push_back(0.0f);
      if (halvers[i]) {
        feed_down(i);
        std::size_t got;
        while ((got = halvers[i]->flush(scratch.data(), scratch.size())) > 0) append(i + 1, scratch.data(), got, gain);
      }
    }
    emit(plan.num_frames(received));
  }
};

StreamingCqt::StreamingCqt(const CqtOptions& options) : impl_(std::make_unique<Impl>(options)) {
  prepare(4096);
}
StreamingCqt::~StreamingCqt() = default;
StreamingCqt::StreamingCqt(StreamingCqt&&) noexcept = default;
StreamingCqt& StreamingCqt::operator=(StreamingCqt&&) noexcept = default;

void StreamingCqt::prepare(std::size_t max_chunk) {
  if (max_chunk == 0) throw InvalidArgument("StreamingCqt: max_chunk must be positive");
  impl_->max_chunk = max_chunk;
  impl_->reserve();
}

std::size_t StreamingCqt::push(std::span<const float> x) {
  if (impl_->finished) throw StreamError("StreamingCqt: push() after finish(); call reset() to start a new stream");
  for (std::size_t off = 0; off < x.size(); off += impl_->max_chunk)
    impl_->push_chunk(x.data() + off, std::min(impl_->max_chunk, x.size() - off));
  return available();
}

std::size_t StreamingCqt::finish() {
  if (!impl_->finished) {
    if (impl_->received < impl_->plan.early_downsample_factor())
      throw InvalidArgument("StreamingCqt: the stream is too short for this CQT");
    impl_->finish();
  }
  return available();
}

std::size_t StreamingCqt::available() const noexcept {
  return impl_->queue.size() / impl_->plan.options().n_bins - impl_->queue_read;
}

std::size_t StreamingCqt::read(std::complex<float>* out, std::size_t max_frames) noexcept {
  Impl& m = *impl_;
  const std::size_t nb = m.plan.options().n_bins;
  const std::size_t n = std::min(max_frames, available());
  std::copy_n(m.queue.data() + m.queue_read * nb, n * nb, out);
  m.queue_read += n;
  if (m.queue_read * nb == m.queue.size()) {
    m.queue.clear();
    m.queue_read = 0;
  }
  return n;
}

void StreamingCqt::reset() {
  impl_->build();
  impl_->reserve();
}

std::size_t StreamingCqt::num_bins() const noexcept {
  return impl_->plan.options().n_bins;
}
const CqtPlan& StreamingCqt::plan() const noexcept {
  return impl_->plan;
}
std::size_t StreamingCqt::frames_emitted() const noexcept {
  return impl_->next_frame;
}
std::size_t StreamingCqt::samples_received() const noexcept {
  return impl_->received;
}

std::size_t StreamingCqt::lag_samples() const noexcept {
  const std::size_t hop = impl_->plan.options().hop_length;
  const std::size_t centre = impl_->next_frame == 0 ? 0 : (impl_->next_frame - 1) * hop;
  return impl_->received > centre ? impl_->received - centre : 0;
}

// ------------------------------------------------------------------------------------------------

CqtProcessor::CqtProcessor(const CqtOptions& options, std::size_t queue_frames)
    : cqt_(options), queue_frames_(queue_frames) {
  set_sample_rate_hint(options.sr);
}

void CqtProcessor::prepare(const dsp::ProcessSpec& spec) {
  const double sr = cqt_.plan().options().sr;
  if (spec.sample_rate != sr)
    throw InvalidArgument("cqt processor: built for " + std::to_string(sr) + " Hz, prepared for " +
                          std::to_string(spec.sample_rate) + " Hz");
  if (spec.max_block_size == 0) throw InvalidArgument("cqt processor: max_block_size must be positive");
  cqt_.reset();
  cqt_.prepare(spec.max_block_size);
  queue_.allocate(cqt_.num_bins(), queue_frames_);
  mono_.assign(spec.max_block_size, 0.0f);
  frame_.assign(cqt_.num_bins(), {});
  mag_.assign(cqt_.num_bins(), 0.0f);
  nonfinite_ = 0;
  set_spec(spec);
}

void CqtProcessor::reset() noexcept {
  try {
    cqt_.reset();
  } catch (...) {
    // reset() rebuilds the resamplers; should libsoxr refuse, the stream simply stays empty
  }
  queue_.clear();
  nonfinite_ = 0;
}

template <class T>
void CqtProcessor::process_impl(AudioView<const T> in, AudioView<T> out) noexcept {
  const std::size_t n = std::min(in.num_frames(), mono_.size());
  const std::size_t nc = in.num_channels();
  for (std::size_t c = 0; c < std::min(nc, out.num_channels()); ++c)
    if (in.channel(c) != out.channel(c))
      for (std::size_t i = 0; i < in.num_frames(); ++i) out.channel(c)[i] = in.channel(c)[i];
  if (nc == 0 || n == 0) return;
  for (std::size_t i = 0; i < n; ++i) {
    double acc = 0;
    for (std::size_t c = 0; c < nc; ++c) acc += static_cast<double>(in.channel(c)[i]);
    auto v = static_cast<float>(acc / static_cast<double>(nc));
    if (!std::isfinite(v)) {
      v = 0.0f;
      ++nonfinite_;
    }
    mono_[i] = v;
  }
  try {
    cqt_.push(std::span<const float>(mono_.data(), n));
  } catch (...) {
    return;  // a libsoxr failure: no frames from this block
  }
  while (cqt_.available() > 0) {
    cqt_.read(frame_.data(), 1);
    for (std::size_t b = 0; b < frame_.size(); ++b) mag_[b] = std::abs(frame_[b]);
    queue_.push(mag_.data());
  }
}

template void CqtProcessor::process_impl<float>(AudioView<const float>, AudioView<float>) noexcept;
template void CqtProcessor::process_impl<double>(AudioView<const double>, AudioView<double>) noexcept;

// ------------------------------------------------------------------------------------------------

struct StreamingChromaCqt::Impl {
  ChromaCqtOptions opt;
  StreamingCqt cqt;
  Array2D<float> M;
  std::vector<std::complex<float>> buf;
  std::vector<float> mag, col;
  std::vector<float> queue;
  std::size_t queue_read = 0;

  explicit Impl(const ChromaCqtOptions& o)
      : opt(o),
        cqt(chroma_cqt_cqt_options(o, o.tuning.value_or(0.0))),
        M(cq_to_chroma(o.n_octaves * o.bins_per_octave, o.bins_per_octave, o.n_chroma, o.fmin)) {
    mag.resize(cqt.num_bins());
    col.resize(o.n_chroma);
  }

  void drain() {
    const std::size_t nb = cqt.num_bins();
    const std::size_t n = cqt.available();
    buf.resize(n * nb);
    cqt.read(buf.data(), n);
    for (std::size_t f = 0; f < n; ++f) {
      for (std::size_t b = 0; b < nb; ++b) mag[b] = std::abs(buf[f * nb + b]);
      for (std::size_t c = 0; c < opt.n_chroma; ++c) {
        float acc = 0;
        for (std::size_t b = 0; b < nb; ++b) acc += M(c, b) * mag[b];
        col[c] = acc < opt.threshold ? 0.0f : acc;
      }
      normalize_columns(col.data(), opt.n_chroma, opt.norm);
      queue.insert(queue.end(), col.begin(), col.end());
    }
  }
};

StreamingChromaCqt::StreamingChromaCqt(const ChromaCqtOptions& options) : impl_(std::make_unique<Impl>(options)) {}
StreamingChromaCqt::~StreamingChromaCqt() = default;
StreamingChromaCqt::StreamingChromaCqt(StreamingChromaCqt&&) noexcept = default;
StreamingChromaCqt& StreamingChromaCqt::operator=(StreamingChromaCqt&&) noexcept = default;

void StreamingChromaCqt::prepare(std::size_t max_chunk) {
  impl_->cqt.prepare(max_chunk);
  impl_->buf.reserve(impl_->cqt.num_bins() * 64);
  impl_->queue.reserve(impl_->opt.n_chroma * 1024);
}
std::size_t StreamingChromaCqt::push(std::span<const float> x) {
  impl_->cqt.push(x);
  impl_->drain();
  return available();
}
std::size_t StreamingChromaCqt::finish() {
  impl_->cqt.finish();
  impl_->drain();
  return available();
}
std::size_t StreamingChromaCqt::available() const noexcept {
  return impl_->queue.size() / impl_->opt.n_chroma - impl_->queue_read;
}
std::size_t StreamingChromaCqt::read(float* out, std::size_t max_frames) noexcept {
  Impl& m = *impl_;
  const std::size_t n = std::min(max_frames, available());
  std::copy_n(m.queue.data() + m.queue_read * m.opt.n_chroma, n * m.opt.n_chroma, out);
  m.queue_read += n;
  if (m.queue_read * m.opt.n_chroma == m.queue.size()) {
    m.queue.clear();
    m.queue_read = 0;
  }
  return n;
}
void StreamingChromaCqt::reset() {
  impl_->cqt.reset();
  impl_->queue.clear();
  impl_->queue_read = 0;
}
std::size_t StreamingChromaCqt::num_chroma() const noexcept {
  return impl_->opt.n_chroma;
}

}  // namespace percept::analysis
