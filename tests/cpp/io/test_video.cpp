// VideoSource / VideoReader / VideoWriter without a camera: FFmpeg's lavfi test sources, files written
// here, and live streams served by an ffmpeg process this test starts (and always stops).
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "percept/core/clock.hpp"
#include "percept/core/error.hpp"
#include "percept/io/video_source.hpp"
#include "percept/io/video_writer.hpp"

extern char** environ;

using namespace percept;
using namespace percept::io;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// Runs a shell command and returns its standard output (binary).
std::string run_capture(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[65536];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

// An ffmpeg process serving a stream; killed and reaped when the object goes away.
class FfmpegServer {
 public:
  explicit FfmpegServer(const std::vector<std::string>& args) {
    std::vector<std::string> all = {"ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error"};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawnp(&pid_, "ffmpeg", nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
  }
  ~FfmpegServer() { stop(); }
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  [[nodiscard]] bool started() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

int test_port(int offset) {
  return 20000 + (static_cast<int>(getpid()) % 20000) + offset;
}

fs::path temp_dir() {
  fs::path d = fs::temp_directory_path() / ("percept_video_test_" + std::to_string(getpid()));
  fs::create_directories(d);
  return d;
}

// A deterministic moving test pattern (BGR).
std::vector<std::uint8_t> pattern(int w, int h, int t) {
  std::vector<std::uint8_t> img(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      auto* p = &img[(static_cast<std::size_t>(y) * static_cast<std::size_t>(w) + static_cast<std::size_t>(x)) * 3];
      p[0] = static_cast<std::uint8_t>((x + 4 * t) & 0xFF);
      p[1] = static_cast<std::uint8_t>((y * 2) & 0xFF);
      p[2] = static_cast<std::uint8_t>(((x / 16 + y / 16 + t) % 2) ? 200 : 40);
    }
  return img;
}

double psnr(const std::uint8_t* a, const std::uint8_t* b, std::size_t n) {
  double se = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(a[i]) - static_cast<double>(b[i]);
    se += d * d;
  }
  const double mse = se / static_cast<double>(n);
  return mse == 0 ? 99.0 : 10.0 * std::log10(255.0 * 255.0 / mse);
}

}  // namespace

TEST(VideoSource, LavfiTestsrc2PixelsEqualFfmpegRawvideo) {
  const std::string graph = "testsrc2=size=320x240:rate=30";
  for (const std::string fmt : {"bgr24", "yuv420p", "gray"}) {
    const std::string raw = run_capture("ffmpeg -nostdin -v error -f lavfi -i " + graph +
                                        " -frames:v 4 -f rawvideo -pix_fmt " + fmt + " -");
    VideoSourceOptions o;
    o.pixel_format = parse_pixel_format(fmt);
    VideoReader reader("lavfi:" + graph, o);
    EXPECT_EQ(reader.info().width, 320);
    EXPECT_EQ(reader.info().height, 240);
    const std::size_t frame_bytes = VideoFrame::byte_size(320, 240, o.pixel_format);
    ASSERT_EQ(raw.size(), 4 * frame_bytes) << fmt;
    for (int i = 0; i < 4; ++i) {
      auto f = reader.read();
      ASSERT_TRUE(f) << fmt;
      ASSERT_EQ(f->size, frame_bytes);
      EXPECT_EQ(0, std::memcmp(f->data.get(), raw.data() + static_cast<std::size_t>(i) * frame_bytes, frame_bytes))
          << fmt << " frame " << i;
      EXPECT_NEAR(f->pts, i / 30.0, 1e-9);
      EXPECT_EQ(f->index, i);
    }
  }
}

TEST(VideoSource, ScalesToRequestedSizeLikeFfmpeg) {
  const std::string graph = "testsrc2=size=320x240:rate=30";
  const std::string raw = run_capture("ffmpeg -nostdin -v error -f lavfi -i " + graph +
                                      " -frames:v 2 -vf scale=160x120 -f rawvideo -pix_fmt bgr24 -");
  VideoSourceOptions o;
  o.width = 160;
  o.height = 120;
  VideoReader reader("lavfi:" + graph, o);
  ASSERT_EQ(raw.size(), 2u * 160 * 120 * 3);
  for (int i = 0; i < 2; ++i) {
    auto f = reader.read();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->width, 160);
    EXPECT_GT(psnr(f->data.get(), reinterpret_cast<const std::uint8_t*>(raw.data()) + i * 160 * 120 * 3, f->size),
              40.0);
  }
}

