#include "percept/analysis/streaming.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "percept/core/error.hpp"

namespace percept::analysis {

// ---------------------------------------------------------------------------------------------
void FrameQueue::allocate(std::size_t width, std::size_t capacity_frames) {
  width_ = width;
  capacity_ = std::max<std::size_t>(1, capacity_frames);
  data_.assign(width_ * capacity_, 0.0f);
  clear();
}

bool FrameQueue::push(const float* frame) noexcept {
  const std::size_t head = head_.load(std::memory_order_relaxed);
  const std::size_t tail = tail_.load(std::memory_order_acquire);
  if (head - tail >= capacity_) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  std::memcpy(data_.data() + (head % capacity_) * width_, frame, width_ * sizeof(float));
  head_.store(head + 1, std::memory_order_release);
  return true;
}

bool FrameQueue::pop(float* frame) noexcept {
  const std::size_t tail = tail_.load(std::memory_order_relaxed);
  const std::size_t head = head_.load(std::memory_order_acquire);
  if (head == tail) return false;
  std::memcpy(frame, data_.data() + (tail % capacity_) * width_, width_ * sizeof(float));
  tail_.store(tail + 1, std::memory_order_release);
  return true;
}

std::size_t FrameQueue::size() const noexcept {
  return head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_acquire);
}

void FrameQueue::clear() noexcept {
  head_.store(0);
  tail_.store(0);
  dropped_.store(0);
}

// ---------------------------------------------------------------------------------------------
void FrameAssembler::prepare(std::size_t n_fft, std::size_t hop, bool center) {
  if (n_fft == 0 || hop == 0) throw InvalidArgument("streaming: n_fft and hop_length must be positive");
  n_fft_ = n_fft;
  hop_ = hop;
  center_ = center;
  buf_.assign(n_fft, 0.0f);
  reset();
}

void FrameAssembler::reset() noexcept {
  std::fill(buf_.begin(), buf_.end(), 0.0f);
  fill_ = center_ ? n_fft_ / 2 : 0;  // the constant (zero) padding of the start
  skip_ = 0;
  received_ = 0;
  emitted_ = 0;
}

// ---------------------------------------------------------------------------------------------
StreamingAnalyzer::StreamingAnalyzer(double sample_rate, const StftParams& stft)
    : sr_(sample_rate), stft_(stft.resolved()), engine_(stft_) {
  if (!(sample_rate > 0)) throw InvalidArgument("streaming: sample rate must be positive");
  if (stft_.center && stft_.pad_mode != PadMode::Constant)
    throw InvalidArgument("streaming: only pad_mode='constant' can be streamed with center=True");
  set_sample_rate_hint(sample_rate);
}

void StreamingAnalyzer::ensure_ready() {
  if (ready_) return;
  frames_.prepare(stft_.n_fft, stft_.hop_length, stft_.center);
  windowed_.assign(stft_.n_fft, 0.0f);
  spectrum_.assign(stft_.n_fft / 2 + 1, {});
  feature_.assign(feature_size_, 0.0f);
  prepare_feature();
  ready_ = true;
}

void StreamingAnalyzer::prepare(const dsp::ProcessSpec& spec) {
  if (spec.sample_rate != sr_)
    throw InvalidArgument(name() + ": prepared at " + std::to_string(spec.sample_rate) + " Hz but configured for " +
                          std::to_string(sr_) + " Hz (resample before analysing)");
  if (spec.max_block_size == 0) throw InvalidArgument(name() + ": max_block_size must be positive");
  ready_ = false;
  ensure_ready();
  mono_.assign(std::min<std::size_t>(spec.max_block_size, 4096), 0.0f);
  queue_.allocate(feature_size_, queue_frames_);
  reset();
  set_spec(spec);
}

void StreamingAnalyzer::reset() noexcept {
  frames_.reset();
  queue_.clear();
  reset_feature();
}

std::size_t StreamingAnalyzer::latency() const noexcept {
  return stft_.center ? stft_.n_fft - stft_.n_fft / 2 : stft_.n_fft;
}

// ---------------------------------------------------------------------------------------------
StreamingStft::StreamingStft(double sample_rate, const StftParams& stft, SpectrumOutput output)
    : StreamingAnalyzer(sample_rate, stft), output_(output) {
  const std::size_t nb = stft_.n_fft / 2 + 1;
  feature_size_ = output == SpectrumOutput::Complex ? 2 * nb : nb;
}

void StreamingStft::compute(const std::complex<float>* X, float* out) noexcept {
  const std::size_t nb = stft_.n_fft / 2 + 1;
  switch (output_) {
    case SpectrumOutput::Complex:
      for (std::size_t k = 0; k < nb; ++k) {
        out[2 * k] = X[k].real();
        out[2 * k + 1] = X[k].imag();
      }
      break;
    case SpectrumOutput::Magnitude:
      for (std::size_t k = 0; k < nb; ++k) out[k] = std::hypot(X[k].real(), X[k].imag());
      break;
    case SpectrumOutput::Power:
      for (std::size_t k = 0; k < nb; ++k) out[k] = X[k].real() * X[k].real() + X[k].imag() * X[k].imag();
      break;
  }
}

