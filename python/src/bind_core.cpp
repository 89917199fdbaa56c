// Core bindings: the error hierarchy, the clock, version information.
#include <pybind11/pybind11.h>

#include "common.hpp"
#include "percept/core/clock.hpp"
#include "percept/core/error.hpp"

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
        case ErrorKind::InvalidArgument: type = parameter_error.ptr(); break;
        case ErrorKind::File: type = file_error.ptr(); break;
        case ErrorKind::Format: type = format_error.ptr(); break;
        case ErrorKind::Device: type = device_error.ptr(); break;
        case ErrorKind::Stream: type = stream_error.ptr(); break;
        case ErrorKind::Timeout: type = timeout_error.ptr(); break;
        case ErrorKind::Generic: break;
      }
      PyErr_SetString(type, e.what());
    }
  });
}

}  // namespace percept::python

void bind_core(py::module_& m) {
  percept::python::register_errors(m);
  m.def("clock_ns", &Clock::now_ns,
        "Nanoseconds on percept's monotonic clock (CLOCK_MONOTONIC), the clock every timestamp uses.");
  m.def("clock", &Clock::now_seconds, "Seconds on percept's monotonic clock (CLOCK_MONOTONIC).");
}
