// percept record OUT --seconds S — gapless capture to a file, crash-safe (the header is updated as it goes).
//
// Frames go device -> lock-free ring -> this thread -> file; the file header is flushed every 0.25 s, so
// a crash or a dying server leaves a valid file with every frame captured so far. If the writer ever fell
// behind by more than the ring (--buffer seconds), the lost frames are written as silence so that the
// timeline stays right, and the command fails at the end naming how many frames were lost and where.
#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <cmath>
#include <memory>
#include <string>

#include "engine_common.hpp"
#include "percept/core/clock.hpp"
#include "percept/io/audio_file.hpp"
#include "percept/io/engine.hpp"

namespace {

struct RecordOptions {
  percept::cli::StreamArgs stream;
  std::string out;
  double seconds = 5.0;
  double buffer = 2.0;
  std::string subtype;
  bool quiet = false;
};

void run(const RecordOptions& o) {
  using namespace percept;
  using namespace percept::io;
  if (!(o.seconds > 0) || !std::isfinite(o.seconds)) throw InvalidArgument("--seconds must be positive");
  EngineOptions eo;
  o.stream.apply(eo.stream, o.stream.channels, 0);
  eo.tap = CaptureTap::Input;
  eo.playback = PlaybackSource::Silence;
  eo.ring_frames = static_cast<std::size_t>(o.buffer * o.stream.rate);
  Engine engine(eo);
  const auto& n = engine.negotiated();
  AudioFileWriter writer(o.out, static_cast<int>(n.sample_rate), static_cast<int>(n.input_channels),
                         WriterOptions{"", o.subtype});
  const auto total = static_cast<std::int64_t>(std::llround(o.seconds * n.sample_rate));
  const auto chunk = static_cast<std::size_t>(n.sample_rate / 20);
  AudioBuffer<float> block(n.input_channels, chunk);
  AudioBuffer<float> silence(n.input_channels, chunk);
  std::int64_t written = 0, lost = 0, first_lost = -1;
  cli::install_interrupt_handler();
  engine.start();
  if (!o.quiet) cli::print_negotiated(n, stderr);
  std::int64_t last_flush = Clock::now_ns();
  auto put = [&](AudioView<float> v) {
    writer.write(AudioView<const float>(v));
    written += static_cast<std::int64_t>(v.num_frames());
  };
  try {
    while (written < total && !cli::g_interrupted) {
      const auto want =
          static_cast<std::size_t>(std::min<std::int64_t>(static_cast<std::int64_t>(chunk), total - written));
      const auto r = engine.capture().read(block.view().frames(0, want), 5.0);
      for (std::int64_t gap = r.lost_frames; gap > 0;) {
        if (first_lost < 0) first_lost = r.lost_from;
        const auto m = static_cast<std::size_t>(std::min<std::int64_t>(gap, static_cast<std::int64_t>(chunk)));
        put(silence.view().frames(0, m));
        gap -= static_cast<std::int64_t>(m);
        lost += static_cast<std::int64_t>(m);
      }
      put(block.view().frames(0, want));
      if (Clock::now_ns() - last_flush > 250'000'000) {
        writer.flush();
        last_flush = Clock::now_ns();
      }
    }
  } catch (const StreamError& e) {
    // The device died: keep everything it delivered, finalise the file, then report.
    for (;;) {
      const auto r = engine.capture().read_available(block.view());
      if (r.frames == 0) break;
      put(block.view().frames(0, r.frames));
    }
    writer.close();
    throw StreamError(std::string(e.what()) + "; the recording keeps the " + std::to_string(written) +
                      " frames captured before, in " + o.out);
  }
  engine.stop();
  writer.close();
  const auto s = engine.stats();
  if (!o.quiet) {
    fmt::print(stderr, "recorded {} frames ({:.3f} s) to {}\n", written, static_cast<double>(written) / n.sample_rate,
               o.out);
    cli::print_stats(s, stderr);
  }
  if (lost > 0)
    throw StreamError("the writer fell behind: " + std::to_string(lost) + " frames were lost from frame " +
                      std::to_string(first_lost) + " (written as silence in " + o.out + "); use a larger --buffer");
}

}  // namespace

void register_record(CLI::App& app) {
  auto o = std::make_shared<RecordOptions>();
  auto* cmd = app.add_subcommand("record", "Record from an audio device to a file, gapless and crash-safe");
  cmd->add_option("out", o->out, "Output file (.wav, .flac, ...)")->required();
  cmd->add_option("-s,--seconds", o->seconds, "Duration")->capture_default_str();
  cmd->add_option("--buffer", o->buffer, "Ring size in seconds (how far the writer may fall behind)")
      ->capture_default_str();
  cmd->add_option("--subtype", o->subtype, "File encoding (PCM_16, PCM_24, FLOAT, ...; default: the container's)");
  cmd->add_flag("-q,--quiet", o->quiet, "No report");
  o->stream.add(cmd);
  cmd->callback([o] { run(*o); });
}
