// percept/analysis/rhythm.hpp — onset strength, onset detection, tempo and beat tracking following
// librosa 0.10 (onset.onset_strength, onset.onset_detect, util.peak_pick, feature.tempo with the
// autocorrelation tempogram and log-normal prior, beat.beat_track's dynamic programme and trimming).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "percept/analysis/features.hpp"
#include "percept/analysis/spectrum.hpp"

namespace percept::analysis {

enum class Aggregate { Mean, Median };

struct OnsetParams {
  double sr = 22050.0;
  std::size_t n_fft = 2048;
  std::size_t hop_length = 512;
  std::size_t lag = 1;
  std::size_t max_size = 1;
  bool detrend = false;
  bool center = true;
  Aggregate aggregate = Aggregate::Mean;
  // mel spectrogram (feature=melspectrogram, fmax=sr/2)
  std::size_t n_mels = 128;
  double fmin = 0.0;
  std::optional<double> fmax;
  bool htk = false;
  WindowType window = WindowType::Hann;
  PadMode pad_mode = PadMode::Constant;
  /// power_to_db's top_db on the mel spectrogram (librosa: 80 over the whole signal; unset for none).
  std::optional<double> top_db = 80.0;
};

/// One onset-strength value from two consecutive dB mel frames (lag apart): aggregate over bands of
/// max(0, cur - ref_prev), where ref_prev is prev max-filtered over max_size bands. `scratch` holds
/// n_mels values (used for the median and the max filter).
template <class T>
[[nodiscard]] T onset_diff_frame(const T* cur, const T* prev, std::size_t n_mels, std::size_t max_size, Aggregate agg,
                                 T* scratch, T* scratch2) noexcept;

/// librosa.onset.onset_strength from a dB spectrogram (S=...): (frames,) values.
template <class T>
[[nodiscard]] std::vector<T> onset_strength_from_db(const FrameMatrix<T>& S_db, const OnsetParams& p);
/// librosa.onset.onset_strength(y=...).
template <class T>
[[nodiscard]] std::vector<T> onset_strength(const T* y, std::size_t n, const OnsetParams& p = {});

struct PeakPickParams {
  double pre_max, post_max, pre_avg, post_avg, delta, wait;
  /// onset_detect's defaults for a frame rate: 30 ms, 0 ms + 1, 100 ms, 100 ms + 1, 0.07, 30 ms.
  static PeakPickParams onset_defaults(double sr, std::size_t hop_length);
};

/// librosa.util.peak_pick (0.10): indices of the picked peaks.
template <class T>
[[nodiscard]] std::vector<std::int64_t> peak_pick(const T* x, std::size_t n, const PeakPickParams& p);

/// librosa.onset.onset_backtrack: each event moved back to the preceding local minimum of energy.
template <class T>
[[nodiscard]] std::vector<std::int64_t> onset_backtrack(const std::vector<std::int64_t>& events, const T* energy,
                                                        std::size_t n);

/// librosa.onset.onset_detect on an onset envelope (normalize: to [0, 1] first).
template <class T>
[[nodiscard]] std::vector<std::int64_t> onset_detect(const T* envelope, std::size_t n, double sr,
                                                     std::size_t hop_length, bool normalize = true,
                                                     bool backtrack = false,
                                                     std::optional<PeakPickParams> pick = std::nullopt);

struct TempoParams {
  double sr = 22050.0;
  std::size_t hop_length = 512;
  double start_bpm = 120.0;
  double std_bpm = 1.0;
  double ac_size = 8.0;
  std::optional<double> max_tempo = 320.0;
};

/// librosa.feature.tempogram (autocorrelation, hann window, center, norm=inf): (win_length, frames).
template <class T>
[[nodiscard]] FrameMatrix<double> tempogram(const T* envelope, std::size_t n, std::size_t win_length);
/// librosa.feature.tempo (aggregate=mean): the global tempo in BPM.
template <class T>
[[nodiscard]] double tempo(const T* envelope, std::size_t n, const TempoParams& p = {});

struct BeatParams {
  TempoParams tempo{};
  double tightness = 100.0;
  bool trim = true;
  std::optional<double> bpm;  ///< use this tempo instead of estimating it
};

struct BeatResult {
  double tempo = 0.0;
  std::vector<std::int64_t> beats;  ///< frame indices
};

/// librosa.beat.beat_track(onset_envelope=...).
template <class T>
[[nodiscard]] BeatResult beat_track(const T* envelope, std::size_t n, const BeatParams& p = {});
/// librosa.beat.beat_track(y=...): onset strength with median aggregation, then the tracker.
template <class T>
[[nodiscard]] BeatResult beat_track_signal(const T* y, std::size_t n, const BeatParams& p = {});

}  // namespace percept::analysis
