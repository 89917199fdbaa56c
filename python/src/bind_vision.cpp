// Vision kernels on numpy arrays: percept._percept.vision_* functions and PolarMap (wrapped with friendlier
// signatures in python/percept/vision.py). Images are uint8 (H, W) or (H, W, C); a non-contiguous input is
// copied once; every kernel runs without the GIL.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <optional>
#include <string>
#include <utility>

#include "common.hpp"
#include "percept/core/error.hpp"
#include "percept/io/image_resize.hpp"
#include "percept/vision/color.hpp"
#include "percept/vision/filter.hpp"
#include "percept/vision/histogram.hpp"
#include "percept/vision/motion.hpp"
#include "percept/vision/polar.hpp"

namespace py = pybind11;
using namespace percept;
using namespace percept::vision;

namespace {

template <class T>
struct Input {
  py::array_t<T, py::array::c_style> array;
  ImageView<const T> view;
};

template <class T>
Input<T> as_image(const py::handle& obj, const char* what) {
  py::array a = py::array::ensure(obj);
  if (!a) throw InvalidArgument(std::string(what) + ": expected a numpy array");
  if (!a.dtype().is(py::dtype::of<T>()))
    throw InvalidArgument(std::string(what) + ": expected a " + python::dtype_name(py::dtype::of<T>()) +
                          " image, got " + python::dtype_name(a.dtype()));
  if (a.ndim() != 2 && a.ndim() != 3)
    throw InvalidArgument(std::string(what) + ": expected an (H, W) or (H, W, C) image, got " +
                          std::to_string(a.ndim()) + " dimensions");
  if (a.size() == 0) throw InvalidArgument(std::string(what) + ": empty image");
  Input<T> in;
  in.array = py::array_t<T, py::array::c_style>::ensure(a);
  const int h = static_cast<int>(a.shape(0)), w = static_cast<int>(a.shape(1));
  const int c = a.ndim() == 3 ? static_cast<int>(a.shape(2)) : 1;
  in.view = ImageView<const T>(in.array.data(), h, w, c);
  return in;
}

// An (H, W) or (H, W, C) image from float32, converting uint8 and float64 (DoG and blur accept all three).
Input<float> as_float_image(const py::handle& obj, const char* what) {
  py::array a = py::array::ensure(obj);
  if (!a) throw InvalidArgument(std::string(what) + ": expected a numpy array");
  const auto dt = a.dtype();
  if (!dt.is(py::dtype::of<float>()) && !dt.is(py::dtype::of<double>()) && !dt.is(py::dtype::of<std::uint8_t>()))
    throw InvalidArgument(std::string(what) + ": expected a uint8, float32 or float64 image, got " +
                          python::dtype_name(dt));
  py::array f = dt.is(py::dtype::of<float>()) ? a : py::array(a.attr("astype")(py::dtype::of<float>()));
  auto in = as_image<float>(f, what);
  const float* p = in.array.data();
  for (py::ssize_t i = 0; i < in.array.size(); ++i)
    if (!std::isfinite(p[i])) throw InvalidArgument(std::string(what) + ": the image contains NaN or Inf");
  return in;
}

template <class T>
py::array_t<T> new_image(int h, int w, int c) {
  if (c == 1) return py::array_t<T>({static_cast<py::ssize_t>(h), static_cast<py::ssize_t>(w)});
  return py::array_t<T>({static_cast<py::ssize_t>(h), static_cast<py::ssize_t>(w), static_cast<py::ssize_t>(c)});
}

template <class T>
ImageView<T> out_view(py::array_t<T>& a, int h, int w, int c) {
  return ImageView<T>(a.mutable_data(), h, w, c);
}

PolarMode parse_polar_mode(const std::string& m) {
  if (m == "linear") return PolarMode::Linear;
  if (m == "log") return PolarMode::Log;
  if (m == "log_fovea" || m == "fovea") return PolarMode::LogFovea;
  throw InvalidArgument("polar mode must be 'linear', 'log' or 'log_fovea', got '" + m + "'");
}

template <class T>
py::tuple histogram_of(const py::array& a, int bins, std::optional<std::pair<double, double>> range,
                       const py::dtype& edge_dtype) {
  auto c = py::array_t<T, py::array::c_style>::ensure(a);
  Histogram h;
  {
    py::gil_scoped_release nogil;
    h = histogram<T>(c.data(), static_cast<std::size_t>(c.size()), bins, range);
  }
  auto counts = python::to_numpy(std::move(h.counts), {static_cast<py::ssize_t>(bins)});
  py::array edges = python::to_numpy(std::move(h.edges), {static_cast<py::ssize_t>(bins) + 1});
  if (!edge_dtype.is(py::dtype::of<double>())) edges = edges.attr("astype")(edge_dtype);
  return py::make_tuple(counts, edges);
}

}  // namespace

