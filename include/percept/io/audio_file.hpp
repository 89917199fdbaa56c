// percept/io/audio_file.hpp — reading and writing audio files (libsndfile), whole or block by block.
//
// Formats: whatever libsndfile 1.2 handles — WAV/WAVEX/RF64/W64, FLAC, OGG (Vorbis, Opus), AIFF, CAF,
// AU, and MP3 for reading (and writing where libsndfile was built with LAME).
//
// Sample conversion is exact for integer formats: an N-bit integer v is read as v / 2^(N-1) and
// written back as round(x * 2^(N-1)) clipped to the N-bit range, so an int16/24/32 file read and
// written again is bit-identical. (libsndfile's own float->int path scales by 2^(N-1) - 1, which is
// not; percept converts itself.) Writing NaN or Inf to an integer format is refused with FormatError.
//
// Errors name the file and the cause: FileError (missing, unreadable, a directory), FormatError (empty,
// corrupt or truncated, unsupported container), InvalidArgument (bad offsets, rates, shapes).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "percept/core/audio_block.hpp"

namespace percept::io {

struct AudioFileInfo {
  std::string path;
  int sample_rate = 0;
  int channels = 0;
  std::int64_t frames = 0;
  double duration = 0.0;            ///< seconds: frames / sample_rate
  std::string format;               ///< "WAV", "FLAC", "OGG", "MP3", ... (soundfile's names)
  std::string subtype;              ///< "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE", "VORBIS", ...
  std::string format_description;   ///< libsndfile's long name, e.g. "WAV (Microsoft)"
  std::string subtype_description;  ///< e.g. "Signed 16 bit PCM"
  bool seekable = true;
};

/// Reads the header of `path`. Throws FileError / FormatError.
[[nodiscard]] AudioFileInfo audio_file_info(const std::string& path);

struct ReaderOptions {
  /// A file whose header declares more audio data than the file holds is refused with FormatError
  /// unless this is set; then the frames that are present are read.
  bool allow_truncated = false;
};

/// Streaming reader: opens the file, reads blocks on demand. Never loads the whole file unless asked.
class AudioFileReader {
 public:
  explicit AudioFileReader(const std::string& path, ReaderOptions options = {});
  ~AudioFileReader();
  AudioFileReader(AudioFileReader&&) noexcept;
  AudioFileReader& operator=(AudioFileReader&&) noexcept;
  AudioFileReader(const AudioFileReader&) = delete;
  AudioFileReader& operator=(const AudioFileReader&) = delete;

  [[nodiscard]] const AudioFileInfo& info() const noexcept;
  [[nodiscard]] int sample_rate() const noexcept { return info().sample_rate; }
  [[nodiscard]] int channels() const noexcept { return info().channels; }
  [[nodiscard]] std::int64_t frames() const noexcept { return info().frames; }

  /// Current frame position (the next frame read).
  [[nodiscard]] std::int64_t tell() const noexcept;
  /// Moves to frame `frame` (0 <= frame <= frames()); throws InvalidArgument past the end.
  void seek(std::int64_t frame);

  /// Reads up to `max_frames` interleaved frames into `out` (channels() * max_frames values).
  /// Returns the number of frames read: fewer only at the end of the file.
  std::size_t read_interleaved(float* out, std::size_t max_frames);
  std::size_t read_interleaved(double* out, std::size_t max_frames);
  /// Reads up to out.num_frames() frames into planar `out` (out.num_channels() == channels()).
  std::size_t read(AudioView<float> out);
  std::size_t read(AudioView<double> out);

  void close() noexcept;
  [[nodiscard]] bool is_open() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct WriterOptions {
  /// Container; empty = from the file extension (.wav .flac .ogg .opus .mp3 .aiff .au .caf .w64 .rf64).
  std::string format;
  /// Encoding; empty = the container's default (soundfile's): PCM_16 for WAV/FLAC/AIFF, VORBIS for OGG.
  std::string subtype;
};

/// Streaming writer. Frames written are in the file once close() returns (or the destructor runs);
/// flush() updates the header so that a crash afterwards still leaves a valid file up to that point.
class AudioFileWriter {
 public:
  AudioFileWriter(const std::string& path, int sample_rate, int channels, const WriterOptions& options = {});
  ~AudioFileWriter();
  AudioFileWriter(AudioFileWriter&&) noexcept;
  AudioFileWriter& operator=(AudioFileWriter&&) noexcept;
  AudioFileWriter(const AudioFileWriter&) = delete;
  AudioFileWriter& operator=(const AudioFileWriter&) = delete;

  /// Writes interleaved frames; throws FormatError for NaN/Inf into an integer format.
  void write_interleaved(const float* data, std::size_t frames);
  void write_interleaved(const double* data, std::size_t frames);
  /// Writes planar frames (in.num_channels() == channels()).
  void write(AudioView<const float> in);
  void write(AudioView<const double> in);

  /// Writes the header for the frames so far (the file is valid up to here even after a crash).
  void flush();
  void close();

  [[nodiscard]] std::int64_t frames_written() const noexcept;
  [[nodiscard]] const AudioFileInfo& info() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct ReadOptions {
  std::int64_t offset_frames = 0;          ///< first frame read
  std::optional<std::int64_t> num_frames;  ///< frames to read (default: to the end)
  ReaderOptions reader;
};

/// Reads (part of) a file whole into a planar buffer. Throws InvalidArgument when the offset is past
/// the end. `sample_rate` receives the file's rate.
template <class T>
[[nodiscard]] AudioBuffer<T> read_audio(const std::string& path, int& sample_rate, const ReadOptions& options = {});

/// Writes a planar buffer to `path`.
template <class T>
void write_audio(const std::string& path, AudioView<const T> audio, int sample_rate, const WriterOptions& options = {});

/// The container libsndfile would pick for `path`'s extension ("WAV", "FLAC", ...); throws FormatError.
[[nodiscard]] std::string format_from_extension(const std::string& path);
/// Formats (containers) and subtypes this build of libsndfile can write.
[[nodiscard]] std::string available_formats_text();

}  // namespace percept::io
