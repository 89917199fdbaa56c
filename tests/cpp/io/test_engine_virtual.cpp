// The engine on the embedded virtual device: round trip, gapless capture, exact loss, chain, playback.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "percept/core/error.hpp"
#include "percept/core/ring.hpp"
#include "percept/dsp/chain_parser.hpp"
#include "percept/dsp/diagnostic.hpp"
#include "percept/dsp/utility.hpp"
#include "percept/io/device.hpp"
#include "percept/io/engine.hpp"

using namespace percept;
using namespace percept::io;

namespace {

EngineOptions virtual_options(const std::string& device, std::size_t in, std::size_t out, std::size_t period = 64,
                              std::size_t periods = 2) {
  EngineOptions o;
  o.stream.device = device;
  o.stream.input_channels = in;
  o.stream.output_channels = out;
  o.stream.sample_rate = 48000;
  o.stream.period = period;
  o.stream.periods = periods;
  return o;
}

// Value of frame f on channel c of the virtual:counter device.
float device_counter(std::int64_t f, std::size_t c) {
  return static_cast<float>((f % (1 << 23)) + static_cast<std::int64_t>(c)) / static_cast<float>(1 << 23);
}

}  // namespace

TEST(VirtualDevice, ListsVirtualDevicesFirst) {
  const auto devices = list_devices();
  ASSERT_GE(devices.size(), 4u);
  EXPECT_EQ(devices[0].name, "virtual");
  EXPECT_EQ(devices[0].host_api, "virtual");
  EXPECT_EQ(devices[0].index, 0);
  EXPECT_EQ(devices[2].name, "virtual:counter");
  const auto apis = host_apis();
  ASSERT_EQ(apis.size(), 3u);
  EXPECT_TRUE(apis[0].available);
}

TEST(VirtualDevice, RefusesWhatItCannotDo) {
  EXPECT_THROW(Engine(virtual_options("no-such-device", 1, 0)), DeviceError);
  EXPECT_THROW(Engine(virtual_options("99999", 1, 0)), DeviceError);
  auto o = virtual_options("virtual", 1, 1);
  o.stream.format = "int16";
  EXPECT_THROW({ Engine e(o); }, DeviceError);  // no silent format fallback
  o.stream.allow_mismatch = true;
  Engine accepted(o);
  EXPECT_EQ(accepted.negotiated().format, "float32");
  EXPECT_NE(accepted.negotiated().note.find("int16"), std::string::npos);
  o = virtual_options("virtual", 1, 1);
  o.stream.format = "u8";
  EXPECT_THROW({ Engine e(o); }, InvalidArgument);
  o = virtual_options("virtual", 1, 1, 0);
  EXPECT_THROW({ Engine e(o); }, InvalidArgument);
  EXPECT_THROW(Engine(virtual_options("jack:percept-no-such-server", 1, 1)), DeviceError);
}

TEST(VirtualDevice, OpensByIndexAndReportsNegotiatedSettings) {
  Engine e(virtual_options("0", 2, 2, 128, 3));
  const auto& n = e.negotiated();
  EXPECT_EQ(n.device, "virtual");
  EXPECT_EQ(n.sample_rate, 48000.0);
  EXPECT_EQ(n.period, 128u);
  EXPECT_EQ(n.buffer_frames, 384u);
  EXPECT_EQ(n.input_latency_frames + n.output_latency_frames, 384u);
}

TEST(VirtualDevice, MeasuredRoundTripEqualsConfiguredBuffering) {
  for (std::size_t periods : {2u, 3u, 4u}) {
    Engine e(virtual_options("virtual", 1, 1, 64, periods));
    e.start();
    const auto r = e.measure_round_trip(5.0);
    EXPECT_EQ(r.frames, static_cast<std::int64_t>(64 * periods)) << periods << " periods";
    EXPECT_EQ(r.frames, r.expected_frames);
    EXPECT_NEAR(r.ms, 64.0 * static_cast<double>(periods) / 48.0, 1e-9);
    e.stop();
  }
}

