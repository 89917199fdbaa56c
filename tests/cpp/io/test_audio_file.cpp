// Behaviour of audio file reading and writing: exact integer round trips, layouts, offsets, and a clear
// error for every kind of bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "percept/core/error.hpp"
#include "percept/io/audio_file.hpp"

using namespace percept;
using namespace percept::io;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

namespace {

class AudioFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("percept-io-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

// Random integer codes of `bits` bits, as floats v / 2^(bits-1), over `channels` channels.
AudioBuffer<double> random_codes(std::size_t channels, std::size_t frames, int bits, unsigned seed) {
  std::mt19937_64 rng(seed);
  const std::int64_t lo = -(std::int64_t{1} << (bits - 1));
  const std::int64_t hi = (std::int64_t{1} << (bits - 1)) - 1;
  std::uniform_int_distribution<std::int64_t> dist(lo, hi);
  AudioBuffer<double> b(channels, frames);
  const double scale = std::ldexp(1.0, -(bits - 1));
  for (std::size_t c = 0; c < channels; ++c)
    for (std::size_t i = 0; i < frames; ++i) b.channel(c)[i] = static_cast<double>(dist(rng)) * scale;
  // the extremes must survive too
  b.channel(0)[0] = -1.0;
  b.channel(0)[1] = static_cast<double>(hi) * scale;
  return b;
}

template <class T>
std::string write_bytes(const std::string& path, const std::vector<T>& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size() * sizeof(T)));
  return path;
}

std::vector<char> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

}  // namespace

struct IntCase {
  const char* file;
  const char* subtype;
  int bits;
};

class IntegerRoundTrip : public AudioFileTest, public ::testing::WithParamInterface<IntCase> {};

TEST_P(IntegerRoundTrip, ReadWriteReadIsBitExact) {
  const auto [file, subtype, bits] = GetParam();
  const auto codes = random_codes(3, 5000, bits, 42);
  const std::string a = path(std::string("a_") + file), b = path(std::string("b_") + file);
  write_audio<double>(a, codes.view(), 44100, WriterOptions{"", subtype});

  int sr = 0;
  const auto back = read_audio<double>(a, sr);
  EXPECT_EQ(sr, 44100);
  ASSERT_EQ(back.num_channels(), 3u);
  ASSERT_EQ(back.num_frames(), 5000u);
  EXPECT_EQ(back.storage(), codes.storage()) << "decoded values differ from the integer codes written";

  // float32 path too (exact up to 24 bits, float32's mantissa): the file bytes are identical
  if (bits > 24) return;
  const auto as_float = read_audio<float>(a, sr);
  write_audio<float>(b, as_float.view(), 44100, WriterOptions{"", subtype});
  if (std::string(file).ends_with(".wav")) {
    EXPECT_EQ(read_bytes(a), read_bytes(b));
  }
  const auto back2 = read_audio<double>(b, sr);
  EXPECT_EQ(back2.storage(), codes.storage());
}

