// Sensor bindings: percept._percept.sensors — sources, Combined, Recorder and the session reader.
// Every call that waits or touches the disk releases the GIL; arrays are built with it held. Items
// come out as numpy arrays: audio (channels, n) float32, video (n, H, W, 3) uint8, readings (n, fields)
// float64, with timestamps as float64 seconds on percept.clock().
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common.hpp"
#include "percept/core/clock.hpp"
#include "percept/core/error.hpp"
#include "percept/sensors/av_sources.hpp"
#include "percept/sensors/combined.hpp"
#include "percept/sensors/media_source.hpp"
#include "percept/sensors/recorder.hpp"
#include "percept/sensors/source.hpp"
#include "percept/sensors/system_source.hpp"

namespace py = pybind11;
using namespace percept;
using namespace percept::sensors;

namespace {

py::array_t<double> times_to_numpy(const std::vector<std::int64_t>& t) {
  py::array_t<double> out(static_cast<py::ssize_t>(t.size()));
  double* p = out.mutable_data();
  for (std::size_t i = 0; i < t.size(); ++i) p[i] = static_cast<double>(t[i]) * 1e-9;
  return out;
}

// The items of a chunk as the array Python expects for this format.
py::array chunk_array(Chunk&& c, const StreamFormat& f) {
  const auto n = static_cast<py::ssize_t>(c.size());
  std::vector<py::ssize_t> shape;
  if (f.continuous) {
    // time-major (n, C) -> (C, n), librosa's layout
    const std::size_t ch = f.item_elements();
    py::array_t<float> out({static_cast<py::ssize_t>(ch), n});
    float* dst = out.mutable_data();
    const float* src = c.as<float>();
    for (std::size_t k = 0; k < ch; ++k)
      for (std::size_t i = 0; i < c.size(); ++i) dst[k * c.size() + i] = src[i * ch + k];
    return out;
  }
  shape.push_back(n);
  for (auto d : f.item_shape) shape.push_back(static_cast<py::ssize_t>(d));
  auto* heap = new std::vector<std::byte>(std::move(c.data));
  py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<std::byte>*>(p); });
  switch (f.type) {
    case ElementType::Float64:
      return py::array_t<double>(shape, reinterpret_cast<double*>(heap->data()), owner);
    case ElementType::Float32:
      return py::array_t<float>(shape, reinterpret_cast<float*>(heap->data()), owner);
    case ElementType::UInt8:
      return py::array_t<std::uint8_t>(shape, reinterpret_cast<std::uint8_t*>(heap->data()), owner);
  }
  return py::none();
}

py::tuple chunk_tuple(Chunk&& c, const StreamFormat& f) {
  py::array t = times_to_numpy(c.t_ns);
  py::array a = chunk_array(std::move(c), f);
  return py::make_tuple(a, t);
}

py::dict format_dict(const StreamFormat& f) {
  py::dict d;
  d["kind"] = f.kind;
  d["dtype"] = element_type_name(f.type);
  d["item_shape"] = py::tuple(py::cast(f.item_shape));
  d["rate"] = f.nominal_rate;
  d["fields"] = f.fields;
  d["continuous"] = f.continuous;
  return d;
}

py::dict stats_dict(const SourceStats& s) {
  py::dict d;
  d["state"] = state_name(s.state);
  d["items"] = s.items;
  d["items_read"] = s.items_read;
  d["dropped"] = s.dropped;
  d["source_dropped"] = s.source_dropped;
  d["rate"] = s.rate;
  d["started"] = s.started_ns ? py::object(py::float_(Clock::to_seconds(s.started_ns))) : py::object(py::none());
  d["last_time"] = s.last_t_ns ? py::object(py::float_(Clock::to_seconds(s.last_t_ns))) : py::object(py::none());
  d["error"] = s.error.empty() ? py::object(py::none()) : py::object(py::str(s.error));
  d["failed_at"] = s.failed_ns ? py::object(py::float_(Clock::to_seconds(s.failed_ns))) : py::object(py::none());
  return d;
}

