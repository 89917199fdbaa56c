// percept.dsp: processors (filters, virtual-analog models, denoisers, composition), scipy-style filter
// design and offline filtering, and the chain syntax parser. Every processor derives from the
// percept._percept.Processor binding (generic process(x) for (n,) / (channels, n) audio); the side-chain
// processors add a two-input process().
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
#include "percept/dsp/chain.hpp"
#include "percept/dsp/chain_parser.hpp"
#include "percept/dsp/denoise.hpp"
#include "percept/dsp/diagnostic.hpp"
#include "percept/dsp/filter_design.hpp"
#include "percept/dsp/filters.hpp"
#include "percept/dsp/oversampling.hpp"
#include "percept/dsp/resample.hpp"
#include "percept/dsp/utility.hpp"
#include "percept/dsp/virtual_analog.hpp"

namespace py = pybind11;
using namespace percept;
using percept::python::planar_rows;

namespace {

using DArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

std::vector<dsp::Section> sos_from_array(const py::array& a, const char* who) {
  auto s = DArray::ensure(a);
  if (!s || s.ndim() != 2 || s.shape(1) != 6)
    throw InvalidArgument(std::string(who) + ": sos must be an array of shape (n_sections, 6)");
  if (s.shape(0) < 1) throw InvalidArgument(std::string(who) + ": sos needs at least one section");
  std::vector<dsp::Section> out(static_cast<std::size_t>(s.shape(0)));
  for (std::size_t i = 0; i < out.size(); ++i)
    for (std::size_t j = 0; j < 6; ++j) out[i][j] = s.at(static_cast<py::ssize_t>(i), static_cast<py::ssize_t>(j));
  return out;
}

DArray sos_to_array(const std::vector<dsp::Section>& sos) {
  DArray out({static_cast<py::ssize_t>(sos.size()), py::ssize_t{6}});
  auto m = out.mutable_unchecked<2>();
  for (std::size_t i = 0; i < sos.size(); ++i)
    for (std::size_t j = 0; j < 6; ++j) m(static_cast<py::ssize_t>(i), static_cast<py::ssize_t>(j)) = sos[i][j];
  return out;
}

DArray vec_to_array(const std::vector<double>& v) {
  DArray out(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), out.mutable_data());
  return out;
}

std::vector<double> array_to_vec(const py::array& a, const char* who) {
  auto s = DArray::ensure(a);
  if (!s || s.ndim() != 1) throw InvalidArgument(std::string(who) + " must be a 1-D array");
  return {s.data(), s.data() + s.size()};
}

template <class T>
void check_finite(const py::array_t<T, py::array::c_style>& a, const std::string& who) {
  const T* d = a.data();
  for (py::ssize_t i = 0; i < a.size(); ++i)
    if (!std::isfinite(d[i]))
      throw InvalidArgument(who + ": input contains NaN or Inf at flat index " + std::to_string(i));
}

// Runs a two-input processor (carrier/modulator, primary/reference) over whole arrays in blocks.
template <class T, class P>
py::array_t<T> run_pair(P& p, const py::array& xa, const py::array& ma, std::optional<double> sample_rate) {
  auto x = py::array_t<T, py::array::c_style>::ensure(xa);
  auto mo = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(ma);
  if (!x || !mo) throw InvalidArgument(p.name() + ": inputs must be numeric arrays");
  auto xin = planar_rows<const T>(x, p.name().c_str());
  auto min = planar_rows<const T>(mo, p.name().c_str());
  if (min.frames != xin.frames)
    throw InvalidArgument(p.name() + ": the two inputs differ in length (" + std::to_string(xin.frames) + " vs " +
                          std::to_string(min.frames) + " frames)");
  if (min.channels != 1 && min.channels != xin.channels)
    throw InvalidArgument(p.name() + ": the second input must have 1 channel or as many as the first");
  check_finite<T>(x, p.name());
  check_finite<T>(mo, p.name());
  py::array_t<T> y(std::vector<py::ssize_t>(x.shape(), x.shape() + x.ndim()));
  auto out = planar_rows<T>(y, p.name().c_str());
  py::gil_scoped_release release;
  const double rate = sample_rate.value_or(p.sample_rate_hint() > 0 ? p.sample_rate_hint() : 48000.0);
  if (!p.prepared() || p.spec().num_channels != xin.channels || p.spec().sample_rate != rate)
    p.prepare(dsp::ProcessSpec{rate, 4096, xin.channels});
  const std::size_t block = p.spec().max_block_size;
  auto xv = xin.view();
  auto mv = min.view();
  auto ov = out.view();
  for (std::size_t pos = 0; pos < xin.frames; pos += block) {
    const std::size_t n = std::min(block, xin.frames - pos);
    p.template process_pair<T>(xv.frames(pos, n), mv.frames(pos, n), ov.frames(pos, n));
  }
  return y;
}

