// percept/dsp/filter_design.hpp — IIR design and offline filtering with scipy.signal's semantics.
//
//   butter_sos / butter_ba   Butterworth design, low/high/band-pass/band-stop, any order; the same
//                            prototype, frequency transforms, bilinear transform and section pairing
//                            as scipy.signal.butter (output='sos' and 'ba').
//   lfilter / sosfilt        direct form II transposed with an optional initial state (scipy's zi),
//                            returning the final state.
//   lfilter_zi / sosfilt_zi  steady-state initial conditions for a unit step.
// Everything here is double precision and may allocate: it is design-time, not real-time, code (the
// real-time filters are the processors in filters.hpp, which use these designs).
#pragma once

#include <array>
#include <complex>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace percept::dsp {

enum class FilterType { Lowpass, Highpass, Bandpass, Bandstop };

/// Parses "low"/"lowpass", "high"/"highpass", "band"/"bandpass", "bandstop"/"stop"; throws InvalidArgument.
[[nodiscard]] FilterType parse_filter_type(const std::string& name);

/// One second-order section: b0 b1 b2 a0 a1 a2 (scipy's row layout).
using Section = std::array<double, 6>;

/// Zeros, poles and gain of a digital filter.
struct Zpk {
  std::vector<std::complex<double>> z;
  std::vector<std::complex<double>> p;
  double k = 1.0;
};

/// Butterworth design. `wn` holds one normalized frequency (0 < wn < 1, 1 = Nyquist) for low/high-pass
/// and two (low < high) for band-pass/band-stop. Throws InvalidArgument on a bad order or frequency.
[[nodiscard]] Zpk butter_zpk(int order, std::span<const double> wn, FilterType type);
[[nodiscard]] std::vector<Section> butter_sos(int order, std::span<const double> wn, FilterType type);
/// Transfer-function form: b then a, each of length (order or 2*order) + 1.
void butter_ba(int order, std::span<const double> wn, FilterType type, std::vector<double>& b, std::vector<double>& a);

/// scipy.signal.zpk2sos with pairing='nearest' (digital).
[[nodiscard]] std::vector<Section> zpk2sos(const Zpk& zpk);
/// scipy.signal.zpk2tf.
void zpk2tf(const Zpk& zpk, std::vector<double>& b, std::vector<double>& a);

/// y = lfilter(b, a, x, zi): `zi` (length max(len(a), len(b)) - 1, may be empty for zeros) is updated
/// in place to the final state. a[0] must be nonzero.
void lfilter(std::span<const double> b, std::span<const double> a, std::span<const double> x, std::span<double> y,
             std::span<double> zi);
/// y = sosfilt(sos, x, zi): zi has 2 values per section (section-major), updated in place.
void sosfilt(std::span<const Section> sos, std::span<const double> x, std::span<double> y, std::span<double> zi);
/// scipy.signal.lfilter_zi(b, a).
[[nodiscard]] std::vector<double> lfilter_zi(std::span<const double> b, std::span<const double> a);
/// scipy.signal.sosfilt_zi(sos): 2 values per section.
[[nodiscard]] std::vector<double> sosfilt_zi(std::span<const Section> sos);

}  // namespace percept::dsp