py::dict reading_dict(CombinedReading&& r, const Combined& c) {
  py::dict out;
  for (auto& [name, chunk] : r.chunks) out[py::str(name)] = chunk_tuple(std::move(chunk), c.get(name)->format());
  return out;
}

double finite_seconds(double s, const char* what) {
  if (!std::isfinite(s) || s < 0) throw InvalidArgument(std::string(what) + " must be a finite number of seconds >= 0");
  return s;
}

// A Python callable as PollingSource's function: called on the source's thread with the GIL taken.
PollingSource::Function python_function(py::function fn, std::size_t width) {
  auto holder = std::shared_ptr<py::function>(new py::function(std::move(fn)), [](py::function* p) {
    py::gil_scoped_acquire gil;
    delete p;
  });
  return [holder, width]() -> std::vector<double> {
    py::gil_scoped_acquire gil;
    try {
      py::object r = (*holder)();
      std::vector<double> v;
      if (py::isinstance<py::float_>(r) || py::isinstance<py::int_>(r)) {
        v.push_back(r.cast<double>());
      } else {
        for (auto item : py::iter(r)) v.push_back(item.cast<double>());
      }
      if (v.size() != width)
        throw StreamError("PollingSource: the function returned " + std::to_string(v.size()) + " values, expected " +
                          std::to_string(width));
      return v;
    } catch (py::error_already_set& e) {
      throw StreamError("PollingSource: the function raised " + std::string(e.what()));
    } catch (const py::cast_error& e) {
      throw StreamError(std::string("PollingSource: the function returned something that is not numbers: ") + e.what());
    }
  };
}

// Objects owning capture threads are deleted with the GIL released: their destructor joins threads,
// and a PollingSource's thread may be waiting for the GIL to call its Python function.
template <class T>
std::shared_ptr<T> gil_free(T* p) {
  return std::shared_ptr<T>(p, [](T* q) {
    if (PyGILState_Check()) {
      py::gil_scoped_release release;
      delete q;
    } else {
      delete q;
    }
  });
}

py::dict session_stream_dict(const SessionStreamInfo& s) {
  py::dict d;
  d["name"] = s.name;
  d["kind"] = s.kind;
  d["file"] = s.file;
  d["index"] = s.index_file.empty() ? py::object(py::none()) : py::object(py::str(s.index_file));
  d["dtype"] = s.dtype;
  d["item_shape"] = py::tuple(py::cast(s.item_shape));
  d["rate"] = s.nominal_rate;
  d["fields"] = s.fields;
  d["continuous"] = s.continuous;
  d["items"] = s.items;
  d["first_time"] = s.items ? py::object(py::float_(Clock::to_seconds(s.first_t_ns))) : py::object(py::none());
  d["last_time"] = s.items ? py::object(py::float_(Clock::to_seconds(s.last_t_ns))) : py::object(py::none());
  d["lost"] = s.lost;
  d["error"] = s.error.empty() ? py::object(py::none()) : py::object(py::str(s.error));
  return d;
}

}  // namespace