// The generic process() for percept.dsp processors: like the Processor binding's (prepare when the
// channel count or rate changes, then process in blocks with state kept), after a check that the audio is
// finite — NaN or Inf would otherwise enter the recursive state and stay there.
template <class T>
py::array_t<T> process_checked(dsp::Processor& p, const py::array& xa, std::optional<double> sample_rate) {
  auto x = py::array_t<T, py::array::c_style>::ensure(xa);
  check_finite<T>(x, p.name());
  auto in = planar_rows<const T>(x, p.name().c_str());
  py::array_t<T> y(std::vector<py::ssize_t>(x.shape(), x.shape() + x.ndim()));
  auto out = planar_rows<T>(y, p.name().c_str());
  py::gil_scoped_release release;
  const double rate = sample_rate.value_or(p.sample_rate_hint() > 0 ? p.sample_rate_hint() : 48000.0);
  if (!p.prepared() || p.spec().num_channels != in.channels || p.spec().sample_rate != rate)
    p.prepare(dsp::ProcessSpec{rate, 4096, in.channels});
  dsp::process_offline<T>(p, in.view(), out.view());
  return y;
}

py::array checked_process(dsp::Processor& p, const py::array& x, std::optional<double> sample_rate) {
  if (x.ndim() != 1 && x.ndim() != 2)
    throw InvalidArgument(p.name() + ": expected (n,) or (channels, n) audio, got " + std::to_string(x.ndim()) +
                          " dimensions");
  if (x.dtype().is(py::dtype::of<float>())) return process_checked<float>(p, x, sample_rate);
  if (x.dtype().is(py::dtype::of<double>())) return process_checked<double>(p, x, sample_rate);
  throw InvalidArgument(p.name() + ": audio must be float32 or float64, got " + percept::python::dtype_name(x.dtype()));
}

template <class P>
py::array dispatch_pair(P& p, const py::array& x, const py::object& second, std::optional<double> sample_rate) {
  if (second.is_none()) return checked_process(p, x, sample_rate);
  if (x.ndim() != 1 && x.ndim() != 2)
    throw InvalidArgument(p.name() + ": expected (n,) or (channels, n) audio, got " + std::to_string(x.ndim()) +
                          " dimensions");
  auto m = py::array::ensure(second);
  if (!m) throw InvalidArgument(p.name() + ": the second input must be an array");
  if (x.dtype().is(py::dtype::of<float>())) return run_pair<float>(p, x, m, sample_rate);
  if (x.dtype().is(py::dtype::of<double>())) return run_pair<double>(p, x, m, sample_rate);
  throw InvalidArgument(p.name() + ": audio must be float32 or float64, got " + percept::python::dtype_name(x.dtype()));
}

dsp::AntiAliasDesign aa(int taps, double cutoff, double beta) {
  return dsp::AntiAliasDesign{taps, cutoff, beta};
}