void bind_vision(py::module_& m) {
  m.def(
      "_vision_cvt_color",
      [](const py::object& img, const std::string& code) {
        const ColorConversion cc = parse_color_conversion(code);
        auto in = as_image<std::uint8_t>(img, "cvt_color");
        if (in.view.channels != input_channels(cc))
          throw InvalidArgument("cvt_color '" + code + "': expected " + std::to_string(input_channels(cc)) +
                                " channel(s), got " + std::to_string(in.view.channels));
        const int oc = output_channels(cc);
        auto out = new_image<std::uint8_t>(in.view.height, in.view.width, oc);
        auto ov = out_view(out, in.view.height, in.view.width, oc);
        py::gil_scoped_release nogil;
        convert_color(in.view, ov, cc);
        return out;
      },
      py::arg("image"), py::arg("code"));

  m.def(
      "_vision_resize",
      [](const py::object& img, std::pair<int, int> size, const std::string& interpolation) {
        const auto method = io::parse_resize_method(interpolation);
        auto in = as_image<std::uint8_t>(img, "resize");
        const auto [w, h] = size;
        if (w <= 0 || h <= 0) throw InvalidArgument("resize: size must be positive (width, height)");
        if (in.view.channels > 4) throw InvalidArgument("resize: at most 4 channels");
        auto out = new_image<std::uint8_t>(h, w, in.view.channels);
        auto* dst = out.mutable_data();
        const auto& v = in.view;
        py::gil_scoped_release nogil;
        io::resize_image(v.data, v.width, v.height, v.channels, v.row_stride, dst, w, h,
                         static_cast<std::ptrdiff_t>(w) * v.channels, method);
        return out;
      },
      py::arg("image"), py::arg("size"), py::arg("interpolation") = "linear");

  m.def(
      "_vision_histogram",
      [](const py::object& obj, int bins, std::optional<std::pair<double, double>> range) -> py::tuple {
        py::array a = py::array::ensure(obj);
        if (!a) throw InvalidArgument("histogram: expected an array");
        const auto dt = a.dtype();
        if (dt.is(py::dtype::of<std::uint8_t>()))
          return histogram_of<std::uint8_t>(a, bins, range, py::dtype::of<double>());
        if (dt.is(py::dtype::of<float>())) return histogram_of<float>(a, bins, range, py::dtype::of<float>());
        if (dt.is(py::dtype::of<double>())) return histogram_of<double>(a, bins, range, py::dtype::of<double>());
        throw InvalidArgument("histogram: expected uint8, float32 or float64 data, got " + python::dtype_name(dt));
      },
      py::arg("a"), py::arg("bins") = 10, py::arg("range") = py::none());

  m.def(
      "_vision_histogram_channels",
      [](const py::object& img, int bins, std::optional<std::pair<double, double>> range) {
        auto in = as_image<std::uint8_t>(img, "histogram_channels");
        Histogram h;
        {
          py::gil_scoped_release nogil;
          h = histogram_channels(in.view, bins, range);
        }
        auto counts = python::to_numpy(std::move(h.counts),
                                       {static_cast<py::ssize_t>(in.view.channels), static_cast<py::ssize_t>(bins)});
        auto edges = python::to_numpy(std::move(h.edges), {static_cast<py::ssize_t>(bins) + 1});
        return py::make_tuple(counts, edges);
      },
      py::arg("image"), py::arg("bins") = 256, py::arg("range") = py::none());

  m.def(
      "_vision_gaussian_blur",
      [](const py::object& img, double sigma) {
        auto in = as_float_image(img, "gaussian_blur");
        const auto& v = in.view;
        auto out = new_image<float>(v.height, v.width, v.channels);
        auto ov = out_view(out, v.height, v.width, v.channels);
        py::gil_scoped_release nogil;
        gaussian_blur(v, ov, sigma);
        return out;
      },
      py::arg("image"), py::arg("sigma"));

  m.def(
      "_vision_dog",
      [](const py::object& img, double sigma1, double sigma2) {
        auto in = as_float_image(img, "difference_of_gaussians");
        const auto& v = in.view;
        auto out = new_image<float>(v.height, v.width, v.channels);
        auto ov = out_view(out, v.height, v.width, v.channels);
        py::gil_scoped_release nogil;
        difference_of_gaussians(v, ov, sigma1, sigma2);
        return out;
      },
      py::arg("image"), py::arg("sigma1"), py::arg("sigma2"));

  m.def(
      "_vision_frame_diff",
      [](const py::object& a, const py::object& b) {
        auto ia = as_image<std::uint8_t>(a, "frame_diff");
        auto ib = as_image<std::uint8_t>(b, "frame_diff");
        const auto& v = ia.view;
        auto out = new_image<std::uint8_t>(v.height, v.width, v.channels);
        auto ov = out_view(out, v.height, v.width, v.channels);
        py::gil_scoped_release nogil;
        frame_difference(v, ib.view, ov);
        return out;
      },
      py::arg("a"), py::arg("b"));

  m.def(
      "_vision_motion_energy",
      [](const py::object& a, const py::object& b, int threshold) {
        auto ia = as_image<std::uint8_t>(a, "motion_energy");
        auto ib = as_image<std::uint8_t>(b, "motion_energy");
        MotionEnergy e;
        {
          py::gil_scoped_release nogil;
          e = motion_energy(ia.view, ib.view, threshold);
        }
        py::dict d;
        d["mean_abs"] = e.mean_abs;
        d["mean_square"] = e.mean_square;
        d["changed"] = e.changed;
        return d;
      },
      py::arg("a"), py::arg("b"), py::arg("threshold") = 25);

  m.def(
      "_vision_polar_hemifields",
      [](const py::object& img) {
        auto in = as_image<std::uint8_t>(img, "polar_hemifields");
        Image<std::uint8_t> left, right;
        {
          py::gil_scoped_release nogil;
          split_polar_hemifields(in.view, left, right);
        }
        auto wrap = [&](Image<std::uint8_t>& im) {
          const int h = im.height(), w = im.width(), c = im.channels();
          std::vector<py::ssize_t> shape = {h, w};
          if (in.array.ndim() == 3) shape.push_back(c);
          return python::to_numpy(std::move(im.pixels()), shape);
        };
        return py::make_tuple(wrap(left), wrap(right));
      },
      py::arg("polar_image"));

  py::class_<PolarMap, std::shared_ptr<PolarMap>>(m, "_PolarMap")
      .def(py::init([](std::pair<int, int> src_size, std::pair<int, int> dsize, std::pair<double, double> center,
                       double max_radius, const std::string& mode, double fovea) {
             PolarSpec s;
             s.src_width = src_size.first;
             s.src_height = src_size.second;
             s.width = dsize.first;
             s.height = dsize.second;
             s.center_x = center.first;
             s.center_y = center.second;
             s.max_radius = max_radius;
             s.mode = parse_polar_mode(mode);
             s.fovea = fovea;
             py::gil_scoped_release nogil;
             return std::make_shared<PolarMap>(s);
           }),
           py::arg("src_size"), py::arg("dsize"), py::arg("center"), py::arg("max_radius"), py::arg("mode"),
           py::arg("fovea") = 1.0)
      .def(
          "apply",
          [](const PolarMap& map, const py::object& img) {
            auto in = as_image<std::uint8_t>(img, "PolarMap.apply");
            const auto& s = map.spec();
            auto out = new_image<std::uint8_t>(s.height, s.width, in.view.channels);
            auto ov = out_view(out, s.height, s.width, in.view.channels);
            py::gil_scoped_release nogil;
            map.apply(in.view, ov);
            return out;
          },
          py::arg("image"))
      .def(
          "apply_into",
          [](const PolarMap& map, const py::object& img, const py::array& out) {
            auto in = as_image<std::uint8_t>(img, "PolarMap.apply");
            const auto& s = map.spec();
            const int c = in.view.channels;
            // `out` is written in place: it must already be the right array (no silent converted copy).
            const bool ok = out.dtype().is(py::dtype::of<std::uint8_t>()) && (out.flags() & py::array::c_style) != 0 &&
                            (c == 1 ? out.ndim() == 2 : out.ndim() == 3 && out.shape(2) == c) &&
                            out.shape(0) == s.height && out.shape(1) == s.width && out.writeable();
            if (!ok)
              throw InvalidArgument("PolarMap.apply: `out` must be a writable, C-contiguous uint8 array of shape (" +
                                    std::to_string(s.height) + ", " + std::to_string(s.width) +
                                    (c == 1 ? ")" : ", " + std::to_string(c) + ")"));
            auto ov = ImageView<std::uint8_t>(static_cast<std::uint8_t*>(py::array(out).mutable_data()), s.height,
                                              s.width, c);
            py::gil_scoped_release nogil;
            map.apply(in.view, ov);
          },
          py::arg("image"), py::arg("out"))
      .def_property_readonly("map_x",
                             [](const PolarMap& p) {
                               std::vector<float> v = p.map_x();
                               return python::to_numpy(std::move(v), {p.spec().height, p.spec().width});
                             })
      .def_property_readonly("map_y",
                             [](const PolarMap& p) {
                               std::vector<float> v = p.map_y();
                               return python::to_numpy(std::move(v), {p.spec().height, p.spec().width});
                             })
      .def("radius", &PolarMap::radius, py::arg("column"));
}
