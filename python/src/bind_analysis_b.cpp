// Bindings of analysis part B: CQT/VQT, chroma_cqt, tuning, YIN, HPSS, NMF, PNG rendering, streaming CQT.
// The librosa-named Python functions live in python/percept/_analysis_b.py and call these `_`-prefixed
// primitives on one row at a time (mono float32, C-contiguous).
#include <pybind11/complex.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <complex>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "common.hpp"
#include "percept/analysis/cqt.hpp"
#include "percept/analysis/display.hpp"
#include "percept/analysis/hpss.hpp"
#include "percept/analysis/nmf.hpp"
#include "percept/analysis/yin.hpp"
#include "percept/core/error.hpp"
#include "percept/dsp/processor.hpp"

namespace py = pybind11;
using namespace percept;
using percept::analysis::Array2D;

namespace {

using F32 = py::array_t<float, py::array::c_style | py::array::forcecast>;
using C64 = py::array_t<std::complex<float>, py::array::c_style | py::array::forcecast>;

std::span<const float> span1d(const F32& a, const char* what) {
  if (a.ndim() != 1) throw InvalidArgument(std::string(what) + ": expected a 1-D array");
  return {a.data(), static_cast<std::size_t>(a.shape(0))};
}

template <class T>
py::array_t<T> to_array(Array2D<T>&& a) {
  const auto r = static_cast<py::ssize_t>(a.rows), c = static_cast<py::ssize_t>(a.cols);
  return percept::python::to_numpy(std::move(a.data), {r, c});
}

Array2D<float> from_array(const F32& a, const char* what) {
  if (a.ndim() != 2) throw InvalidArgument(std::string(what) + ": expected a 2-D array");
  Array2D<float> m(static_cast<std::size_t>(a.shape(0)), static_cast<std::size_t>(a.shape(1)));
  std::copy(a.data(), a.data() + a.size(), m.data.begin());
  return m;
}

std::optional<double> norm_arg(const py::object& o) {
  if (o.is_none()) return std::nullopt;
  return o.cast<double>();
}

// chroma_cqt's options from its Python arguments (the offline function and the streaming class).
analysis::ChromaCqtOptions chroma_cqt_options(double sr, std::size_t hop_length, double fmin, const py::object& norm,
                                              double threshold, std::optional<double> tuning, std::size_t n_chroma,
                                              std::size_t n_octaves, std::size_t bins_per_octave) {
  analysis::ChromaCqtOptions o;
  o.sr = sr;
  o.hop_length = hop_length;
  o.fmin = fmin;
  o.norm = norm_arg(norm);
  o.threshold = threshold;
  o.tuning = tuning;
  o.n_chroma = n_chroma;
  o.n_octaves = n_octaves;
  o.bins_per_octave = bins_per_octave;
  return o;
}

analysis::CqtOptions cqt_options(double sr, std::size_t hop_length, double fmin, std::size_t n_bins,
                                 std::size_t bins_per_octave, double tuning, double filter_scale,
                                 const py::object& norm, double sparsity, const std::string& window, bool scale,
                                 const std::string& pad_mode, const std::string& res_type, double gamma) {
  analysis::CqtOptions o;
  o.sr = sr;
  o.hop_length = hop_length;
  o.fmin = fmin;
  o.n_bins = n_bins;
  o.bins_per_octave = bins_per_octave;
  o.tuning = tuning;
  o.filter_scale = filter_scale;
  o.norm = norm_arg(norm);
  o.sparsity = sparsity;
  o.window = window;
  o.scale = scale;
  o.pad_mode = analysis::parse_cqt_pad_mode(pad_mode);
  o.res_type = dsp::parse_resample_quality(res_type.c_str());
  o.gamma = gamma;
  return o;
}

void bind_cqt(py::module_& m) {
  m.def(
      "_vqt",
      [](const F32& y, double sr, std::size_t hop_length, double fmin, std::size_t n_bins, std::size_t bins_per_octave,
         double tuning, double filter_scale, const py::object& norm, double sparsity, const std::string& window,
         bool scale, const std::string& pad_mode, const std::string& res_type, double gamma) {
        const auto o = cqt_options(sr, hop_length, fmin, n_bins, bins_per_octave, tuning, filter_scale, norm, sparsity,
                                   window, scale, pad_mode, res_type, gamma);
        const auto x = span1d(y, "vqt");
        Array2D<std::complex<float>> C;
        {
          py::gil_scoped_release release;
          C = analysis::cached_cqt_plan(o)->transform(x);
        }
        return to_array(std::move(C));
      },
      py::arg("y"), py::arg("sr"), py::arg("hop_length"), py::arg("fmin"), py::arg("n_bins"),
      py::arg("bins_per_octave"), py::arg("tuning"), py::arg("filter_scale"), py::arg("norm"), py::arg("sparsity"),
      py::arg("window"), py::arg("scale"), py::arg("pad_mode"), py::arg("res_type"), py::arg("gamma"));

  m.def(
      "_cqt_frequencies",
      [](std::size_t n_bins, double fmin, std::size_t bpo) { return analysis::cqt_frequencies(n_bins, fmin, bpo); },
      py::arg("n_bins"), py::arg("fmin"), py::arg("bins_per_octave"));

  m.def(
      "_estimate_tuning",
      [](const F32& y, double sr, double resolution, std::size_t bpo) {
        const auto x = span1d(y, "estimate_tuning");
        py::gil_scoped_release release;
        return analysis::estimate_tuning(x, sr, resolution, bpo);
      },
      py::arg("y"), py::arg("sr"), py::arg("resolution"), py::arg("bins_per_octave"));

  m.def(
      "_estimate_tuning_S",
      [](const F32& S, double sr, std::size_t n_fft, double resolution, std::size_t bpo) {
        auto M = from_array(S, "estimate_tuning");
        py::gil_scoped_release release;
        return analysis::estimate_tuning_from_magnitude(M, sr, n_fft, resolution, bpo);
      },
      py::arg("S"), py::arg("sr"), py::arg("n_fft"), py::arg("resolution"), py::arg("bins_per_octave"));

  m.def(
      "_pitch_tuning",
      [](const F32& f, double resolution, std::size_t bpo) {
        std::span<const float> s(f.data(), static_cast<std::size_t>(f.size()));
        return analysis::pitch_tuning(s, resolution, bpo);
      },
      py::arg("frequencies"), py::arg("resolution"), py::arg("bins_per_octave"));

  m.def(
      "_cq_to_chroma",
      [](std::size_t n_input, std::size_t bpo, std::size_t n_chroma, double fmin, bool base_c) {
        return to_array(analysis::cq_to_chroma(n_input, bpo, n_chroma, fmin, base_c));
      },
      py::arg("n_input"), py::arg("bins_per_octave"), py::arg("n_chroma"), py::arg("fmin"), py::arg("base_c"));

  m.def(
      "_chroma_cqt",
      [](const F32& y, double sr, std::size_t hop_length, double fmin, const py::object& norm, double threshold,
         std::optional<double> tuning, std::size_t n_chroma, std::size_t n_octaves, std::size_t bins_per_octave,
         const std::string& res_type) {
        auto o =
            chroma_cqt_options(sr, hop_length, fmin, norm, threshold, tuning, n_chroma, n_octaves, bins_per_octave);
        o.res_type = dsp::parse_resample_quality(res_type.c_str());
        const auto x = span1d(y, "chroma_cqt");
        Array2D<float> C;
        {
          py::gil_scoped_release release;
          C = analysis::chroma_cqt(x, o);
        }
        return to_array(std::move(C));
      },
      py::arg("y"), py::arg("sr"), py::arg("hop_length"), py::arg("fmin"), py::arg("norm"), py::arg("threshold"),
      py::arg("tuning"), py::arg("n_chroma"), py::arg("n_octaves"), py::arg("bins_per_octave"), py::arg("res_type"));

  m.def(
      "_chroma_from_cqt",
      [](const F32& C, std::size_t bins_per_octave, std::size_t n_chroma, double fmin, const py::object& norm,
         double threshold) {
        analysis::ChromaCqtOptions o;
        o.bins_per_octave = bins_per_octave;
        o.n_chroma = n_chroma;
        o.fmin = fmin;
        o.norm = norm_arg(norm);
        o.threshold = threshold;
        auto M = from_array(C, "chroma_cqt");
        Array2D<float> out;
        {
          py::gil_scoped_release release;
          out = analysis::chroma_from_cqt_magnitude(M, o);
        }
        return to_array(std::move(out));
      },
      py::arg("C"), py::arg("bins_per_octave"), py::arg("n_chroma"), py::arg("fmin"), py::arg("norm"),
      py::arg("threshold"));
}

// A new 2-D array of T in C or Fortran order.
template <class T>
py::array new2d(bool fortran, py::ssize_t r, py::ssize_t c) {
  if (fortran) return py::array_t<T, py::array::f_style>({r, c});
  return py::array_t<T, py::array::c_style>({r, c});
}

void bind_hpss_yin_nmf(py::module_& m) {
  // HPSS on a (bins, frames) array, C- or Fortran-ordered (no reordering copy either way).
  m.def(
      "_hpss",
      [](const py::array& S, std::size_t kh, std::size_t kp, double power, double mh, double mp, bool mask) {
        if (S.ndim() != 2) throw InvalidArgument("hpss: expected a 2-D (bins, frames) spectrogram");
        const auto n_bins = static_cast<std::size_t>(S.shape(0)), n_frames = static_cast<std::size_t>(S.shape(1));
        const analysis::HpssOptions o{kh, kp, power, mh, mp};
        const bool fortran = (S.flags() & py::array::f_style) && !(S.flags() & py::array::c_style);
        const auto layout = fortran ? analysis::SpecLayout::FrameMajor : analysis::SpecLayout::TimeContiguous;
        const py::ssize_t r = S.shape(0), c = S.shape(1);
        if (S.dtype().kind() == 'c') {
          py::array D =
              fortran
                  ? py::array(py::array_t<std::complex<float>, py::array::f_style | py::array::forcecast>::ensure(S))
                  : py::array(py::array_t<std::complex<float>, py::array::c_style | py::array::forcecast>::ensure(S));
          if (!D) throw InvalidArgument("hpss: cannot read the spectrogram as complex64");
          const auto* d = static_cast<const std::complex<float>*>(D.data());
          if (mask) {
            std::vector<float> mag(n_bins * n_frames);
            for (std::size_t i = 0; i < mag.size(); ++i) mag[i] = std::abs(d[i]);
            py::array H = new2d<float>(fortran, r, c), P = new2d<float>(fortran, r, c);
            auto* h = static_cast<float*>(H.mutable_data());
            auto* p = static_cast<float*>(P.mutable_data());
            {
              py::gil_scoped_release release;
              analysis::hpss_masks(mag.data(), n_bins, n_frames, layout, o, h, p);
            }
            return py::make_tuple(H, P);
          }
          py::array H = new2d<std::complex<float>>(fortran, r, c), P = new2d<std::complex<float>>(fortran, r, c);
          auto* h = static_cast<std::complex<float>*>(H.mutable_data());
          auto* p = static_cast<std::complex<float>*>(P.mutable_data());
          {
            py::gil_scoped_release release;
            analysis::hpss(d, n_bins, n_frames, layout, o, h, p);
          }
          return py::make_tuple(H, P);
        }
        py::array M = fortran ? py::array(py::array_t<float, py::array::f_style | py::array::forcecast>::ensure(S))
                              : py::array(py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(S));
        if (!M) throw InvalidArgument("hpss: cannot read the spectrogram as float32");
        py::array H = new2d<float>(fortran, r, c), P = new2d<float>(fortran, r, c);
        const auto* s = static_cast<const float*>(M.data());
        auto* h = static_cast<float*>(H.mutable_data());
        auto* p = static_cast<float*>(P.mutable_data());
        {
          py::gil_scoped_release release;
          if (mask)
            analysis::hpss_masks(s, n_bins, n_frames, layout, o, h, p);
          else
            analysis::hpss_magnitude(s, n_bins, n_frames, layout, o, h, p);
        }
        return py::make_tuple(H, P);
      },
      py::arg("S"), py::arg("kernel_harmonic"), py::arg("kernel_percussive"), py::arg("power"),
      py::arg("margin_harmonic"), py::arg("margin_percussive"), py::arg("mask"));

  m.def(
      "_hpss_signal",
      [](const F32& y, std::size_t kh, std::size_t kp, double power, double mh, double mp, std::size_t n_fft,
         std::size_t hop_length, std::size_t win_length, const std::string& window, bool center,
         const std::string& pad_mode) {
        const auto x = span1d(y, "effects.hpss");
        const analysis::HpssOptions o{kh, kp, power, mh, mp};
        analysis::StftParams sp;
        sp.n_fft = n_fft;
        sp.hop_length = hop_length;
        sp.win_length = win_length;
        sp.window = analysis::parse_window(window);
        sp.center = center;
        sp.pad_mode = analysis::parse_pad_mode(pad_mode);
        std::pair<std::vector<float>, std::vector<float>> r;
        {
          py::gil_scoped_release release;
          r = analysis::hpss_signal(x.data(), x.size(), o, sp.resolved());
        }
        const auto n = static_cast<py::ssize_t>(r.first.size());
        return py::make_tuple(percept::python::to_numpy(std::move(r.first), {n}),
                              percept::python::to_numpy(std::move(r.second), {n}));
      },
      py::arg("y"), py::arg("kernel_harmonic"), py::arg("kernel_percussive"), py::arg("power"),
      py::arg("margin_harmonic"), py::arg("margin_percussive"), py::arg("n_fft"), py::arg("hop_length"),
      py::arg("win_length"), py::arg("window"), py::arg("center"), py::arg("pad_mode"));

  m.def(
      "_yin",
      [](const F32& y, double fmin, double fmax, double sr, std::size_t frame_length, std::size_t win_length,
         std::size_t hop_length, double trough_threshold, bool center, const std::string& pad_mode) {
        const analysis::YinOptions o{fmin,   fmax,    sr, frame_length, win_length, hop_length, trough_threshold,
                                     center, pad_mode};
        const auto x = span1d(y, "yin");
        std::vector<double> f0;
        {
          py::gil_scoped_release release;
          f0 = analysis::yin(x, o);
        }
        const auto n = static_cast<py::ssize_t>(f0.size());
        return percept::python::to_numpy(std::move(f0), {n});
      },
      py::arg("y"), py::arg("fmin"), py::arg("fmax"), py::arg("sr"), py::arg("frame_length"), py::arg("win_length"),
      py::arg("hop_length"), py::arg("trough_threshold"), py::arg("center"), py::arg("pad_mode"));

  m.def(
      "_nmf",
      [](const F32& S, std::size_t n_components, double beta, std::size_t max_iter, double tol, const std::string& init,
         std::uint64_t seed) {
        analysis::NmfOptions o;
        o.n_components = n_components;
        o.beta = beta;
        o.max_iter = max_iter;
        o.tol = tol;
        o.seed = seed;
        if (init == "nndsvd")
          o.init = analysis::NmfInit::Nndsvd;
        else if (init == "nndsvda")
          o.init = analysis::NmfInit::Nndsvda;
        else if (init == "nndsvdar")
          o.init = analysis::NmfInit::Nndsvdar;
        else if (init == "random")
          o.init = analysis::NmfInit::Random;
        else
          throw InvalidArgument("decompose: unknown init '" + init + "' (nndsvd, nndsvda, nndsvdar, random)");
        auto M = from_array(S, "decompose");
        analysis::NmfResult r;
        {
          py::gil_scoped_release release;
          r = analysis::nmf(M, o);
        }
        return py::make_tuple(to_array(std::move(r.components)), to_array(std::move(r.activations)), r.n_iter,
                              r.divergence);
      },
      py::arg("S"), py::arg("n_components"), py::arg("beta"), py::arg("max_iter"), py::arg("tol"), py::arg("init"),
      py::arg("seed"));

  m.def(
      "_nmf_transform",
      [](const F32& S, const F32& W, double beta, std::size_t max_iter) {
        analysis::NmfOptions o;
        o.beta = beta;
        o.max_iter = max_iter;
        auto M = from_array(S, "decompose");
        auto C = from_array(W, "decompose");
        Array2D<float> H;
        {
          py::gil_scoped_release release;
          H = analysis::nmf_transform(M, C, o);
        }
        return to_array(std::move(H));
      },
      py::arg("S"), py::arg("components"), py::arg("beta"), py::arg("max_iter"));
}

}  // namespace

