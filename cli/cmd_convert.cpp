// percept convert IN OUT [--sr] [--mono] [--subtype] — streams block by block (a long file is never
// loaded whole), resampling with libsoxr HQ, with a progress bar on a terminal.
#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "percept/core/error.hpp"
#include "percept/dsp/resample.hpp"
#include "percept/io/audio_file.hpp"
#include "progress.hpp"

namespace {

struct ConvertOptions {
  std::string in;
  std::string out;
  std::optional<int> sr;
  bool mono = false;
  std::string subtype;
  std::string quality = "soxr_hq";
  bool quiet = false;
};

void run_convert(const ConvertOptions& o) {
  using namespace percept;
  io::AudioFileReader reader(o.in);
  const int channels_in = reader.channels();
  const int channels_out = o.mono ? 1 : channels_in;
  const int sr_in = reader.sample_rate();
  const int sr_out = o.sr.value_or(sr_in);
  if (sr_out <= 0) throw InvalidArgument("--sr must be positive, got " + std::to_string(sr_out));
  io::AudioFileWriter writer(o.out, sr_out, channels_out, io::WriterOptions{"", o.subtype});

  std::optional<dsp::StreamResampler> resampler;
  if (sr_out != sr_in)
    resampler.emplace(sr_in, sr_out, static_cast<std::size_t>(channels_out),
                      dsp::parse_resample_quality(o.quality.c_str()));

  constexpr std::size_t kBlock = 65536;
  std::vector<float> in(kBlock * static_cast<std::size_t>(channels_in));
  std::vector<float> mixed(kBlock);
  std::vector<float> out(resampler ? resampler->max_output_frames(kBlock) * static_cast<std::size_t>(channels_out) : 0);
  cli::ProgressBar bar("convert", reader.frames(), !o.quiet);
  // libsoxr's output lags by its filter delay; the total is trimmed to ceil(n * ratio) like percept.load.
  const auto target_frames =
      static_cast<std::int64_t>(dsp::resampled_length(static_cast<std::size_t>(reader.frames()), sr_in, sr_out));
  std::int64_t written = 0;
  auto emit = [&](const float* data, std::size_t frames) {
    if (resampler)
      frames =
          static_cast<std::size_t>(std::min<std::int64_t>(static_cast<std::int64_t>(frames), target_frames - written));
    if (frames > 0) writer.write_interleaved(data, frames);
    written += static_cast<std::int64_t>(frames);
  };
  for (;;) {
    const std::size_t got = reader.read_interleaved(in.data(), kBlock);
    if (got == 0) break;
    const float* block = in.data();
    if (o.mono && channels_in > 1) {
      for (std::size_t i = 0; i < got; ++i) {
        double acc = 0;
        for (int c = 0; c < channels_in; ++c)
          acc += in[i * static_cast<std::size_t>(channels_in) + static_cast<std::size_t>(c)];
        mixed[i] = static_cast<float>(acc / channels_in);
      }
      block = mixed.data();
    }
    if (resampler)
      emit(out.data(), resampler->process(block, got, out.data(), out.size() / static_cast<std::size_t>(channels_out)));
    else
      emit(block, got);
    bar.update(reader.tell());
  }
  if (resampler) {
    for (std::size_t n; (n = resampler->flush(out.data(), out.size() / static_cast<std::size_t>(channels_out))) > 0;)
      emit(out.data(), n);
  }
  writer.close();
  bar.finish();
  if (!o.quiet)
    fmt::print("{} -> {}: {} frames at {} Hz, {} ch -> {} frames at {} Hz, {} ch ({})\n", o.in, o.out, reader.frames(),
               sr_in, channels_in, written, sr_out, channels_out, writer.info().subtype);
}

}  // namespace

void register_convert(CLI::App& app) {
  auto o = std::make_shared<ConvertOptions>();
  auto* cmd = app.add_subcommand("convert", "Convert an audio file: container, encoding, rate, channels");
  cmd->add_option("in", o->in, "Input audio file")->required();
  cmd->add_option("out", o->out, "Output file; the container follows the extension")->required();
  cmd->add_option("--sr", o->sr, "Output sample rate (libsoxr resampling)");
  cmd->add_flag("--mono", o->mono, "Average the channels into one");
  cmd->add_option("--subtype", o->subtype, "Encoding: PCM_16, PCM_24, PCM_32, FLOAT, DOUBLE, VORBIS, ...");
  cmd->add_option("--quality", o->quality, "Resampling recipe: soxr_qq, soxr_lq, soxr_mq, soxr_hq, soxr_vhq");
  cmd->add_flag("-q,--quiet", o->quiet, "No progress bar or summary");
  cmd->callback([o] { run_convert(*o); });
}
