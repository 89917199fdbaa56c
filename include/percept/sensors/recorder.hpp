// percept/sensors/recorder.hpp — a synchronized recording session on disk, and its reader.
//
// A session is a directory:
//   session.json             manifest: streams, formats, files, the clock, start/stop times
//   <name>.wav | <name>.flac audio (continuous) sources, float32 WAV or 24-bit FLAC
//   <name>.mp4               video sources (fragmented MP4, H.264 or MPEG-4)
//   <name>.csv               reading sources (system, polling): t_ns, index, then one column per field
//   <name>.index.csv         audio and video: file_position, stream_index, t_ns — the capture time of the
//                            item at that position of the file. Video: one row per frame. Audio: a row
//                            wherever the capture time departs from the sample-rate extrapolation of the
//                            previous row by more than 1 us (and at every gap), so interpolating
//                            between rows gives every sample's time.
// Crash safety: every second the writer thread flushes each file (the WAV header is rewritten, MP4
// fragments are closed, CSV lines are pushed to the kernel), so a process killed at any moment leaves
// every file readable up to the last flush. The reader tolerates an unfinished last line, a WAV
// header that predates the data, and an MP4 cut inside a fragment.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "percept/sensors/combined.hpp"
#include "percept/sensors/source.hpp"

namespace percept::sensors {

struct RecorderOptions {
  std::string audio_format = "wav";  ///< "wav" (float32) or "flac" (24-bit)
  double flush_seconds = 1.0;        ///< how often every file is made crash-safe
  double poll_seconds = 0.02;        ///< how often the writer thread drains the sources
  int video_quality = 23;            ///< H.264 CRF (lower = better), or MPEG-4 qscale-equivalent
};

struct RecorderStreamStats {
  std::string name;
  std::string kind;
  std::string file;
  std::int64_t items = 0;  ///< items written
  std::int64_t lost = 0;   ///< items the recorder could not take from the source in time
};

class Recorder {
 public:
  /// `directory` is created; it must not exist or be empty.
  explicit Recorder(std::string directory, RecorderOptions options = {});
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  void add(const std::string& name, std::shared_ptr<Source> source);
  /// Adds every source of `combined` under its name.
  void add(const Combined& combined);
  /// Starts the sources that are idle (they are stopped again by stop()), writes the manifest and
  /// opens the files; records from this moment on.
  void start();
  /// Drains what the sources still hold, closes the files and completes the manifest.
  void stop();
  [[nodiscard]] bool running() const noexcept;
  [[nodiscard]] std::vector<RecorderStreamStats> stats() const;
  /// The error that stopped the writer thread (a full disk), empty when none.
  [[nodiscard]] std::string error() const;
  [[nodiscard]] const std::string& directory() const noexcept { return directory_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string directory_;
};

// ---------------------------------------------------------------------------------------------------
// Reading a session back.

struct SessionStreamInfo {
  std::string name;
  std::string kind;
  std::string file;        ///< relative to the session directory
  std::string index_file;  ///< empty for CSV streams (their rows carry the times)
  std::string dtype;
  std::vector<std::size_t> item_shape;
  double nominal_rate = 0;
  std::vector<std::string> fields;
  bool continuous = false;
  // Measured from the files:
  std::int64_t items = 0;
  std::int64_t first_t_ns = 0;
  std::int64_t last_t_ns = 0;
  std::int64_t lost = 0;  ///< gaps recorded in the index (or in the manifest at stop)
  std::string error;      ///< why the source failed during the recording ("" when it did not)
};

struct SessionInfo {
  std::string directory;
  std::int64_t started_ns = 0;
  std::int64_t stopped_ns = 0;  ///< 0 when the recording did not finish (crash)
  double started_unix = 0;      ///< wall-clock time of started_ns
  bool complete = false;
  std::vector<SessionStreamInfo> streams;
};

/// Reads the manifest and measures every stream's files. Throws FileError / FormatError.
[[nodiscard]] SessionInfo session_info(const std::string& directory);

/// One stream loaded whole: its format and every item with its capture time (same clock, same
/// alignment as when it was recorded).
struct SessionStream {
  SessionStreamInfo info;
  StreamFormat format;
  Chunk chunk;
};
[[nodiscard]] SessionStream load_session_stream(const std::string& directory, const std::string& name);

}  // namespace percept::sensors
