// Audio file bindings: percept.load / write / info / get_duration and the AudioFile classes.
// Every call that touches the disk or converts samples releases the GIL; arrays are allocated (or
// handed over without a copy) while holding it.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <mutex>
#include <optional>
#include <string>

#include "common.hpp"
#include "percept/core/error.hpp"
#include "percept/dsp/resample.hpp"
#include "percept/io/audio_file.hpp"

namespace py = pybind11;
using namespace percept;
using percept::python::buffer_to_numpy;
using percept::python::planar_rows;

namespace {

enum class FloatType { F32, F64 };

FloatType parse_dtype(const py::object& dtype, const char* where) {
  const py::dtype dt = py::dtype::from_args(dtype);
  if (dt.is(py::dtype::of<float>())) return FloatType::F32;
  if (dt.is(py::dtype::of<double>())) return FloatType::F64;
  throw InvalidArgument(std::string(where) + ": dtype must be float32 or float64, got " +
                        percept::python::dtype_name(dt));
}

// Seconds -> frames: floor, with a nano-frame tolerance so that 0.1 s at 44.1 kHz is 4410 frames
// even when 0.1 * 44100 comes out as 4409.9999999 in binary floating point.
std::int64_t seconds_to_frames(double seconds, double rate) {
  return static_cast<std::int64_t>(std::floor(seconds * rate + 1e-7));
}

template <class T>
AudioBuffer<T> downmix(AudioBuffer<T>&& in) {
  if (in.num_channels() <= 1) return std::move(in);
  AudioBuffer<T> out(1, in.num_frames());
  const double scale = 1.0 / static_cast<double>(in.num_channels());
  T* dst = out.channel(0);
  for (std::size_t i = 0; i < in.num_frames(); ++i) {
    double acc = 0.0;
    for (std::size_t c = 0; c < in.num_channels(); ++c) acc += in.channel(c)[i];
    dst[i] = static_cast<T>(acc * scale);
  }
  return out;
}

template <class T>
AudioBuffer<T> load_impl(const std::string& path, std::optional<double> sr, bool mono, double offset,
                         std::optional<double> duration, dsp::ResampleQuality quality, int& sr_native) {
  const io::AudioFileInfo info = io::audio_file_info(path);
  io::ReadOptions options;
  options.offset_frames = seconds_to_frames(offset, info.sample_rate);
  if (duration) options.num_frames = seconds_to_frames(*duration, info.sample_rate);
  AudioBuffer<T> y = io::read_audio<T>(path, sr_native, options);
  if (mono) y = downmix(std::move(y));
  if (sr && *sr != static_cast<double>(sr_native))
    y = dsp::resample<T>(y.view(), static_cast<double>(sr_native), *sr, quality);
  return y;
}

py::object rate_object(double sr) {
  if (std::floor(sr) == sr && std::fabs(sr) < 1e15) return py::int_(static_cast<long long>(sr));
  return py::float_(sr);
}

py::tuple load(const std::string& path, std::optional<double> sr, bool mono, double offset,
               std::optional<double> duration, const py::object& dtype, const std::string& res_type) {
  if (!std::isfinite(offset) || offset < 0)
    throw InvalidArgument("'" + path + "': offset must be a finite number of seconds >= 0, got " +
                          std::to_string(offset));
  if (duration && (!std::isfinite(*duration) || *duration < 0))
    throw InvalidArgument("'" + path + "': duration must be a finite number of seconds >= 0, got " +
                          std::to_string(*duration));
  if (sr && (!std::isfinite(*sr) || *sr <= 0))
    throw InvalidArgument("'" + path + "': target sample rate must be positive, got " + std::to_string(*sr));
  const FloatType ft = parse_dtype(dtype, "load");
  const auto quality = dsp::parse_resample_quality(res_type.c_str());
  int sr_native = 0;
  if (ft == FloatType::F32) {
    AudioBuffer<float> y;
    {
      py::gil_scoped_release release;
      y = load_impl<float>(path, sr, mono, offset, duration, quality, sr_native);
    }
    return py::make_tuple(buffer_to_numpy(std::move(y), true), rate_object(sr ? *sr : sr_native));
  }
  AudioBuffer<double> y;
  {
    py::gil_scoped_release release;
    y = load_impl<double>(path, sr, mono, offset, duration, quality, sr_native);
  }
  return py::make_tuple(buffer_to_numpy(std::move(y), true), rate_object(sr ? *sr : sr_native));
}

// Accepts float32/float64 arrays as they are and int16/int32 arrays converted exactly (v / 2^(N-1)).
// Shape (frames,) or (channels, frames), librosa's layout.
template <class F>
void write_array(io::AudioFileWriter& writer, py::array arr, const std::string& path) {
  auto rows = planar_rows<const F>(arr, ("'" + path + "'").c_str());
  py::gil_scoped_release release;
  writer.write(rows.view());
}

void check_layout(const py::array& y, const std::string& path, std::optional<int> expected_channels) {
  if (y.ndim() != 1 && y.ndim() != 2)
    throw InvalidArgument("'" + path + "': audio must be 1-D (frames,) or 2-D (channels, frames), got shape with " +
                          std::to_string(y.ndim()) + " dimensions");
  const auto channels = y.ndim() == 1 ? 1 : y.shape(0);
  if (y.ndim() == 2 && channels > 64 && y.shape(1) <= 64)
    throw InvalidArgument("'" + path + "': shape (" + std::to_string(y.shape(0)) + ", " + std::to_string(y.shape(1)) +
                          ") looks like (frames, channels); percept, like librosa, uses (channels, frames): pass y.T");
  if (y.ndim() == 2 && channels == 0) throw InvalidArgument("'" + path + "': audio has no channels");
  if (expected_channels && channels != *expected_channels)
    throw InvalidArgument("'" + path + "': the file has " + std::to_string(*expected_channels) +
                          " channel(s), the array " + std::to_string(channels));
}

py::array as_float_array(const py::array& y, const std::string& path) {
  const py::dtype dt = y.dtype();
  auto np = py::module_::import("numpy");
  if (dt.is(py::dtype::of<float>()) || dt.is(py::dtype::of<double>())) return np.attr("ascontiguousarray")(y);
  if (dt.is(py::dtype::of<std::int16_t>()))
    return np.attr("ascontiguousarray")(y.attr("astype")(np.attr("float64"))) / py::float_(32768.0);
  if (dt.is(py::dtype::of<std::int32_t>()))
    return np.attr("ascontiguousarray")(y.attr("astype")(np.attr("float64"))) / py::float_(2147483648.0);
  throw InvalidArgument("'" + path + "': cannot write audio of dtype " + percept::python::dtype_name(dt) +
                        " (use float32, float64, int16 or int32)");
}

void write_into(io::AudioFileWriter& writer, const py::array& y_in, const std::string& path) {
  py::array y = as_float_array(y_in, path);
  if (y.dtype().is(py::dtype::of<float>()))
    write_array<float>(writer, y, path);
  else
    write_array<double>(writer, y, path);
}

void write_file(const std::string& path, const py::array& y, double sr, std::optional<std::string> subtype,
                std::optional<std::string> format) {
  check_layout(y, path, std::nullopt);
  if (!std::isfinite(sr) || sr <= 0 || std::floor(sr) != sr)
    throw InvalidArgument("'" + path + "': sample rate must be a positive integer, got " + std::to_string(sr));
  const int channels = y.ndim() == 1 ? 1 : static_cast<int>(y.shape(0));
  io::WriterOptions options;
  options.subtype = subtype.value_or("");
  options.format = format.value_or("");
  io::AudioFileWriter writer(path, static_cast<int>(sr), channels, options);
  write_into(writer, y, path);
  py::gil_scoped_release release;
  writer.close();
}

// pedalboard-style file objects. A mutex serialises calls from several Python threads, since the GIL
// is released while reading.
class ReadableAudioFile {
 public:
  ReadableAudioFile(const std::string& path, bool allow_truncated)
      : reader_(path, io::ReaderOptions{.allow_truncated = allow_truncated}) {}

