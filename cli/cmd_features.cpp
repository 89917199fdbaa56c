// percept features IN --kind logmel|mfcc|cqt|chroma|onset --out X.npy [--png X.png] — librosa-compatible
// features of an audio file written as a NumPy array (features, frames), optionally pictured as a PNG.
//
// The file is decoded, mixed to mono and resampled to --sr (22050 Hz by default, like librosa.load) with
// libsoxr HQ. logmel = power_to_db(melspectrogram, ref=max, top_db=80); mfcc = feature.mfcc (20
// coefficients); cqt = |cqt| (84 bins from C1); chroma = feature.chroma_cqt; onset = onset_strength (a
// (frames,) vector). The constant-Q kinds run chunk by chunk through the streaming transforms (identical
// to the offline ones), which drives the progress bar on long files.
#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <complex>
#include <memory>
#include <string>
#include <vector>

#include "percept/analysis/cqt.hpp"
#include "percept/analysis/display.hpp"
#include "percept/analysis/features.hpp"
#include "percept/analysis/rhythm.hpp"
#include "percept/analysis/spectrum.hpp"
#include "percept/core/error.hpp"
#include "percept/dsp/resample.hpp"
#include "percept/io/audio_file.hpp"
#include "percept/io/npy.hpp"
#include "progress.hpp"

