// Core bindings: the error hierarchy, the clock, version information.
#include <pybind11/pybind11.h>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>

#include "common.hpp"
#include "percept/core/clock.hpp"
#include "percept/core/error.hpp"
#include "percept/dsp/processor.hpp"

namespace py = pybind11;
using namespace percept;

namespace percept::python {

void register_errors(py::module_& m) {
  // percept.Error and its subclasses; each also derives from the matching builtin, so existing
  // `except ValueError` / `except OSError` code keeps working.
  static py::exception<Error> base(m, "Error", PyExc_RuntimeError);
  auto make = [&](const char* name, PyObject* builtin) {
    py::tuple bases = py::make_tuple(base, py::handle(builtin));
    py::dict ns;
    ns["__module__"] = "percept";
    py::object cls = py::reinterpret_borrow<py::object>(reinterpret_cast<PyObject*>(&PyType_Type))(name, bases, ns);
    m.attr(name) = cls;
    return cls;
  };
  static py::object parameter_error = make("ParameterError", PyExc_ValueError);
  static py::object file_error = make("FileError", PyExc_OSError);
  static py::object format_error = make("FormatError", PyExc_ValueError);
  static py::object device_error = make("DeviceError", PyExc_OSError);
  static py::object stream_error = make("StreamError", PyExc_RuntimeError);
  static py::object timeout_error = make("TimeoutError", PyExc_TimeoutError);
  base.attr("__module__") = "percept";

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      PyObject* type = base.ptr();
      switch (e.kind()) {
        case ErrorKind::InvalidArgument:
          type = parameter_error.ptr();
          break;
        case ErrorKind::File:
          type = file_error.ptr();
          break;
        case ErrorKind::Format:
          type = format_error.ptr();
          break;
        case ErrorKind::Device:
          type = device_error.ptr();
          break;
        case ErrorKind::Stream:
          type = stream_error.ptr();
          break;
        case ErrorKind::Timeout:
          type = timeout_error.ptr();
          break;
        case ErrorKind::Generic:
          break;
      }
      PyErr_SetString(type, e.what());
    }
  });
}

}  // namespace percept::python

namespace {

// Runs a processor offline over a numpy array (n,) or (channels, n), returning a new array of the same
// shape and dtype. Prepares (the only allocation) when the processor is not yet prepared for this
// channel count; state otherwise carries over from the previous call, so successive calls continue
// the signal.
template <class T>
py::array_t<T> process_array(dsp::Processor& p, py::array_t<T, py::array::c_style> x,
                             std::optional<double> sample_rate) {
  auto in = percept::python::planar_rows<const T>(x, p.name().c_str());
  py::array_t<T> y(std::vector<py::ssize_t>(x.shape(), x.shape() + x.ndim()));
  auto out = percept::python::planar_rows<T>(y, p.name().c_str());
  py::gil_scoped_release release;
  const double rate = sample_rate.value_or(p.sample_rate_hint() > 0 ? p.sample_rate_hint() : 48000.0);
  if (!p.prepared() || p.spec().num_channels != in.channels || p.spec().sample_rate != rate)
    p.prepare(dsp::ProcessSpec{rate, 4096, in.channels});
  dsp::process_offline<T>(p, in.view(), out.view());
  return y;
}

}  // namespace

void bind_core(py::module_& m) {
  percept::python::register_errors(m);
  m.def("clock_ns", &Clock::now_ns,
        "Nanoseconds on percept's monotonic clock (CLOCK_MONOTONIC), the clock every timestamp uses.");
  m.def("clock", &Clock::now_seconds, "Seconds on percept's monotonic clock (CLOCK_MONOTONIC).");

  // The processor contract, shared by every effect (percept.dsp) and by the engine's chains.
  py::class_<dsp::Processor, std::shared_ptr<dsp::Processor>>(
      m, "Processor", "Base of every processor: prepare/process/reset/latency, the same object live and offline.")
      .def(
          "prepare",
          [](dsp::Processor& p, double sample_rate, std::size_t max_block_size, std::size_t num_channels) {
            p.prepare(dsp::ProcessSpec{sample_rate, max_block_size, num_channels});
          },
          py::arg("sample_rate"), py::arg("max_block_size") = 4096, py::arg("num_channels") = 1,
          "Allocates for a stream: the only call that may allocate.")
      .def("reset", &dsp::Processor::reset, "Clears the state, as if freshly prepared.")
      .def_property_readonly("latency", &dsp::Processor::latency, "Delay in frames the processor introduces.")
      .def_property_readonly("name", &dsp::Processor::name)
      .def_property_readonly(
          "sample_rate",
          [](const dsp::Processor& p) { return p.prepared() ? p.spec().sample_rate : p.sample_rate_hint(); })
      .def(
          "process",
          [](dsp::Processor& p, const py::array& x, std::optional<double> sample_rate) -> py::array {
            if (x.ndim() != 1 && x.ndim() != 2)
              throw InvalidArgument(p.name() + ": expected (n,) or (channels, n) audio, got " +
                                    std::to_string(x.ndim()) + " dimensions");
            if (x.dtype().is(py::dtype::of<float>()))
              return process_array<float>(p, py::array_t<float, py::array::c_style>::ensure(x), sample_rate);
            if (x.dtype().is(py::dtype::of<double>()))
              return process_array<double>(p, py::array_t<double, py::array::c_style>::ensure(x), sample_rate);
            throw InvalidArgument(p.name() + ": audio must be float32 or float64, got " +
                                  percept::python::dtype_name(x.dtype()));
          },
          py::arg("x"), py::arg("sample_rate") = py::none(),
          "Processes (n,) or (channels, n) float32/float64 audio into a new array; state carries across calls.")
      .def(
          "__call__", [](py::object self, const py::array& x) { return self.attr("process")(x); }, py::arg("x"))
      .def("__repr__", [](const dsp::Processor& p) { return "<percept.dsp." + p.name() + ">"; });
}