  py::array_t<float> read(std::optional<std::int64_t> num_frames) {
    std::lock_guard lock(mutex_);
    check_open();
    const std::int64_t remaining = reader_.frames() - reader_.tell();
    std::int64_t n = num_frames.value_or(remaining);
    if (n < 0)
      throw InvalidArgument("'" + path() + "': read() needs a number of frames >= 0, got " + std::to_string(n));
    n = std::min(n, remaining);
    AudioBuffer<float> buffer(static_cast<std::size_t>(reader_.channels()), static_cast<std::size_t>(n));
    {
      py::gil_scoped_release release;
      const std::size_t got = reader_.read(buffer.view());
      buffer.truncate(got);
    }
    return buffer_to_numpy(std::move(buffer), false);
  }
  void seek(std::int64_t frame) {
    std::lock_guard lock(mutex_);
    check_open();
    reader_.seek(frame);
  }
  std::int64_t tell() {
    std::lock_guard lock(mutex_);
    return reader_.tell();
  }
  void close() {
    std::lock_guard lock(mutex_);
    reader_.close();
  }
  bool closed() const { return !reader_.is_open(); }
  const io::AudioFileInfo& info() const { return reader_.info(); }
  const std::string& path() const { return reader_.info().path; }

 private:
  void check_open() const {
    if (!reader_.is_open()) throw InvalidArgument("'" + path() + "': I/O operation on a closed AudioFile");
  }
  io::AudioFileReader reader_;
  std::mutex mutex_;
};

class WritableAudioFile {
 public:
  WritableAudioFile(const std::string& path, double samplerate, int num_channels, std::optional<std::string> subtype,
                    std::optional<std::string> format)
      : writer_(path, checked_rate(path, samplerate), num_channels,
                io::WriterOptions{format.value_or(""), subtype.value_or("")}) {}

