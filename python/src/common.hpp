// Helpers shared by the binding files: numpy <-> percept views, ownership transfer, argument checks.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "percept/core/audio_block.hpp"
#include "percept/core/error.hpp"

namespace percept::python {

namespace py = pybind11;

/// Hands an owning C++ container to numpy without a copy: the array keeps it alive through a capsule.
template <class Container>
py::array_t<typename Container::value_type> to_numpy(Container&& data, std::vector<py::ssize_t> shape) {
  auto* heap = new Container(std::forward<Container>(data));
  py::capsule owner(heap, [](void* p) { delete static_cast<Container*>(p); });
  return py::array_t<typename Container::value_type>(shape, heap->data(), owner);
}

/// A planar AudioBuffer as a numpy array (channels, frames), or (frames,) when `squeeze_mono`.
template <class T>
py::array_t<T> buffer_to_numpy(AudioBuffer<T>&& buffer, bool squeeze_mono) {
  const auto nc = static_cast<py::ssize_t>(buffer.num_channels());
  const auto nf = static_cast<py::ssize_t>(buffer.num_frames());
  auto* heap = new AudioBuffer<T>(std::move(buffer));
  py::capsule owner(heap, [](void* p) { delete static_cast<AudioBuffer<T>*>(p); });
  if (squeeze_mono && nc == 1) return py::array_t<T>({nf}, heap->data(), owner);
  return py::array_t<T>({nc, nf}, heap->data(), owner);
}

/// Row pointers of a C-contiguous (channels, frames) or (frames,) array, as an AudioView.
template <class T>
struct PlanarArray {
  std::vector<T*> rows;
  std::size_t channels = 0;
  std::size_t frames = 0;
  AudioView<T> view() { return AudioView<T>(rows.data(), channels, frames); }
};

template <class T, class Array>
PlanarArray<T> planar_rows(Array& a, const char* what) {
  PlanarArray<T> p;
  if (a.ndim() == 1) {
    p.channels = 1;
    p.frames = static_cast<std::size_t>(a.shape(0));
  } else if (a.ndim() == 2) {
    p.channels = static_cast<std::size_t>(a.shape(0));
    p.frames = static_cast<std::size_t>(a.shape(1));
  } else {
    throw InvalidArgument(std::string(what) + ": expected a 1-D (frames,) or 2-D (channels, frames) array, got " +
                          std::to_string(a.ndim()) + " dimensions");
  }
  auto* base = const_cast<T*>(static_cast<const T*>(a.data()));
  p.rows.resize(p.channels);
  for (std::size_t c = 0; c < p.channels; ++c) p.rows[c] = base + c * p.frames;
  return p;
}

/// numpy's name for a dtype, for messages ("float32").
inline std::string dtype_name(const py::dtype& dt) {
  return py::str(py::handle(dt)).cast<std::string>();
}

/// Registers a Python exception class for a C++ error type (called by bind_core).
void register_errors(py::module_& m);

}  // namespace percept::python
