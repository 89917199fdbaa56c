// percept demo — the README's main job for files: synthesise (or take) audio, write it in several
// formats, read it back, check integer round trips bit for bit, resample, and report. Needs no sound
// card, camera or input file.
#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <cmath>
#include <filesystem>
#include <memory>
#include <numbers>
#include <random>
#include <string>

#include "percept/core/clock.hpp"
#include "percept/core/error.hpp"
#include "percept/dsp/resample.hpp"
#include "percept/io/audio_file.hpp"

namespace {

struct DemoOptions {
  std::string input;
  std::string out_dir = "percept-demo";
  double seconds = 3.0;
};

percept::AudioBuffer<float> synthesise(int sr, double seconds) {
  // A stereo A-major chord with a decaying click every half second and a little noise.
  const auto n = static_cast<std::size_t>(sr * seconds);
  percept::AudioBuffer<float> y(2, n);
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0.0f, 0.01f);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / sr;
    const double chord = 0.2 * (std::sin(2 * std::numbers::pi * 440 * t) + std::sin(2 * std::numbers::pi * 554.37 * t) +
                                std::sin(2 * std::numbers::pi * 659.25 * t));
    const double click = std::exp(-std::fmod(t, 0.5) * 60.0) * 0.3;
    y.channel(0)[i] = static_cast<float>(chord + click + noise(rng));
    y.channel(1)[i] = static_cast<float>(0.8 * chord - click + noise(rng));
  }
  return y;
}

void run_demo(const DemoOptions& o) {
  using namespace percept;
  std::filesystem::create_directories(o.out_dir);
  int sr = 44100;
  AudioBuffer<float> y;
  if (o.input.empty()) {
    y = synthesise(sr, o.seconds);
    fmt::print("demo: synthesised {:.1f} s of stereo audio at {} Hz (no input file given)\n", o.seconds, sr);
  } else {
    y = io::read_audio<float>(o.input, sr);
    fmt::print("demo: read {} ({} ch, {} frames at {} Hz)\n", o.input, y.num_channels(), y.num_frames(), sr);
  }

  fmt::print("\n{:<28} {:>8} {:>10} {:>12} {:>10}\n", "file", "subtype", "bytes", "max |err|", "ms");
  for (const auto& [name, subtype] : {std::pair{"demo_pcm16.wav", "PCM_16"}, std::pair{"demo_pcm24.flac", "PCM_24"},
                                      std::pair{"demo_float.wav", "FLOAT"}, std::pair{"demo_vorbis.ogg", "VORBIS"}}) {
    const std::string path = (std::filesystem::path(o.out_dir) / name).string();
    const auto t0 = Clock::now_ns();
    io::write_audio<float>(path, y.view(), sr, io::WriterOptions{"", subtype});
    int sr_back = 0;
    const auto back = io::read_audio<float>(path, sr_back);
    const double ms = static_cast<double>(Clock::now_ns() - t0) * 1e-6;
    double err = 0;
    for (std::size_t c = 0; c < y.num_channels(); ++c)
      for (std::size_t i = 0; i < std::min(y.num_frames(), back.num_frames()); ++i)
        err = std::max(err, static_cast<double>(std::fabs(y.channel(c)[i] - back.channel(c)[i])));
    fmt::print("{:<28} {:>8} {:>10} {:>12.3g} {:>10.1f}\n", path, subtype, std::filesystem::file_size(path), err, ms);
    // An integer file read and written again must be bit-identical.
    if (std::string(subtype).rfind("PCM", 0) == 0) {
      const std::string again = path + ".again" + std::filesystem::path(path).extension().string();
      io::write_audio<float>(again, back.view(), sr, io::WriterOptions{"", subtype});
      const auto back2 = io::read_audio<float>(again, sr_back);
      if (back2.storage() != back.storage()) throw Error("demo: " + path + " did not round-trip bit for bit");
      std::filesystem::remove(again);
    }
  }

  const auto t0 = Clock::now_ns();
  const auto y16 = dsp::resample<float>(y.view(), sr, 16000);
  const double ms = static_cast<double>(Clock::now_ns() - t0) * 1e-6;
  const std::string path16 = (std::filesystem::path(o.out_dir) / "demo_16k.wav").string();
  io::write_audio<float>(path16, y16.view(), 16000);
  fmt::print("\nresampled {} -> 16000 Hz (libsoxr HQ) in {:.1f} ms: {} frames -> {}\n", sr, ms, y.num_frames(), path16);
  fmt::print("integer round trips are bit-exact. Files are in {}/\n", o.out_dir);
}

}  // namespace

void register_demo(CLI::App& app) {
  auto o = std::make_shared<DemoOptions>();
  auto* cmd =
      app.add_subcommand("demo", "Audio-file demo: write, read back bit-exactly, resample (needs no input file)");
  cmd->add_option("--input", o->input, "An audio file to use instead of the synthesised signal");
  cmd->add_option("--out", o->out_dir, "Folder for the files the demo writes")->capture_default_str();
  cmd->add_option("--seconds", o->seconds, "Length of the synthesised signal")->capture_default_str();
  cmd->callback([o] { run_demo(*o); });
}
