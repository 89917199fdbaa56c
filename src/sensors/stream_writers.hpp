// Internal: the per-stream file writers the Recorder uses, and the readers of those files.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "percept/sensors/source.hpp"

namespace percept::sensors::detail {

class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  /// Appends a chunk; `lost` items were missing before it (a gap).
  virtual void write(const Chunk& c, std::int64_t lost) = 0;
  /// Makes everything written so far readable after a crash.
  virtual void flush() = 0;
  virtual void close() = 0;
};

/// A FILE* with a large buffer, flushed explicitly; throws FileError naming the path on failure.
class TextFile {
 public:
  explicit TextFile(std::string path);
  ~TextFile();
  TextFile(const TextFile&) = delete;
  TextFile& operator=(const TextFile&) = delete;
  void write(const std::string& s);
  void flush();
  void close();
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  std::FILE* f_ = nullptr;
};

std::unique_ptr<StreamWriter> make_audio_writer(const std::string& path, const std::string& index_path,
                                                const StreamFormat& format, const std::string& audio_format);
std::unique_ptr<StreamWriter> make_csv_writer(const std::string& path, const StreamFormat& format);
/// Fragmented MP4 (H.264 via libx264 where present, else MPEG-4 Part 2) plus an index file.
std::unique_ptr<StreamWriter> make_video_writer(const std::string& path, const std::string& index_path,
                                                const StreamFormat& format, int quality, double flush_seconds);

/// The complete lines of a text file (an unfinished last line is left out). Throws FileError.
std::vector<std::string> read_lines(const std::string& path);

/// Decodes every frame of a video file into packed 8-bit BGR (H, W, 3). Frames after a cut are left
/// out. `width`/`height` receive the size.
std::vector<std::uint8_t> decode_video_bgr(const std::string& path, std::size_t& frames, int& width, int& height);

/// Decodes an audio file with FFmpeg into interleaved float32 (what libsndfile refuses: a FLAC file whose
/// header was never finalised because the recording was killed). Frames after a cut are left out.
std::vector<float> decode_audio_float(const std::string& path, int& channels, int& sample_rate);

/// Counts the frames of a video file without decoding them (packets of its video stream).
std::size_t count_video_frames(const std::string& path, int& width, int& height);

}  // namespace percept::sensors::detail