INSTANTIATE_TEST_SUITE_P(Formats, IntegerRoundTrip,
                         ::testing::Values(IntCase{"x.wav", "PCM_16", 16}, IntCase{"x.wav", "PCM_24", 24},
                                           IntCase{"x.wav", "PCM_32", 32}, IntCase{"x.flac", "PCM_16", 16},
                                           IntCase{"x.flac", "PCM_24", 24}, IntCase{"x.aiff", "PCM_24", 24},
                                           IntCase{"x.wav", "PCM_U8", 8}),
                         [](const auto& param_info) {
                           std::string n =
                               std::string(param_info.param.file).substr(2) + "_" + param_info.param.subtype;
                           for (char& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

TEST_F(AudioFileTest, FloatAndDoubleFilesKeepEveryBit) {
  AudioBuffer<double> y(2, 1000);
  std::mt19937 rng(1);
  std::normal_distribution<double> d(0.0, 2.0);  // beyond [-1, 1]: float formats must not clip
  for (auto& v : y.storage()) v = d(rng);
  write_audio<double>(path("d.wav"), y.view(), 48000, WriterOptions{"", "DOUBLE"});
  int sr = 0;
  EXPECT_EQ(read_audio<double>(path("d.wav"), sr).storage(), y.storage());

  AudioBuffer<float> yf(2, 1000);
  for (std::size_t i = 0; i < y.storage().size(); ++i) yf.storage()[i] = static_cast<float>(y.storage()[i]);
  write_audio<float>(path("f.wav"), yf.view(), 48000, WriterOptions{"", "FLOAT"});
  EXPECT_EQ(read_audio<float>(path("f.wav"), sr).storage(), yf.storage());
}

TEST_F(AudioFileTest, IntegerWritesClipInsteadOfWrapping) {
  AudioBuffer<float> y(1, 3);
  y.channel(0)[0] = 1.5f;
  y.channel(0)[1] = -7.0f;
  y.channel(0)[2] = 0.25f;
  write_audio<float>(path("clip.wav"), y.view(), 8000);
  int sr = 0;
  const auto back = read_audio<double>(path("clip.wav"), sr);
  EXPECT_DOUBLE_EQ(back.channel(0)[0], 32767.0 / 32768.0);
  EXPECT_DOUBLE_EQ(back.channel(0)[1], -1.0);
  EXPECT_DOUBLE_EQ(back.channel(0)[2], 0.25);
}

TEST_F(AudioFileTest, MultiChannelLayoutIsPlanarByChannel) {
  AudioBuffer<float> y(4, 100);
  for (std::size_t c = 0; c < 4; ++c)
    for (std::size_t i = 0; i < 100; ++i) y.channel(c)[i] = static_cast<float>(c) * 0.25f - 0.5f;
  write_audio<float>(path("quad.wav"), y.view(), 16000, WriterOptions{"", "FLOAT"});
  const auto info = audio_file_info(path("quad.wav"));
  EXPECT_EQ(info.channels, 4);
  EXPECT_EQ(info.frames, 100);
  AudioFileReader r(path("quad.wav"));
  std::vector<float> inter(4 * 2);
  ASSERT_EQ(r.read_interleaved(inter.data(), 2), 2u);
  EXPECT_EQ(inter, (std::vector<float>{-0.5f, -0.25f, 0.f, 0.25f, -0.5f, -0.25f, 0.f, 0.25f}));
}

TEST_F(AudioFileTest, OffsetAndLengthAreSampleExact) {
  AudioBuffer<double> y(2, 48000);
  for (std::size_t i = 0; i < 48000; ++i) {
    y.channel(0)[i] = static_cast<double>(i % 30000) / 32768.0;
    y.channel(1)[i] = -static_cast<double>(i % 30000) / 32768.0;
  }
  write_audio<double>(path("ramp.flac"), y.view(), 48000);
  int sr = 0;
  const auto part = read_audio<double>(path("ramp.flac"), sr, ReadOptions{12345, 777, {}});
  ASSERT_EQ(part.num_frames(), 777u);
  for (std::size_t i = 0; i < 777; ++i) {
    ASSERT_EQ(part.channel(0)[i], y.channel(0)[12345 + i]) << i;
    ASSERT_EQ(part.channel(1)[i], y.channel(1)[12345 + i]) << i;
  }
  // a length past the end is clipped to the end; an offset at the end gives nothing
  EXPECT_EQ(read_audio<double>(path("ramp.flac"), sr, ReadOptions{47990, 100, {}}).num_frames(), 10u);
  EXPECT_EQ(read_audio<double>(path("ramp.flac"), sr, ReadOptions{48000, {}, {}}).num_frames(), 0u);
}

TEST_F(AudioFileTest, StreamingReaderWalksALongFileBlockByBlock) {
  const std::size_t frames = 10 * 44100 + 17;
  AudioBuffer<float> y(1, frames);
  for (std::size_t i = 0; i < frames; ++i) y.channel(0)[i] = static_cast<float>((i * 7) % 1000) / 1024.0f;
  write_audio<float>(path("long.wav"), y.view(), 44100, WriterOptions{"", "FLOAT"});
  AudioFileReader r(path("long.wav"));
  AudioBuffer<float> block(1, 4096);
  std::size_t pos = 0;
  while (std::size_t got = r.read(block.view())) {
    for (std::size_t i = 0; i < got; ++i) ASSERT_EQ(block.channel(0)[i], y.channel(0)[pos + i]);
    pos += got;
    EXPECT_EQ(r.tell(), static_cast<std::int64_t>(pos));
  }
  EXPECT_EQ(pos, frames);
  r.seek(100);
  ASSERT_EQ(r.read(block.view().frames(0, 1)), 1u);
  EXPECT_EQ(block.channel(0)[0], y.channel(0)[100]);
  EXPECT_THROW(r.seek(static_cast<std::int64_t>(frames) + 1), InvalidArgument);
}

TEST_F(AudioFileTest, OggVorbisAndMp3AreReadable) {
  AudioBuffer<float> y(1, 22050);
  for (std::size_t i = 0; i < 22050; ++i) y.channel(0)[i] = 0.5f * std::sin(2.0f * 3.14159265f * 440.0f * i / 22050.0f);
  write_audio<float>(path("tone.ogg"), y.view(), 22050);
  const auto info = audio_file_info(path("tone.ogg"));
  EXPECT_EQ(info.format, "OGG");
  EXPECT_EQ(info.subtype, "VORBIS");
  int sr = 0;
  const auto back = read_audio<float>(path("tone.ogg"), sr);
  EXPECT_NEAR(static_cast<double>(back.num_frames()), 22050.0, 1.0);

  // MP3 made by ffmpeg (libmp3lame), read by libsndfile's mpg123 decoder
  const std::string wav = path("tone.wav"), mp3 = path("tone.mp3");
  write_audio<float>(wav, y.view(), 22050);
  const std::string cmd = "ffmpeg -loglevel error -y -i '" + wav + "' '" + mp3 + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const auto mp3_info = audio_file_info(mp3);
  EXPECT_EQ(mp3_info.format, "MP3");
  const auto decoded = read_audio<float>(mp3, sr);
  EXPECT_EQ(sr, 22050);
  EXPECT_GT(decoded.num_frames(), 20000u);
  double energy = 0;
  for (std::size_t i = 0; i < decoded.num_frames(); ++i) energy += decoded.channel(0)[i] * decoded.channel(0)[i];
  EXPECT_NEAR(energy / static_cast<double>(decoded.num_frames()), 0.125, 0.02);  // a 0.5-amplitude sine
}

// ---- bad input: each a clear error naming the file and the cause ---------------------------------

TEST_F(AudioFileTest, MissingFileIsAFileError) {
  try {
    (void)audio_file_info(path("nope.wav"));
    FAIL() << "no error";
  } catch (const FileError& e) {
    EXPECT_THAT(e.what(), HasSubstr("nope.wav"));
    EXPECT_THAT(e.what(), HasSubstr("No such file"));
  }
}

TEST_F(AudioFileTest, DirectoryIsAFileError) {
  EXPECT_THROW((void)audio_file_info(dir_.string()), FileError);
}

TEST_F(AudioFileTest, EmptyFileIsAFormatError) {
  write_bytes(path("empty.wav"), std::vector<char>{});
  try {
    AudioFileReader r(path("empty.wav"));
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_THAT(e.what(), HasSubstr("empty.wav"));
    EXPECT_THAT(e.what(), HasSubstr("empty"));
  }
}

TEST_F(AudioFileTest, TruncatedHeaderIsAFormatError) {
  AudioBuffer<float> y(1, 1000);
  write_audio<float>(path("ok.wav"), y.view(), 8000);
  auto bytes = read_bytes(path("ok.wav"));
  bytes.resize(30);  // cut inside the fmt chunk
  write_bytes(path("cut.wav"), bytes);
  try {
    AudioFileReader r(path("cut.wav"));
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cut.wav"));
  }
}

TEST_F(AudioFileTest, TruncatedDataIsRefusedUnlessAllowed) {
  AudioBuffer<float> y(1, 8000);
  for (std::size_t i = 0; i < 8000; ++i) y.channel(0)[i] = static_cast<float>(i % 100) / 128.0f;
  write_audio<float>(path("full.wav"), y.view(), 8000);
  auto bytes = read_bytes(path("full.wav"));
  bytes.resize(44 + 2 * 3000);  // header + 3000 of the 8000 frames
  write_bytes(path("short.wav"), bytes);
  try {
    AudioFileReader r(path("short.wav"));
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_THAT(e.what(), HasSubstr("short.wav"));
    EXPECT_THAT(e.what(), HasSubstr("truncated"));
  }
  AudioFileReader r(path("short.wav"), ReaderOptions{.allow_truncated = true});
  EXPECT_EQ(r.frames(), 3000);
  AudioBuffer<float> back(1, 3000);
  EXPECT_EQ(r.read(back.view()), 3000u);
  EXPECT_EQ(back.channel(0)[2999], y.channel(0)[2999]);
}

TEST_F(AudioFileTest, CorruptHeaderIsAFormatError) {
  AudioBuffer<float> y(1, 100);
  write_audio<float>(path("ok.wav"), y.view(), 8000);
  auto bytes = read_bytes(path("ok.wav"));
  bytes[8] = 'X';  // "WAVE" -> "XAVE"
  write_bytes(path("bad.wav"), bytes);
  EXPECT_THROW(AudioFileReader r(path("bad.wav")), FormatError);
  auto bytes2 = read_bytes(path("ok.wav"));
  bytes2[22] = 0;  // zero channels
  bytes2[23] = 0;
  write_bytes(path("nochan.wav"), bytes2);
  EXPECT_THROW(AudioFileReader r(path("nochan.wav")), FormatError);
}

TEST_F(AudioFileTest, UnsupportedContainerIsAFormatError) {
  write_bytes(path("notes.txt"), std::vector<char>{'h', 'e', 'l', 'l', 'o', '\n'});
  EXPECT_THROW(AudioFileReader r(path("notes.txt")), FormatError);
  AudioBuffer<float> y(1, 10);
  try {
    write_audio<float>(path("out.xyz"), y.view(), 8000);
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_THAT(e.what(), HasSubstr(".xyz"));
  }
  // FLAC cannot hold float samples: refused up front, naming both
  try {
    write_audio<float>(path("f.flac"), y.view(), 8000, WriterOptions{"", "FLOAT"});
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_THAT(e.what(), HasSubstr("FLAC"));
    EXPECT_THAT(e.what(), HasSubstr("FLOAT"));
  }
}

TEST_F(AudioFileTest, OffsetPastTheEndIsAnError) {
  AudioBuffer<float> y(1, 100);
  write_audio<float>(path("s.wav"), y.view(), 8000);
  int sr = 0;
  try {
    (void)read_audio<float>(path("s.wav"), sr, ReadOptions{101, {}, {}});
    FAIL() << "no error";
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("past the end"));
    EXPECT_THAT(e.what(), HasSubstr("s.wav"));
  }
  EXPECT_THROW((void)read_audio<float>(path("s.wav"), sr, ReadOptions{-1, {}, {}}), InvalidArgument);
}

TEST_F(AudioFileTest, NonFiniteIntoIntegerFormatIsRefusedAndFloatFormatKeepsIt) {
  AudioBuffer<float> y(1, 4);
  y.channel(0)[2] = std::numeric_limits<float>::quiet_NaN();
  try {
    write_audio<float>(path("nan.wav"), y.view(), 8000);
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_THAT(e.what(), HasSubstr("NaN"));
    EXPECT_THAT(e.what(), HasSubstr("PCM_16"));
  }
  y.channel(0)[2] = std::numeric_limits<float>::infinity();
  EXPECT_THROW(write_audio<float>(path("inf.flac"), y.view(), 8000), FormatError);
  write_audio<float>(path("nan_float.wav"), y.view(), 8000, WriterOptions{"", "FLOAT"});
  int sr = 0;
  EXPECT_TRUE(std::isinf(read_audio<float>(path("nan_float.wav"), sr).channel(0)[2]));
}

TEST_F(AudioFileTest, WriterFlushLeavesAValidFileMidRecording) {
  AudioBuffer<float> y(2, 4800);
  AudioFileWriter w(path("rec.wav"), 48000, 2);
  w.write(y.view());
  w.flush();
  // Another reader sees the frames written so far while the writer is still open.
  EXPECT_EQ(audio_file_info(path("rec.wav")).frames, 4800);
  w.write(y.view());
  w.close();
  EXPECT_EQ(audio_file_info(path("rec.wav")).frames, 9600);
}

TEST_F(AudioFileTest, BadWriterArgumentsAreRefused) {
  EXPECT_THROW(AudioFileWriter(path("a.wav"), 0, 1), InvalidArgument);
  EXPECT_THROW(AudioFileWriter(path("a.wav"), 44100, 0), InvalidArgument);
  EXPECT_THROW(AudioFileWriter(path("a.wav"), 44100, 1, WriterOptions{"", "PCM_77"}), FormatError);
  EXPECT_THROW(AudioFileWriter("/nonexistent-dir/a.wav", 44100, 1), FileError);
  AudioFileWriter w(path("b.wav"), 44100, 2);
  AudioBuffer<float> mono(1, 10);
  EXPECT_THROW(w.write(mono.view()), InvalidArgument);
}