TEST(VideoWriter, WritesH264FileThatReadsBackWithTimesAndSeeks) {
  const fs::path path = temp_dir() / "written.mp4";
  const int w = 160, h = 120, n = 30;
  {
    VideoWriter writer(path.string(), w, h, 15.0);
    EXPECT_EQ(writer.codec_name(), "libx264");
    for (int t = 0; t < n; ++t) {
      auto img = pattern(w, h, t);
      writer.write(img.data(), img.size());
    }
    writer.close();
    EXPECT_EQ(writer.frames_written(), n);
  }
  VideoReader reader(path.string());
  EXPECT_EQ(reader.info().codec, "h264");
  EXPECT_NEAR(reader.info().fps, 15.0, 1e-6);
  EXPECT_NEAR(reader.info().duration, 2.0, 0.1);
  int count = 0;
  while (auto f = reader.read()) {
    EXPECT_NEAR(f->pts, count / 15.0, 1e-6);
    auto ref = pattern(w, h, count);
    EXPECT_GT(psnr(f->data.get(), ref.data(), ref.size()), 28.0) << "frame " << count;
    ++count;
  }
  EXPECT_EQ(count, n);
  reader.seek(1.0);  // frame 15, decoded forward from the key frame before it
  auto f = reader.read();
  ASSERT_TRUE(f);
  EXPECT_NEAR(f->pts, 1.0, 1e-6);
  auto ref = pattern(w, h, 15);
  EXPECT_GT(psnr(f->data.get(), ref.data(), ref.size()), 28.0);
  fs::remove_all(path.parent_path());
}

TEST(VideoWriter, Mpeg4EncoderAndBadArguments) {
  const fs::path path = temp_dir() / "m4.avi";
  {
    VideoWriterOptions o;
    o.codec = "mpeg4";
    o.input_format = PixelFormat::Gray;
    VideoWriter writer(path.string(), 64, 48, 25.0, o);
    std::vector<std::uint8_t> gray(64 * 48, 128);
    for (int i = 0; i < 5; ++i) writer.write(gray.data(), gray.size());
    EXPECT_THROW(writer.write(gray.data(), gray.size() - 1), InvalidArgument);
  }
  VideoReader reader(path.string());
  EXPECT_EQ(reader.info().codec, "mpeg4");
  EXPECT_THROW(VideoWriter((temp_dir() / "odd.mp4").string(), 63, 48, 25.0), InvalidArgument);
  EXPECT_THROW(VideoWriter((temp_dir() / "x.unknownext").string(), 64, 48, 25.0), InvalidArgument);
  EXPECT_THROW(VideoWriter("/nonexistent-dir/x.mp4", 64, 48, 25.0), FileError);
  fs::remove_all(path.parent_path());
}

TEST(VideoSource, EveryModeOnAFileLosesNothingWithASlowReader) {
  const fs::path path = temp_dir() / "every.mp4";
  {
    VideoWriter writer(path.string(), 64, 48, 30.0);
    for (int t = 0; t < 20; ++t) {
      auto img = pattern(64, 48, t);
      writer.write(img.data(), img.size());
    }
  }
  VideoSourceOptions o;
  o.mode = QueueMode::Every;
  o.queue_size = 2;
  VideoSource src(path.string(), o);
  int count = 0;
  while (auto f = src.read(5s)) {
    EXPECT_EQ(f->index, count);
    if (count < 3) std::this_thread::sleep_for(20ms);
    ++count;
  }
  EXPECT_EQ(count, 20);
  const auto s = src.stats();
  EXPECT_EQ(s.dropped, 0u);
  EXPECT_EQ(s.delivered, 20u);
  EXPECT_TRUE(s.ended);
  fs::remove_all(path.parent_path());
}

TEST(VideoSource, LatestModeNeverHandsOutAStaleFrameAndCountsSkipped) {
  VideoSourceOptions o;
  o.mode = QueueMode::Latest;
  VideoSource src("lavfi:testsrc2=size=64x48:rate=1000", o);
  auto a = src.read(5s);
  ASSERT_TRUE(a);
  std::this_thread::sleep_for(50ms);
  auto b = src.read(5s);
  ASSERT_TRUE(b);
  EXPECT_GT(b->index, a->index + 1);  // frames in between were decoded and skipped
  auto newest = src.latest();
  ASSERT_TRUE(newest);
  EXPECT_GE(newest->index, b->index);
  src.close();
  const auto s = src.stats();
  EXPECT_GT(s.dropped, 0u);
  EXPECT_EQ(s.decoded, s.delivered + s.dropped + s.queued);
  EXPECT_FALSE(s.running);
}