void bind_display(py::module_& m) {
  m.def(
      "_specshow",
      [](const F32& data, const std::string& x_axis, const std::string& y_axis, double sr, std::size_t hop_length,
         std::size_t n_fft, double fmin, std::optional<double> fmax, std::optional<double> mel_fmin,
         std::size_t bins_per_octave, bool htk, const std::string& cmap, std::optional<double> vmin,
         std::optional<double> vmax, const std::string& title, bool colorbar, const std::string& colorbar_label,
         int width, int height, std::optional<std::string> path) {
        if (data.ndim() != 2) throw InvalidArgument("specshow: data must be 2-D (bins, frames)");
        analysis::SpecshowOptions o;
        o.x_axis = analysis::parse_display_axis(x_axis);
        o.y_axis = analysis::parse_display_axis(y_axis);
        o.sr = sr;
        o.hop_length = hop_length;
        o.n_fft = n_fft;
        o.fmin = fmin;
        o.fmax = fmax;
        o.mel_fmin = mel_fmin;
        o.bins_per_octave = bins_per_octave;
        o.htk = htk;
        o.cmap = cmap;
        o.vmin = vmin;
        o.vmax = vmax;
        o.title = title;
        o.colorbar = colorbar;
        o.colorbar_label = colorbar_label;
        o.width = width;
        o.height = height;
        analysis::RgbImage img;
        {
          py::gil_scoped_release release;
          img = analysis::specshow(data.data(), static_cast<std::size_t>(data.shape(0)),
                                   static_cast<std::size_t>(data.shape(1)), o);
          if (path) analysis::write_png(*path, img);
        }
        const py::ssize_t h = img.height, w = img.width;
        return percept::python::to_numpy(std::move(img.pixels), {h, w, 3});
      },
      py::arg("data"), py::arg("x_axis"), py::arg("y_axis"), py::arg("sr"), py::arg("hop_length"), py::arg("n_fft"),
      py::arg("fmin"), py::arg("fmax"), py::arg("mel_fmin"), py::arg("bins_per_octave"), py::arg("htk"),
      py::arg("cmap"), py::arg("vmin"), py::arg("vmax"), py::arg("title"), py::arg("colorbar"),
      py::arg("colorbar_label"), py::arg("width"), py::arg("height"), py::arg("path"));
}