  void write(const py::array& y) {
    std::lock_guard lock(mutex_);
    if (closed_) throw InvalidArgument("'" + writer_.info().path + "': I/O operation on a closed AudioFile");
    check_layout(y, writer_.info().path, writer_.info().channels);
    write_into(writer_, y, writer_.info().path);
  }
  void flush() {
    std::lock_guard lock(mutex_);
    py::gil_scoped_release release;
    if (!closed_) writer_.flush();
  }
  void close() {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    py::gil_scoped_release release;
    writer_.close();
  }
  bool closed() const { return closed_; }
  std::int64_t frames() const { return writer_.frames_written(); }
  const io::AudioFileInfo& info() const { return writer_.info(); }

 private:
  static int checked_rate(const std::string& path, double sr) {
    if (!std::isfinite(sr) || sr <= 0 || std::floor(sr) != sr)
      throw InvalidArgument("'" + path + "': samplerate must be a positive integer, got " + std::to_string(sr));
    return static_cast<int>(sr);
  }
  io::AudioFileWriter writer_;
  std::mutex mutex_;
  bool closed_ = false;
};

std::string info_repr(const io::AudioFileInfo& i) {
  return "<AudioInfo '" + i.path + "': " + std::to_string(i.sample_rate) + " Hz, " + std::to_string(i.channels) +
         " ch, " + std::to_string(i.frames) + " frames (" + std::to_string(i.duration) + " s), " + i.format + "/" +
         i.subtype + ">";
}

}  // namespace

