#include "percept/sensors/recorder.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "json.hpp"
#include "percept/core/clock.hpp"
#include "percept/core/errno_message.hpp"
#include "percept/core/error.hpp"
#include "percept/io/audio_file.hpp"
#include "stream_writers.hpp"

namespace fs = std::filesystem;

namespace percept::sensors {

namespace {

constexpr int kSessionVersion = 1;

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 64 || n == "session") return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

void write_text_atomically(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw FileError("cannot create '" + tmp.string() + "': " + percept::errno_message(errno));
    out << text;
    out.flush();
    if (!out) throw FileError("cannot write '" + tmp.string() + "': " + percept::errno_message(errno));
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw FileError("cannot rename '" + tmp.string() + "' to '" + path.string() + "': " + ec.message());
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError("cannot open '" + path.string() + "': " + percept::errno_message(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
struct Recorder::Impl {
  struct Stream {
    std::string name;
    std::shared_ptr<Source> source;
    StreamFormat format;
    std::string file, index_file;
    std::unique_ptr<detail::StreamWriter> writer;
    std::int64_t cursor = 0;
    std::int64_t items = 0;
    std::int64_t lost = 0;
    bool started_here = false;
  };

  fs::path dir;
  RecorderOptions options;
  std::vector<Stream> streams;
  std::thread thread;
  mutable std::mutex mutex;  // streams' counters, error, state
  std::mutex wake_mutex;
  std::condition_variable wake;
  bool stop_requested = false;
  bool running = false;
  bool finished = false;
  std::string error;
  std::int64_t started_ns = 0;
  double started_unix = 0;

  json::Value manifest(bool complete, std::int64_t stopped_ns) const {
    json::Value m = json::Value::make_object();
    m.set("percept_session", json::Value::of(static_cast<std::int64_t>(kSessionVersion)));
    m.set("clock", json::Value::of("CLOCK_MONOTONIC (percept::Clock), nanoseconds"));
    m.set("started_ns", json::Value::of(started_ns));
    m.set("started_unix", json::Value::of(started_unix));
    m.set("complete", json::Value::of(complete));
    if (complete) m.set("stopped_ns", json::Value::of(stopped_ns));
    json::Value list = json::Value::make_array();
    for (const auto& s : streams) {
      json::Value v = json::Value::make_object();
      v.set("name", json::Value::of(s.name));
      v.set("kind", json::Value::of(s.format.kind));
      v.set("file", json::Value::of(s.file));
      v.set("index", s.index_file.empty() ? json::Value{} : json::Value::of(s.index_file));
      v.set("dtype", json::Value::of(element_type_name(s.format.type)));
      json::Value shape = json::Value::make_array();
      for (auto d : s.format.item_shape) shape.array.push_back(json::Value::of(static_cast<std::int64_t>(d)));
      v.set("item_shape", shape);
      v.set("nominal_rate", json::Value::of(s.format.nominal_rate));
      v.set("continuous", json::Value::of(s.format.continuous));
      json::Value fields = json::Value::make_array();
      for (const auto& f : s.format.fields) fields.array.push_back(json::Value::of(f));
      v.set("fields", fields);
      if (complete) {
        v.set("items", json::Value::of(s.items));
        v.set("lost", json::Value::of(s.lost));
        const SourceStats st = s.source->stats();
        if (st.state == SourceState::Failed) v.set("error", json::Value::of(st.error));
      }
      list.array.push_back(std::move(v));
    }
    m.set("streams", list);
    return m;
  }

  void drain(Stream& s) {
    std::int64_t lost = 0;
    Chunk c = s.source->read_since(s.cursor, &lost);
    if (c.empty() && lost == 0) return;
    s.writer->write(c, lost);
    std::lock_guard lock(mutex);
    s.cursor = c.first_index + static_cast<std::int64_t>(c.size());
    s.items += static_cast<std::int64_t>(c.size());
    s.lost += lost;
  }

  void run() {
    std::int64_t last_flush = Clock::now_ns();
    const auto poll = std::chrono::nanoseconds(Clock::from_seconds(options.poll_seconds));
    const std::int64_t flush_ns = Clock::from_seconds(options.flush_seconds);
    try {
      for (;;) {
        {
          std::unique_lock lock(wake_mutex);
          wake.wait_for(lock, poll, [this] { return stop_requested; });
          if (stop_requested) break;
        }
        for (auto& s : streams) drain(s);
        const std::int64_t now = Clock::now_ns();
        if (now - last_flush >= flush_ns) {
          for (auto& s : streams) s.writer->flush();
          last_flush = now;
        }
      }
    } catch (const std::exception& e) {
      std::lock_guard lock(mutex);
      error = e.what();
    }
  }
};

Recorder::Recorder(std::string directory, RecorderOptions options)
    : impl_(std::make_unique<Impl>()), directory_(std::move(directory)) {
  if (directory_.empty()) throw InvalidArgument("Recorder: the session directory is empty");
  if (options.audio_format != "wav" && options.audio_format != "flac")
    throw InvalidArgument("Recorder: audio_format must be 'wav' or 'flac', got '" + options.audio_format + "'");
  if (!(options.flush_seconds > 0.0) || options.flush_seconds > 60.0)
    throw InvalidArgument("Recorder: flush_seconds must be in (0, 60], got " + std::to_string(options.flush_seconds));
  if (!(options.poll_seconds > 0.0) || options.poll_seconds > options.flush_seconds)
    throw InvalidArgument("Recorder: poll_seconds must be in (0, flush_seconds], got " +
                          std::to_string(options.poll_seconds));
  impl_->dir = directory_;
  impl_->options = options;
}

Recorder::~Recorder() {
  try {
    stop();
  } catch (...) {  // destructor: stop() errors are reported when it is called explicitly
  }
}

void Recorder::add(const std::string& name, std::shared_ptr<Source> source) {
  if (!valid_name(name))
    throw InvalidArgument("Recorder: stream name '" + name +
                          "' must be 1-64 letters, digits, '_' or '-' (it names files), and not 'session'");
  if (!source) throw InvalidArgument("Recorder: source '" + name + "' is null");
  std::lock_guard lock(impl_->mutex);
  if (impl_->running || impl_->finished) throw InvalidArgument("Recorder: add() after start()");
  for (const auto& s : impl_->streams)
    if (s.name == name) throw InvalidArgument("Recorder: two streams are named '" + name + "'");
  Impl::Stream s;
  s.name = name;
  s.source = std::move(source);
  impl_->streams.push_back(std::move(s));
}

void Recorder::add(const Combined& combined) {
  for (const auto& n : combined.names()) add(n, combined.get(n));
}

void Recorder::start() {
  Impl& m = *impl_;
  {
    std::lock_guard lock(m.mutex);
    if (m.running) return;
    if (m.finished) throw InvalidArgument("Recorder: a recorder records one session; create another");
    if (m.streams.empty()) throw InvalidArgument("Recorder: no source to record");
  }
  std::error_code ec;
  if (fs::exists(m.dir, ec) && !(fs::is_directory(m.dir, ec) && fs::is_empty(m.dir, ec)))
    throw FileError("Recorder: '" + m.dir.string() + "' exists and is not an empty directory");
  fs::create_directories(m.dir, ec);
  if (ec) throw FileError("Recorder: cannot create '" + m.dir.string() + "': " + ec.message());

  auto stop_started = [&] {
    for (auto& s : m.streams)
      if (s.started_here) s.source->stop();
  };
  try {
    for (auto& s : m.streams) {
      const SourceState st = s.source->state();
      if (st != SourceState::Running) {
        // A source the recorder starts is recorded from its first item: take the cursor before starting,
        // or items produced before the loop below reaches it would be skipped.
        s.cursor = s.source->stats().items;
        s.source->start();
        s.started_here = true;
      }
    }
    m.started_ns = Clock::now_ns();
    m.started_unix = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    for (auto& s : m.streams) {
      s.format = s.source->format();
      if (!s.started_here) s.cursor = s.source->stats().items;  // already running: record from now on
      const std::string base = (m.dir / s.name).string();
      if (s.format.kind == "video") {
        s.file = s.name + ".mp4";
        s.index_file = s.name + ".index.csv";
        s.writer = detail::make_video_writer(base + ".mp4", base + ".index.csv", s.format, m.options.video_quality,
                                             m.options.flush_seconds);
      } else if (s.format.continuous) {
        s.file = s.name + "." + m.options.audio_format;
        s.index_file = s.name + ".index.csv";
        s.writer = detail::make_audio_writer(base + "." + m.options.audio_format, base + ".index.csv", s.format,
                                             m.options.audio_format);
      } else {
        s.file = s.name + ".csv";
        s.writer = detail::make_csv_writer(base + ".csv", s.format);
      }
      s.writer->flush();
    }
    write_text_atomically(m.dir / "session.json", json::dump(m.manifest(false, 0)) + "\n");
  } catch (...) {
    stop_started();
    for (auto& s : m.streams) s.writer.reset();
    throw;
  }
  std::lock_guard lock(m.mutex);
  m.stop_requested = false;
  m.running = true;
  m.thread = std::thread([&m] { m.run(); });
}

void Recorder::stop() {
  Impl& m = *impl_;
  {
    std::lock_guard lock(m.mutex);
    if (!m.running) return;
  }
  {
    std::lock_guard lock(m.wake_mutex);
    m.stop_requested = true;
  }
  m.wake.notify_all();
  if (m.thread.joinable()) m.thread.join();
  std::string first_error;
  {
    std::lock_guard lock(m.mutex);
    first_error = m.error;
  }
  for (auto& s : m.streams)
    if (s.started_here) s.source->stop();
  const std::int64_t stopped_ns = Clock::now_ns();
  for (auto& s : m.streams) {
    try {
      if (first_error.empty()) m.drain(s);
      s.writer->close();
    } catch (const std::exception& e) {
      if (first_error.empty()) first_error = e.what();
    }
  }
  {
    std::lock_guard lock(m.mutex);
    m.running = false;
    m.finished = true;
  }
  write_text_atomically(m.dir / "session.json", json::dump(m.manifest(true, stopped_ns)) + "\n");
  if (!first_error.empty()) throw FileError("Recorder: recording to '" + m.dir.string() + "' failed: " + first_error);
}

bool Recorder::running() const noexcept {
  std::lock_guard lock(impl_->mutex);
  return impl_->running;
}

std::vector<RecorderStreamStats> Recorder::stats() const {
  std::lock_guard lock(impl_->mutex);
  std::vector<RecorderStreamStats> out;
  for (const auto& s : impl_->streams) out.push_back({s.name, s.format.kind, s.file, s.items, s.lost});
  return out;
}

std::string Recorder::error() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->error;
}

// ---------------------------------------------------------------------------------------------------
// Reader

namespace {

struct IndexRow {
  std::int64_t pos, stream_index, t_ns;
};

std::vector<IndexRow> read_index(const fs::path& path) {
  const auto lines = detail::read_lines(path.string());
  if (lines.empty() || lines[0] != "file_position,stream_index,t_ns")
    throw FormatError("'" + path.string() + "' is not a percept index file");
  std::vector<IndexRow> rows;
  rows.reserve(lines.size() - 1);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    IndexRow r{};
    if (std::sscanf(lines[i].c_str(), "%ld,%ld,%ld", &r.pos, &r.stream_index, &r.t_ns) != 3)
      throw FormatError("'" + path.string() + "' line " + std::to_string(i + 1) + " is malformed");
    if (!rows.empty() && r.pos <= rows.back().pos)
      throw FormatError("'" + path.string() + "' line " + std::to_string(i + 1) + ": positions must increase");
    rows.push_back(r);
  }
  return rows;
}

// Capture time of every position [0, n) from the index rows (linear within a row's run).
std::vector<std::int64_t> expand_times(const std::vector<IndexRow>& rows, std::int64_t n, double rate,
                                       const std::string& where) {
  if (n > 0 && (rows.empty() || rows[0].pos != 0)) throw FormatError("'" + where + "': the index does not start at 0");
  std::vector<std::int64_t> t(static_cast<std::size_t>(n));
  const double period = 1e9 / rate;
  std::size_t r = 0;
  for (std::int64_t k = 0; k < n; ++k) {
    while (r + 1 < rows.size() && rows[r + 1].pos <= k) ++r;
    t[static_cast<std::size_t>(k)] =
        rows[r].t_ns + static_cast<std::int64_t>(std::llround(static_cast<double>(k - rows[r].pos) * period));
  }
  return t;
}

std::int64_t index_lost(const std::vector<IndexRow>& rows) {
  std::int64_t lost = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const std::int64_t gap = (rows[i].stream_index - rows[i - 1].stream_index) - (rows[i].pos - rows[i - 1].pos);
    if (gap > 0) lost += gap;
  }
  return lost;
}

struct CsvData {
  std::vector<std::int64_t> t, index;
  std::vector<double> values;
};

CsvData read_csv(const fs::path& path, std::size_t width) {
  const auto lines = detail::read_lines(path.string());
  if (lines.empty() || lines[0].rfind("t_ns,index", 0) != 0)
    throw FormatError("'" + path.string() + "' is not a percept readings file");
  CsvData d;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const char* p = lines[i].c_str();
    char* end = nullptr;
    const long long t = std::strtoll(p, &end, 10);
    if (end == p || *end != ',')
      throw FormatError("'" + path.string() + "' line " + std::to_string(i + 1) + " is malformed");
    p = end + 1;
    const long long idx = std::strtoll(p, &end, 10);
    if (end == p) throw FormatError("'" + path.string() + "' line " + std::to_string(i + 1) + " is malformed");
    p = end;
    for (std::size_t j = 0; j < width; ++j) {
      if (*p != ',')
        throw FormatError("'" + path.string() + "' line " + std::to_string(i + 1) + " has too few columns");
      ++p;
      const double v = std::strtod(p, &end);
      if (end == p) throw FormatError("'" + path.string() + "' line " + std::to_string(i + 1) + " has a bad number");
      d.values.push_back(v);
      p = end;
    }
    d.t.push_back(t);
    d.index.push_back(idx);
  }
  return d;
}

ElementType parse_dtype(const std::string& s, const std::string& where) {
  if (s == "float32") return ElementType::Float32;
  if (s == "float64") return ElementType::Float64;
  if (s == "uint8") return ElementType::UInt8;
  throw FormatError(where + ": unknown dtype '" + s + "'");
}

SessionInfo parse_manifest(const fs::path& dir) {
  const fs::path mpath = dir / "session.json";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw FileError("'" + dir.string() + "' is not a directory");
  if (!fs::exists(mpath, ec)) throw FileError("'" + dir.string() + "' is not a percept session (no session.json)");
  const std::string where = mpath.string();
  const json::Value m = json::parse(read_text(mpath), where);
  if (m.type != json::Value::Type::Object) throw FormatError(where + ": not a JSON object");
  if (m.int64("percept_session", where) != kSessionVersion)
    throw FormatError(where + ": unsupported session version " + std::to_string(m.int64("percept_session", where)));
  SessionInfo info;
  info.directory = dir.string();
  info.started_ns = m.int64("started_ns", where);
  info.started_unix = m.num("started_unix", where);
  const json::Value& complete = m.at("complete", where);
  info.complete = complete.type == json::Value::Type::Bool && complete.boolean;
  if (info.complete) info.stopped_ns = m.int64("stopped_ns", where);
  const json::Value& list = m.at("streams", where);
  if (list.type != json::Value::Type::Array) throw FormatError(where + ": \"streams\" is not a list");
  for (const auto& v : list.array) {
    SessionStreamInfo s;
    s.name = v.str("name", where);
    s.kind = v.str("kind", where);
    s.file = v.str("file", where);
    const json::Value& idx = v.at("index", where);
    if (idx.type == json::Value::Type::String) s.index_file = idx.string;
    s.dtype = v.str("dtype", where);
    (void)parse_dtype(s.dtype, where);
    for (const auto& d : v.at("item_shape", where).array)
      s.item_shape.push_back(static_cast<std::size_t>(d.is_integer ? d.integer : 0));
    s.nominal_rate = v.num("nominal_rate", where);
    const json::Value& cont = v.at("continuous", where);
    s.continuous = cont.type == json::Value::Type::Bool && cont.boolean;
    for (const auto& f : v.at("fields", where).array) s.fields.push_back(f.string);
    if (const json::Value* lost = v.find("lost")) s.lost = lost->is_integer ? lost->integer : 0;
    if (const json::Value* err = v.find("error"); err && err->type == json::Value::Type::String) s.error = err->string;
    if (s.file.find('/') != std::string::npos || s.file.find("..") != std::string::npos)
      throw FormatError(where + ": stream file '" + s.file + "' is outside the session");
    info.streams.push_back(std::move(s));
  }
  return info;
}

SessionStream load_stream(const fs::path& dir, const SessionStreamInfo& si, bool with_data) {
  SessionStream out;
  out.info = si;
  StreamFormat& f = out.format;
  f.kind = si.kind;
  f.type = parse_dtype(si.dtype, si.name);
  f.item_shape = si.item_shape;
  f.nominal_rate = si.nominal_rate;
  f.fields = si.fields;
  f.continuous = si.continuous;
  const fs::path file = dir / si.file;
  Chunk& c = out.chunk;
  if (si.kind == "video") {
    const auto rows = read_index(dir / si.index_file);
    std::size_t frames = 0;
    int w = 0, h = 0;
    std::vector<std::uint8_t> pixels;
    if (with_data)
      pixels = detail::decode_video_bgr(file.string(), frames, w, h);
    else
      frames = detail::count_video_frames(file.string(), w, h);
    const std::size_t n = std::min(frames, rows.size());
    f.item_shape = {static_cast<std::size_t>(h), static_cast<std::size_t>(w), 3};
    c.t_ns.resize(n);
    for (std::size_t i = 0; i < n; ++i) c.t_ns[i] = rows[i].t_ns;
    if (with_data) {
      pixels.resize(n * static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3);
      c.data.resize(pixels.size());
      std::memcpy(c.data.data(), pixels.data(), pixels.size());
    }
    out.info.lost = std::max(si.lost, index_lost(rows));
  } else if (si.continuous) {
    const auto rows = read_index(dir / si.index_file);
    // libsndfile reads WAV (its header is rewritten at every flush) and finished FLAC files; a FLAC
    // file cut by a crash has no length in its header, and is decoded with FFmpeg instead.
    std::vector<float> interleaved;
    std::int64_t n = 0;
    bool have_samples = false;
    try {
      n = io::audio_file_info(file.string()).frames;
    } catch (const FormatError&) {
      int ch = 0, sr = 0;
      interleaved = detail::decode_audio_float(file.string(), ch, sr);
      if (ch != static_cast<int>(f.item_elements()))
        throw FormatError("'" + file.string() + "' has " + std::to_string(ch) + " channels, the manifest says " +
                          std::to_string(f.item_elements()));
      n = static_cast<std::int64_t>(interleaved.size()) / ch;
      have_samples = true;
    }
    if (with_data && n > 0 && !have_samples) {
      int sr = 0;
      io::ReadOptions ro;
      ro.reader.allow_truncated = true;
      AudioBuffer<float> a = io::read_audio<float>(file.string(), sr, ro);
      const std::size_t ch = a.num_channels(), frames = a.num_frames();
      interleaved.resize(frames * ch);
      for (std::size_t i = 0; i < frames; ++i)
        for (std::size_t k = 0; k < ch; ++k) interleaved[i * ch + k] = a.channel(k)[i];
      n = static_cast<std::int64_t>(frames);
    }
    c.t_ns = expand_times(rows, n, si.nominal_rate, file.string());
    if (with_data) {
      c.data.resize(interleaved.size() * sizeof(float));
      std::memcpy(c.data.data(), interleaved.data(), c.data.size());
    }
    out.info.lost = std::max(si.lost, index_lost(rows));
  } else {
    const std::size_t width = f.item_elements();
    CsvData d = read_csv(file, width);
    c.t_ns = std::move(d.t);
    if (!d.index.empty()) {
      c.first_index = 0;
      std::int64_t lost = 0;
      for (std::size_t i = 1; i < d.index.size(); ++i)
        lost += std::max<std::int64_t>(0, d.index[i] - d.index[i - 1] - 1);
      out.info.lost = std::max(si.lost, lost);
    }
    if (with_data) {
      if (f.type != ElementType::Float64) throw FormatError("'" + file.string() + "': readings must be float64");
      c.data.resize(d.values.size() * sizeof(double));
      std::memcpy(c.data.data(), d.values.data(), c.data.size());
    }
  }
  out.info.items = static_cast<std::int64_t>(c.t_ns.size());
  if (!c.t_ns.empty()) {
    out.info.first_t_ns = c.t_ns.front();
    out.info.last_t_ns = c.t_ns.back();
  }
  return out;
}

}  // namespace

SessionInfo session_info(const std::string& directory) {
  const fs::path dir(directory);
  SessionInfo info = parse_manifest(dir);
  for (auto& s : info.streams) s = load_stream(dir, s, false).info;
  return info;
}

SessionStream load_session_stream(const std::string& directory, const std::string& name) {
  const fs::path dir(directory);
  const SessionInfo info = parse_manifest(dir);
  for (const auto& s : info.streams)
    if (s.name == name) return load_stream(dir, s, true);
  std::string names;
  for (const auto& s : info.streams) names += (names.empty() ? "" : ", ") + s.name;
  throw InvalidArgument("session '" + directory + "' has no stream '" + name + "' (it has: " + names + ")");
}

}  // namespace percept::sensors
