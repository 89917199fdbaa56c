// Uses the installed headers and library: writes and reads a file, resamples it.
#include <percept/core/error.hpp>
#include <percept/dsp/resample.hpp>
#include <percept/io/audio_file.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "consumer.wav";
  percept::AudioBuffer<float> y(1, 4410);
  for (std::size_t i = 0; i < y.num_frames(); ++i) y.channel(0)[i] = static_cast<float>(i % 100) / 200.0f;
  percept::io::write_audio<float>(path, y.view(), 44100);
  int sr = 0;
  const auto back = percept::io::read_audio<float>(path, sr);
  const auto down = percept::dsp::resample<float>(back.view(), sr, 22050);
  std::printf("%zu frames at %d Hz -> %zu frames\n", back.num_frames(), sr, down.num_frames());
  return (back.num_frames() == 4410 && down.num_frames() == 2205) ? 0 : 1;
}