namespace {

MelParams mel_for(MelParams mel, double sr, std::size_t n_fft) {
  mel.sr = sr;
  mel.n_fft = n_fft;
  return mel;
}

// |X|^power as melspectrogram computes it
void spectrum_power(const std::complex<float>* X, std::size_t nb, double power, float* out) noexcept {
  if (power == 2.0) {
    for (std::size_t k = 0; k < nb; ++k) out[k] = X[k].real() * X[k].real() + X[k].imag() * X[k].imag();
  } else if (power == 1.0) {
    for (std::size_t k = 0; k < nb; ++k) out[k] = std::hypot(X[k].real(), X[k].imag());
  } else {
    for (std::size_t k = 0; k < nb; ++k)
      out[k] = std::pow(std::hypot(X[k].real(), X[k].imag()), static_cast<float>(power));
  }
}

// power_to_db with a fixed reference, top_db=None, then the optional floor (same arithmetic as
// analysis::power_to_db for float).
void fixed_db(float* x, std::size_t n, const StreamingDb& db) noexcept {
  const float amin = static_cast<float>(db.amin);
  const float ref_db = 10.0f * std::log10(std::max(amin, static_cast<float>(std::abs(db.ref))));
  power_db_inplace(x, n, amin, ref_db);
  if (db.floor_db) {
    const float f = static_cast<float>(*db.floor_db);
    for (std::size_t i = 0; i < n; ++i) x[i] = std::max(x[i], f);
  }
}

void check_db(const StreamingDb& db) {
  if (!(db.amin > 0)) throw InvalidArgument("streaming: amin must be strictly positive");
}

}  // namespace

StreamingMel::StreamingMel(double sample_rate, const StftParams& stft, MelParams mel, StreamingDb db, double power)
    : StreamingAnalyzer(sample_rate, stft),
      fb_(mel_for(mel, sample_rate, stft_.n_fft)),
      db_(db),
      power_(power),
      mag_(stft_.n_fft / 2 + 1) {
  if (!(power > 0)) throw InvalidArgument("StreamingMel: power must be positive");
  check_db(db);
  feature_size_ = fb_.n_mels();
}

void StreamingMel::compute(const std::complex<float>* X, float* out) noexcept {
  spectrum_power(X, mag_.size(), power_, mag_.data());
  fb_.apply(mag_.data(), out);
  if (db_.enabled) fixed_db(out, fb_.n_mels(), db_);
}

StreamingMfcc::StreamingMfcc(double sample_rate, const StftParams& stft, MelParams mel, MfccParams mfcc, StreamingDb db)
    : StreamingAnalyzer(sample_rate, stft),
      fb_(mel_for(mel, sample_rate, stft_.n_fft)),
      dct_(fb_.n_mels(), mfcc),
      db_(db),
      mag_(stft_.n_fft / 2 + 1),
      mel_(fb_.n_mels()) {
  check_db(db);
  db_.enabled = true;
  feature_size_ = dct_.n_mfcc();
}

void StreamingMfcc::compute(const std::complex<float>* X, float* out) noexcept {
  spectrum_power(X, mag_.size(), 2.0, mag_.data());
  fb_.apply(mag_.data(), mel_.data());
  fixed_db(mel_.data(), mel_.size(), db_);
  dct_.apply(mel_.data(), out);
}

namespace {
StftParams onset_stft(const OnsetParams& p) {
  StftParams s;
  s.n_fft = p.n_fft;
  s.hop_length = p.hop_length;
  s.window = p.window;
  s.center = p.center;
  s.pad_mode = p.pad_mode;
  return s;
}
MelParams onset_mel(const OnsetParams& p) {
  MelParams m;
  m.sr = p.sr;
  m.n_fft = p.n_fft;
  m.n_mels = p.n_mels;
  m.fmin = p.fmin;
  m.fmax = p.fmax.value_or(0.5 * p.sr);
  m.htk = p.htk;
  return m;
}
}  // namespace

StreamingOnsetStrength::StreamingOnsetStrength(double sample_rate, const OnsetParams& onset, StreamingDb db)
    : StreamingAnalyzer(sample_rate, onset_stft(onset)),
      op_(onset),
      fb_(onset_mel(onset)),
      db_(db),
      n_mels_(fb_.n_mels()),
      delay_(onset.center ? onset.n_fft / (2 * onset.hop_length) : 0) {
  if (onset.sr != sample_rate) throw InvalidArgument("StreamingOnsetStrength: onset.sr differs from the sample rate");
  if (onset.lag < 1) throw InvalidArgument("StreamingOnsetStrength: lag must be a positive integer");
  if (onset.max_size < 1) throw InvalidArgument("StreamingOnsetStrength: max_size must be a positive integer");
  check_db(db);
  db_.enabled = true;
  feature_size_ = 1;
}