// Frames read from a streaming object as a (n_bins, k) array.
template <class T, class S>
py::array_t<T> read_frames(S& s, std::size_t n_rows) {
  const std::size_t k = s.available();
  std::vector<T> buf(k * n_rows);
  s.read(buf.data(), k);
  py::array_t<T> out({static_cast<py::ssize_t>(n_rows), static_cast<py::ssize_t>(k)});
  auto o = out.template mutable_unchecked<2>();
  for (std::size_t t = 0; t < k; ++t)
    for (std::size_t b = 0; b < n_rows; ++b)
      o(static_cast<py::ssize_t>(b), static_cast<py::ssize_t>(t)) = buf[t * n_rows + b];
  return out;
}

void bind_streaming(py::module_& m) {
  py::class_<analysis::StreamingCqt>(m, "_StreamingCqt")
      .def(py::init([](double sr, std::size_t hop_length, double fmin, std::size_t n_bins, std::size_t bins_per_octave,
                       double tuning, double filter_scale, const py::object& norm, double sparsity,
                       const std::string& window, bool scale, const std::string& res_type, double gamma,
                       std::size_t max_chunk) {
             auto o = cqt_options(sr, hop_length, fmin, n_bins, bins_per_octave, tuning, filter_scale, norm, sparsity,
                                  window, scale, "constant", res_type, gamma);
             auto s = std::make_unique<analysis::StreamingCqt>(o);
             s->prepare(max_chunk);
             return s;
           }),
           py::arg("sr"), py::arg("hop_length"), py::arg("fmin"), py::arg("n_bins"), py::arg("bins_per_octave"),
           py::arg("tuning"), py::arg("filter_scale"), py::arg("norm"), py::arg("sparsity"), py::arg("window"),
           py::arg("scale"), py::arg("res_type"), py::arg("gamma"), py::arg("max_chunk"))
      .def("process",
           [](analysis::StreamingCqt& s, const F32& x) {
             const auto v = span1d(x, "StreamingCQT.process");
             {
               py::gil_scoped_release release;
               s.push(v);
             }
             return read_frames<std::complex<float>>(s, s.num_bins());
           })
      .def("flush",
           [](analysis::StreamingCqt& s) {
             {
               py::gil_scoped_release release;
               s.finish();
             }
             return read_frames<std::complex<float>>(s, s.num_bins());
           })
      .def("reset", &analysis::StreamingCqt::reset)
      .def_property_readonly("n_bins", &analysis::StreamingCqt::num_bins)
      .def_property_readonly("frames_emitted", &analysis::StreamingCqt::frames_emitted)
      .def_property_readonly("samples_received", &analysis::StreamingCqt::samples_received);

  py::class_<analysis::StreamingChromaCqt>(m, "_StreamingChromaCqt")
      .def(py::init([](double sr, std::size_t hop_length, double fmin, const py::object& norm, double threshold,
                       double tuning, std::size_t n_chroma, std::size_t n_octaves, std::size_t bins_per_octave,
                       std::size_t max_chunk) {
             auto s = std::make_unique<analysis::StreamingChromaCqt>(chroma_cqt_options(
                 sr, hop_length, fmin, norm, threshold, tuning, n_chroma, n_octaves, bins_per_octave));
             s->prepare(max_chunk);
             return s;
           }),
           py::arg("sr"), py::arg("hop_length"), py::arg("fmin"), py::arg("norm"), py::arg("threshold"),
           py::arg("tuning"), py::arg("n_chroma"), py::arg("n_octaves"), py::arg("bins_per_octave"),
           py::arg("max_chunk"))
      .def("process",
           [](analysis::StreamingChromaCqt& s, const F32& x) {
             const auto v = span1d(x, "StreamingChromaCQT.process");
             {
               py::gil_scoped_release release;
               s.push(v);
             }
             return read_frames<float>(s, s.num_chroma());
           })
      .def("flush",
           [](analysis::StreamingChromaCqt& s) {
             {
               py::gil_scoped_release release;
               s.finish();
             }
             return read_frames<float>(s, s.num_chroma());
           })
      .def("reset", &analysis::StreamingChromaCqt::reset);
}

