// percept._percept.analysis: the compiled half of percept's librosa-compatible analysis (STFT, mel,
// MFCC, spectral statistics, chroma_stft, onsets, tempo and beats, streaming analysers). The Python
// modules percept.feature / filters / onset / beat / streaming wrap these with librosa's signatures.
//
// Arrays: audio is (..., n) float32 or float64 (the leading axes are independent signals, processed
// in parallel across all cores). Spectrogram-like results are (..., bins, frames), handed to numpy
// without a copy for a single signal (frame-major storage, i.e. numpy's Fortran order per signal).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <complex>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "common.hpp"
#include "percept/analysis/batch.hpp"
#include "percept/analysis/features.hpp"
#include "percept/analysis/fft.hpp"
#include "percept/analysis/normalize.hpp"
#include "percept/analysis/rhythm.hpp"
#include "percept/analysis/spectrum.hpp"
#include "percept/analysis/streaming.hpp"
#include "percept/core/error.hpp"
#include "percept/dsp/resample.hpp"
#include "percept/io/audio_file.hpp"

namespace py = pybind11;
using namespace percept;
using namespace percept::analysis;

namespace {

// ---------------------------------------------------------------------------------------------
// numpy plumbing

enum class Precision { F32, F64 };

Precision precision_of(const py::array& a, const char* what) {
  if (a.dtype().is(py::dtype::of<float>())) return Precision::F32;
  if (a.dtype().is(py::dtype::of<double>())) return Precision::F64;
  throw InvalidArgument(std::string(what) + ": audio must be floating-point (float32 or float64), got " +
                        percept::python::dtype_name(a.dtype()));
}

template <class T>
struct Rows {
  py::array_t<T, py::array::c_style> array;
  std::vector<py::ssize_t> lead;
  std::size_t n = 0;
  std::size_t count = 0;
  const T* row(std::size_t i) const { return array.data() + i * n; }
};

template <class T>
Rows<T> rows_of(const py::array& y, const char* what) {
  Rows<T> r;
  r.array = py::array_t<T, py::array::c_style>::ensure(y);
  if (!r.array) throw InvalidArgument(std::string(what) + ": could not read the array");
  if (r.array.ndim() == 0) throw InvalidArgument(std::string(what) + ": audio must have at least one dimension");
  r.lead.assign(r.array.shape(), r.array.shape() + r.array.ndim() - 1);
  r.n = static_cast<std::size_t>(r.array.shape(r.array.ndim() - 1));
  r.count = 1;
  for (auto d : r.lead) r.count *= static_cast<std::size_t>(d);
  if (r.n == 0 || r.count == 0) throw InvalidArgument(std::string(what) + ": the audio array is empty");
  return r;
}

/// (..., bins, frames) numpy array from one FrameMatrix per row (zero-copy for a single row).
template <class V>
py::array matrices_to_numpy(std::vector<FrameMatrix<V>>&& mats, const std::vector<py::ssize_t>& lead) {
  const auto frames = static_cast<py::ssize_t>(mats.empty() ? 0 : mats[0].n_frames);
  const auto bins = static_cast<py::ssize_t>(mats.empty() ? 0 : mats[0].n_bins);
  const auto es = static_cast<py::ssize_t>(sizeof(V));
  if (mats.size() == 1 && lead.empty()) {
    auto* heap = new FrameMatrix<V>(std::move(mats[0]));
    py::capsule owner(heap, [](void* p) { delete static_cast<FrameMatrix<V>*>(p); });
    return py::array_t<V>({bins, frames}, {es, bins * es}, heap->data.data(), owner);
  }
  auto* heap = new AlignedVector<V>(mats.size() * static_cast<std::size_t>(frames * bins));
  for (std::size_t i = 0; i < mats.size(); ++i)
    std::memcpy(heap->data() + i * static_cast<std::size_t>(frames * bins), mats[i].data.data(),
                mats[i].data.size() * sizeof(V));
  py::capsule owner(heap, [](void* p) { delete static_cast<AlignedVector<V>*>(p); });
  std::vector<py::ssize_t> shape(lead), strides(lead.size());
  py::ssize_t block = frames * bins * es;
  for (std::size_t i = lead.size(); i-- > 0;) {
    strides[i] = block;
    block *= lead[i];
  }
  shape.push_back(bins);
  shape.push_back(frames);
  strides.push_back(es);
  strides.push_back(bins * es);
  return py::array_t<V>(shape, strides, heap->data(), owner);
}

/// (..., 1, frames) from one vector per row.
template <class V>
py::array vectors_to_numpy(std::vector<std::vector<V>>&& vecs, const std::vector<py::ssize_t>& lead,
                           bool keep_axis = true) {
  const std::size_t frames = vecs.empty() ? 0 : vecs[0].size();
  auto* heap = new std::vector<V>(vecs.size() * frames);
  for (std::size_t i = 0; i < vecs.size(); ++i)
    std::copy(vecs[i].begin(), vecs[i].end(), heap->begin() + static_cast<std::ptrdiff_t>(i * frames));
  py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<V>*>(p); });
  std::vector<py::ssize_t> shape(lead);
  if (keep_axis) shape.push_back(1);
  shape.push_back(static_cast<py::ssize_t>(frames));
  return py::array_t<V>(shape, heap->data(), owner);
}

/// Runs fn(row pointer, n) -> R on every row in parallel (GIL released).
template <class T, class Fn>
auto map_rows(const Rows<T>& rows, Fn&& fn, std::size_t threads) {
  using R = decltype(fn(rows.row(0), rows.n));
  std::vector<R> out(rows.count);
  {
    py::gil_scoped_release release;
    parallel_for(
        rows.count, [&](std::size_t i) { out[i] = fn(rows.row(i), rows.n); }, threads);
  }
  return out;
}

/// Dispatch on float32 / float64 audio.
template <class Fn>
py::object dispatch(const py::array& y, const char* what, Fn&& fn) {
  if (precision_of(y, what) == Precision::F32) return fn(rows_of<float>(y, what));
  return fn(rows_of<double>(y, what));
}

/// A spectrogram argument (..., bins, frames) as one FrameMatrix per leading index.
template <class V>
std::vector<FrameMatrix<V>> spectrogram_rows(const py::array& S, const char* what, std::vector<py::ssize_t>& lead) {
  auto a = py::array_t<V, py::array::forcecast>::ensure(S);
  if (!a || a.ndim() < 2) throw InvalidArgument(std::string(what) + ": expected a (..., bins, frames) spectrogram");
  const auto nd = a.ndim();
  lead.assign(a.shape(), a.shape() + nd - 2);
  const auto bins = static_cast<std::size_t>(a.shape(nd - 2));
  const auto frames = static_cast<std::size_t>(a.shape(nd - 1));
  std::size_t count = 1;
  for (auto d : lead) count *= static_cast<std::size_t>(d);
  std::vector<FrameMatrix<V>> out;
  out.reserve(count);
  const bool fortran_2d = count == 1 && (a.flags() & py::array::f_style);
  // generic strided read through a reshaped view
  py::array_t<V> flat =
      a.reshape({static_cast<py::ssize_t>(count), static_cast<py::ssize_t>(bins), static_cast<py::ssize_t>(frames)});
  auto u = flat.template unchecked<3>();
  for (std::size_t i = 0; i < count; ++i) {
    FrameMatrix<V> m(frames, bins);
    if (fortran_2d) {
      // frame-major already (percept's and librosa's own STFT layout): one copy
      std::memcpy(m.data.data(), a.data(), frames * bins * sizeof(V));
    } else {
      for (std::size_t t = 0; t < frames; ++t)
        for (std::size_t b = 0; b < bins; ++b)
          m.frame(t)[b] = u(static_cast<py::ssize_t>(i), static_cast<py::ssize_t>(b), static_cast<py::ssize_t>(t));
    }
    bool finite = true;
    if constexpr (std::is_floating_point_v<V>) {
      for (const auto& v : m.data) finite &= std::isfinite(v);
    } else {
      // both parts finite (not |v|: a hypot per value costs more than the rest of the copy)
      for (const auto& v : m.data) finite &= std::isfinite(v.real()) && std::isfinite(v.imag());
    }
    if (!finite) throw InvalidArgument(std::string(what) + ": the spectrogram is not finite everywhere");
    out.push_back(std::move(m));
  }
  return out;
}