void bind_sensors(py::module_& parent) {
  py::module_ m = parent.def_submodule("sensors", "Sources on one clock, Combined, Recorder and sessions");

  py::class_<Source, std::shared_ptr<Source>>(m, "Source", "A sensor source: start/stop, read, latest, window, stats.")
      .def(
          "start",
          [](Source& s) {
            py::gil_scoped_release release;
            s.start();
          },
          "Opens the device and starts capturing on a background thread.")
      .def(
          "stop",
          [](Source& s) {
            py::gil_scoped_release release;
            s.stop();
          },
          "Stops capturing (idempotent); what was captured stays readable.")
      .def(
          "read",
          [](Source& s) {
            Chunk c;
            StreamFormat f;
            {
              py::gil_scoped_release release;
              c = s.read();
              f = s.format();
            }
            return chunk_tuple(std::move(c), f);
          },
          "Everything captured since the previous read(): (array, timestamps in seconds).")
      .def(
          "latest",
          [](Source& s, std::size_t n) {
            Chunk c;
            StreamFormat f;
            {
              py::gil_scoped_release release;
              c = s.latest(n);
              f = s.format();
            }
            return chunk_tuple(std::move(c), f);
          },
          py::arg("n") = 1, "The newest n items, without consuming.")
      .def(
          "window",
          [](Source& s, double start, double end) {
            Chunk c;
            StreamFormat f;
            {
              py::gil_scoped_release release;
              c = s.window(Clock::from_seconds(start), Clock::from_seconds(end));
              f = s.format();
            }
            return chunk_tuple(std::move(c), f);
          },
          py::arg("start"), py::arg("end"), "Items captured between two percept.clock() times, without consuming.")
      .def(
          "wait",
          [](Source& s, std::int64_t items, double timeout) {
            finite_seconds(timeout, "wait: timeout");
            py::gil_scoped_release release;
            return s.wait_for(items - 1, Clock::from_seconds(timeout));
          },
          py::arg("items"), py::arg("timeout") = 10.0,
          "Waits until `items` items have been captured since start (False on timeout, stop or failure).")
      .def_property_readonly("format", [](const Source& s) { return format_dict(s.format()); })
      .def_property_readonly("stats", [](const Source& s) { return stats_dict(s.stats()); })
      .def_property_readonly("state", [](const Source& s) { return std::string(state_name(s.state())); })
      .def("__enter__",
           [](std::shared_ptr<Source> s) {
             {
               py::gil_scoped_release release;
               s->start();
             }
             return s;
           })
      .def("__exit__",
           [](Source& s, py::args) {
             py::gil_scoped_release release;
             s.stop();
             return false;
           })
      .def("__repr__", [](const Source& s) {
        const StreamFormat f = s.format();
        return "<percept.sensors." + f.kind + " source, " + state_name(s.state()) + ">";
      });

  py::class_<SystemSource, Source, std::shared_ptr<SystemSource>>(m, "SystemSource")
      .def(py::init([](double rate, double history, bool cpu, bool memory, bool temperature, bool battery,
                       const std::string& root) {
             SystemSourceOptions o;
             o.rate_hz = rate;
             o.history_seconds = history;
             o.cpu = cpu;
             o.memory = memory;
             o.temperature = temperature;
             o.battery = battery;
             o.root = root;
             return gil_free(new SystemSource(o));
           }),
           py::arg("rate") = 10.0, py::arg("history") = 600.0, py::arg("cpu") = true, py::arg("memory") = true,
           py::arg("temperature") = true, py::arg("battery") = true, py::arg("root") = "/")
      .def_property_readonly("fields", &SystemSource::discover_fields)
      .def(
          "sample",
          [](SystemSource& s) {
            py::gil_scoped_release release;
            return s.sample();
          },
          "Takes one reading now on the calling thread (CPU shares since the previous sample()).");

  py::class_<PollingSource, Source, std::shared_ptr<PollingSource>>(m, "PollingSource")
      .def(
          py::init([](py::function fn, double rate, std::vector<std::string> fields, double history) {
            const std::size_t width = fields.size();
            return gil_free(new PollingSource(python_function(std::move(fn), width), rate, std::move(fields), history));
          }),
          py::arg("function"), py::arg("rate"), py::arg("fields"), py::arg("history") = 60.0);

  py::class_<AudioSource, Source, std::shared_ptr<AudioSource>>(m, "AudioSource")
      .def(py::init([](std::optional<std::string> device, std::size_t channels, double samplerate,
                       std::size_t blocksize, std::string format, bool allow_mismatch,
                       std::optional<std::string> jack_server, double history, double ring_seconds) {
             AudioSourceOptions o;
             o.stream.device = device.value_or("");
             o.stream.input_channels = channels;
             o.stream.sample_rate = samplerate;
             o.stream.period = blocksize;
             o.stream.format = std::move(format);
             o.stream.allow_mismatch = allow_mismatch;
             o.stream.jack_server = jack_server.value_or("");
             o.stream.client_name = "percept-sensors";
             o.history_seconds = history;
             o.ring_seconds = ring_seconds;
             return gil_free(new AudioSource(o));
           }),
           py::arg("device") = py::none(), py::arg("channels") = 1, py::arg("samplerate") = 48000.0,
           py::arg("blocksize") = 256, py::arg("format") = "float32", py::arg("allow_mismatch") = false,
           py::arg("jack_server") = py::none(), py::arg("history") = 30.0, py::arg("ring_seconds") = 2.0)
      .def_property_readonly("negotiated",
                             [](const AudioSource& s) {
                               const io::Negotiated n = s.negotiated();
                               py::dict d;
                               d["device"] = n.device;
                               d["host_api"] = n.host_api;
                               d["samplerate"] = n.sample_rate;
                               d["format"] = n.format;
                               d["blocksize"] = n.period;
                               d["channels"] = n.input_channels;
                               d["latency_frames"] = n.input_latency_frames;
                               return d;
                             })
      .def_property_readonly("xruns", &AudioSource::xruns);

  py::class_<VideoSource, Source, std::shared_ptr<VideoSource>>(m, "VideoSource")
      .def(py::init([](const std::string& source, std::optional<std::pair<int, int>> size, std::optional<double> fps,
                       bool realtime, double history, double open_timeout, double read_timeout) {
             VideoSourceOptions o;
             o.source = source;
             if (size) {
               o.io.width = size->first;
               o.io.height = size->second;
             }
             o.io.fps = fps;
             o.io.realtime = realtime;
             o.io.open_timeout = open_timeout;
             o.io.read_timeout = read_timeout;
             o.history_seconds = history;
             return gil_free(new VideoSource(o));
           }),
           py::arg("source"), py::arg("size") = py::none(), py::arg("fps") = py::none(), py::arg("realtime") = false,
           py::arg("history") = 3.0, py::arg("open_timeout") = 10.0, py::arg("read_timeout") = 5.0);

  m.def(
      "open_media",
      [](const std::string& url, const std::string& format, bool audio, bool video, bool realtime,
         const std::string& timestamps, double audio_history, double video_history, double timeout) {
        MediaOptions o;
        o.url = url;
        o.format = format;
        o.audio = audio;
        o.video = video;
        o.realtime = realtime;
        if (timestamps == "pts")
          o.timestamps = MediaTimestamps::Pts;
        else if (timestamps == "arrival")
          o.timestamps = MediaTimestamps::Arrival;
        else
          throw InvalidArgument("open_media: timestamps must be 'pts' or 'arrival', got '" + timestamps + "'");
        o.audio_history_seconds = audio_history;
        o.video_history_seconds = video_history;
        o.open_timeout_seconds = timeout;
        MediaSources s;
        {
          py::gil_scoped_release release;
          s = open_media(o);
        }
        return py::make_tuple(s.audio ? py::cast(s.audio) : py::object(py::none()),
                              s.video ? py::cast(s.video) : py::object(py::none()));
      },
      py::arg("url"), py::arg("format") = "", py::arg("audio") = true, py::arg("video") = true,
      py::arg("realtime") = true, py::arg("timestamps") = "pts", py::arg("audio_history") = 30.0,
      py::arg("video_history") = 3.0, py::arg("timeout") = 10.0,
      "Opens an FFmpeg input; returns (audio_source or None, video_source or None) sharing one demuxer.");

  py::class_<Combined, std::shared_ptr<Combined>>(m, "Combined")
      .def(py::init([](const std::vector<std::pair<std::string, std::shared_ptr<Source>>>& sources,
                       const std::string& policy, double seconds, std::optional<std::string> reference) {
             CombinedOptions o;
             o.policy = parse_policy(policy);
             o.seconds = seconds;
             o.reference = reference.value_or("");
             auto c = gil_free(new Combined(o));
             for (const auto& [n, s] : sources) c->add(n, s);
             return c;
           }),
           py::arg("sources"), py::arg("policy") = "latest", py::arg("seconds") = 0.0,
           py::arg("reference") = py::none())
      .def("start",
           [](Combined& c) {
             py::gil_scoped_release release;
             c.start();
           })
      .def("stop",
           [](Combined& c) {
             py::gil_scoped_release release;
             c.stop();
           })
      .def(
          "read",
          [](Combined& c, std::optional<std::string> policy, std::optional<double> seconds) {
            CombinedReading r;
            {
              py::gil_scoped_release release;
              const Policy p = policy ? parse_policy(*policy) : c.options().policy;
              r = c.read(p, seconds.value_or(c.options().seconds));
            }
            const double t_ref = Clock::to_seconds(r.t_ref_ns);
            const auto failures = r.failures;
            py::dict data = reading_dict(std::move(r), c);
            return py::make_tuple(data, t_ref, failures);
          },
          py::arg("policy") = py::none(), py::arg("seconds") = py::none())
      .def_property_readonly("names", &Combined::names)
      .def("source", &Combined::get, py::arg("name"))
      .def_property_readonly("reference", &Combined::reference)
      .def_property_readonly("policy", [](const Combined& c) { return std::string(policy_name(c.options().policy)); })
      .def_property_readonly("seconds", [](const Combined& c) { return c.options().seconds; })
      .def_property_readonly("failures", &Combined::failures)
      .def_property_readonly("stats", [](const Combined& c) {
        py::dict d;
        for (const auto& [n, s] : c.stats()) d[py::str(n)] = stats_dict(s);
        return d;
      });

  py::class_<Recorder, std::shared_ptr<Recorder>>(m, "Recorder")
      .def(py::init([](const std::string& directory, const std::string& audio_format, double flush_seconds,
                       double poll_seconds, int video_quality) {
             RecorderOptions o;
             o.audio_format = audio_format;
             o.flush_seconds = flush_seconds;
             o.poll_seconds = poll_seconds;
             o.video_quality = video_quality;
             return gil_free(new Recorder(directory, o));
           }),
           py::arg("directory"), py::arg("audio_format") = "wav", py::arg("flush_seconds") = 1.0,
           py::arg("poll_seconds") = 0.02, py::arg("video_quality") = 23)
      .def("add", py::overload_cast<const std::string&, std::shared_ptr<Source>>(&Recorder::add), py::arg("name"),
           py::arg("source"))
      .def("add_combined", py::overload_cast<const Combined&>(&Recorder::add), py::arg("combined"))
      .def("start",
           [](Recorder& r) {
             py::gil_scoped_release release;
             r.start();
           })
      .def("stop",
           [](Recorder& r) {
             py::gil_scoped_release release;
             r.stop();
           })
      .def_property_readonly("running", &Recorder::running)
      .def_property_readonly("directory", &Recorder::directory)
      .def_property_readonly("error",
                             [](const Recorder& r) {
                               const std::string e = r.error();
                               return e.empty() ? py::object(py::none()) : py::object(py::str(e));
                             })
      .def_property_readonly("stats", [](const Recorder& r) {
        py::dict d;
        for (const auto& s : r.stats()) {
          py::dict x;
          x["kind"] = s.kind;
          x["file"] = s.file;
          x["items"] = s.items;
          x["lost"] = s.lost;
          d[py::str(s.name)] = x;
        }
        return d;
      });

  m.def(
      "session_info",
      [](const std::string& directory) {
        SessionInfo info;
        {
          py::gil_scoped_release release;
          info = session_info(directory);
        }
        py::dict d;
        d["directory"] = info.directory;
        d["started"] = Clock::to_seconds(info.started_ns);
        d["stopped"] =
            info.stopped_ns ? py::object(py::float_(Clock::to_seconds(info.stopped_ns))) : py::object(py::none());
        d["started_unix"] = info.started_unix;
        d["complete"] = info.complete;
        py::list streams;
        for (const auto& s : info.streams) streams.append(session_stream_dict(s));
        d["streams"] = streams;
        return d;
      },
      py::arg("directory"));

  m.def(
      "load_session_stream",
      [](const std::string& directory, const std::string& name) {
        SessionStream s;
        {
          py::gil_scoped_release release;
          s = load_session_stream(directory, name);
        }
        py::dict info = session_stream_dict(s.info);
        info["format"] = format_dict(s.format);
        py::array times = times_to_numpy(s.chunk.t_ns);
        py::array data = chunk_array(std::move(s.chunk), s.format);
        return py::make_tuple(data, times, info);
      },
      py::arg("directory"), py::arg("name"));
}
