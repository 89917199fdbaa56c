// percept info FILE — what an audio file's header says.
#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

#include "percept/io/audio_file.hpp"

void register_info(CLI::App& app) {
  auto files = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("info", "Show the format, rate, channels and length of audio files");
  cmd->add_option("files", *files, "Audio files")->required();
  cmd->callback([files] {
    for (const auto& path : *files) {
      const auto i = percept::io::audio_file_info(path);
      fmt::print(
          "{}\n  format     {} ({})\n  subtype    {} ({})\n  samplerate {} Hz\n  channels   {}\n"
          "  frames     {}\n  duration   {:.6f} s\n",
          path, i.format, i.format_description, i.subtype, i.subtype_description, i.sample_rate, i.channels, i.frames,
          i.duration);
    }
  });
}
