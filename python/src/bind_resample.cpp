// percept.resample: librosa.resample with res_type soxr_* (libsoxr), along the last axis.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cmath>

#include "common.hpp"
#include "percept/core/error.hpp"
#include "percept/dsp/resample.hpp"

namespace py = pybind11;
using namespace percept;

namespace {

template <class T>
py::array_t<T> resample_rows(py::array_t<T, py::array::c_style> y, double orig_sr, double target_sr,
                             dsp::ResampleQuality q, bool fix, bool scale) {
  // Any leading shape: treated as rows of the last axis, like librosa's axis=-1.
  std::vector<py::ssize_t> shape(y.shape(), y.shape() + y.ndim());
  const std::size_t n = shape.empty() ? 0 : static_cast<std::size_t>(shape.back());
  const std::size_t rows = n == 0 ? 0 : static_cast<std::size_t>(y.size()) / n;
  std::vector<const T*> in_rows(rows);
  for (std::size_t r = 0; r < rows; ++r) in_rows[r] = y.data() + r * n;
  AudioBuffer<T> out;
  {
    py::gil_scoped_release release;
    out = dsp::resample<T>(AudioView<const T>(in_rows.data(), rows, n), orig_sr, target_sr, q);
    if (!fix) {
      // without fix_length: keep what libsoxr produced, round(n * ratio) samples
      const auto natural = static_cast<std::size_t>(std::llround(static_cast<double>(n) * target_sr / orig_sr));
      if (natural < out.num_frames()) out.truncate(natural);
    }
    if (scale) {
      const T s = static_cast<T>(std::sqrt(orig_sr / target_sr));
      for (auto& v : out.storage()) v *= s;
    }
  }
  shape.back() = static_cast<py::ssize_t>(out.num_frames());
  auto* heap = new AudioBuffer<T>(std::move(out));
  py::capsule owner(heap, [](void* p) { delete static_cast<AudioBuffer<T>*>(p); });
  return py::array_t<T>(shape, heap->data(), owner);
}

}  // namespace

void bind_resample(py::module_& m) {
  m.def(
      "_resample",
      [](const py::array& y, double orig_sr, double target_sr, const std::string& res_type, bool fix,
         bool scale) -> py::array {
        if (y.ndim() == 0) throw InvalidArgument("resample: y must have at least one dimension");
        const auto q = dsp::parse_resample_quality(res_type.c_str());
        if (y.dtype().is(py::dtype::of<double>()))
          return resample_rows<double>(py::array_t<double, py::array::c_style>::ensure(y), orig_sr, target_sr, q, fix,
                                       scale);
        if (y.dtype().is(py::dtype::of<float>()))
          return resample_rows<float>(py::array_t<float, py::array::c_style>::ensure(y), orig_sr, target_sr, q, fix,
                                      scale);
        throw InvalidArgument("resample: y must be float32 or float64, got " + percept::python::dtype_name(y.dtype()));
      },
      py::arg("y"), py::arg("orig_sr"), py::arg("target_sr"), py::arg("res_type") = "soxr_hq", py::arg("fix") = true,
      py::arg("scale") = false);
}
