// percept::core alone: standard library only.
#include <percept/core/clock.hpp>
#include <percept/core/sample_format.hpp>

#include <cstdint>

int main() {
  const std::int16_t in[2] = {-32768, 16384};
  percept::AudioBuffer<float> b(1, 2);
  percept::deinterleave(in, percept::SampleFormat::Int16, b.view());
  return (b.channel(0)[0] == -1.0f && b.channel(0)[1] == 0.5f && percept::Clock::now_ns() > 0) ? 0 : 1;
}