// (rows, n) float64 filtering with per-row state for lfilter/sosfilt.
std::pair<DArray, DArray> lfilter_rows(const py::array& b_a, const py::array& a_a, const py::array& x_a,
                                       const py::object& zi_o) {
  const auto b = array_to_vec(b_a, "lfilter: b");
  const auto a = array_to_vec(a_a, "lfilter: a");
  auto x = DArray::ensure(x_a);
  if (!x || x.ndim() != 2) throw InvalidArgument("lfilter: internal: x must be 2-D");
  const auto rows = static_cast<std::size_t>(x.shape(0)), n = static_cast<std::size_t>(x.shape(1));
  const std::size_t K = std::max(a.size(), b.size()) - 1;
  DArray zf({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(K)});
  std::fill(zf.mutable_data(), zf.mutable_data() + zf.size(), 0.0);
  if (!zi_o.is_none()) {
    auto zi = DArray::ensure(zi_o);
    if (!zi || zi.ndim() != 2 || static_cast<std::size_t>(zi.shape(0)) != rows ||
        static_cast<std::size_t>(zi.shape(1)) != K)
      throw InvalidArgument("lfilter: zi must have shape (..., " + std::to_string(K) +
                            ") matching x along the other axes");
    std::copy(zi.data(), zi.data() + zi.size(), zf.mutable_data());
  }
  DArray y({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(n)});
  {
    py::gil_scoped_release release;
    for (std::size_t r = 0; r < rows; ++r)
      dsp::lfilter(b, a, std::span<const double>(x.data() + r * n, n), std::span<double>(y.mutable_data() + r * n, n),
                   std::span<double>(zf.mutable_data() + r * K, K));
  }
  return {y, zf};
}

std::pair<DArray, DArray> sosfilt_rows(const py::array& sos_a, const py::array& x_a, const py::object& zi_o) {
  const auto sos = sos_from_array(sos_a, "sosfilt");
  for (const auto& s : sos)
    if (s[3] != 1.0) throw InvalidArgument("sosfilt: every section's a0 must be 1 (as scipy requires)");
  auto x = DArray::ensure(x_a);
  if (!x || x.ndim() != 2) throw InvalidArgument("sosfilt: internal: x must be 2-D");
  const auto rows = static_cast<std::size_t>(x.shape(0)), n = static_cast<std::size_t>(x.shape(1));
  const std::size_t K = 2 * sos.size();
  DArray zf({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(K)});
  std::fill(zf.mutable_data(), zf.mutable_data() + zf.size(), 0.0);
  if (!zi_o.is_none()) {
    auto zi = DArray::ensure(zi_o);
    if (!zi || zi.ndim() != 2 || static_cast<std::size_t>(zi.shape(0)) != rows ||
        static_cast<std::size_t>(zi.shape(1)) != K)
      throw InvalidArgument("sosfilt: zi must have shape (n_sections, ..., 2) matching x");
    std::copy(zi.data(), zi.data() + zi.size(), zf.mutable_data());
  }
  DArray y({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(n)});
  {
    py::gil_scoped_release release;
    for (std::size_t r = 0; r < rows; ++r)
      dsp::sosfilt(sos, std::span<const double>(x.data() + r * n, n), std::span<double>(y.mutable_data() + r * n, n),
                   std::span<double>(zf.mutable_data() + r * K, K));
  }
  return {y, zf};
}

