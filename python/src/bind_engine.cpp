// Engine bindings: devices, the real-time engine behind percept.InputStream / OutputStream / Duplex, and
// the private JACK dummy server used by tests. The GIL is released for every wait; the audio thread never
// takes it (it runs only native code: the engine callback and native processors).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common.hpp"
#include "percept/core/error.hpp"
#include "percept/core/ring.hpp"
#include "percept/dsp/chain.hpp"
#include "percept/io/device.hpp"
#include "percept/io/engine.hpp"
#include "percept/io/jack_server.hpp"

namespace py = pybind11;
using namespace percept;
using namespace percept::io;

namespace {

py::dict device_dict(const DeviceInfo& d) {
  py::dict o;
  o["index"] = d.index;
  o["name"] = d.name;
  o["host_api"] = d.host_api;
  o["max_input_channels"] = d.max_input_channels;
  o["max_output_channels"] = d.max_output_channels;
  o["default_samplerate"] = d.default_sample_rate;
  o["samplerates"] = d.sample_rates;
  o["formats"] = d.formats;
  o["default_low_input_latency"] = d.default_low_input_latency;
  o["default_low_output_latency"] = d.default_low_output_latency;
  o["default_high_input_latency"] = d.default_high_input_latency;
  o["default_high_output_latency"] = d.default_high_output_latency;
  o["default_input"] = d.is_default_input;
  o["default_output"] = d.is_default_output;
  return o;
}

py::dict negotiated_dict(const Negotiated& n) {
  py::dict o;
  o["device"] = n.device;
  o["host_api"] = n.host_api;
  o["samplerate"] = n.sample_rate;
  o["format"] = n.format;
  o["blocksize"] = n.period;
  o["buffer_frames"] = n.buffer_frames;
  o["input_channels"] = n.input_channels;
  o["output_channels"] = n.output_channels;
  o["input_latency_frames"] = n.input_latency_frames;
  o["output_latency_frames"] = n.output_latency_frames;
  o["input_latency"] = static_cast<double>(n.input_latency_frames) / n.sample_rate;
  o["output_latency"] = static_cast<double>(n.output_latency_frames) / n.sample_rate;
  o["realtime"] = n.realtime;
  o["note"] = n.note;
  return o;
}

py::dict latency_dict(const LatencyResult& r) {
  py::dict o;
  o["frames"] = r.frames;
  o["ms"] = r.ms;
  o["expected_frames"] = r.expected_frames;
  o["expected_ms"] = r.expected_ms;
  return o;
}

py::dict stats_dict(const EngineStats& s) {
  py::dict load;
  load["callbacks"] = s.load.callbacks;
  load["mean"] = s.load.mean;
  load["p50"] = s.load.p50;
  load["p99"] = s.load.p99;
  load["p999"] = s.load.p999;
  load["max"] = s.load.max;
  load["deadline_misses"] = s.load.deadline_misses;
  py::dict wakeup;
  wakeup["p50"] = s.wakeup.p50;
  wakeup["p99"] = s.wakeup.p99;
  wakeup["p999"] = s.wakeup.p999;
  wakeup["max"] = s.wakeup.max;
  py::dict o;
  o["device"] = negotiated_dict(s.device);
  o["wakeup"] = wakeup;
  o["frames"] = s.frames;
  o["callbacks"] = s.callbacks;
  o["load"] = load;
  o["xruns"] = s.xruns;
  o["frames_lost"] = s.frames_lost;
  o["overrun_events"] = s.overrun_events;
  o["underrun_frames"] = s.underrun_frames;
  o["underrun_events"] = s.underrun_events;
  o["round_trip"] = s.round_trip ? py::object(latency_dict(*s.round_trip)) : py::object(py::none());
  o["failed"] = s.failed;
  o["error"] = s.error;
  return o;
}

py::dict read_dict(const RingRead& r) {
  py::dict o;
  o["first_frame"] = r.first_frame;
  o["frames"] = r.frames;
  o["time"] = static_cast<double>(r.time_ns) * 1e-9;
  o["time_ns"] = r.time_ns;
  o["lost_frames"] = r.lost_frames;
  o["lost_from"] = r.lost_from;
  return o;
}

CaptureTap tap_of(const std::string& s) {
  if (s == "input") return CaptureTap::Input;
  if (s == "output") return CaptureTap::Output;
  if (s == "none") return CaptureTap::None;
  throw InvalidArgument("capture must be 'input', 'output' or 'none', got '" + s + "'");
}

PlaybackSource playback_of(const std::string& s) {
  if (s == "input") return PlaybackSource::Input;
  if (s == "fifo") return PlaybackSource::Fifo;
  if (s == "silence") return PlaybackSource::Silence;
  throw InvalidArgument("playback must be 'input', 'fifo' or 'silence', got '" + s + "'");
}

std::unique_ptr<Engine> make_engine(const std::string& device, std::size_t input_channels, std::size_t output_channels,
                                    double samplerate, std::size_t blocksize, std::size_t periods,
                                    const std::string& format, bool allow_mismatch, const std::string& jack_server,
                                    bool jack_loopback, const std::string& capture, const std::string& playback,
                                    std::size_t ring_frames, std::size_t fifo_frames, std::size_t preroll_frames,
                                    const std::vector<std::shared_ptr<dsp::Processor>>& chain) {
  EngineOptions o;
  o.stream.device = device;
  o.stream.input_channels = input_channels;
  o.stream.output_channels = output_channels;
  o.stream.sample_rate = samplerate;
  o.stream.period = blocksize;
  o.stream.periods = periods;
  o.stream.format = format;
  o.stream.allow_mismatch = allow_mismatch;
  o.stream.jack_server = jack_server;
  o.stream.jack_loopback = jack_loopback;
  o.stream.client_name = "percept-python";
  o.tap = tap_of(capture);
  o.playback = playback_of(playback);
  o.ring_frames = ring_frames;
  o.fifo_frames = fifo_frames;
  o.preroll_frames = preroll_frames;
  py::gil_scoped_release release;  // opening a device may take a while (JACK, ALSA probing)
  return std::make_unique<Engine>(std::move(o), std::make_shared<dsp::Chain>(chain));
}

// Reads n frames into a new (channels, n) float32 array; waits with the GIL released.
py::tuple engine_read(Engine& e, std::size_t n, std::optional<double> timeout, bool wait) {
  AudioRing& ring = e.capture();
  if (wait && !e.running() && !ring.closed() && ring.available() < n)
    throw StreamError("read: the stream is not running (call start(), or use it as a context manager)");
  py::array_t<float> out({static_cast<py::ssize_t>(ring.channels()), static_cast<py::ssize_t>(n)});
  auto rows = percept::python::planar_rows<float>(out, "read");
  RingRead r;
  {
    py::gil_scoped_release release;
    r = wait ? ring.read(rows.view(), timeout.value_or(-1.0)) : ring.read_available(rows.view());
  }
  if (!wait && r.frames < n) {
    py::array_t<float> cut({static_cast<py::ssize_t>(ring.channels()), static_cast<py::ssize_t>(r.frames)});
    auto cut_rows = percept::python::planar_rows<float>(cut, "read");
    copy(AudioView<const float>(rows.view().frames(0, r.frames)), cut_rows.view());
    return py::make_tuple(cut, read_dict(r));
  }
  return py::make_tuple(out, read_dict(r));
}

}  // namespace