bool is_f64(const py::array& a) {
  return a.dtype().is(py::dtype::of<double>()) || a.dtype().is(py::dtype::of<std::complex<double>>());
}

// body(mats, lead) with S as (bins, frames) matrices of its float type (double or float; lead: the leading
// dimensions), as spectrogram_rows gives them.
template <class Body>
py::object with_spectrograms(const py::array& S, const char* what, Body&& body) {
  auto run = [&](auto tag) -> py::object {
    using T = decltype(tag);
    std::vector<py::ssize_t> lead;
    auto mats = spectrogram_rows<T>(S, what, lead);
    return body(mats, lead);
  };
  if (is_f64(S)) return run(double{});
  return run(float{});
}

// f applied to every matrix, in parallel (parallel_for), with the GIL released.
template <class M, class F>
auto map_released(const std::vector<M>& mats, F&& f) {
  std::vector<std::decay_t<decltype(f(mats.front()))>> outs(mats.size());
  py::gil_scoped_release release;
  parallel_for(mats.size(), [&](std::size_t i) { outs[i] = f(mats[i]); });
  return outs;
}

// The n_fft of one-sided spectrograms of `mats` (2 (bins - 1)); at least 2 bins.
template <class M>
std::size_t n_fft_of(const std::vector<M>& mats, const std::string& what) {
  if (mats.empty() || mats[0].n_bins < 2)
    throw InvalidArgument(what + ": the spectrogram needs at least 2 frequency bins");
  return 2 * (mats[0].n_bins - 1);
}

StftParams make_stft(std::size_t n_fft, std::optional<std::size_t> hop, std::optional<std::size_t> win,
                     const std::string& window, bool center, const std::string& pad_mode) {
  StftParams p;
  p.n_fft = n_fft;
  p.win_length = win.value_or(0);
  if (win && *win == 0) throw InvalidArgument("win_length must be positive");
  p.hop_length = hop.value_or(0);
  if (hop && *hop == 0) throw InvalidArgument("hop_length must be positive");
  p.window = parse_window(window);
  p.center = center;
  p.pad_mode = parse_pad_mode(pad_mode);
  return p.resolved();
}

FilterNorm make_norm(const py::object& norm) {
  FilterNorm n;
  if (norm.is_none()) {
    n.kind = FilterNorm::None;
  } else if (py::isinstance<py::str>(norm)) {
    const auto s = norm.cast<std::string>();
    if (s != "slaney") throw InvalidArgument("mel: unsupported norm='" + s + "' (None, 'slaney' or a number)");
    n.kind = FilterNorm::Slaney;
  } else {
    n.kind = FilterNorm::P;
    n.p = norm.cast<double>();
  }
  return n;
}

MelParams make_mel(double sr, std::size_t n_fft, std::size_t n_mels, double fmin, std::optional<double> fmax, bool htk,
                   const py::object& norm) {
  MelParams m;
  m.sr = sr;
  m.n_fft = n_fft;
  m.n_mels = n_mels;
  m.fmin = fmin;
  m.fmax = fmax;
  m.htk = htk;
  m.norm = make_norm(norm);
  return m;
}

Aggregate make_aggregate(const std::string& s) {
  if (s == "mean") return Aggregate::Mean;
  if (s == "median") return Aggregate::Median;
  throw InvalidArgument("aggregate must be 'mean' or 'median', got '" + s + "'");
}

SpectrumOutput make_output(const std::string& s) {
  if (s == "complex") return SpectrumOutput::Complex;
  if (s == "magnitude") return SpectrumOutput::Magnitude;
  if (s == "power") return SpectrumOutput::Power;
  throw InvalidArgument("output must be 'complex', 'magnitude' or 'power', got '" + s + "'");
}

template <class V>
py::array_t<V> vec_to_numpy(std::vector<V>&& v) {
  const auto n = static_cast<py::ssize_t>(v.size());
  return percept::python::to_numpy(std::move(v), {n});
}

// ---------------------------------------------------------------------------------------------
// Streaming: collect the frames produced by one chunk into a (features, k) array.
py::array frames_array(std::vector<float>&& data, std::size_t width, bool complex_out) {
  const std::size_t k = width == 0 ? 0 : data.size() / width;
  if (complex_out) {
    const std::size_t nb = width / 2;
    auto* heap = new std::vector<float>(std::move(data));
    py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<float>*>(p); });
    const auto cs = static_cast<py::ssize_t>(sizeof(std::complex<float>));
    return py::array_t<std::complex<float>>({static_cast<py::ssize_t>(nb), static_cast<py::ssize_t>(k)},
                                            {cs, static_cast<py::ssize_t>(nb) * cs},
                                            reinterpret_cast<std::complex<float>*>(heap->data()), owner);
  }
  auto* heap = new std::vector<float>(std::move(data));
  py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<float>*>(p); });
  const auto fs = static_cast<py::ssize_t>(sizeof(float));
  return py::array_t<float>({static_cast<py::ssize_t>(width), static_cast<py::ssize_t>(k)},
                            {fs, static_cast<py::ssize_t>(width) * fs}, heap->data(), owner);
}

bool is_complex_stream(StreamingAnalyzer& a) {
  auto* s = dynamic_cast<StreamingStft*>(&a);
  return s != nullptr && s->output() == SpectrumOutput::Complex;
}

py::array stream_chunk(StreamingAnalyzer& a, const py::array& x) {
  std::vector<float> out;
  const std::size_t w = a.feature_size();
  {
    if (precision_of(x, "process_chunk") == Precision::F32) {
      auto arr = py::array_t<float, py::array::c_style>::ensure(x);
      if (arr.ndim() != 1) throw InvalidArgument("process_chunk: expected a 1-D chunk of mono samples");
      for (py::ssize_t i = 0; i < arr.size(); ++i)
        if (!std::isfinite(arr.data()[i])) throw InvalidArgument("process_chunk: the chunk is not finite everywhere");
      py::gil_scoped_release release;
      a.ensure_ready();
      a.push(arr.data(), static_cast<std::size_t>(arr.size()),
             [&](const float* f) { out.insert(out.end(), f, f + w); });
    } else {
      auto arr = py::array_t<double, py::array::c_style>::ensure(x);
      if (arr.ndim() != 1) throw InvalidArgument("process_chunk: expected a 1-D chunk of mono samples");
      for (py::ssize_t i = 0; i < arr.size(); ++i)
        if (!std::isfinite(arr.data()[i])) throw InvalidArgument("process_chunk: the chunk is not finite everywhere");
      py::gil_scoped_release release;
      a.ensure_ready();
      a.push(arr.data(), static_cast<std::size_t>(arr.size()),
             [&](const float* f) { out.insert(out.end(), f, f + w); });
    }
  }
  return frames_array(std::move(out), w, is_complex_stream(a));
}