namespace {

using namespace percept;

struct FeatureOptions {
  std::string in;
  std::string kind = "logmel";
  std::string out;
  std::string png;
  int sr = 22050;
  std::size_t hop = 512;
  std::size_t n_mels = 128;
  std::size_t n_mfcc = 20;
  bool quiet = false;
};

// (features, frames) row-major from a frame-major matrix
std::vector<float> to_rows(const analysis::FrameMatrix<float>& m) {
  std::vector<float> out(m.n_bins * m.n_frames);
  for (std::size_t t = 0; t < m.n_frames; ++t)
    for (std::size_t b = 0; b < m.n_bins; ++b) out[b * m.n_frames + t] = m.at(b, t);
  return out;
}

std::vector<float> load_mono(const FeatureOptions& o) {
  int sr_in = 0;
  const auto buf = io::read_audio<float>(o.in, sr_in);
  const std::size_t nc = buf.num_channels(), n = buf.num_frames();
  if (n == 0) throw FormatError(o.in + ": no audio frames");
  std::vector<float> mono(n, 0.0f);
  for (std::size_t c = 0; c < nc; ++c)
    for (std::size_t i = 0; i < n; ++i) mono[i] += buf.channel(c)[i] / static_cast<float>(nc);
  if (sr_in == o.sr) return mono;
  const float* p = mono.data();
  auto r = dsp::resample<float>(AudioView<const float>(&p, 1, n), sr_in, o.sr);
  return {r.channel(0), r.channel(0) + r.num_frames()};
}

// Streams y through a streaming constant-Q analyser, reporting progress; returns frames (rows x frames).
template <class Stream, class T>
std::vector<T> stream_rows(Stream& s, std::size_t rows, const std::vector<float>& y, cli::ProgressBar& bar) {
  std::vector<T> frames, buf;
  const std::size_t chunk = 1 << 16;
  s.prepare(chunk);
  auto drain = [&] {
    const std::size_t k = s.available();
    buf.resize(k * rows);
    s.read(buf.data(), k);
    frames.insert(frames.end(), buf.begin(), buf.end());
  };
  for (std::size_t off = 0; off < y.size(); off += chunk) {
    s.push(std::span<const float>(y.data() + off, std::min(chunk, y.size() - off)));
    drain();
    bar.update(static_cast<std::int64_t>(std::min(y.size(), off + chunk)));
  }
  s.finish();
  drain();
  const std::size_t T_ = frames.size() / rows;
  std::vector<T> out(frames.size());
  for (std::size_t t = 0; t < T_; ++t)
    for (std::size_t b = 0; b < rows; ++b) out[b * T_ + t] = frames[t * rows + b];
  return out;
}

void run_features(const FeatureOptions& o) {
  if (o.sr <= 0) throw InvalidArgument("--sr must be positive");
  if (o.hop == 0) throw InvalidArgument("--hop must be positive");
  const auto y = load_mono(o);
  const double sr = o.sr;
  std::vector<float> data;
  std::size_t rows = 0;
  analysis::SpecshowOptions view;
  view.sr = sr;
  view.hop_length = o.hop;
  view.x_axis = analysis::DisplayAxis::Time;
  std::vector<float> picture;  // what the PNG shows (dB for magnitudes)

  cli::ProgressBar bar("features " + o.kind, static_cast<std::int64_t>(y.size()), !o.quiet);
  analysis::StftParams stft;
  stft.hop_length = o.hop;
  if (o.kind == "logmel") {
    analysis::MelParams mel;
    mel.n_mels = o.n_mels;
    auto M = analysis::melspectrogram<float>(y.data(), y.size(), sr, stft, 2.0, mel);
    analysis::DbParams db;
    db.ref_is_max = true;
    analysis::power_to_db(M.data.data(), M.data.size(), db);
    rows = M.n_bins;
    data = to_rows(M);
    picture = data;
    view.y_axis = analysis::DisplayAxis::Mel;
    view.title = "log-mel spectrogram";
    view.colorbar_label = "dB";
  } else if (o.kind == "mfcc") {
    analysis::MfccParams mp;
    mp.n_mfcc = o.n_mfcc;
    analysis::MelParams mel;
    mel.n_mels = o.n_mels;
    const auto M = analysis::mfcc<float>(y.data(), y.size(), sr, mp, stft, mel);
    rows = M.n_bins;
    data = to_rows(M);
    picture = data;
    view.title = "MFCC";
  } else if (o.kind == "cqt") {
    analysis::CqtOptions co;
    co.sr = sr;
    co.hop_length = o.hop;
    analysis::StreamingCqt s(co);
    rows = s.num_bins();
    const auto C = stream_rows<analysis::StreamingCqt, std::complex<float>>(s, rows, y, bar);
    data.resize(C.size());
    for (std::size_t i = 0; i < C.size(); ++i) data[i] = std::abs(C[i]);
    picture = data;
    analysis::DbParams db;
    db.ref_is_max = true;
    db.amin = 1e-5;
    analysis::amplitude_to_db(picture.data(), picture.size(), db);
    view.y_axis = analysis::DisplayAxis::CqtNote;
    view.title = "constant-Q spectrum";
    view.colorbar_label = "dB";
  } else if (o.kind == "chroma") {
    analysis::ChromaCqtOptions co;
    co.sr = sr;
    co.hop_length = o.hop;
    co.tuning = analysis::estimate_tuning(y, sr, 0.01, co.bins_per_octave);  // as chroma_cqt(tuning=None)
    analysis::StreamingChromaCqt s(co);
    rows = co.n_chroma;
    data = stream_rows<analysis::StreamingChromaCqt, float>(s, rows, y, bar);
    picture = data;
    view.y_axis = analysis::DisplayAxis::Chroma;
    view.title = "chroma (CQT)";
  } else if (o.kind == "onset") {
    analysis::OnsetParams op;
    op.sr = sr;
    op.hop_length = o.hop;
    op.n_mels = o.n_mels;
    data = analysis::onset_strength<float>(y.data(), y.size(), op);
    rows = 1;
    picture = data;
    view.title = "onset strength";
  } else {
    throw InvalidArgument("--kind must be logmel, mfcc, cqt, chroma or onset (got '" + o.kind + "')");
  }
  bar.update(static_cast<std::int64_t>(y.size()));
  bar.finish();
  const std::size_t frames = rows ? data.size() / rows : 0;
  if (o.kind == "onset")
    io::write_npy(o.out, data.data(), {frames});
  else
    io::write_npy(o.out, data.data(), {rows, frames});
  if (!o.png.empty()) analysis::write_png(o.png, analysis::specshow(picture.data(), rows, frames, view));
  if (!o.quiet)
    fmt::print("{}: {} x {} {} frames at {} Hz (hop {}) -> {}{}\n", o.in, rows, frames, o.kind, o.sr, o.hop, o.out,
               o.png.empty() ? "" : " + " + o.png);
}

}  // namespace

void register_features(CLI::App& app) {
  auto o = std::make_shared<FeatureOptions>();
  auto* cmd = app.add_subcommand("features", "Compute librosa-compatible features of an audio file (.npy, PNG)");
  cmd->add_option("input", o->in, "Audio file")->required();
  cmd->add_option("--kind", o->kind, "logmel, mfcc, cqt, chroma or onset")
      ->check(CLI::IsMember({"logmel", "mfcc", "cqt", "chroma", "onset"}));
  cmd->add_option("--out", o->out, "Output .npy file (features, frames)")->required();
  cmd->add_option("--png", o->png, "Also render a picture (PNG)");
  cmd->add_option("--sr", o->sr, "Analysis sample rate (the file is resampled; default 22050)");
  cmd->add_option("--hop", o->hop, "Hop length in samples (default 512)");
  cmd->add_option("--n-mels", o->n_mels, "Mel bands (logmel, mfcc, onset; default 128)");
  cmd->add_option("--n-mfcc", o->n_mfcc, "MFCC coefficients (default 20)");
  cmd->add_flag("-q,--quiet", o->quiet, "No progress bar or summary");
  cmd->callback([o] { run_features(*o); });
}
