// Fuzzes the audio file reader: arbitrary bytes written to a temporary file, opened, read through and
// sought in. Any input must end in either audio or a percept::Error — never a crash, a hang or UB.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "percept/core/error.hpp"
#include "percept/io/audio_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/percept-fuzz-" + std::to_string(::getpid()) + ".bin";
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  } else {
    return 0;
  }
  try {
    percept::io::AudioFileReader reader(path, percept::io::ReaderOptions{.allow_truncated = (size % 2) == 0});
    if (reader.channels() > 64) return 0;  // a huge channel count is valid but makes reading slow
    std::vector<float> block(1024 * static_cast<std::size_t>(reader.channels()));
    std::int64_t total = 0;
    while (total < 1'000'000) {
      const std::size_t got = reader.read_interleaved(block.data(), 1024);
      if (got == 0) break;
      total += static_cast<std::int64_t>(got);
    }
    if (reader.frames() > 0) reader.seek(reader.frames() / 2);
    (void)reader.read_interleaved(block.data(), 16);
  } catch (const percept::Error&) {
    // A clear error is a correct outcome for bad input.
  }
  return 0;
}