void bind_io(py::module_& m) {
  py::class_<io::AudioFileInfo>(m, "AudioInfo", "What a file's header says (soundfile.info's fields).")
      .def_readonly("path", &io::AudioFileInfo::path)
      .def_readonly("name", &io::AudioFileInfo::path)
      .def_readonly("samplerate", &io::AudioFileInfo::sample_rate)
      .def_readonly("channels", &io::AudioFileInfo::channels)
      .def_readonly("frames", &io::AudioFileInfo::frames)
      .def_readonly("duration", &io::AudioFileInfo::duration)
      .def_readonly("format", &io::AudioFileInfo::format)
      .def_readonly("subtype", &io::AudioFileInfo::subtype)
      .def_readonly("format_info", &io::AudioFileInfo::format_description)
      .def_readonly("subtype_info", &io::AudioFileInfo::subtype_description)
      .def_readonly("seekable", &io::AudioFileInfo::seekable)
      .def("__repr__", &info_repr);

  m.def(
      "_info",
      [](const std::string& path) {
        py::gil_scoped_release release;
        return io::audio_file_info(path);
      },
      py::arg("path"), "Reads a file's header: sample rate, channels, frames, duration, format, subtype.");

  m.def("_load", &load, py::arg("path"), py::arg("sr"), py::arg("mono"), py::arg("offset"), py::arg("duration"),
        py::arg("dtype"), py::arg("res_type"));
  m.def("_write", &write_file, py::arg("path"), py::arg("y"), py::arg("sr"), py::arg("subtype") = py::none(),
        py::arg("format") = py::none());
  m.def("_available_formats", &io::available_formats_text);

  py::class_<ReadableAudioFile>(m, "ReadableAudioFile", "An audio file open for reading, block by block.")
      .def(py::init<const std::string&, bool>(), py::arg("path"), py::arg("allow_truncated") = false)
      .def("read", &ReadableAudioFile::read, py::arg("num_frames") = py::none(),
           "Reads up to num_frames frames (default: the rest) as float32 (channels, frames).")
      .def("seek", &ReadableAudioFile::seek, py::arg("frame"))
      .def("tell", &ReadableAudioFile::tell)
      .def("close", &ReadableAudioFile::close)
      .def_property_readonly("closed", &ReadableAudioFile::closed)
      .def_property_readonly("path", [](const ReadableAudioFile& f) { return f.info().path; })
      .def_property_readonly("samplerate", [](const ReadableAudioFile& f) { return f.info().sample_rate; })
      .def_property_readonly("num_channels", [](const ReadableAudioFile& f) { return f.info().channels; })
      .def_property_readonly("channels", [](const ReadableAudioFile& f) { return f.info().channels; })
      .def_property_readonly("frames", [](const ReadableAudioFile& f) { return f.info().frames; })
      .def_property_readonly("duration", [](const ReadableAudioFile& f) { return f.info().duration; })
      .def_property_readonly("format", [](const ReadableAudioFile& f) { return f.info().format; })
      .def_property_readonly("subtype", [](const ReadableAudioFile& f) { return f.info().subtype; })
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](ReadableAudioFile& f, py::args) { f.close(); })
      .def("__repr__", [](const ReadableAudioFile& f) {
        return "<ReadableAudioFile '" + f.info().path + "' " + std::to_string(f.info().sample_rate) + " Hz " +
               std::to_string(f.info().channels) + " ch " + std::to_string(f.info().frames) + " frames" +
               (f.closed() ? " closed>" : ">");
      });

  py::class_<WritableAudioFile>(m, "WritableAudioFile", "An audio file open for writing, block by block.")
      .def(py::init<const std::string&, double, int, std::optional<std::string>, std::optional<std::string>>(),
           py::arg("path"), py::arg("samplerate"), py::arg("num_channels") = 1, py::arg("subtype") = py::none(),
           py::arg("format") = py::none())
      .def("write", &WritableAudioFile::write, py::arg("samples"),
           "Appends (channels, frames) or (frames,) samples: float32/float64, or int16/int32 converted exactly.")
      .def("flush", &WritableAudioFile::flush, "Updates the header: the file is valid up to here even after a crash.")
      .def("close", &WritableAudioFile::close)
      .def("tell", &WritableAudioFile::frames)
      .def_property_readonly("closed", &WritableAudioFile::closed)
      .def_property_readonly("frames", &WritableAudioFile::frames)
      .def_property_readonly("path", [](const WritableAudioFile& f) { return f.info().path; })
      .def_property_readonly("samplerate", [](const WritableAudioFile& f) { return f.info().sample_rate; })
      .def_property_readonly("num_channels", [](const WritableAudioFile& f) { return f.info().channels; })
      .def_property_readonly("channels", [](const WritableAudioFile& f) { return f.info().channels; })
      .def_property_readonly("format", [](const WritableAudioFile& f) { return f.info().format; })
      .def_property_readonly("subtype", [](const WritableAudioFile& f) { return f.info().subtype; })
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](WritableAudioFile& f, py::args) { f.close(); });
}