// Streaming libsoxr resampling for Python: blocks in, blocks out (lengths follow the ratio), flush() at the end.
class PyResampler {
 public:
  PyResampler(double source_rate, double target_rate, std::size_t channels, const std::string& quality)
      : r_(source_rate, target_rate, channels, dsp::parse_resample_quality(quality.c_str())), channels_(channels) {
    if (channels == 0) throw InvalidArgument("Resampler: channels must be at least 1");
  }
  py::array process(const py::array& xa) {
    auto x = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(xa);
    if (!x) throw InvalidArgument("Resampler: x must be a numeric array");
    const bool mono = x.ndim() == 1;
    if (x.ndim() != 1 && x.ndim() != 2) throw InvalidArgument("Resampler: expected (n,) or (channels, n) audio");
    const std::size_t c = mono ? 1 : static_cast<std::size_t>(x.shape(0));
    const std::size_t n = static_cast<std::size_t>(x.shape(x.ndim() - 1));
    if (c != channels_)
      throw InvalidArgument("Resampler: made for " + std::to_string(channels_) + " channels, got " + std::to_string(c));
    std::vector<float> inter(n * c);
    for (std::size_t ch = 0; ch < c; ++ch)
      for (std::size_t i = 0; i < n; ++i) inter[i * c + ch] = x.data()[ch * n + i];
    std::vector<float> out(r_.max_output_frames(n) * c);
    std::size_t got;
    {
      py::gil_scoped_release release;
      got = r_.process(inter.data(), n, out.data(), out.size() / c);
    }
    return planar(out, got, mono);
  }
  py::array flush() {
    std::vector<float> all, buf(4096 * channels_);
    for (std::size_t n; (n = r_.flush(buf.data(), 4096)) > 0;)
      all.insert(all.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n * channels_));
    return planar(all, all.size() / channels_, channels_ == 1);
  }
  [[nodiscard]] double delay() const { return r_.delay(); }

 private:
  py::array planar(const std::vector<float>& inter, std::size_t frames, bool squeeze) const {
    const auto c = static_cast<py::ssize_t>(channels_);
    py::array_t<float> y = squeeze ? py::array_t<float>(static_cast<py::ssize_t>(frames))
                                   : py::array_t<float>({c, static_cast<py::ssize_t>(frames)});
    float* d = y.mutable_data();
    for (std::size_t ch = 0; ch < channels_; ++ch)
      for (std::size_t i = 0; i < frames; ++i) d[ch * frames + i] = inter[i * channels_ + ch];
    return y;
  }
  dsp::StreamResampler r_;
  std::size_t channels_;
};

}  // namespace