TEST(VideoSource, LiveUdpStreamLatestFrameIsFresh) {
  const int port = test_port(1);
  FfmpegServer server({"-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-c:v", "mpeg2video", "-q:v", "5",
                       "-f", "mpegts", "udp://127.0.0.1:" + std::to_string(port) + "?pkt_size=1316"});
  ASSERT_TRUE(server.started());
  VideoSourceOptions o;
  o.mode = QueueMode::Latest;
  o.open_timeout = 10;
  VideoSource src("udp://127.0.0.1:" + std::to_string(port) + "?overrun_nonfatal=1&fifo_size=50000", o);
  EXPECT_TRUE(src.info().live);
  std::int64_t last_index = -1;
  double last_pts = -1;
  double worst_age_ms = 0;
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(200ms);
    auto f = src.read(5s);
    ASSERT_TRUE(f);
    EXPECT_GT(f->index, last_index);
    EXPECT_GT(f->pts, last_pts);
    last_index = f->index;
    last_pts = f->pts;
    worst_age_ms = std::max(worst_age_ms, Clock::to_seconds(Clock::now_ns() - f->capture_ns) * 1e3);
  }
  RecordProperty("worst_latest_frame_age_ms", std::to_string(worst_age_ms));
  EXPECT_GT(src.stats().dropped, 0u);  // ~6 frames arrive per 200 ms and only the newest is read
  src.close();
}

TEST(VideoSource, TcpStreamThatDiesEndsCleanly) {
  const int port = test_port(2);
  FfmpegServer server({"-re", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30", "-c:v", "mpeg2video", "-f",
                       "mpegts", "tcp://127.0.0.1:" + std::to_string(port) + "?listen=1"});
  ASSERT_TRUE(server.started());
  VideoSourceOptions o;
  o.mode = QueueMode::Every;
  o.read_timeout = 2;
  o.open_timeout = 3;
  std::unique_ptr<VideoSource> src;
  for (int attempt = 0; attempt < 50 && !src; ++attempt) {  // until the server listens
    try {
      src = std::make_unique<VideoSource>("tcp://127.0.0.1:" + std::to_string(port), o);
    } catch (const StreamError&) {
      std::this_thread::sleep_for(100ms);
    }
  }
  ASSERT_TRUE(src);
  ASSERT_TRUE(src->read(5s));
  server.stop();  // the stream dies mid-way
  int after = 0;
  bool ended = false;
  try {
    while (src->read(10s)) ++after;
    ended = true;  // end of stream
  } catch (const StreamError&) {
    ended = true;
  } catch (const percept::TimeoutError&) {
    ended = true;
  }
  EXPECT_TRUE(ended);
  EXPECT_TRUE(src->stats().ended);
}

TEST(VideoSource, UdpWithNoSenderTimesOutInsteadOfHanging) {
  VideoSourceOptions o;
  o.open_timeout = 1.0;
  const auto port = std::to_string(test_port(3));
  EXPECT_THROW(VideoSource("udp://127.0.0.1:" + port, o), percept::TimeoutError);
}

TEST(VideoSource, MissingDeviceFileAndCorruptFileGiveClearErrors) {
  try {
    VideoSource src("/dev/video97");
    FAIL() << "opened a device that does not exist";
  } catch (const DeviceError& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/video97"), std::string::npos) << e.what();
  }
  EXPECT_THROW(VideoSource("/nonexistent/clip.mp4"), FileError);
  const fs::path bad = temp_dir() / "corrupt.mp4";
  {
    std::ofstream f(bad, std::ios::binary);
    for (int i = 0; i < 5000; ++i) f.put(static_cast<char>((i * 7919) & 0xFF));
  }
  EXPECT_THROW(VideoReader(bad.string()), FormatError);
  EXPECT_THROW(VideoSource("lavfi:nosuchfilter=1"), InvalidArgument);
  VideoSourceOptions o;
  o.width = 100;
  EXPECT_THROW(VideoSource("lavfi:testsrc2", o), InvalidArgument);
  EXPECT_THROW(parse_pixel_format("bgra"), InvalidArgument);
  fs::remove_all(bad.parent_path());
}

TEST(VideoSource, CloseJoinsTheThreadWhileTheProducerIsBlocked) {
  VideoSourceOptions o;
  o.mode = QueueMode::Every;
  o.queue_size = 1;
  VideoSource src("lavfi:testsrc2=size=64x48:rate=30", o);  // never ends; the grab thread waits for room
  ASSERT_TRUE(src.read(5s));
  std::this_thread::sleep_for(30ms);
  EXPECT_TRUE(src.stats().running);
  src.close();
  EXPECT_TRUE(src.closed());
  EXPECT_FALSE(src.stats().running);
  EXPECT_THROW(src.read(1s), StreamError);
}
