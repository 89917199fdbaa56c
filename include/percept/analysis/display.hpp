// percept/analysis/display.hpp — librosa.display.specshow-like pictures of spectrograms, written as PNG.
//
// A (rows x cols) feature matrix (rows = frequency bins / mel bands / CQT bins / chroma, bottom row first
// on screen, cols = frames) is drawn with a colour map into a plot area with a time axis, a frequency axis
// labelled in the units the data implies, an optional title and a colour bar. Text uses a built-in 5x7
// bitmap font, so rendering needs no font library and gives the same pixels everywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace percept::analysis {

enum class DisplayAxis {
  None,     ///< no ticks
  Time,     ///< frames -> seconds (hop_length / sr)
  Frames,   ///< frame index
  Linear,   ///< STFT bins on a linear Hz axis ('linear', 'hz', 'fft')
  Log,      ///< STFT bins on a log-frequency axis
  Mel,      ///< mel bands (Slaney or HTK), labelled in Hz
  CqtNote,  ///< CQT bins labelled with note names at every C
  CqtHz,    ///< CQT bins labelled in Hz
  Chroma,   ///< pitch classes C .. B
};

/// Parses librosa's axis names: None/"none", "time"/"s", "frames", "linear"/"hz"/"fft", "log", "mel",
/// "cqt_note", "cqt_hz", "chroma". Throws InvalidArgument.
[[nodiscard]] DisplayAxis parse_display_axis(const std::string& name);

struct SpecshowOptions {
  DisplayAxis x_axis = DisplayAxis::Time;
  DisplayAxis y_axis = DisplayAxis::None;
  double sr = 22050.0;
  std::size_t hop_length = 512;
  std::size_t n_fft = 0;             ///< Linear/Log axes; 0: 2 * (rows - 1)
  double fmin = 32.703195662574829;  ///< CQT axes (C1); Mel: lowest frequency (default 0 when unset below)
  std::optional<double> fmax;        ///< Mel: highest frequency (default sr / 2)
  std::optional<double> mel_fmin;    ///< Mel: lowest frequency (default 0)
  bool htk = false;                  ///< Mel scale formula
  std::size_t bins_per_octave = 12;  ///< CQT axes
  /// "magma", "viridis", "coolwarm", "gray", "gray_r", or "auto" (librosa's choice: magma for data of one
  /// sign, coolwarm when it crosses zero).
  std::string cmap = "auto";
  std::optional<double> vmin, vmax;  ///< colour range (default: data min / max, robust to NaN)
  std::string title;
  bool colorbar = true;
  std::string colorbar_label;  ///< e.g. "dB"
  int width = 900;             ///< whole image, pixels
  int height = 450;
};

/// An RGB image, 8 bits per channel, rows top to bottom.
struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;  ///< width * height * 3
};

/// Renders `data` (rows x cols, row-major, row 0 = lowest frequency). Throws InvalidArgument for an empty
/// matrix, a too small image or inconsistent axis parameters.
[[nodiscard]] RgbImage specshow(const float* data, std::size_t rows, std::size_t cols, const SpecshowOptions& options);

/// Writes an RGB image as PNG (libpng). Throws FileError.
void write_png(const std::string& path, const RgbImage& image);

/// The colour of value t in [0, 1] in a named map (as used by specshow).
void colormap_rgb(const std::string& cmap, double t, std::uint8_t rgb[3]);

}  // namespace percept::analysis
