// percept play FILE — plays a file through the engine's playback FIFO (pre-roll, underruns counted).
#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "engine_common.hpp"
#include "percept/io/audio_file.hpp"
#include "percept/io/engine.hpp"

namespace {

struct PlayOptions {
  percept::cli::StreamArgs stream;
  std::string file;
  bool quiet = false;
};

void run(const PlayOptions& o, bool rate_given) {
  using namespace percept;
  using namespace percept::io;
  AudioFileReader reader(o.file);
  EngineOptions eo;
  o.stream.apply(eo.stream, 0, static_cast<std::size_t>(reader.channels()));
  if (!rate_given) eo.stream.sample_rate = reader.sample_rate();
  if (eo.stream.sample_rate != reader.sample_rate())
    throw InvalidArgument(o.file + " is at " + std::to_string(reader.sample_rate()) + " Hz but --rate asks for " +
                          fmt::format("{:g}", eo.stream.sample_rate) + "; convert it first (percept convert)");
  eo.tap = CaptureTap::None;
  eo.playback = PlaybackSource::Fifo;
  Engine engine(eo);
  const auto& n = engine.negotiated();
  if (n.sample_rate != reader.sample_rate())
    throw DeviceError("the device runs at " + fmt::format("{:g}", n.sample_rate) + " Hz, " + o.file + " is at " +
                      std::to_string(reader.sample_rate()) + " Hz; convert it first (percept convert)");
  AudioBuffer<float> block(static_cast<std::size_t>(reader.channels()), 4096);
  cli::install_interrupt_handler();
  engine.start();
  if (!o.quiet) cli::print_negotiated(n, stderr);
  std::int64_t played = 0;
  while (!cli::g_interrupted) {
    const std::size_t got = reader.read(block.view());
    if (got == 0) break;
    std::size_t done = 0;
    while (done < got && !cli::g_interrupted) {
      engine.check();
      done += engine.playback().write_available(AudioView<const float>(block.view().frames(done, got - done)));
      if (done < got) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    played += static_cast<std::int64_t>(got);
  }
  // Pad to a whole period, so that the last pull is complete and any underrun counted until the FIFO is
  // empty happened while there was still audio to play.
  if (const std::size_t rest = static_cast<std::size_t>(played) % n.period; rest != 0 && !cli::g_interrupted) {
    AudioBuffer<float> pad(static_cast<std::size_t>(reader.channels()), n.period - rest);
    engine.playback().write(AudioView<const float>(pad.view()), 5.0);
  }
  while (engine.playback().available() > 0 && !cli::g_interrupted) {
    engine.check();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const std::int64_t underruns = engine.playback().underrun_frames();
  const std::int64_t underrun_events = engine.playback().underrun_events();
  std::this_thread::sleep_for(std::chrono::microseconds(
      static_cast<std::int64_t>(static_cast<double>(n.buffer_frames + n.period) * 1e6 / n.sample_rate)));
  engine.stop();
  auto s = engine.stats();
  // The FIFO runs dry once the file is over: only underruns while there was still audio count.
  s.underrun_frames = underruns;
  s.underrun_events = underrun_events;
  if (!o.quiet) {
    fmt::print(stderr, "played {} frames ({:.3f} s) of {}\n", played, static_cast<double>(played) / n.sample_rate,
               o.file);
    cli::print_stats(s, stderr);
  }
}

}  // namespace

void register_play(CLI::App& app) {
  auto o = std::make_shared<PlayOptions>();
  auto* cmd = app.add_subcommand("play", "Play an audio file on an audio device");
  cmd->add_option("file", o->file, "Audio file")->required()->check(CLI::ExistingFile);
  cmd->add_flag("-q,--quiet", o->quiet, "No report");
  o->stream.add(cmd, 1024);
  cmd->callback([o, cmd] { run(*o, cmd->count("--rate") > 0); });
}