void bind_cqt_processor(py::module_& m) {
  py::class_<analysis::CqtProcessor, dsp::Processor, std::shared_ptr<analysis::CqtProcessor>>(
      m, "CQTProcessor", "Real-time CQT analyser: audio passes through; |CQT| frames queue up for pop_frames().")
      .def(py::init([](double sr, std::size_t hop_length, double fmin, std::size_t n_bins, std::size_t bins_per_octave,
                       double tuning, std::optional<double> gamma, std::size_t queue_frames) {
             analysis::CqtOptions o;
             o.sr = sr;
             o.hop_length = hop_length;
             o.fmin = fmin;
             o.n_bins = n_bins;
             o.bins_per_octave = bins_per_octave;
             o.tuning = tuning;
             o.gamma = gamma ? *gamma : std::numeric_limits<double>::quiet_NaN();
             return std::make_shared<analysis::CqtProcessor>(o, queue_frames);
           }),
           py::arg("sr") = 22050.0, py::arg("hop_length") = 512, py::arg("fmin") = analysis::kFreqC1,
           py::arg("n_bins") = 84, py::arg("bins_per_octave") = 12, py::arg("tuning") = 0.0,
           py::arg("gamma") = std::optional<double>(0.0), py::arg("queue_frames") = 1024)
      .def(
          "pop_frames",
          [](analysis::CqtProcessor& p) {
            const std::size_t nb = p.num_bins();
            std::vector<float> frames, f(nb);
            while (p.pop_frame(f.data())) frames.insert(frames.end(), f.begin(), f.end());
            const std::size_t k = frames.size() / nb;
            py::array_t<float> out({static_cast<py::ssize_t>(nb), static_cast<py::ssize_t>(k)});
            auto o = out.mutable_unchecked<2>();
            for (std::size_t t = 0; t < k; ++t)
              for (std::size_t b = 0; b < nb; ++b)
                o(static_cast<py::ssize_t>(b), static_cast<py::ssize_t>(t)) = frames[t * nb + b];
            return out;
          },
          "All queued |CQT| frames as a (n_bins, k) float32 array.")
      .def_property_readonly("n_bins", &analysis::CqtProcessor::num_bins)
      .def_property_readonly("frames_dropped", &analysis::CqtProcessor::frames_dropped)
      .def_property_readonly("analysis_lag", &analysis::CqtProcessor::analysis_lag);
}

void bind_analysis_b(py::module_& m) {
  bind_cqt_processor(m);
  bind_cqt(m);
  bind_streaming(m);
  bind_display(m);
  bind_hpss_yin_nmf(m);
}