py::array stream_flush(StreamingAnalyzer& a) {
  std::vector<float> out;
  const std::size_t w = a.feature_size();
  {
    py::gil_scoped_release release;
    a.ensure_ready();
    a.flush([&](const float* f) { out.insert(out.end(), f, f + w); });
  }
  return frames_array(std::move(out), w, is_complex_stream(a));
}

py::array stream_read(StreamingAnalyzer& a) {
  std::vector<float> out;
  const std::size_t w = a.feature_size();
  std::vector<float> frame(w);
  while (a.pop_frame(frame.data())) out.insert(out.end(), frame.begin(), frame.end());
  return frames_array(std::move(out), w, is_complex_stream(a));
}

template <class C, class... Extra>
void bind_stream_common(py::class_<C, dsp::Processor, std::shared_ptr<C>>& cls) {
  cls.def(
         "process_chunk", [](C& a, const py::array& x) { return stream_chunk(a, x); }, py::arg("x"),
         "Feeds a 1-D chunk of samples (any length) and returns the frames it completed, (features, k).")
      .def(
          "flush", [](C& a) { return stream_flush(a); },
          "Emits the frames of the zero-padded end (center=True); call reset() before a new signal.")
      .def(
          "read_frames", [](C& a) { return stream_read(a); },
          "Drains the frames queued by process() (the real-time path), (features, k).")
      .def_property_readonly("feature_size", &C::feature_size)
      .def_property_readonly("frames_emitted", &C::frames_emitted)
      .def_property_readonly("frames_dropped", &C::frames_dropped)
      .def("set_queue_frames", &C::set_queue_frames, py::arg("frames"),
           "Capacity of the frame queue filled by process() (takes effect at prepare()).");
}

}  // namespace

