// percept fx IN OUT --chain "butterworth(order=4,cutoff_hz=2000) | vcs3(feedback=4)" — runs a processor
// chain (the syntax of percept/dsp/chain_parser.hpp, shared with `percept duplex --chain`) over an audio
// file block by block: the file is never loaded whole, and the chain is prepared once and run exactly as
// the real-time engine runs it. The chain's latency is compensated (the output lines up with the input
// and has the same length) unless --keep-latency is given.
#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <memory>
#include <string>

#include "percept/core/audio_block.hpp"
#include "percept/core/error.hpp"
#include "percept/dsp/chain_parser.hpp"
#include "percept/io/audio_file.hpp"
#include "progress.hpp"

namespace {

struct FxOptions {
  std::string in;
  std::string out;
  std::string chain;
  std::string subtype;
  std::size_t block = 4096;
  bool keep_latency = false;
  bool list = false;
  bool quiet = false;
};

void run_fx(const FxOptions& o) {
  using namespace percept;
  if (o.block == 0 || o.block > (1u << 22)) throw InvalidArgument("--block must be 1..4194304 frames");
  io::AudioFileReader reader(o.in);
  const auto channels = static_cast<std::size_t>(reader.channels());
  const double sr = reader.sample_rate();
  auto chain = dsp::parse_chain(o.chain, sr);
  chain->prepare(dsp::ProcessSpec{sr, o.block, channels});
  const std::size_t latency = o.keep_latency ? 0 : chain->latency();
  io::AudioFileWriter writer(o.out, reader.sample_rate(), reader.channels(), io::WriterOptions{"", o.subtype});

  AudioBuffer<double> buf(channels, o.block);
  cli::ProgressBar bar("fx", reader.frames(), !o.quiet);
  std::size_t to_skip = latency;  // leading output frames that are only the chain's delay
  std::int64_t written = 0;
  auto emit = [&](std::size_t n) {
    const std::size_t skip = std::min(to_skip, n);
    to_skip -= skip;
    if (n > skip) {
      writer.write(AudioView<const double>(buf.view()).frames(skip, n - skip));
      written += static_cast<std::int64_t>(n - skip);
    }
  };
  for (;;) {
    const std::size_t got = reader.read(buf.view());
    if (got == 0) break;
    auto v = buf.view().frames(0, got);
    chain->process(AudioView<const double>(v), v);
    emit(got);
    bar.update(reader.tell());
  }
  // Push the delayed tail out with silence.
  for (std::size_t left = latency; left > 0;) {
    const std::size_t n = std::min(left, o.block);
    auto v = buf.view().frames(0, n);
    v.clear();
    chain->process(AudioView<const double>(v), v);
    emit(n);
    left -= n;
  }
  writer.close();
  bar.finish();
  if (!o.quiet)
    fmt::print("{} -> {}: {} frames at {} Hz, {} ch through {} (latency {} frames{})\n", o.in, o.out, written,
               reader.sample_rate(), channels, chain->describe(), chain->latency(),
               o.keep_latency ? ", kept" : ", compensated");
}

}  // namespace

void register_fx(CLI::App& app) {
  auto o = std::make_shared<FxOptions>();
  auto* cmd = app.add_subcommand("fx", "Run a processor chain over an audio file, block by block");
  cmd->add_option("in", o->in, "Input audio file");
  cmd->add_option("out", o->out, "Output audio file; the container follows the extension");
  cmd->add_option("--chain,-c", o->chain,
                  "Processors separated by '|', e.g. \"butterworth(order=4,cutoff_hz=2000) | vcs3(feedback=4)\"");
  cmd->add_option("--block", o->block, "Block size in frames (default 4096)");
  cmd->add_option("--subtype", o->subtype, "Output encoding: PCM_16, PCM_24, FLOAT, ... (default: the container's)");
  cmd->add_flag("--keep-latency", o->keep_latency, "Do not compensate the chain's latency");
  cmd->add_flag("--list", o->list, "List the stages the chain syntax knows (with their parameters) and exit");
  cmd->add_flag("-q,--quiet", o->quiet, "No progress bar or summary");
  cmd->callback([o] {
    if (o->list) {
      for (const auto& n : percept::dsp::chain_stage_names())
        fmt::print("{:<12} {}\n", n, percept::dsp::chain_stage_usage(n));
      return;
    }
    if (o->in.empty() || o->out.empty()) throw percept::InvalidArgument("fx: IN and OUT files are required");
    if (o->chain.empty()) throw percept::InvalidArgument("fx: --chain is required");
    run_fx(*o);
  });
}