void bind_engine(py::module_& m) {
  m.def(
      "devices",
      [](const std::string& jack_server) {
        std::vector<DeviceInfo> list;
        {
          py::gil_scoped_release release;
          list = list_devices(jack_server);
        }
        py::list out;
        for (const auto& d : list) out.append(device_dict(d));
        return out;
      },
      py::arg("jack_server") = "", "Audio devices that can be opened now (virtual devices first), as dicts.");
  m.def(
      "host_apis",
      [](const std::string& jack_server) {
        std::vector<HostApiInfo> list;
        {
          py::gil_scoped_release release;
          list = host_apis(jack_server);
        }
        py::list out;
        for (const auto& h : list) {
          py::dict d;
          d["name"] = h.name;
          d["available"] = h.available;
          d["device_count"] = h.device_count;
          d["note"] = h.note;
          out.append(d);
        }
        return out;
      },
      py::arg("jack_server") = "", "Host APIs (virtual, JACK, ALSA) and whether they can be used now.");

  py::class_<Engine>(m, "_Engine", "The real-time engine behind InputStream, OutputStream and Duplex.")
      .def(py::init(&make_engine), py::arg("device"), py::arg("input_channels"), py::arg("output_channels"),
           py::arg("samplerate"), py::arg("blocksize"), py::arg("periods"), py::arg("format"),
           py::arg("allow_mismatch"), py::arg("jack_server"), py::arg("jack_loopback"), py::arg("capture"),
           py::arg("playback"), py::arg("ring_frames"), py::arg("fifo_frames"), py::arg("preroll_frames"),
           py::arg("chain"))
      .def("start", &Engine::start, py::call_guard<py::gil_scoped_release>())
      .def("stop", &Engine::stop, py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("running", &Engine::running)
      .def_property_readonly("failed", &Engine::failed)
      .def_property_readonly("negotiated", [](const Engine& e) { return negotiated_dict(e.negotiated()); })
      .def_property_readonly("capture_channels", [](Engine& e) { return e.capture().channels(); })
      .def_property_readonly("ring_frames", [](Engine& e) { return e.capture().capacity(); })
      .def_property_readonly("work_channels", &Engine::work_channels)
      .def("check", &Engine::check)
      .def(
          "read",
          [](Engine& e, std::size_t n, std::optional<double> timeout) { return engine_read(e, n, timeout, true); },
          py::arg("frames"), py::arg("timeout") = py::none())
      .def(
          "read_available", [](Engine& e, std::size_t n) { return engine_read(e, n, 0.0, false); }, py::arg("frames"))
      .def(
          "latest",
          [](Engine& e, std::size_t n) {
            AudioRing& ring = e.capture();
            py::array_t<float> out({static_cast<py::ssize_t>(ring.channels()), static_cast<py::ssize_t>(n)});
            auto rows = percept::python::planar_rows<float>(out, "latest");
            RingRead r;
            {
              py::gil_scoped_release release;
              r = ring.latest(rows.view());
            }
            return py::make_tuple(out, read_dict(r));
          },
          py::arg("frames"))
      .def_property_readonly("available", [](Engine& e) { return e.capture().available(); })
      .def_property_readonly("overflows", [](Engine& e) { return e.stats().frames_lost; })
      .def(
          "write",
          [](Engine& e, py::array_t<float, py::array::c_style | py::array::forcecast> x,
             std::optional<double> timeout) {
            auto rows = percept::python::planar_rows<const float>(x, "write");
            AudioFifo& fifo = e.playback();
            if (rows.channels != 1 && rows.channels != fifo.channels())
              throw InvalidArgument("write: the stream has " + std::to_string(fifo.channels()) +
                                    " channels, the data " + std::to_string(rows.channels));
            for (std::size_t c = 0; c < rows.channels; ++c)
              for (std::size_t i = 0; i < rows.frames; ++i)
                if (!std::isfinite(rows.rows[c][i]))
                  throw InvalidArgument("write: the audio contains NaN or Inf (channel " + std::to_string(c) +
                                        ", frame " + std::to_string(i) + ")");
            py::gil_scoped_release release;
            return fifo.write(rows.view(), timeout.value_or(-1.0));
          },
          py::arg("data"), py::arg("timeout") = py::none())
      .def_property_readonly("write_available", [](Engine& e) { return e.playback().free_space(); })
      .def_property_readonly("queued", [](Engine& e) { return e.playback().available(); })
      .def("stats", [](const Engine& e) { return stats_dict(e.stats()); })
      .def(
          "measure_round_trip",
          [](Engine& e, double timeout) {
            LatencyResult r;
            {
              py::gil_scoped_release release;
              r = e.measure_round_trip(timeout);
            }
            return latency_dict(r);
          },
          py::arg("timeout") = 3.0)
      .def_property_readonly(
          "chain", [](const Engine& e) { return e.chain().describe(); },
          "The stage names of the chain the callback runs ('butterworth | vcs3').")
      .def("take_peaks", &Engine::take_peaks)
      .def("take_input_peaks", &Engine::take_input_peaks);

  py::class_<JackDummyServer>(m, "JackDummyServer",
                              "A private `jackd -d dummy` server (for tests and demos without a sound card).")
      .def(py::init([](double samplerate, std::size_t blocksize, int channels, const std::string& name) {
             JackDummyServer::Options o;
             o.sample_rate = samplerate;
             o.period = blocksize;
             o.capture_channels = o.playback_channels = channels;
             o.name = name;
             py::gil_scoped_release release;
             return std::make_unique<JackDummyServer>(o);
           }),
           py::arg("samplerate") = 48000.0, py::arg("blocksize") = 64, py::arg("channels") = 2, py::arg("name") = "")
      .def_property_readonly("name", &JackDummyServer::name)
      .def_property_readonly("pid", &JackDummyServer::pid)
      .def("kill", &JackDummyServer::kill_now, "SIGKILL, as in a crash.")
      .def("stop", &JackDummyServer::stop, py::call_guard<py::gil_scoped_release>())
      .def(
          "__enter__", [](JackDummyServer& s) -> JackDummyServer& { return s; }, py::return_value_policy::reference)
      .def("__exit__", [](JackDummyServer& s, py::args) { s.stop(); });
}