void bind_analysis(py::module_& root) {
  auto m = root.def_submodule("analysis", "librosa-compatible analysis (compiled half)");

  // ------------------------------------------------------------------ windows & helpers
  m.def(
      "get_window",
      [](const std::string& window, std::size_t n, bool fftbins) {
        return vec_to_numpy(get_window(parse_window(window), n, fftbins));
      },
      py::arg("window"), py::arg("Nx"), py::arg("fftbins") = true);
  m.def(
      "window_sumsquare",
      [](const std::string& window, std::size_t n_frames, std::size_t hop_length, std::optional<std::size_t> win_length,
         std::size_t n_fft) {
        return vec_to_numpy(
            window_sumsquare(parse_window(window), n_frames, hop_length, win_length.value_or(n_fft), n_fft));
      },
      py::arg("window"), py::arg("n_frames"), py::arg("hop_length"), py::arg("win_length"), py::arg("n_fft"));
  m.def(
      "fft_frequencies", [](double sr, std::size_t n_fft) { return vec_to_numpy(fft_frequencies(sr, n_fft)); },
      py::arg("sr"), py::arg("n_fft"));
  m.def(
      "mel_frequencies",
      [](std::size_t n_mels, double fmin, double fmax, bool htk) {
        return vec_to_numpy(mel_frequencies(n_mels, fmin, fmax, htk));
      },
      py::arg("n_mels"), py::arg("fmin"), py::arg("fmax"), py::arg("htk"));
  m.def("hz_to_mel", py::vectorize([](double f, bool htk) { return hz_to_mel(f, htk); }), py::arg("frequencies"),
        py::arg("htk") = false);
  m.def("mel_to_hz", py::vectorize([](double f, bool htk) { return mel_to_hz(f, htk); }), py::arg("mels"),
        py::arg("htk") = false);
  m.def("num_frames", &analysis::num_frames, py::arg("n"), py::arg("n_fft"), py::arg("hop_length"), py::arg("center"));
  m.def(
      "set_fft_planning",
      [](const std::string& s) {
        if (s == "estimate")
          set_fft_planning(FftPlanning::Estimate);
        else if (s == "measure")
          set_fft_planning(FftPlanning::Measure);
        else
          throw InvalidArgument("set_fft_planning: 'estimate' or 'measure'");
      },
      py::arg("effort"));

  // ------------------------------------------------------------------ STFT
  m.def(
      "stft",
      [](const py::array& y, std::size_t n_fft, std::optional<std::size_t> hop, std::optional<std::size_t> win,
         const std::string& window, bool center, const std::string& pad_mode, std::size_t threads) {
        const auto p = make_stft(n_fft, hop, win, window, center, pad_mode);
        return dispatch(y, "stft", [&](const auto& rows) -> py::object {
          using T = std::remove_cvref_t<decltype(*rows.row(0))>;
          Stft<T> st(p);
          auto mats = map_rows(
              rows, [&](const T* r, std::size_t n) { return st.complex(r, n); }, threads);
          return matrices_to_numpy(std::move(mats), rows.lead);
        });
      },
      py::arg("y"), py::arg("n_fft"), py::arg("hop_length"), py::arg("win_length"), py::arg("window"),
      py::arg("center"), py::arg("pad_mode"), py::arg("threads") = 0);
  m.def(
      "spectrogram",
      [](const py::array& y, std::size_t n_fft, std::optional<std::size_t> hop, std::optional<std::size_t> win,
         const std::string& window, bool center, const std::string& pad_mode, double power, std::size_t threads) {
        const auto p = make_stft(n_fft, hop, win, window, center, pad_mode);
        return dispatch(y, "spectrogram", [&](const auto& rows) -> py::object {
          using T = std::remove_cvref_t<decltype(*rows.row(0))>;
          Stft<T> st(p);
          auto mats = map_rows(
              rows, [&](const T* r, std::size_t n) { return st.magnitude(r, n, power); }, threads);
          return matrices_to_numpy(std::move(mats), rows.lead);
        });
      },
      py::arg("y"), py::arg("n_fft"), py::arg("hop_length"), py::arg("win_length"), py::arg("window"),
      py::arg("center"), py::arg("pad_mode"), py::arg("power"), py::arg("threads") = 0);
  m.def(
      "istft",
      [](const py::array& S, std::optional<std::size_t> hop, std::optional<std::size_t> win,
         std::optional<std::size_t> n_fft, const std::string& window, bool center,
         std::optional<std::size_t> length) -> py::object {
        auto run = [&](auto tag) -> py::object {
          using T = decltype(tag);
          std::vector<py::ssize_t> lead;
          auto mats = spectrogram_rows<std::complex<T>>(S, "istft", lead);
          StftParams p;
          p.n_fft = n_fft.value_or(0);
          p.win_length = win.value_or(0);
          p.hop_length = hop.value_or(0);
          p.window = parse_window(window);
          p.center = center;
          std::vector<std::vector<T>> outs(mats.size());
          {
            py::gil_scoped_release release;
            parallel_for(mats.size(), [&](std::size_t i) { outs[i] = istft(mats[i], p, length); });
          }
          return vectors_to_numpy(std::move(outs), lead, false);
        };
        if (is_f64(S)) return run(double{});
        return run(float{});
      },
      py::arg("stft_matrix"), py::arg("hop_length"), py::arg("win_length"), py::arg("n_fft"), py::arg("window"),
      py::arg("center"), py::arg("length"));

  // ------------------------------------------------------------------ dB
  m.def(
      "power_to_db",
      [](py::array S, double ref, bool ref_is_max, double amin, std::optional<double> top_db,
         bool amplitude) -> py::object {
        DbParams d;
        d.ref = ref;
        d.ref_is_max = ref_is_max;
        d.amin = amin;
        d.top_db = top_db;
        auto run = [&](auto tag) -> py::object {
          using T = decltype(tag);
          py::array_t<T> a = py::array_t<T, py::array::forcecast>::ensure(S);
          if (!a) throw InvalidArgument("power_to_db: could not read the array");
          py::array_t<T> out(std::vector<py::ssize_t>(a.shape(), a.shape() + a.ndim()));
          // copy in C order, convert in place
          auto flat = out.mutable_data();
          {
            py::array_t<T, py::array::c_style> c = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(a);
            std::memcpy(flat, c.data(), static_cast<std::size_t>(c.size()) * sizeof(T));
          }
          const auto n = static_cast<std::size_t>(out.size());
          check_finite(flat, n, amplitude ? "amplitude_to_db" : "power_to_db");
          {
            py::gil_scoped_release release;
            if (amplitude)
              amplitude_to_db(flat, n, d);
            else
              power_to_db(flat, n, d);
          }
          return out;
        };
        if (S.dtype().is(py::dtype::of<double>())) return run(double{});
        return run(float{});
      },
      py::arg("S"), py::arg("ref"), py::arg("ref_is_max"), py::arg("amin"), py::arg("top_db"), py::arg("amplitude"));

  // ------------------------------------------------------------------ mel & MFCC
  m.def(
      "mel_filters",
      [](double sr, std::size_t n_fft, std::size_t n_mels, double fmin, std::optional<double> fmax, bool htk,
         const py::object& norm, bool f64) -> py::object {
        const auto mp = make_mel(sr, n_fft, n_mels, fmin, fmax, htk, norm);
        auto run = [&](auto tag) -> py::object {
          using T = decltype(tag);
          MelFilterbank<T> fb(mp);
          std::vector<T> d = fb.dense();
          return percept::python::to_numpy(
              std::move(d), {static_cast<py::ssize_t>(fb.n_mels()), static_cast<py::ssize_t>(fb.n_bins())});
        };
        if (f64) return run(double{});
        return run(float{});
      },
      py::arg("sr"), py::arg("n_fft"), py::arg("n_mels"), py::arg("fmin"), py::arg("fmax"), py::arg("htk"),
      py::arg("norm"), py::arg("f64") = false);
  m.def(
      "melspectrogram",
      [](const py::array& y, double sr, std::size_t n_fft, std::optional<std::size_t> hop,
         std::optional<std::size_t> win, const std::string& window, bool center, const std::string& pad_mode,
         double power, std::size_t n_mels, double fmin, std::optional<double> fmax, bool htk, const py::object& norm,
         std::optional<py::dict> db, std::size_t threads) {
        const auto p = make_stft(n_fft, hop, win, window, center, pad_mode);
        const auto mp = make_mel(sr, p.n_fft, n_mels, fmin, fmax, htk, norm);
        std::optional<DbParams> dbp;
        if (db) {
          DbParams d;
          d.ref = (*db)["ref"].cast<double>();
          d.ref_is_max = (*db)["ref_is_max"].cast<bool>();
          d.amin = (*db)["amin"].cast<double>();
          d.top_db = (*db)["top_db"].cast<std::optional<double>>();
          dbp = d;
        }
        return dispatch(y, "melspectrogram", [&](const auto& rows) -> py::object {
          using T = std::remove_cvref_t<decltype(*rows.row(0))>;
          auto mats = map_rows(
              rows,
              [&](const T* r, std::size_t n) {
                auto M = melspectrogram(r, n, sr, p, power, mp);
                if (dbp) power_to_db(M.data.data(), M.data.size(), *dbp);
                return M;
              },
              threads);
          return matrices_to_numpy(std::move(mats), rows.lead);
        });
      },
      py::arg("y"), py::arg("sr"), py::arg("n_fft"), py::arg("hop_length"), py::arg("win_length"), py::arg("window"),
      py::arg("center"), py::arg("pad_mode"), py::arg("power"), py::arg("n_mels"), py::arg("fmin"), py::arg("fmax"),
      py::arg("htk"), py::arg("norm"), py::arg("db") = py::none(), py::arg("threads") = 0);
  m.def(
      "mel_from_spectrogram",
      [](const py::array& S, double sr, std::size_t n_mels, double fmin, std::optional<double> fmax, bool htk,
         const py::object& norm) -> py::object {
        return with_spectrograms(S, "melspectrogram", [&](const auto& mats, const auto& lead) {
          using T = std::remove_cvref_t<decltype(mats.front().data[0])>;
          MelFilterbank<T> fb(make_mel(sr, n_fft_of(mats, "melspectrogram"), n_mels, fmin, fmax, htk, norm));
          return matrices_to_numpy(map_released(mats, [&](const auto& M) { return apply_filterbank(fb, M); }), lead);
        });
      },
      py::arg("S"), py::arg("sr"), py::arg("n_mels"), py::arg("fmin"), py::arg("fmax"), py::arg("htk"),
      py::arg("norm"));
  m.def(
      "mfcc_from_db",
      [](const py::array& S, std::size_t n_mfcc, int dct_type, bool ortho, double lifter) -> py::object {
        MfccParams mp;
        mp.n_mfcc = n_mfcc;
        mp.dct_type = dct_type;
        mp.ortho = ortho;
        mp.lifter = lifter;
        return with_spectrograms(S, "mfcc", [&](const auto& mats, const auto& lead) {
          return matrices_to_numpy(map_released(mats, [&](const auto& M) { return mfcc_from_db(M, mp); }), lead);
        });
      },
      py::arg("S"), py::arg("n_mfcc"), py::arg("dct_type"), py::arg("ortho"), py::arg("lifter"));
  m.def(
      "mfcc",
      [](const py::array& y, double sr, std::size_t n_mfcc, int dct_type, bool ortho, double lifter, std::size_t n_fft,
         std::optional<std::size_t> hop, std::optional<std::size_t> win, const std::string& window, bool center,
         const std::string& pad_mode, std::size_t n_mels, double fmin, std::optional<double> fmax, bool htk,
         const py::object& norm, double ref, double amin, std::optional<double> top_db, std::size_t threads) {
        const auto p = make_stft(n_fft, hop, win, window, center, pad_mode);
        const auto mel = make_mel(sr, p.n_fft, n_mels, fmin, fmax, htk, norm);
        MfccParams mp;
        mp.n_mfcc = n_mfcc;
        mp.dct_type = dct_type;
        mp.ortho = ortho;
        mp.lifter = lifter;
        DbParams d;
        d.ref = ref;
        d.amin = amin;
        d.top_db = top_db;
        return dispatch(y, "mfcc", [&](const auto& rows) -> py::object {
          using T = std::remove_cvref_t<decltype(*rows.row(0))>;
          auto mats = map_rows(
              rows, [&](const T* r, std::size_t n) { return mfcc(r, n, sr, mp, p, mel, d); }, threads);
          return matrices_to_numpy(std::move(mats), rows.lead);
        });
      },
      py::arg("y"), py::arg("sr"), py::arg("n_mfcc"), py::arg("dct_type"), py::arg("ortho"), py::arg("lifter"),
      py::arg("n_fft"), py::arg("hop_length"), py::arg("win_length"), py::arg("window"), py::arg("center"),
      py::arg("pad_mode"), py::arg("n_mels"), py::arg("fmin"), py::arg("fmax"), py::arg("htk"), py::arg("norm"),
      py::arg("ref"), py::arg("amin"), py::arg("top_db"), py::arg("threads") = 0);

  // ------------------------------------------------------------------ spectral statistics on S
  m.def(
      "spectral_stat",
      [](const std::string& kind, const py::array& S, double sr, double p, bool norm, double roll_percent, double amin,
         double power) -> py::object {
        if (kind != "centroid" && kind != "bandwidth" && kind != "rolloff" && kind != "flatness")
          throw InvalidArgument("unknown spectral statistic '" + kind + "'");
        return with_spectrograms(S, kind.c_str(), [&](const auto& mats, const auto& lead) {
          const std::size_t n_fft = n_fft_of(mats, "spectral_" + kind);
          return vectors_to_numpy(map_released(mats,
                                               [&](const auto& M) {
                                                 if (kind == "centroid") return spectral_centroid(M, sr, n_fft);
                                                 if (kind == "bandwidth")
                                                   return spectral_bandwidth(M, sr, n_fft, p, norm);
                                                 if (kind == "rolloff")
                                                   return spectral_rolloff(M, sr, n_fft, roll_percent);
                                                 return spectral_flatness(M, amin, power);
                                               }),
                                  lead);
        });
      },
      py::arg("kind"), py::arg("S"), py::arg("sr"), py::arg("p") = 2.0, py::arg("norm") = true,
      py::arg("roll_percent") = 0.85, py::arg("amin") = 1e-10, py::arg("power") = 2.0);
  m.def(
      "spectral_contrast",
      [](const py::array& S, double sr, double fmin, std::size_t n_bands, double quantile, bool linear,
         std::optional<double> top_db) -> py::object {
        ContrastParams cp;
        cp.fmin = fmin;
        cp.n_bands = n_bands;
        cp.quantile = quantile;
        cp.linear = linear;
        cp.top_db = top_db;
        return with_spectrograms(S, "spectral_contrast", [&](const auto& mats, const auto& lead) {
          const std::size_t n_fft = n_fft_of(mats, "spectral_contrast");
          return matrices_to_numpy(
              map_released(mats, [&](const auto& M) { return spectral_contrast(M, sr, n_fft, cp); }), lead);
        });
      },
      py::arg("S"), py::arg("sr"), py::arg("fmin"), py::arg("n_bands"), py::arg("quantile"), py::arg("linear"),
      py::arg("top_db") = 80.0);

  // ------------------------------------------------------------------ time-domain features
  m.def(
      "zero_crossing_rate",
      [](const py::array& y, std::size_t frame_length, std::size_t hop_length, bool center, double threshold) {
        return dispatch(y, "zero_crossing_rate", [&](const auto& rows) -> py::object {
          using T = std::remove_cvref_t<decltype(*rows.row(0))>;
          auto v = map_rows(
              rows,
              [&](const T* r, std::size_t n) {
                return zero_crossing_rate(r, n, frame_length, hop_length, center, threshold);
              },
              0);
          return vectors_to_numpy(std::move(v), rows.lead);
        });
      },
      py::arg("y"), py::arg("frame_length"), py::arg("hop_length"), py::arg("center"), py::arg("threshold"));
  m.def(
      "rms",
      [](const py::array& y, std::size_t frame_length, std::size_t hop_length, bool center,
         const std::string& pad_mode) {
        const auto pm = parse_pad_mode(pad_mode);
        return dispatch(y, "rms", [&](const auto& rows) -> py::object {
          using T = std::remove_cvref_t<decltype(*rows.row(0))>;
          auto v = map_rows(
              rows, [&](const T* r, std::size_t n) { return rms(r, n, frame_length, hop_length, center, pm); }, 0);
          return vectors_to_numpy(std::move(v), rows.lead);
        });
      },
      py::arg("y"), py::arg("frame_length"), py::arg("hop_length"), py::arg("center"), py::arg("pad_mode"));
  m.def(
      "rms_from_spectrogram",
      [](const py::array& S, std::size_t frame_length) -> py::object {
        auto run = [&](auto tag) -> py::object {
          using T = decltype(tag);
          std::vector<py::ssize_t> lead;
          auto mats = spectrogram_rows<T>(S, "rms", lead);
          std::vector<std::vector<T>> outs(mats.size());
          for (std::size_t i = 0; i < mats.size(); ++i) outs[i] = rms_from_spectrogram(mats[i], frame_length);
          return vectors_to_numpy(std::move(outs), lead);
        };
        if (is_f64(S)) return run(double{});
        return run(float{});
      },
      py::arg("S"), py::arg("frame_length"));

  // ------------------------------------------------------------------ chroma
  m.def(
      "chroma_filters",
      [](double sr, std::size_t n_fft, std::size_t n_chroma, double tuning, double ctroct,
         std::optional<double> octwidth, double norm, bool base_c) {
        ChromaParams cp;
        cp.n_chroma = n_chroma;
        cp.ctroct = ctroct;
        cp.octwidth = octwidth;
        cp.norm = norm;
        cp.base_c = base_c;
        auto d = chroma_filterbank(sr, n_fft, tuning, cp);
        return percept::python::to_numpy(std::move(d),
                                         {static_cast<py::ssize_t>(n_chroma), static_cast<py::ssize_t>(n_fft / 2 + 1)});
      },
      py::arg("sr"), py::arg("n_fft"), py::arg("n_chroma"), py::arg("tuning"), py::arg("ctroct"), py::arg("octwidth"),
      py::arg("norm"), py::arg("base_c"));
  m.def(
      "estimate_tuning",
      [](const py::array& S, double sr, std::size_t bins_per_octave, double resolution) -> double {
        auto run = [&](auto tag) -> double {
          using T = decltype(tag);
          std::vector<py::ssize_t> lead;
          auto mats = spectrogram_rows<T>(S, "estimate_tuning", lead);
          if (mats.size() != 1) throw InvalidArgument("estimate_tuning: expected a single (bins, frames) spectrogram");
          py::gil_scoped_release release;
          return estimate_tuning(mats[0], sr, bins_per_octave, resolution);
        };
        if (is_f64(S)) return run(double{});
        return run(float{});
      },
      py::arg("S"), py::arg("sr"), py::arg("bins_per_octave"), py::arg("resolution"));
  m.def(
      "chroma_from_spectrogram",
      [](const py::array& S, double sr, std::optional<double> tuning, double norm, std::size_t n_chroma, double ctroct,
         std::optional<double> octwidth, double fb_norm, bool base_c) -> py::object {
        ChromaParams cp;
        cp.n_chroma = n_chroma;
        cp.ctroct = ctroct;
        cp.octwidth = octwidth;
        cp.norm = fb_norm;
        cp.base_c = base_c;
        return with_spectrograms(S, "chroma_stft", [&](const auto& mats, const auto& lead) {
          return matrices_to_numpy(
              map_released(mats, [&](const auto& M) { return chroma_from_spectrogram(M, sr, tuning, norm, cp); }),
              lead);
        });
      },
      py::arg("S"), py::arg("sr"), py::arg("tuning"), py::arg("norm"), py::arg("n_chroma"), py::arg("ctroct"),
      py::arg("octwidth"), py::arg("fb_norm"), py::arg("base_c"));

  // ------------------------------------------------------------------ onsets, tempo, beats
  auto onset_params = [](double sr, std::size_t n_fft, std::size_t hop, std::size_t lag, std::size_t max_size,
                         bool detrend, bool center, const std::string& aggregate, std::size_t n_mels, double fmin,
                         std::optional<double> fmax, bool htk, std::optional<double> top_db) {
    OnsetParams p;
    p.sr = sr;
    p.n_fft = n_fft;
    p.hop_length = hop;
    p.lag = lag;
    p.max_size = max_size;
    p.detrend = detrend;
    p.center = center;
    p.aggregate = make_aggregate(aggregate);
    p.n_mels = n_mels;
    p.fmin = fmin;
    p.fmax = fmax;
    p.htk = htk;
    p.top_db = top_db;
    if (hop == 0) throw InvalidArgument("onset_strength: hop_length must be positive");
    return p;
  };
  m.def(
      "onset_strength",
      [onset_params](const py::array& y, double sr, std::size_t n_fft, std::size_t hop, std::size_t lag,
                     std::size_t max_size, bool detrend, bool center, const std::string& aggregate, std::size_t n_mels,
                     double fmin, std::optional<double> fmax, bool htk, std::optional<double> top_db,
                     std::size_t threads) {
        const auto p =
            onset_params(sr, n_fft, hop, lag, max_size, detrend, center, aggregate, n_mels, fmin, fmax, htk, top_db);
        return dispatch(y, "onset_strength", [&](const auto& rows) -> py::object {
          using T = std::remove_cvref_t<decltype(*rows.row(0))>;
          auto v = map_rows(
              rows, [&](const T* r, std::size_t n) { return onset_strength(r, n, p); }, threads);
          return vectors_to_numpy(std::move(v), rows.lead, false);
        });
      },
      py::arg("y"), py::arg("sr"), py::arg("n_fft"), py::arg("hop_length"), py::arg("lag"), py::arg("max_size"),
      py::arg("detrend"), py::arg("center"), py::arg("aggregate"), py::arg("n_mels"), py::arg("fmin"), py::arg("fmax"),
      py::arg("htk"), py::arg("top_db"), py::arg("threads") = 0);
  m.def(
      "onset_strength_from_db",
      [onset_params](const py::array& S, std::size_t n_fft, std::size_t hop, std::size_t lag, std::size_t max_size,
                     bool detrend, bool center, const std::string& aggregate) -> py::object {
        const auto p = onset_params(22050, n_fft, hop, lag, max_size, detrend, center, aggregate, 128, 0, std::nullopt,
                                    false, std::nullopt);
        auto run = [&](auto tag) -> py::object {
          using T = decltype(tag);
          std::vector<py::ssize_t> lead;
          auto mats = spectrogram_rows<T>(S, "onset_strength", lead);
          std::vector<std::vector<T>> outs(mats.size());
          {
            py::gil_scoped_release release;
            for (std::size_t i = 0; i < mats.size(); ++i) outs[i] = onset_strength_from_db(mats[i], p);
          }
          return vectors_to_numpy(std::move(outs), lead, false);
        };
        if (is_f64(S)) return run(double{});
        return run(float{});
      },
      py::arg("S"), py::arg("n_fft"), py::arg("hop_length"), py::arg("lag"), py::arg("max_size"), py::arg("detrend"),
      py::arg("center"), py::arg("aggregate"));
  m.def(
      "onset_detect",
      [](const py::array& env, double sr, std::size_t hop, bool normalize, bool backtrack, std::optional<py::dict> pick,
         std::optional<py::array> energy) -> py::object {
        std::optional<PeakPickParams> pp;
        if (pick) {
          PeakPickParams q = PeakPickParams::onset_defaults(sr, hop);
          auto& d = *pick;
          if (d.contains("pre_max")) q.pre_max = d["pre_max"].cast<double>();
          if (d.contains("post_max")) q.post_max = d["post_max"].cast<double>();
          if (d.contains("pre_avg")) q.pre_avg = d["pre_avg"].cast<double>();
          if (d.contains("post_avg")) q.post_avg = d["post_avg"].cast<double>();
          if (d.contains("delta")) q.delta = d["delta"].cast<double>();
          if (d.contains("wait")) q.wait = d["wait"].cast<double>();
          pp = q;
        }
        auto run = [&](auto tag) -> py::object {
          using T = decltype(tag);
          auto a = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(env);
          if (!a || a.ndim() != 1) throw InvalidArgument("onset_detect: the onset envelope must be 1-D");
          const auto n = static_cast<std::size_t>(a.size());
          std::vector<std::int64_t> on;
          {
            py::gil_scoped_release release;
            on = onset_detect(a.data(), n, sr, hop, normalize, backtrack && !energy, pp);
          }
          if (backtrack && energy) {
            auto e = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(*energy);
            if (!e || e.ndim() != 1) throw InvalidArgument("onset_detect: energy must be 1-D");
            on = onset_backtrack(on, e.data(), static_cast<std::size_t>(e.size()));
          }
          return vec_to_numpy(std::move(on));
        };
        if (env.dtype().is(py::dtype::of<double>())) return run(double{});
        return run(float{});
      },
      py::arg("onset_envelope"), py::arg("sr"), py::arg("hop_length"), py::arg("normalize"), py::arg("backtrack"),
      py::arg("pick") = py::none(), py::arg("energy") = py::none());
  m.def(
      "onset_backtrack",
      [](const std::vector<std::int64_t>& events, const py::array& energy) {
        auto e = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(energy);
        if (!e || e.ndim() != 1) throw InvalidArgument("onset_backtrack: energy must be 1-D");
        return vec_to_numpy(onset_backtrack(events, e.data(), static_cast<std::size_t>(e.size())));
      },
      py::arg("events"), py::arg("energy"));
  m.def(
      "tempo",
      [](const py::array& env, double sr, std::size_t hop, double start_bpm, double std_bpm, double ac_size,
         std::optional<double> max_tempo) {
        TempoParams tp{sr, hop, start_bpm, std_bpm, ac_size, max_tempo};
        auto a = py::array_t<float, py::array::c_style>::ensure(env);
        if (env.dtype().is(py::dtype::of<double>())) {
          auto d = py::array_t<double, py::array::c_style>::ensure(env);
          if (d.ndim() != 1) throw InvalidArgument("tempo: the onset envelope must be 1-D");
          check_finite(d.data(), static_cast<std::size_t>(d.size()), "tempo");
          py::gil_scoped_release release;
          return tempo(d.data(), static_cast<std::size_t>(d.size()), tp);
        }
        auto f = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(env);
        if (!f || f.ndim() != 1) throw InvalidArgument("tempo: the onset envelope must be 1-D");
        check_finite(f.data(), static_cast<std::size_t>(f.size()), "tempo");
        py::gil_scoped_release release;
        return tempo(f.data(), static_cast<std::size_t>(f.size()), tp);
      },
      py::arg("onset_envelope"), py::arg("sr"), py::arg("hop_length"), py::arg("start_bpm"), py::arg("std_bpm"),
      py::arg("ac_size"), py::arg("max_tempo"));
  m.def(
      "beat_track",
      [](const py::array& env, double sr, std::size_t hop, double start_bpm, double tightness, bool trim,
         std::optional<double> bpm) {
        BeatParams bp;
        bp.tempo.sr = sr;
        bp.tempo.hop_length = hop;
        bp.tempo.start_bpm = start_bpm;
        bp.tightness = tightness;
        bp.trim = trim;
        bp.bpm = bpm;
        BeatResult r;
        if (env.dtype().is(py::dtype::of<double>())) {
          auto d = py::array_t<double, py::array::c_style>::ensure(env);
          if (d.ndim() != 1) throw InvalidArgument("beat_track: the onset envelope must be 1-D");
          py::gil_scoped_release release;
          r = beat_track(d.data(), static_cast<std::size_t>(d.size()), bp);
        } else {
          auto f = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(env);
          if (!f || f.ndim() != 1) throw InvalidArgument("beat_track: the onset envelope must be 1-D");
          py::gil_scoped_release release;
          r = beat_track(f.data(), static_cast<std::size_t>(f.size()), bp);
        }
        return py::make_tuple(r.tempo, vec_to_numpy(std::move(r.beats)));
      },
      py::arg("onset_envelope"), py::arg("sr"), py::arg("hop_length"), py::arg("start_bpm"), py::arg("tightness"),
      py::arg("trim"), py::arg("bpm"));

  m.def(
      "tempogram",
      [](const py::array& env, std::size_t win_length) {
        auto f = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(env);
        if (!f || f.ndim() != 1) throw InvalidArgument("tempogram: the onset envelope must be 1-D");
        check_finite(f.data(), static_cast<std::size_t>(f.size()), "tempogram");
        std::vector<FrameMatrix<double>> mats(1);
        {
          py::gil_scoped_release release;
          mats[0] = tempogram(f.data(), static_cast<std::size_t>(f.size()), win_length);
        }
        return matrices_to_numpy(std::move(mats), {});
      },
      py::arg("onset_envelope"), py::arg("win_length"));
  m.def(
      "peak_pick",
      [](const py::array& x, double pre_max, double post_max, double pre_avg, double post_avg, double delta,
         double wait) {
        auto f = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(x);
        if (!f || f.ndim() != 1) throw InvalidArgument("peak_pick: x must be 1-D");
        PeakPickParams q{pre_max, post_max, pre_avg, post_avg, delta, wait};
        return vec_to_numpy(peak_pick(f.data(), static_cast<std::size_t>(f.size()), q));
      },
      py::arg("x"), py::arg("pre_max"), py::arg("post_max"), py::arg("pre_avg"), py::arg("post_avg"), py::arg("delta"),
      py::arg("wait"));

  // ------------------------------------------------------------------ files in parallel
  m.def(
      "load_files",
      [](const std::vector<std::string>& paths, std::optional<double> sr, std::size_t threads) {
        std::vector<AudioBuffer<float>> bufs(paths.size());
        std::vector<double> rates(paths.size());
        {
          py::gil_scoped_release release;
          parallel_for(
              paths.size(),
              [&](std::size_t i) {
                int file_rate = 0;
                auto raw = io::read_audio<float>(paths[i], file_rate);
                AudioBuffer<float> mono(1, raw.num_frames());
                for (std::size_t f = 0; f < raw.num_frames(); ++f) {
                  double acc = 0;
                  for (std::size_t c = 0; c < raw.num_channels(); ++c) acc += static_cast<double>(raw.channel(c)[f]);
                  mono.channel(0)[f] =
                      static_cast<float>(acc / static_cast<double>(std::max<std::size_t>(1, raw.num_channels())));
                }
                if (sr && *sr != static_cast<double>(file_rate)) {
                  bufs[i] = dsp::resample<float>(AudioView<const float>(mono.view()), file_rate, *sr);
                  rates[i] = *sr;
                } else {
                  bufs[i] = std::move(mono);
                  rates[i] = file_rate;
                }
              },
              threads);
        }
        py::list out;
        for (std::size_t i = 0; i < paths.size(); ++i)
          out.append(py::make_tuple(percept::python::buffer_to_numpy(std::move(bufs[i]), true), rates[i]));
        return out;
      },
      py::arg("paths"), py::arg("sr"), py::arg("threads") = 0);

  // ------------------------------------------------------------------ per-band standardisation
  py::class_<BandStandardizer>(m, "BandStandardizer",
                               "C++ twin of percept.util.BandStandardizer (real-time transform_frame).")
      .def(py::init<double>(), py::arg("eps") = 1e-8)
      .def(
          "partial_fit",
          [](BandStandardizer& s, const py::array& X) {
            std::vector<py::ssize_t> lead;
            auto mats = spectrogram_rows<double>(X, "BandStandardizer", lead);
            for (const auto& mtx : mats) s.partial_fit(mtx);
          },
          py::arg("X"))
      .def(
          "transform",
          [](const BandStandardizer& s, const py::array& X) -> py::object {
            auto run = [&](auto tag) -> py::object {
              using T = decltype(tag);
              std::vector<py::ssize_t> lead;
              auto mats = spectrogram_rows<T>(X, "BandStandardizer", lead);
              for (auto& mtx : mats) s.transform(mtx);
              return matrices_to_numpy(std::move(mats), lead);
            };
            if (is_f64(X)) return run(double{});
            return run(float{});
          },
          py::arg("X"))
      .def("set_statistics", &BandStandardizer::set_statistics, py::arg("count"), py::arg("mean"), py::arg("m2"))
      .def_property_readonly("count", &BandStandardizer::count)
      .def_property_readonly("mean",
                             [](const BandStandardizer& s) { return vec_to_numpy(std::vector<double>(s.mean())); })
      .def_property_readonly("std", [](const BandStandardizer& s) { return vec_to_numpy(s.stddev()); })
      .def_property_readonly("m2", [](const BandStandardizer& s) { return vec_to_numpy(std::vector<double>(s.m2())); });

  // ------------------------------------------------------------------ streaming analysers
  using Proc = dsp::Processor;
  py::class_<StreamingAnalyzer, Proc, std::shared_ptr<StreamingAnalyzer>>(m, "StreamingAnalyzer");
  {
    py::class_<StreamingStft, StreamingAnalyzer, std::shared_ptr<StreamingStft>> c(m, "StreamingSTFT");
    c.def(py::init([](double sr, std::size_t n_fft, std::optional<std::size_t> hop, std::optional<std::size_t> win,
                      const std::string& window, bool center, const std::string& output) {
            return std::make_shared<StreamingStft>(sr, make_stft(n_fft, hop, win, window, center, "constant"),
                                                   make_output(output));
          }),
          py::arg("sr") = 22050.0, py::arg("n_fft") = 2048, py::arg("hop_length") = py::none(),
          py::arg("win_length") = py::none(), py::arg("window") = "hann", py::arg("center") = true,
          py::arg("output") = "complex");
  }
  {
    py::class_<StreamingMel, StreamingAnalyzer, std::shared_ptr<StreamingMel>> c(m, "StreamingMel");
    c.def(py::init([](double sr, std::size_t n_fft, std::optional<std::size_t> hop, std::optional<std::size_t> win,
                      const std::string& window, bool center, double power, std::size_t n_mels, double fmin,
                      std::optional<double> fmax, bool htk, const py::object& norm, bool log, double ref, double amin,
                      std::optional<double> floor_db) {
            const auto p = make_stft(n_fft, hop, win, window, center, "constant");
            return std::make_shared<StreamingMel>(sr, p, make_mel(sr, p.n_fft, n_mels, fmin, fmax, htk, norm),
                                                  StreamingDb{log, ref, amin, floor_db}, power);
          }),
          py::arg("sr") = 22050.0, py::arg("n_fft") = 2048, py::arg("hop_length") = py::none(),
          py::arg("win_length") = py::none(), py::arg("window") = "hann", py::arg("center") = true,
          py::arg("power") = 2.0, py::arg("n_mels") = 128, py::arg("fmin") = 0.0, py::arg("fmax") = py::none(),
          py::arg("htk") = false, py::arg("norm") = "slaney", py::arg("log") = true, py::arg("ref") = 1.0,
          py::arg("amin") = 1e-10, py::arg("floor_db") = py::none());
  }
  {
    py::class_<StreamingMfcc, StreamingAnalyzer, std::shared_ptr<StreamingMfcc>> c(m, "StreamingMFCC");
    c.def(py::init([](double sr, std::size_t n_mfcc, std::size_t n_fft, std::optional<std::size_t> hop,
                      std::optional<std::size_t> win, const std::string& window, bool center, std::size_t n_mels,
                      double fmin, std::optional<double> fmax, bool htk, const py::object& norm, double lifter,
                      double ref, double amin, std::optional<double> floor_db) {
            const auto p = make_stft(n_fft, hop, win, window, center, "constant");
            MfccParams mp;
            mp.n_mfcc = n_mfcc;
            mp.lifter = lifter;
            return std::make_shared<StreamingMfcc>(sr, p, make_mel(sr, p.n_fft, n_mels, fmin, fmax, htk, norm), mp,
                                                   StreamingDb{true, ref, amin, floor_db});
          }),
          py::arg("sr") = 22050.0, py::arg("n_mfcc") = 20, py::arg("n_fft") = 2048, py::arg("hop_length") = py::none(),
          py::arg("win_length") = py::none(), py::arg("window") = "hann", py::arg("center") = true,
          py::arg("n_mels") = 128, py::arg("fmin") = 0.0, py::arg("fmax") = py::none(), py::arg("htk") = false,
          py::arg("norm") = "slaney", py::arg("lifter") = 0.0, py::arg("ref") = 1.0, py::arg("amin") = 1e-10,
          py::arg("floor_db") = py::none());
  }
  {
    py::class_<StreamingOnsetStrength, StreamingAnalyzer, std::shared_ptr<StreamingOnsetStrength>> c(
        m, "StreamingOnsetStrength");
    c.def(py::init([onset_params](double sr, std::size_t n_fft, std::size_t hop, std::size_t lag, std::size_t max_size,
                                  bool detrend, bool center, const std::string& aggregate, std::size_t n_mels,
                                  double fmin, std::optional<double> fmax, bool htk, double ref, double amin,
                                  std::optional<double> floor_db) {
            const auto p = onset_params(sr, n_fft, hop, lag, max_size, detrend, center, aggregate, n_mels, fmin, fmax,
                                        htk, std::nullopt);
            return std::make_shared<StreamingOnsetStrength>(sr, p, StreamingDb{true, ref, amin, floor_db});
          }),
          py::arg("sr") = 22050.0, py::arg("n_fft") = 2048, py::arg("hop_length") = 512, py::arg("lag") = 1,
          py::arg("max_size") = 1, py::arg("detrend") = false, py::arg("center") = true, py::arg("aggregate") = "mean",
          py::arg("n_mels") = 128, py::arg("fmin") = 0.0, py::arg("fmax") = py::none(), py::arg("htk") = false,
          py::arg("ref") = 1.0, py::arg("amin") = 1e-10, py::arg("floor_db") = py::none());
  }
  {
    py::class_<StreamingSpectralStats, StreamingAnalyzer, std::shared_ptr<StreamingSpectralStats>> c(
        m, "StreamingSpectralStats");
    c.def(py::init([](double sr, std::size_t n_fft, std::optional<std::size_t> hop, std::optional<std::size_t> win,
                      const std::string& window, bool center, double roll_percent, double fmin, std::size_t n_bands,
                      double quantile, bool linear) {
            ContrastParams cp;
            cp.fmin = fmin;
            cp.n_bands = n_bands;
            cp.quantile = quantile;
            cp.linear = linear;
            cp.top_db = std::nullopt;
            return std::make_shared<StreamingSpectralStats>(sr, make_stft(n_fft, hop, win, window, center, "constant"),
                                                            roll_percent, cp);
          }),
          py::arg("sr") = 22050.0, py::arg("n_fft") = 2048, py::arg("hop_length") = py::none(),
          py::arg("win_length") = py::none(), py::arg("window") = "hann", py::arg("center") = true,
          py::arg("roll_percent") = 0.85, py::arg("fmin") = 200.0, py::arg("n_bands") = 6, py::arg("quantile") = 0.02,
          py::arg("linear") = false);
  }
  {
    py::class_<StreamingChroma, StreamingAnalyzer, std::shared_ptr<StreamingChroma>> c(m, "StreamingChroma");
    c.def(py::init([](double sr, std::size_t n_fft, std::optional<std::size_t> hop, std::optional<std::size_t> win,
                      const std::string& window, bool center, double tuning, std::optional<double> norm,
                      std::size_t n_chroma) {
            ChromaParams cp;
            cp.n_chroma = n_chroma;
            return std::make_shared<StreamingChroma>(sr, make_stft(n_fft, hop, win, window, center, "constant"), tuning,
                                                     norm.value_or(0.0), cp);
          }),
          py::arg("sr") = 22050.0, py::arg("n_fft") = 2048, py::arg("hop_length") = py::none(),
          py::arg("win_length") = py::none(), py::arg("window") = "hann", py::arg("center") = true,
          py::arg("tuning") = 0.0, py::arg("norm") = INFINITY, py::arg("n_chroma") = 12);
  }
  // the shared chunk/flush/queue methods, on the base class
  py::class_<StreamingAnalyzer, Proc, std::shared_ptr<StreamingAnalyzer>> base =
      py::reinterpret_borrow<py::class_<StreamingAnalyzer, Proc, std::shared_ptr<StreamingAnalyzer>>>(
          m.attr("StreamingAnalyzer"));
  bind_stream_common(base);
}
