// percept/analysis/yin.hpp — YIN fundamental-frequency estimation (librosa.yin, librosa 0.10 semantics).
//
// Frames of frame_length samples every hop_length (centred: the signal is padded by frame_length/2 with
// pad_mode); for each frame the cumulative mean normalised difference function d'(tau) over
// tau in [floor(sr/fmax), min(ceil(sr/fmin), frame_length - win_length - 1)], the first trough below
// trough_threshold (else the global minimum), refined by parabolic interpolation: f0 = sr / period.
// Energies are accumulated in float32 and correlations in float64 as numpy does in librosa.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace percept::analysis {

struct YinOptions {
  double fmin = 65.0;
  double fmax = 2093.0;
  double sr = 22050.0;
  std::size_t frame_length = 2048;
  std::size_t win_length = 0;  ///< 0: frame_length / 2
  std::size_t hop_length = 0;  ///< 0: frame_length / 4
  double trough_threshold = 0.1;
  bool center = true;
  std::string pad_mode = "constant";  ///< constant, reflect, edge
};

/// f0 per frame in Hz (float64 like librosa). Throws InvalidArgument for inconsistent parameters or
/// non-finite audio.
[[nodiscard]] std::vector<double> yin(std::span<const float> y, const YinOptions& options);

}  // namespace percept::analysis
