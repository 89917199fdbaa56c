// FFmpeg lavfi inputs as audio/video sources, A/V alignment of a flash and a beep, and the Recorder
// writing a session that the reader loads back with the same timestamps.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "percept/core/clock.hpp"
#include "percept/core/error.hpp"
#include "percept/sensors/combined.hpp"
#include "percept/sensors/media_source.hpp"
#include "percept/sensors/recorder.hpp"
#include "percept/sensors/system_source.hpp"

namespace fs = std::filesystem;
using namespace percept;
using namespace percept::sensors;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("percept_rec_" + std::to_string(::getpid()) + "_" + std::to_string(Clock::now_ns()));
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// A black 160x120 picture that is white for one frame at every half second past a whole second, and a
// 1 kHz tone that sounds for 50 ms from the same instants: the flash and the beep happen together.
MediaOptions flash_beep(double seconds) {
  MediaOptions o;
  o.format = "lavfi";
  const std::string d = std::to_string(seconds);
  o.url =
      "color=c=black:s=160x120:r=30:d=" + d + ",format=gray,geq=lum='if(eq(mod(N\\,30)\\,15)\\,255\\,0)'," +
      "format=yuv420p[out0];aevalsrc='if(between(mod(t\\,1)\\,0.5\\,0.55)\\,0.8*cos(2*PI*1000*t)\\,0)':s=48000:d=" + d +
      "[out1]";
  return o;
}

