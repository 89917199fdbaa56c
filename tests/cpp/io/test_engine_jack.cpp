// The engine as a JACK client of a private `jackd -d dummy` server started by each test: loopback round
// trip, negotiated-settings mismatch, a 60 s counter through the duplex loop, the server killed mid-stream.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <thread>

#include "percept/core/error.hpp"
#include "percept/dsp/diagnostic.hpp"
#include "percept/io/audio_file.hpp"
#include "percept/io/engine.hpp"
#include "percept/io/jack_server.hpp"

using namespace percept;
using namespace percept::io;

namespace {

EngineOptions jack_options(const JackDummyServer& server, std::size_t in, std::size_t out, std::size_t period = 64) {
  EngineOptions o;
  o.stream.device = "jack:" + server.name();
  o.stream.input_channels = in;
  o.stream.output_channels = out;
  o.stream.sample_rate = 48000;
  o.stream.period = period;
  o.stream.jack_loopback = true;
  return o;
}

std::shared_ptr<dsp::Chain> counter_chain() {
  return std::make_shared<dsp::Chain>(std::vector<std::shared_ptr<dsp::Processor>>{std::make_shared<dsp::Counter>()});
}

// Reads the loopback input and checks it is: silence, then the counter, every sample once and in order.
struct CounterChecker {
  std::int64_t expected = 0;  // counter index expected next (-1 until the counter starts)
  bool started = false;
  std::int64_t checked = 0;
  void feed(const float* x, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      if (!started) {
        if (x[i] == 0.0f) continue;
        // The counter runs from the first callback, before the loopback connection exists: the loop
        // delivers it from wherever it was when the connection was made; from then on, every sample.
        started = true;
        expected = static_cast<std::int64_t>(std::lround(x[i] * static_cast<float>(1 << 23))) - 1;
      }
      ASSERT_EQ(x[i], dsp::Counter::value(expected)) << "after " << checked << " counter samples";
      ++expected;
      ++checked;
    }
  }
};

}  // namespace

TEST(JackEngine, ListsTheServerAndRefusesMismatchedSettings) {
  JackDummyServer server(48000, 64);
  const auto devices = list_devices(server.name());
  bool found = false;
  for (const auto& d : devices)
    if (d.name == "jack:" + server.name()) {
      found = true;
      EXPECT_EQ(d.default_sample_rate, 48000.0);
      EXPECT_EQ(d.host_api, "JACK");
    }
  EXPECT_TRUE(found);
  auto o = jack_options(server, 1, 1);
  o.stream.sample_rate = 44100;
  try {
    Engine e(o);
    FAIL() << "a 44100 Hz request on a 48000 Hz server must be refused";
  } catch (const DeviceError& err) {
    EXPECT_NE(std::string(err.what()).find("48000"), std::string::npos) << err.what();
  }
  o.stream.allow_mismatch = true;
  Engine e(o);
  EXPECT_EQ(e.negotiated().sample_rate, 48000.0);
  EXPECT_FALSE(e.negotiated().note.empty());
  o = jack_options(server, 1, 1, 256);
  EXPECT_THROW({ Engine e2(o); }, DeviceError);  // period 64 on the server
}

TEST(JackEngine, MeasuredRoundTripEqualsGraphBuffering) {
  for (std::size_t period : {64u, 256u}) {
    JackDummyServer server(48000, period);
    Engine e(jack_options(server, 1, 1, period));
    e.start();
    const auto r = e.measure_round_trip(5.0);
    std::printf("JACK dummy, period %zu: measured round trip %lld frames = %.3f ms (expected %lld)\n", period,
                static_cast<long long>(r.frames), r.ms, static_cast<long long>(r.expected_frames));
    EXPECT_EQ(r.frames, r.expected_frames);
    EXPECT_EQ(r.frames, static_cast<std::int64_t>(period));
    e.stop();
  }
}

TEST(JackEngine, CounterThroughDuplexLoopbackFor60sArrivesOnceInOrder) {
  JackDummyServer server(48000, 64);
  auto o = jack_options(server, 1, 1, 64);
  o.playback = PlaybackSource::Silence;
  o.ring_frames = 48000;
  Engine e(o, counter_chain());
  e.start();
  CounterChecker check;
  AudioBuffer<float> block(1, 4800);
  const std::int64_t total = 60 * 48000 + 4800;
  std::int64_t next = 0;
  while (next < total) {
    const auto r = e.capture().read(block.view(), 5.0);
    ASSERT_EQ(r.lost_frames, 0);
    ASSERT_EQ(r.first_frame, next);
    check.feed(block.channel(0), 4800);
    if (HasFatalFailure()) return;
    next += 4800;
  }
  EXPECT_GE(check.checked, 60 * 48000);
  const auto s = e.stats();
  std::printf(
      "60 s counter: %lld samples checked, %lld callbacks, load mean %.4f p99.9 %.4f max %.4f, server xruns %lld\n",
      static_cast<long long>(check.checked), static_cast<long long>(s.callbacks), s.load.mean, s.load.p999, s.load.max,
      static_cast<long long>(s.xruns));
  EXPECT_EQ(s.frames_lost, 0);
}

TEST(JackEngine, KilledServerGivesAClearErrorAndTheRecordingKeepsEveryFrame) {
  JackDummyServer server(48000, 64);
  auto o = jack_options(server, 1, 1, 64);
  o.playback = PlaybackSource::Silence;
  Engine e(o, counter_chain());
  e.start();
  const auto path = (std::filesystem::temp_directory_path() / ("percept-killed-" + server.name() + ".wav")).string();
  std::int64_t recorded = 0;
  std::string error;
  {
    AudioFileWriter w(path, 48000, 1, WriterOptions{"", "FLOAT"});
    AudioBuffer<float> block(1, 480);
    const auto t0 = std::chrono::steady_clock::now();
    bool killed = false;
    try {
      for (;;) {
        if (!killed && std::chrono::steady_clock::now() - t0 > std::chrono::milliseconds(500)) {
          server.kill_now();
          killed = true;
        }
        const auto r = e.capture().read(block.view(), 5.0);
        ASSERT_EQ(r.lost_frames, 0);
        w.write(AudioView<const float>(block.view()));
        recorded += 480;
        w.flush();
      }
    } catch (const StreamError& err) {
      error = err.what();
    }
    // The frames still in the ring when the stream died (fewer than one read) are kept as well.
    AudioBuffer<float> rest(1, 480);
    const auto r = e.capture().read_available(rest.view());
    w.write(AudioView<const float>(rest.view().frames(0, r.frames)));
    recorded += static_cast<std::int64_t>(r.frames);
    w.close();
  }
  EXPECT_NE(error.find("JACK server '" + server.name() + "' shut down"), std::string::npos) << error;
  EXPECT_TRUE(e.failed());
  EXPECT_THROW(e.check(), StreamError);
  EXPECT_EQ(recorded, e.capture().write_position());
  // The file is valid and holds every frame captured, in order: silence then the counter.
  int sr = 0;
  const auto audio = read_audio<float>(path, sr);
  EXPECT_EQ(static_cast<std::int64_t>(audio.num_frames()), recorded);
  CounterChecker check;
  check.feed(audio.channel(0), audio.num_frames());
  EXPECT_GT(check.checked, 48000 / 4);
  std::filesystem::remove(path);
  e.stop();
}
