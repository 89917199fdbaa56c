#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "percept/core/audio_block.hpp"
#include "percept/core/error.hpp"
#include "percept/core/sample_format.hpp"

using namespace percept;

TEST(SampleFormat, Int16RoundTripIsExactForEveryValue) {
  std::vector<std::int16_t> in(65536);
  for (int i = 0; i < 65536; ++i) in[static_cast<std::size_t>(i)] = static_cast<std::int16_t>(i - 32768);
  AudioBuffer<float> planar(1, in.size());
  deinterleave(in.data(), SampleFormat::Int16, planar.view());
  std::vector<std::int16_t> out(in.size());
  interleave(AudioView<const float>(planar.view()), SampleFormat::Int16, out.data());
  EXPECT_EQ(in, out);
  EXPECT_FLOAT_EQ(planar.channel(0)[0], -1.0f);
}

TEST(SampleFormat, Int24PackedLittleEndianRoundTrip) {
  const std::vector<std::int32_t> values = {-8388608, -1, 0, 1, 8388607, 123456, -654321};
  std::vector<std::uint8_t> packed(values.size() * 3);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto v = static_cast<std::uint32_t>(values[i]);
    packed[3 * i] = v & 0xFF;
    packed[3 * i + 1] = (v >> 8) & 0xFF;
    packed[3 * i + 2] = (v >> 16) & 0xFF;
  }
  AudioBuffer<double> planar(1, values.size());
  deinterleave(packed.data(), SampleFormat::Int24, planar.view());
  for (std::size_t i = 0; i < values.size(); ++i) EXPECT_DOUBLE_EQ(planar.channel(0)[i], values[i] / 8388608.0);
  std::vector<std::uint8_t> back(packed.size());
  interleave(AudioView<const double>(planar.view()), SampleFormat::Int24, back.data());
  EXPECT_EQ(packed, back);
}

TEST(SampleFormat, InterleavedStereoLayout) {
  const std::vector<float> inter = {0.f, 10.f, 1.f, 11.f, 2.f, 12.f};
  AudioBuffer<float> planar(2, 3);
  deinterleave(inter.data(), SampleFormat::Float32, planar.view());
  EXPECT_EQ(planar.channel(0)[2], 2.f);
  EXPECT_EQ(planar.channel(1)[0], 10.f);
  std::vector<float> back(6);
  interleave(AudioView<const float>(planar.view()), SampleFormat::Float32, back.data());
  EXPECT_EQ(back, inter);
}

TEST(SampleFormat, OutOfRangeClipsAndNanIsZeroForIntegers) {
  AudioBuffer<float> planar(1, 4);
  planar.channel(0)[0] = 2.0f;
  planar.channel(0)[1] = -3.0f;
  planar.channel(0)[2] = std::numeric_limits<float>::quiet_NaN();
  planar.channel(0)[3] = 1.0f;
  std::vector<std::int16_t> out(4);
  interleave(AudioView<const float>(planar.view()), SampleFormat::Int16, out.data());
  EXPECT_EQ(out, (std::vector<std::int16_t>{32767, -32768, 0, 32767}));
  EXPECT_TRUE(has_non_finite(planar.channel(0), 4));
}

TEST(SampleFormat, ParseNamesAndRejectUnknown) {
  EXPECT_EQ(parse_sample_format("int24"), SampleFormat::Int24);
  EXPECT_EQ(bytes_per_sample(SampleFormat::Int24), 3u);
  EXPECT_THROW((void)parse_sample_format("u32"), InvalidArgument);
}

TEST(AudioView, SlicesByFramesAndChannels) {
  AudioBuffer<float> b(3, 10);
  for (std::size_t c = 0; c < 3; ++c)
    for (std::size_t i = 0; i < 10; ++i) b.channel(c)[i] = static_cast<float>(c * 100 + i);
  auto v = b.view().frames(4, 3).channels(1, 2);
  EXPECT_EQ(v.num_channels(), 2u);
  EXPECT_EQ(v.num_frames(), 3u);
  EXPECT_EQ(v(0, 0), 104.f);
  EXPECT_EQ(v(1, 2), 206.f);
  b.truncate(5);
  EXPECT_EQ(b.channel(2)[4], 204.f);
}