TEST(VirtualDevice, CounterCaptureIsGaplessAndTimestamped) {
  auto o = virtual_options("virtual:counter", 2, 0, 64);
  Engine e(o);
  e.start();
  AudioBuffer<float> block(2, 1000);
  std::int64_t next = 0;
  std::int64_t last_time = 0;
  for (int k = 0; k < 20; ++k) {  // 0.42 s
    const auto r = e.capture().read(block.view(), 2.0);
    ASSERT_EQ(r.lost_frames, 0);
    ASSERT_EQ(r.first_frame, next);
    for (std::size_t c = 0; c < 2; ++c)
      for (std::size_t i = 0; i < 1000; ++i)
        ASSERT_EQ(block.channel(c)[i], device_counter(next + static_cast<std::int64_t>(i), c));
    if (k > 0) {
      // 1000 frames at 48 kHz are 20.83 ms apart on the clock (within scheduling jitter).
      EXPECT_NEAR(static_cast<double>(r.time_ns - last_time) * 1e-6, 1000.0 / 48.0, 5.0);
    }
    last_time = r.time_ns;
    next += 1000;
  }
  const auto s = e.stats();
  EXPECT_EQ(s.frames_lost, 0);
  EXPECT_GT(s.load.callbacks, 300);
}

TEST(VirtualDevice, StalledReaderLosesExactlyWhatTheRingCouldNotHold) {
  auto o = virtual_options("virtual:counter", 1, 0, 64);
  o.ring_frames = 4800;  // 100 ms
  Engine e(o);
  e.start();
  AudioBuffer<float> block(1, 480);
  auto r = e.capture().read(block.view(), 2.0);
  ASSERT_EQ(r.lost_frames, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // stall for 4x the ring
  r = e.capture().read(block.view(), 2.0);
  const std::int64_t expected_next = 480;
  ASSERT_GT(r.lost_frames, 0);
  EXPECT_EQ(r.lost_from, expected_next);
  EXPECT_EQ(r.first_frame, expected_next + r.lost_frames);
  // The frames delivered after the gap are exactly the ones the device produced at those indices.
  for (std::size_t i = 0; i < 480; ++i)
    ASSERT_EQ(block.channel(0)[i], device_counter(r.first_frame + static_cast<std::int64_t>(i), 0));
  // What was lost is exactly what the ring could not hold: everything written up to then minus capacity.
  EXPECT_GE(r.first_frame, e.capture().write_position() - 4800 - 480);
  const auto loss = e.capture().loss();
  EXPECT_EQ(loss.lost_frames, r.lost_frames);
  EXPECT_EQ(loss.last_gap_from, expected_next);
  EXPECT_EQ(e.stats().frames_lost, r.lost_frames);
  // And the stream goes on gapless afterwards.
  const std::int64_t after = r.first_frame + 480;
  r = e.capture().read(block.view(), 2.0);
  EXPECT_EQ(r.lost_frames, 0);
  EXPECT_EQ(r.first_frame, after);
}

TEST(VirtualDevice, StallShorterThanTheRingLosesNothing) {
  auto o = virtual_options("virtual:counter", 1, 0, 64);
  o.ring_frames = 48000;  // 1 s
  Engine e(o);
  e.start();
  AudioBuffer<float> block(1, 4800);
  std::int64_t next = 0;
  for (int k = 0; k < 6; ++k) {
    if (k == 2) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const auto r = e.capture().read(block.view(), 2.0);
    ASSERT_EQ(r.lost_frames, 0);
    ASSERT_EQ(r.first_frame, next);
    for (std::size_t i = 0; i < 4800; ++i)
      ASSERT_EQ(block.channel(0)[i], device_counter(next + static_cast<std::int64_t>(i), 0));
    next += 4800;
  }
  EXPECT_EQ(e.stats().frames_lost, 0);
}

TEST(VirtualDevice, DuplexChainRunsInTheCallback) {
  // virtual loopback, chain = counter then gain(-6 dB): the input must carry the scaled counter, delayed by
  // the configured buffering, every sample once and in order.
  auto o = virtual_options("virtual", 1, 1, 64, 2);
  auto chain = std::make_shared<dsp::Chain>(std::vector<std::shared_ptr<dsp::Processor>>{
      std::make_shared<dsp::Counter>(), std::make_shared<dsp::Gain>(-6.0)});
  Engine e(o, chain);
  e.start();
  AudioBuffer<float> block(1, 4800);
  const double g = std::pow(10.0, -6.0 / 20.0);
  const auto r0 = e.capture().read(block.view(), 2.0);
  ASSERT_EQ(r0.first_frame, 0);
  for (std::size_t i = 0; i < 128; ++i) ASSERT_EQ(block.channel(0)[i], 0.0f);  // the loop's buffering
  for (std::size_t i = 128; i < 4800; ++i)
    ASSERT_EQ(block.channel(0)[i],
              static_cast<float>(dsp::Counter::value(static_cast<std::int64_t>(i) - 128) * static_cast<float>(g)));
  const auto s = e.stats();
  EXPECT_EQ(s.device.period, 64u);
  EXPECT_GT(s.load.mean, 0.0);
  EXPECT_GE(s.load.p99, s.load.p50);
  EXPECT_GE(s.load.max, s.load.p999 - 1e-12);
}

TEST(VirtualDevice, PlaybackFifoPrerollsAndCountsUnderruns) {
  auto o = virtual_options("virtual", 1, 1, 64, 2);
  o.playback = PlaybackSource::Fifo;
  o.preroll_frames = 960;
  Engine e(o);
  e.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(e.stats().underrun_frames, 0);  // not pre-rolled yet: silence, no underrun counted
  AudioBuffer<float> tone(1, 4800);
  for (std::size_t i = 0; i < 4800; ++i) tone.channel(0)[i] = 0.25f;
  e.playback().write(tone.view(), 2.0);
  // The played tone comes back on the loopback input, every sample of it, contiguous.
  AudioBuffer<float> in(1, 4800);
  std::size_t count = 0;
  std::int64_t first = -1, last = -1;
  for (int k = 0; k < 100 && count < 4800; ++k) {
    const auto r = e.capture().read(in.view(), 3.0);
    for (std::size_t i = 0; i < 4800; ++i) {
      if (in.channel(0)[i] != 0.25f) continue;
      ++count;
      last = r.first_frame + static_cast<std::int64_t>(i);
      if (first < 0) first = last;
    }
  }
  EXPECT_EQ(count, 4800u);
  EXPECT_EQ(last - first + 1, 4800);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto s = e.stats();
  EXPECT_GT(s.underrun_frames, 0);  // nothing queued after the tone
  EXPECT_EQ(s.underrun_events, 1);
}

TEST(VirtualDevice, StoppedStreamEndsReadsAndCanRestart) {
  Engine e(virtual_options("virtual:counter", 1, 0, 64));
  e.start();
  AudioBuffer<float> block(1, 480);
  e.capture().read(block.view(), 2.0);
  e.stop();
  const std::int64_t left = e.capture().write_position() - e.capture().read_position();
  AudioBuffer<float> big(1, static_cast<std::size_t>(left) + 480);
  EXPECT_THROW(e.capture().read(big.view(), 5.0), StreamError);  // no hang on a stopped stream
  e.start();
  const auto r = e.capture().read(big.view(), 5.0);  // started again: the counter goes on, gapless
  EXPECT_EQ(r.first_frame, 480);
  EXPECT_EQ(r.lost_frames, 0);
  for (std::size_t i = 0; i < big.num_frames(); ++i)
    ASSERT_EQ(big.channel(0)[i], device_counter(480 + static_cast<std::int64_t>(i), 0));
  e.stop();
}

TEST(LoadHistogram, PercentilesAreUpperBoundsCappedByTheMaximum) {
  LoadHistogram h;
  for (int i = 0; i < 1000; ++i) h.record(100, 1000);  // 10 %
  h.record(900, 1000);
  h.record(1500, 1000);  // a deadline miss
  const auto s = h.stats();
  EXPECT_EQ(s.callbacks, 1002);
  EXPECT_NEAR(s.p50, 0.1, 0.0011);  // bin width 0.05 %
  EXPECT_NEAR(s.p99, 0.1, 0.0011);
  EXPECT_NEAR(s.p999, 0.9, 0.0011);
  EXPECT_GE(s.p999, 0.9);
  EXPECT_DOUBLE_EQ(s.max, 1.5);
  EXPECT_EQ(s.deadline_misses, 1);
  EXPECT_NEAR(s.mean, (100.0 + 0.9 + 1.5) / 1002, 1e-12);
}

TEST(EngineChain, TheEngineRunsTheDspChainSyntax) {
  // One syntax: the text `percept fx` runs offline builds the engine's chain, including the two stages
  // made for the real-time path (cascade: a fixed load; counter: a gapless signal).
  const auto chain = dsp::parse_chain("gain(gain_db=-6) | cascade(stages=4, cutoff_hz=2000) | counter", 48000);
  ASSERT_EQ(chain->processors().size(), 3u);
  EXPECT_EQ(chain->describe(), "gain | cascade | counter");
  EXPECT_THROW(dsp::parse_chain("cascade(stages=0)", 48000), InvalidArgument);
  EXPECT_THROW(dsp::parse_chain("cascade(stages=4, cutoff=2000)", 48000), InvalidArgument);
  EXPECT_THROW(dsp::parse_chain("counter(step=2)", 48000), InvalidArgument);
  EXPECT_THROW(dsp::parse_chain("gain:-6,lowpass:2000", 48000), InvalidArgument);  // the old engine syntax is gone
  auto o = virtual_options("virtual", 1, 1, 64, 2);
  Engine e(o, chain);
  EXPECT_EQ(&e.chain(), chain.get());
  EXPECT_TRUE(chain->prepared());
  EXPECT_EQ(chain->spec().max_block_size, 64u);
  e.start();
  AudioBuffer<float> block(1, 4800);
  e.capture().read(block.view(), 2.0);  // the counter is last: the loop carries it, delayed by 128 frames
  for (std::size_t i = 128; i < 4800; ++i)
    ASSERT_EQ(block.channel(0)[i], dsp::Counter::value(static_cast<std::int64_t>(i) - 128));
  e.stop();
  Engine none(o);  // no chain: input to output
  EXPECT_TRUE(none.chain().processors().empty());
}

TEST(EngineChain, CascadeIsADeterministicSaturatingLowpass) {
  dsp::SaturatingCascade c(4, 1000.0);
  c.prepare({48000.0, 256, 1});
  AudioBuffer<double> x(1, 4096);
  for (std::size_t i = 0; i < 4096; ++i) x.channel(0)[i] = 0.5;  // a step: the low-pass settles near it
  AudioBuffer<double> y(1, 4096);
  dsp::process_offline<double>(c, x.view(), y.view());
  EXPECT_NEAR(y.channel(0)[4095], 0.5, 0.02);
  AudioBuffer<double> y2(1, 4096);
  c.reset();
  dsp::process_offline<double>(c, x.view(), y2.view());
  for (std::size_t i = 0; i < 4096; ++i) ASSERT_EQ(y.channel(0)[i], y2.channel(0)[i]);
  EXPECT_THROW(c.prepare({4000.0, 256, 1}), InvalidArgument);  // cutoff not below rate / 6
}
