// The engine's capture stream and io::VideoSource behind the Source interface, without hardware:
// the virtual counter device, a private JACK dummy server that is killed mid-way, and lavfi video.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "percept/core/clock.hpp"
#include "percept/core/error.hpp"
#include "percept/io/jack_server.hpp"
#include "percept/sensors/av_sources.hpp"
#include "percept/sensors/combined.hpp"

using namespace percept;
using namespace percept::sensors;

namespace {

void wait_until(const Source& s, SourceState st, int ms) {
  for (int i = 0; i < ms / 10 && s.state() != st; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

// virtual:counter: sample i of channel c is ((i mod 2^23) + c) / 2^23.
void expect_counter(const Chunk& c, std::size_t channels) {
  const float* x = c.as<float>();
  for (std::size_t i = 0; i < c.size(); ++i) {
    const double i0 = std::round(static_cast<double>(x[i * channels]) * 8388608.0);
    if (i > 0) {
      const double prev = std::round(static_cast<double>(x[(i - 1) * channels]) * 8388608.0);
      ASSERT_EQ(std::fmod(prev + 1.0, 8388608.0), i0) << "gap at item " << i;
    }
    for (std::size_t ch = 1; ch < channels; ++ch)
      ASSERT_NEAR(static_cast<double>(x[i * channels + ch] - x[i * channels]), static_cast<double>(ch) / 8388608.0,
                  1e-6);
  }
}

}  // namespace

TEST(AudioSource, VirtualCounterArrivesGaplessWithPerFrameClockTimes) {
  AudioSourceOptions o;
  o.stream.device = "virtual:counter";
  o.stream.input_channels = 2;
  o.stream.sample_rate = 48000;
  o.stream.period = 256;
  AudioSource src(o);
  EXPECT_EQ(src.format().kind, "audio");
  EXPECT_TRUE(src.format().continuous);
  const std::int64_t before = Clock::now_ns();
  src.start();
  EXPECT_EQ(src.negotiated().sample_rate, 48000);
  ASSERT_TRUE(src.wait_for(24000, 5'000'000'000));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Chunk c = src.read();
  const std::int64_t after = Clock::now_ns();
  ASSERT_GE(c.size(), 24000u);
  EXPECT_EQ(c.first_index, 0);
  expect_counter(c, 2);
  for (std::size_t i = 1; i < c.size(); ++i) ASSERT_GT(c.t_ns[i], c.t_ns[i - 1]);
  EXPECT_GE(c.t_ns.front(), before - Clock::from_seconds(0.1));
  EXPECT_LE(c.t_ns.back(), after);
  // Sample times advance at the sample rate (the virtual device runs on this very clock).
  const double span = Clock::to_seconds(c.t_ns.back() - c.t_ns.front());
  EXPECT_NEAR(span * 48000.0, static_cast<double>(c.size() - 1), 48.0);
  src.stop();
  EXPECT_EQ(src.stats().source_dropped, 0);
  EXPECT_EQ(src.state(), SourceState::Stopped);
}

TEST(AudioSource, AbsentDeviceIsADeviceErrorAtStart) {
  AudioSourceOptions o;
  o.stream.device = "no-such-device-percept";
  AudioSource src(o);
  EXPECT_THROW(src.start(), DeviceError);
  EXPECT_EQ(src.state(), SourceState::Idle);
  AudioSourceOptions zero;
  zero.stream.input_channels = 0;
  EXPECT_THROW(AudioSource{zero}, InvalidArgument);
}

TEST(AudioSource, JackServerGoingAwayMidWayFailsOnlyTheAudioSource) {
  io::JackDummyServer::Options jo;
  // A fixed name: JACK keeps a machine-wide registry of at most 8 server names and reclaims a dead
  // server's entry only when a server of the same name starts again.
  jo.name = "percept-sensors-test";
  jo.period = 256;
  io::JackDummyServer server(jo);
  AudioSourceOptions o;
  o.stream.device = "jack:" + server.name();
  o.stream.input_channels = 1;
  o.stream.period = 256;
  o.stream.jack_connect_physical = true;
  auto audio = std::make_shared<AudioSource>(o);
  auto ticker = std::make_shared<PollingSource>([] { return std::vector<double>{Clock::now_seconds()}; }, 100.0,
                                                std::vector<std::string>{"t"});
  Combined combined(CombinedOptions{Policy::New, 0.0, ""});
  combined.add("audio", audio);
  combined.add("ticker", ticker);
  combined.start();
  ASSERT_TRUE(audio->wait_for(4800, 5'000'000'000));
  server.stop();  // the server shuts down under the running client
  wait_until(*audio, SourceState::Failed, 10000);
  ASSERT_EQ(audio->state(), SourceState::Failed);
  const std::int64_t ticks = ticker->stats().items;
  ASSERT_TRUE(ticker->wait_for(ticks + 10, 5'000'000'000));
  CombinedReading r = combined.read();
  ASSERT_EQ(r.failures.count("audio"), 1u);
  EXPECT_NE(r.failures.at("audio").find(server.name()), std::string::npos) << r.failures.at("audio");
  EXPECT_GE(r.chunks.at("audio").size(), 4800u);  // what was captured before the crash is kept
  EXPECT_EQ(ticker->state(), SourceState::Running);
  combined.stop();
}

TEST(VideoSource, LavfiFramesWithCaptureTimes) {
  VideoSourceOptions o;
  o.source = "lavfi:testsrc2=size=64x48:rate=25";
  o.io.realtime = true;
  VideoSource src(o);
  src.start();
  EXPECT_EQ(src.format().item_shape, (std::vector<std::size_t>{48, 64, 3}));
  EXPECT_DOUBLE_EQ(src.format().nominal_rate, 25.0);
  ASSERT_TRUE(src.wait_for(9, 5'000'000'000));
  src.stop();
  Chunk c = src.read();
  ASSERT_GE(c.size(), 10u);
  EXPECT_EQ(c.data.size(), c.size() * 48 * 64 * 3);
  for (std::size_t i = 1; i < c.size(); ++i) EXPECT_GT(c.t_ns[i], c.t_ns[i - 1]);
  // Paced at 25 fps: about 40 ms between capture times.
  const double mean = Clock::to_seconds(c.t_ns.back() - c.t_ns.front()) / static_cast<double>(c.size() - 1);
  EXPECT_NEAR(mean, 0.04, 0.01);
  VideoSourceOptions missing;
  missing.source = "/nonexistent/percept/video.mp4";
  VideoSource bad(missing);
  EXPECT_THROW(bad.start(), Error);
}
