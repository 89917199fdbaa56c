// percept._percept_media — the compiled parts of percept that need FFmpeg, PortAudio or JACK (video,
// vision, audio devices and the real-time engine). A separate extension module so that `import percept`
// does not load those libraries (and their ~200 dependencies); the Python package imports it on first
// use. It re-exports every name of percept._percept, so Python code can use either module for shared
// types (errors, Processor).
#include <pybind11/pybind11.h>

#include <string>

namespace py = pybind11;

#include "bindings_media_decls.inc"

PYBIND11_MODULE(_percept_media, m) {
  m.doc() = "percept: video, vision and audio devices (compiled, loaded on first use)";
  // the core module registers the error types, their translator and the Processor base class
  py::module_ core = py::module_::import("percept._percept");
  for (const auto& item : core.attr("__dict__").cast<py::dict>()) {
    const auto name = item.first.cast<std::string>();
    if (name.rfind("__", 0) != 0) m.attr(item.first) = item.second;
  }
#include "bindings_media_calls.inc"
}