void StreamingOnsetStrength::prepare_feature() {
  mag_.assign(stft_.n_fft / 2 + 1, 0.0f);
  history_.assign((op_.lag + 1) * n_mels_, 0.0f);
  diffs_.assign(delay_ + 1, 0.0f);
  s1_.assign(n_mels_, 0.0f);
  s2_.assign(n_mels_, 0.0f);
  reset_feature();
}

void StreamingOnsetStrength::reset_feature() noexcept {
  count_ = 0;
  xprev_ = yprev_ = 0;
  std::fill(diffs_.begin(), diffs_.end(), 0.0f);
}

void StreamingOnsetStrength::compute(const std::complex<float>* X, float* out) noexcept {
  // mel frame k in dB into the history ring (lag + 1 frames)
  const std::size_t ring = op_.lag + 1;
  const std::uint64_t k = count_++;
  float* cur = history_.data() + (k % ring) * n_mels_;
  spectrum_power(X, mag_.size(), 2.0, mag_.data());
  fb_.apply(mag_.data(), cur);
  fixed_db(cur, n_mels_, db_);
  // d_k = diff(mel[k], mel[k - lag]) for k >= lag, kept `delay_` frames
  float d = 0.0f;
  if (k >= op_.lag) {
    const float* prev = history_.data() + ((k - op_.lag) % ring) * n_mels_;
    d = onset_diff_frame(static_cast<const float*>(cur), prev, n_mels_, op_.max_size, op_.aggregate, s1_.data(),
                         s2_.data());
  }
  diffs_[k % diffs_.size()] = d;
  // output[k] = 0 for k < pad_width (= lag + delay), else d_{k - delay}
  double v = 0.0;
  if (k >= op_.lag + delay_) v = static_cast<double>(diffs_[(k - delay_) % diffs_.size()]);
  if (op_.detrend) {
    const double y = v - xprev_ + 0.99 * yprev_;
    xprev_ = v;
    yprev_ = y;
    v = y;
  }
  out[0] = static_cast<float>(v);
}

StreamingSpectralStats::StreamingSpectralStats(double sample_rate, const StftParams& stft, double roll_percent,
                                               ContrastParams contrast)
    : StreamingAnalyzer(sample_rate, stft),
      roll_(roll_percent),
      cp_(contrast),
      bands_(sample_rate, stft_.n_fft, contrast),
      freq_(fft_frequencies(sample_rate, stft_.n_fft)),
      mag_(stft_.n_fft / 2 + 1),
      peak_(bands_.lo.size()),
      valley_(bands_.lo.size()),
      scratch_(bands_.max_width) {
  if (!(roll_percent > 0 && roll_percent < 1))
    throw InvalidArgument("StreamingSpectralStats: roll_percent must lie in (0, 1)");
  feature_size_ = 4 + bands_.lo.size();
}

void StreamingSpectralStats::compute(const std::complex<float>* X, float* out) noexcept {
  const std::size_t nb = mag_.size();
  for (std::size_t k = 0; k < nb; ++k) mag_[k] = std::hypot(X[k].real(), X[k].imag());
  const float c = centroid_frame(mag_.data(), freq_.data(), nb);
  out[0] = c;
  out[1] = bandwidth_frame(mag_.data(), freq_.data(), nb, c);
  out[2] = rolloff_frame(mag_.data(), freq_.data(), nb, roll_);
  out[3] = flatness_frame(mag_.data(), nb);
  contrast_frame(mag_.data(), bands_, peak_.data(), valley_.data(), scratch_.data());
  const std::size_t nbands = peak_.size();
  if (cp_.linear) {
    for (std::size_t b = 0; b < nbands; ++b) out[4 + b] = peak_[b] - valley_[b];
  } else {
    const StreamingDb db{true, 1.0, 1e-10, std::nullopt};
    fixed_db(peak_.data(), nbands, db);
    fixed_db(valley_.data(), nbands, db);
    for (std::size_t b = 0; b < nbands; ++b) out[4 + b] = peak_[b] - valley_[b];
  }
}

StreamingChroma::StreamingChroma(double sample_rate, const StftParams& stft, double tuning, double norm,
                                 ChromaParams chroma)
    : StreamingAnalyzer(sample_rate, stft), norm_(norm), n_chroma_(chroma.n_chroma), pw_(stft_.n_fft / 2 + 1) {
  const auto fb = chroma_filterbank(sample_rate, stft_.n_fft, tuning, chroma);
  fb_.assign(fb.begin(), fb.end());
  feature_size_ = n_chroma_;
}

void StreamingChroma::compute(const std::complex<float>* X, float* out) noexcept {
  const std::size_t nb = pw_.size();
  for (std::size_t k = 0; k < nb; ++k) pw_[k] = X[k].real() * X[k].real() + X[k].imag() * X[k].imag();
  for (std::size_t c = 0; c < n_chroma_; ++c) {
    const float* w = fb_.data() + c * nb;
    float acc = 0;
    for (std::size_t k = 0; k < nb; ++k) acc += w[k] * pw_[k];
    out[c] = acc;
  }
  normalize_vector(out, n_chroma_, norm_);
}

}  // namespace percept::analysis