void bind_dsp(py::module_& m) {
  using dsp::Processor;
  auto d = m.def_submodule("_dsp", "percept.dsp native part");

  // ---- design and offline filtering -----------------------------------------------------------
  d.def(
      "butter",
      [](int N, const py::object& Wn, const std::string& btype, const std::string& output,
         std::optional<double> fs) -> py::object {
        std::vector<double> wn;
        if (py::isinstance<py::float_>(Wn) || py::isinstance<py::int_>(Wn))
          wn.push_back(Wn.cast<double>());
        else
          wn = Wn.cast<std::vector<double>>();
        if (fs) {
          if (!(*fs > 0)) throw InvalidArgument("butter: fs must be positive");
          for (auto& w : wn) w = 2 * w / *fs;
        }
        const auto type = dsp::parse_filter_type(btype);
        if (output == "sos") return sos_to_array(dsp::butter_sos(N, wn, type));
        if (output == "ba") {
          std::vector<double> b, a;
          dsp::butter_ba(N, wn, type, b, a);
          return py::make_tuple(vec_to_array(b), vec_to_array(a));
        }
        if (output == "zpk") {
          const auto z = dsp::butter_zpk(N, wn, type);
          return py::make_tuple(py::array(py::cast(z.z)), py::array(py::cast(z.p)), z.k);
        }
        throw InvalidArgument("butter: output must be 'ba', 'sos' or 'zpk', got '" + output + "'");
      },
      py::arg("N"), py::arg("Wn"), py::arg("btype") = "low", py::arg("output") = "ba", py::arg("fs") = py::none());
  d.def("lfilter_rows", &lfilter_rows);
  d.def("sosfilt_rows", &sosfilt_rows);
  d.def("lfilter_zi", [](const py::array& b, const py::array& a) {
    return vec_to_array(dsp::lfilter_zi(array_to_vec(b, "lfilter_zi: b"), array_to_vec(a, "lfilter_zi: a")));
  });
  d.def("sosfilt_zi", [](const py::array& sos) {
    const auto s = sos_from_array(sos, "sosfilt_zi");
    const auto z = dsp::sosfilt_zi(s);
    DArray out({static_cast<py::ssize_t>(s.size()), py::ssize_t{2}});
    std::copy(z.begin(), z.end(), out.mutable_data());
    return out;
  });

  // ---- processors ------------------------------------------------------------------------------
  py::class_<dsp::OnePoleLowpass, Processor, std::shared_ptr<dsp::OnePoleLowpass>>(
      d, "OnePoleLowpass", "y[n] = alpha x[n] + (1 - alpha) y[n-1]")
      .def("process", &checked_process, py::arg("x"), py::arg("sample_rate") = py::none(),
           "Processes (n,) or (channels, n) float32/float64 audio into a new array; state carries across calls.")
      .def(
          py::init([](std::optional<double> alpha, std::optional<double> cutoff_hz, std::optional<double> sample_rate) {
            if (alpha && cutoff_hz) throw InvalidArgument("onepole: give alpha or cutoff_hz, not both");
            if (cutoff_hz) {
              const double sr = sample_rate.value_or(48000.0);
              auto p = std::make_shared<dsp::OnePoleLowpass>(dsp::OnePoleLowpass::alpha_for_cutoff(*cutoff_hz, sr));
              return p;
            }
            return std::make_shared<dsp::OnePoleLowpass>(alpha.value_or(0.1));
          }),
          py::arg("alpha") = py::none(), py::kw_only(), py::arg("cutoff_hz") = py::none(),
          py::arg("sample_rate") = py::none())
      .def_property("alpha", &dsp::OnePoleLowpass::alpha, &dsp::OnePoleLowpass::set_alpha);

  py::class_<dsp::Sos, Processor, std::shared_ptr<dsp::Sos>>(d, "Sos",
                                                             "Cascade of second-order sections (scipy layout)")
      .def("process", &checked_process, py::arg("x"), py::arg("sample_rate") = py::none(),
           "Processes (n,) or (channels, n) float32/float64 audio into a new array; state carries across calls.")
      .def(py::init([](const py::array& sos) { return std::make_shared<dsp::Sos>(sos_from_array(sos, "Sos")); }),
           py::arg("sos"))
      .def_property_readonly("sos", [](const dsp::Sos& s) { return sos_to_array(s.sections()); });

  py::class_<dsp::Butterworth, dsp::Sos, std::shared_ptr<dsp::Butterworth>>(d, "Butterworth")
      .def(py::init([](int order, const py::object& cutoff_hz, const std::string& btype, double sample_rate) {
             std::vector<double> fc;
             if (py::isinstance<py::float_>(cutoff_hz) || py::isinstance<py::int_>(cutoff_hz))
               fc.push_back(cutoff_hz.cast<double>());
             else
               fc = cutoff_hz.cast<std::vector<double>>();
             return std::make_shared<dsp::Butterworth>(order, fc, dsp::parse_filter_type(btype), sample_rate);
           }),
           py::arg("order"), py::arg("cutoff_hz"), py::arg("btype") = "lowpass", py::arg("sample_rate") = 48000.0)
      .def_property_readonly("order", &dsp::Butterworth::order)
      .def_property_readonly("cutoff_hz", &dsp::Butterworth::cutoff_hz);

  py::class_<dsp::DcBlocker, Processor, std::shared_ptr<dsp::DcBlocker>>(d, "DcBlocker")
      .def("process", &checked_process, py::arg("x"), py::arg("sample_rate") = py::none(),
           "Processes (n,) or (channels, n) float32/float64 audio into a new array; state carries across calls.")
      .def(py::init<double>(), py::arg("cutoff_hz") = 10.0);
  py::class_<dsp::Gain, Processor, std::shared_ptr<dsp::Gain>>(d, "Gain")
      .def("process", &checked_process, py::arg("x"), py::arg("sample_rate") = py::none(),
           "Processes (n,) or (channels, n) float32/float64 audio into a new array; state carries across calls.")
      .def(py::init<double>(), py::arg("gain_db") = 0.0)
      .def_property("gain_db", &dsp::Gain::gain_db, &dsp::Gain::set_gain_db);
  py::class_<dsp::SaturatingCascade, Processor, std::shared_ptr<dsp::SaturatingCascade>>(
      d, "SaturatingCascade",
      "stages saturating two-pole low-pass sections in series (tanh in the feedback): a fixed benchmark load "
      "(chain stage 'cascade')")
      .def("process", &checked_process, py::arg("x"), py::arg("sample_rate") = py::none(),
           "Processes (n,) or (channels, n) float32/float64 audio into a new array; state carries across calls.")
      .def(py::init<int, double, double>(), py::arg("stages") = 8, py::arg("cutoff_hz") = 1000.0,
           py::arg("resonance") = 0.5)
      .def_property_readonly("stages", &dsp::SaturatingCascade::stages)
      .def_property_readonly("cutoff_hz", &dsp::SaturatingCascade::cutoff_hz)
      .def_property_readonly("resonance", &dsp::SaturatingCascade::resonance);
  py::class_<dsp::Counter, Processor, std::shared_ptr<dsp::Counter>>(
      d, "Counter",
      "Replaces the signal with a frame counter: frame k -> ((k mod 2^23) + 1) / 2^23 on every channel, exact in "
      "float32 (chain stage 'counter'; for gaplessness checks)")
      .def("process", &checked_process, py::arg("x"), py::arg("sample_rate") = py::none(),
           "Processes (n,) or (channels, n) float32/float64 audio into a new array; state carries across calls.")
      .def(py::init<>())
      .def_static("value", &dsp::Counter::value, py::arg("k"), "The value of frame k.");
  py::class_<dsp::Delay, Processor, std::shared_ptr<dsp::Delay>>(d, "Delay")
      .def("process", &checked_process, py::arg("x"), py::arg("sample_rate") = py::none(),
           "Processes (n,) or (channels, n) float32/float64 audio into a new array; state carries across calls.")
      .def(py::init([](std::optional<long long> delay_samples, std::optional<double> delay_s,
                       std::optional<double> sample_rate) {
             if (delay_s) {
               if (!sample_rate) throw InvalidArgument("delay: delay_s needs sample_rate");
               return std::make_shared<dsp::Delay>(static_cast<std::size_t>(std::llround(*delay_s * *sample_rate)));
             }
             const long long n = delay_samples.value_or(0);
             if (n < 0) throw InvalidArgument("delay: delay_samples must be non-negative");
             return std::make_shared<dsp::Delay>(static_cast<std::size_t>(n));
           }),
           py::arg("delay_samples") = py::none(), py::kw_only(), py::arg("delay_s") = py::none(),
           py::arg("sample_rate") = py::none());
  py::class_<dsp::SoftClip, Processor, std::shared_ptr<dsp::SoftClip>>(d, "SoftClip")
      .def("process", &checked_process, py::arg("x"), py::arg("sample_rate") = py::none(),
           "Processes (n,) or (channels, n) float32/float64 audio into a new array; state carries across calls.")
      .def(py::init<double>(), py::arg("drive_db") = 0.0);
  py::class_<dsp::Mix, Processor, std::shared_ptr<dsp::Mix>>(d, "Mix", "Dry/wet mix around a processor")
      .def("process", &checked_process, py::arg("x"), py::arg("sample_rate") = py::none(),
           "Processes (n,) or (channels, n) float32/float64 audio into a new array; state carries across calls.")
      .def(py::init<std::shared_ptr<Processor>, double>(), py::arg("processor"), py::arg("wet") = 0.5)
      .def("set_wet", &dsp::Mix::set_wet);
  py::class_<dsp::Chain, Processor, std::shared_ptr<dsp::Chain>>(d, "Chain", "Serial chain of processors")
      .def("process", &checked_process, py::arg("x"), py::arg("sample_rate") = py::none(),
           "Processes (n,) or (channels, n) float32/float64 audio into a new array; state carries across calls.")
      .def(py::init<std::vector<std::shared_ptr<Processor>>>(), py::arg("processors"))
      .def_property_readonly("processors", &dsp::Chain::processors)
      .def("__len__", [](const dsp::Chain& c) { return c.processors().size(); })
      .def("__getitem__",
           [](const dsp::Chain& c, std::size_t i) {
             if (i >= c.processors().size()) throw py::index_error("chain index out of range");
             return c.processors()[i];
           })
      .def("describe", &dsp::Chain::describe);
  py::class_<dsp::Parallel, Processor, std::shared_ptr<dsp::Parallel>>(d, "Parallel", "Split, process, weighted mix")
      .def("process", &checked_process, py::arg("x"), py::arg("sample_rate") = py::none(),
           "Processes (n,) or (channels, n) float32/float64 audio into a new array; state carries across calls.")
      .def(py::init<std::vector<std::shared_ptr<Processor>>, std::vector<double>>(), py::arg("branches"),
           py::arg("weights") = std::vector<double>{});
  py::class_<dsp::Oversampled, Processor, std::shared_ptr<dsp::Oversampled>>(d, "Oversampled")
      .def("process", &checked_process, py::arg("x"), py::arg("sample_rate") = py::none(),
           "Processes (n,) or (channels, n) float32/float64 audio into a new array; state carries across calls.")
      .def(py::init([](std::shared_ptr<Processor> p, int factor, int taps, double cutoff, double beta) {
             return std::make_shared<dsp::Oversampled>(std::move(p), factor, aa(taps, cutoff, beta));
           }),
           py::arg("processor"), py::arg("factor") = 2, py::arg("taps_per_phase") = 32, py::arg("cutoff") = 0.9,
           py::arg("kaiser_beta") = 8.0);

  py::class_<dsp::DiodeRingCore, Processor, std::shared_ptr<dsp::DiodeRingCore>>(d, "DiodeRingCore")
      .def(py::init<double, double, double, double>(), py::arg("sample_rate"), py::arg("k") = 0.4,
           py::arg("modulator_hz") = 500.0, py::arg("modulator_level") = 1.0)
      .def(
          "process",
          [](dsp::DiodeRingCore& p, const py::array& carrier, const py::object& modulator, std::optional<double> sr) {
            return dispatch_pair(p, carrier, modulator, sr);
          },
          py::arg("carrier"), py::arg("modulator") = py::none(), py::arg("sample_rate") = py::none());
  py::class_<dsp::DiodeRingModulator, Processor, std::shared_ptr<dsp::DiodeRingModulator>>(d, "DiodeRingModulator")
      .def(py::init([](double sr, int os, double k, double fm, double level, int taps, double cutoff, double beta,
                       std::optional<double> input_scale, std::optional<double> output_gain_db) {
             return std::make_shared<dsp::DiodeRingModulator>(sr, os, k, fm, level, aa(taps, cutoff, beta),
                                                              input_scale.value_or(0.0), output_gain_db);
           }),
           py::arg("sample_rate"), py::arg("oversampling") = 30, py::arg("k") = 0.4, py::arg("modulator_hz") = 500.0,
           py::arg("modulator_level") = 1.0, py::arg("taps_per_phase") = 32, py::arg("cutoff") = 0.9,
           py::arg("kaiser_beta") = 8.0, py::arg("input_scale") = py::none(), py::arg("output_gain_db") = py::none())
      .def(
          "process",
          [](dsp::DiodeRingModulator& p, const py::array& carrier, const py::object& modulator,
             std::optional<double> sr) { return dispatch_pair(p, carrier, modulator, sr); },
          py::arg("carrier"), py::arg("modulator") = py::none(), py::arg("sample_rate") = py::none())
      .def_property_readonly("oversampling", &dsp::DiodeRingModulator::oversampling)
      .def_property_readonly("input_scale", &dsp::DiodeRingModulator::input_scale)
      .def_property_readonly("output_gain_db", &dsp::DiodeRingModulator::output_gain_db)
      .def_property_readonly("diverged_blocks", &dsp::DiodeRingModulator::diverged_blocks)
      .def_property_readonly("diverged_samples", &dsp::DiodeRingModulator::diverged_samples)
      .def("reset_statistics", &dsp::DiodeRingModulator::reset_statistics)
      .def_static("min_oversampling", &dsp::DiodeRingModulator::min_oversampling, py::arg("sample_rate"))
      .def_static("default_output_gain_db", &dsp::DiodeRingModulator::default_output_gain_db, py::arg("k") = 0.4,
                  py::arg("input_scale") = 0.2);

  py::class_<dsp::Vcs3Filter, Processor, std::shared_ptr<dsp::Vcs3Filter>>(d, "Vcs3Filter")
      .def("process", &checked_process, py::arg("x"), py::arg("sample_rate") = py::none(),
           "Processes (n,) or (channels, n) float32/float64 audio into a new array; state carries across calls.")
      .def(py::init([](double sr, double i0, double fb, const std::string& solver, double tol, int maxit, int os) {
             return std::make_shared<dsp::Vcs3Filter>(sr, i0, fb, dsp::parse_vcs3_solver(solver), tol, maxit, os);
           }),
           py::arg("sample_rate"), py::arg("control_current") = 30e-6, py::arg("feedback") = 5.175,
           py::arg("solver") = "fixed-point", py::arg("tolerance") = 1e-3, py::arg("max_iterations") = 100,
           py::arg("oversampling") = 1)
      .def_property("control_current", &dsp::Vcs3Filter::control_current, &dsp::Vcs3Filter::set_control_current)
      .def_property("feedback", &dsp::Vcs3Filter::feedback, &dsp::Vcs3Filter::set_feedback)
      .def_property_readonly("iterations_per_sample", &dsp::Vcs3Filter::iterations_per_sample)
      .def_property_readonly("max_iterations_used", &dsp::Vcs3Filter::max_iterations_used)
      .def_property_readonly("incremental_sweeps_per_sample", &dsp::Vcs3Filter::incremental_sweeps_per_sample,
                             "Of the fixed point's sweeps per sample, those done incrementally (each tanh advanced "
                             "from its previous value by a bounded Taylor step).")
      .def("reset_statistics", &dsp::Vcs3Filter::reset_statistics);

  py::class_<dsp::Nlms, Processor, std::shared_ptr<dsp::Nlms>>(d, "Nlms")
      .def(py::init<std::size_t, double, double>(), py::arg("taps") = 32, py::arg("step_size") = 0.01,
           py::arg("regularization") = 1e-6)
      .def(
          "process",
          [](dsp::Nlms& p, const py::array& primary, const py::object& reference, std::optional<double> sr) {
            return dispatch_pair(p, primary, reference, sr);
          },
          py::arg("primary"), py::arg("reference") = py::none(), py::arg("sample_rate") = py::none())
      .def(
          "weights", [](const dsp::Nlms& p, std::size_t c) { return vec_to_array(p.weights(c)); },
          py::arg("channel") = 0)
      .def_property_readonly("taps", &dsp::Nlms::taps);

  py::class_<dsp::SpectralSubtraction, Processor, std::shared_ptr<dsp::SpectralSubtraction>>(d, "SpectralSubtraction")
      .def("process", &checked_process, py::arg("x"), py::arg("sample_rate") = py::none(),
           "Processes (n,) or (channels, n) float32/float64 audio into a new array; state carries across calls.")
      .def(py::init([](std::size_t frame, std::size_t hop, double alpha, double floor, const std::string& est,
                       std::size_t noise_frames) {
             return std::make_shared<dsp::SpectralSubtraction>(frame, hop, alpha, floor,
                                                               dsp::parse_noise_estimator(est), noise_frames);
           }),
           py::arg("frame_size") = 512, py::arg("hop_size") = 128, py::arg("over_subtraction") = 4.0,
           py::arg("spectral_floor") = 0.03, py::arg("noise_estimator") = "minimum-statistics",
           py::arg("noise_frames") = 10);

  py::class_<PyResampler>(d, "Resampler", "Streaming libsoxr resampler: process(block) -> resampled block, flush()")
      .def(py::init<double, double, std::size_t, const std::string&>(), py::arg("source_rate"), py::arg("target_rate"),
           py::arg("channels") = 1, py::arg("quality") = "soxr_hq")
      .def("process", &PyResampler::process, py::arg("x"))
      .def("flush", &PyResampler::flush)
      .def_property_readonly("delay", &PyResampler::delay);

  d.def("parse_chain", &dsp::parse_chain, py::arg("text"), py::arg("sample_rate"),
        "Builds a Chain from the CLI syntax, e.g. 'butterworth(order=4,cutoff_hz=2000) | vcs3(feedback=4)'.");
  d.def("chain_stage_names", &dsp::chain_stage_names);
  d.def("chain_stage_usage", &dsp::chain_stage_usage, py::arg("name"),
        "'(key=default, ...)  description' of a chain stage.");
}