void wait_state(const Source& s, SourceState st, int ms) {
  for (int i = 0; i < ms / 10 && s.state() != st; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

}  // namespace

TEST(MediaSource, LavfiAudioAndVideoShareTheClockAndEnd) {
  MediaSources m = open_media(flash_beep(1.2));
  ASSERT_TRUE(m.audio && m.video);
  EXPECT_EQ(m.video->format().item_shape, (std::vector<std::size_t>{120, 160, 3}));
  EXPECT_DOUBLE_EQ(m.video->format().nominal_rate, 30.0);
  EXPECT_EQ(m.audio->format().item_shape, std::vector<std::size_t>{1});
  EXPECT_DOUBLE_EQ(m.audio->format().nominal_rate, 48000.0);
  EXPECT_TRUE(m.audio->format().continuous);
  const std::int64_t t0 = Clock::now_ns();
  m.video->start();
  m.audio->start();
  wait_state(*m.video, SourceState::Ended, 5000);
  wait_state(*m.audio, SourceState::Ended, 5000);
  const std::int64_t elapsed = Clock::now_ns() - t0;
  EXPECT_EQ(m.video->state(), SourceState::Ended);
  EXPECT_EQ(m.audio->state(), SourceState::Ended);
  EXPECT_GT(elapsed, Clock::from_seconds(1.0));  // paced in real time, not decoded at full speed
  Chunk v = m.video->read();
  Chunk a = m.audio->read();
  EXPECT_GE(v.size(), 34u);
  EXPECT_GE(a.size(), 48000u);
  for (std::size_t i = 1; i < a.size(); ++i) ASSERT_GT(a.t_ns[i], a.t_ns[i - 1]);
  // Per-sample times are 1/48000 s apart within 1 ns rounding.
  EXPECT_NEAR(static_cast<double>(a.t_ns[4800] - a.t_ns[0]), 1e8, 2.0);
}

TEST(MediaSource, FlashAndBeepAgreeWithinOneFramePeriod) {
  MediaSources m = open_media(flash_beep(3.2));
  m.video->start();
  m.audio->start();
  wait_state(*m.video, SourceState::Ended, 8000);
  wait_state(*m.audio, SourceState::Ended, 8000);
  Chunk v = m.video->read();
  Chunk a = m.audio->read();
  const std::size_t frame_bytes = 120 * 160 * 3;
  std::vector<std::int64_t> flashes, beeps;
  bool lit = false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    double sum = 0;
    for (std::size_t k = 0; k < frame_bytes; k += 97)
      sum += static_cast<double>(v.as<std::uint8_t>()[i * frame_bytes + k]);
    const bool now = sum / static_cast<double>(frame_bytes / 97 + 1) > 128;
    if (now && !lit) flashes.push_back(v.t_ns[i]);
    lit = now;
  }
  std::int64_t last_loud = -1'000'000'000'000;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::fabs(a.as<float>()[i]) > 0.1f) {
      if (a.t_ns[i] - last_loud > 500'000'000) beeps.push_back(a.t_ns[i]);
      last_loud = a.t_ns[i];
    }
  }
  ASSERT_EQ(flashes.size(), 3u);
  ASSERT_EQ(beeps.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_LT(std::llabs(flashes[i] - beeps[i]), 1'000'000'000 / 30) << i;
}

TEST(MediaSource, BadInputsAreClearErrors) {
  MediaOptions missing;
  missing.url = "/nonexistent/percept/clip.mp4";
  EXPECT_THROW((void)open_media(missing), FileError);
  MediaOptions bad_graph;
  bad_graph.format = "lavfi";
  bad_graph.url = "nosuchfilter=1[out0]";
  EXPECT_THROW((void)open_media(bad_graph), Error);
  MediaOptions no_format;
  no_format.format = "no-such-format";
  no_format.url = "x";
  EXPECT_THROW((void)open_media(no_format), InvalidArgument);
  TempDir dir;
  fs::create_directories(dir.path);
  const fs::path junk = dir.path / "junk.mp4";
  std::ofstream(junk) << "this is not a video file at all";
  MediaOptions corrupt;
  corrupt.url = junk.string();
  EXPECT_THROW((void)open_media(corrupt), FormatError);
}

TEST(Recorder, WritesASessionThatLoadsBackAligned) {
  TempDir dir;
  MediaSources m = open_media(flash_beep(30));
  std::atomic<int> n{0};
  auto counter = std::make_shared<PollingSource>(
      [&] {
        return std::vector<double>{static_cast<double>(n++), 0.5};
      },
      50.0, std::vector<std::string>{"n", "half"});
  Combined combined;
  combined.add("cam", m.video);
  combined.add("mic", m.audio);
  combined.add("counter", counter);
  combined.add("system", std::make_shared<SystemSource>());
  RecorderOptions ro;
  ro.audio_format = "flac";
  Recorder rec(dir.path.string(), ro);
  rec.add(combined);
  rec.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  // What a live reader sees while recording is what the session holds afterwards.
  Chunk live_counter = counter->latest(1000);
  rec.stop();
  EXPECT_TRUE(rec.error().empty());
  EXPECT_EQ(m.video->state(), SourceState::Stopped);  // started by the recorder, stopped by it

  const SessionInfo info = session_info(dir.path.string());
  EXPECT_TRUE(info.complete);
  ASSERT_EQ(info.streams.size(), 4u);
  for (const auto& s : info.streams) {
    EXPECT_GT(s.items, 0) << s.name;
    EXPECT_GE(s.first_t_ns, info.started_ns - Clock::from_seconds(0.1)) << s.name;
    EXPECT_LE(s.last_t_ns, info.stopped_ns) << s.name;
    EXPECT_EQ(s.lost, 0) << s.name;
  }
  const SessionStream mic = load_session_stream(dir.path.string(), "mic");
  EXPECT_EQ(mic.format.kind, "audio");
  EXPECT_GT(mic.chunk.size(), 48000u);
  EXPECT_EQ(mic.info.file, "mic.flac");
  for (std::size_t i = 1; i < mic.chunk.size(); ++i) ASSERT_GT(mic.chunk.t_ns[i], mic.chunk.t_ns[i - 1]);
  const SessionStream cam = load_session_stream(dir.path.string(), "cam");
  EXPECT_EQ(cam.chunk.size() * 160 * 120 * 3, cam.chunk.data.size());
  EXPECT_GT(cam.chunk.size(), 30u);
  const SessionStream cnt = load_session_stream(dir.path.string(), "counter");
  ASSERT_GT(cnt.chunk.size(), 50u);
  // The readings and their times are exactly those the source produced.
  std::size_t matched = 0;
  for (std::size_t i = 0; i < live_counter.size(); ++i) {
    for (std::size_t j = 0; j < cnt.chunk.size(); ++j) {
      if (cnt.chunk.as<double>()[2 * j] == live_counter.as<double>()[2 * i]) {
        EXPECT_EQ(cnt.chunk.t_ns[j], live_counter.t_ns[i]);
        EXPECT_EQ(cnt.chunk.as<double>()[2 * j + 1], 0.5);
        ++matched;
      }
    }
  }
  EXPECT_GT(matched, 40u);
  // The flash frames and the beeps are still aligned in the recorded session.
  const std::size_t fb = 120 * 160 * 3;
  std::int64_t flash = -1;
  for (std::size_t i = 0; i < cam.chunk.size() && flash < 0; ++i)
    if (cam.chunk.as<std::uint8_t>()[i * fb + fb / 2] > 128) flash = cam.chunk.t_ns[i];
  std::int64_t beep = -1;
  for (std::size_t i = 1; i < mic.chunk.size() && beep < 0; ++i)
    if (mic.chunk.t_ns[i] > flash - 500'000'000 && std::fabs(mic.chunk.as<float>()[i]) > 0.1f &&
        std::fabs(mic.chunk.as<float>()[i - 1]) < 0.1f)
      beep = mic.chunk.t_ns[i];
  ASSERT_GT(flash, 0);
  ASSERT_GT(beep, 0);
  EXPECT_LT(std::llabs(flash - beep), 1'000'000'000 / 30);

  EXPECT_THROW((void)load_session_stream(dir.path.string(), "nope"), InvalidArgument);
  Recorder again(dir.path.string());
  again.add("counter", counter);
  EXPECT_THROW(again.start(), FileError);  // not an empty directory
  EXPECT_THROW(rec.add("bad name!", counter), InvalidArgument);
}

TEST(Recorder, ReaderRejectsWhatIsNotASession) {
  TempDir dir;
  EXPECT_THROW((void)session_info(dir.path.string()), FileError);
  fs::create_directories(dir.path);
  EXPECT_THROW((void)session_info(dir.path.string()), FileError);
  std::ofstream(dir.path / "session.json") << "{\"percept_session\": 1, \"started_ns\": [";
  EXPECT_THROW((void)session_info(dir.path.string()), FormatError);
  std::ofstream(dir.path / "session.json", std::ios::trunc) << "{\"percept_session\": 7}";
  EXPECT_THROW((void)session_info(dir.path.string()), FormatError);
}
