// Butterworth design and scipy-compatible offline filtering. The steps follow the textbook design
// (analog prototype -> frequency transform -> bilinear transform) in the order scipy.signal performs
// them, and the section pairing follows scipy's documented 'nearest' rule, so that the coefficients
// agree to rounding.
#include "percept/dsp/filter_design.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>

#include "percept/core/error.hpp"

namespace percept::dsp {

using cplx = std::complex<double>;

FilterType parse_filter_type(const std::string& name) {
  if (name == "low" || name == "lowpass" || name == "lp") return FilterType::Lowpass;
  if (name == "high" || name == "highpass" || name == "hp") return FilterType::Highpass;
  if (name == "band" || name == "bandpass" || name == "bp") return FilterType::Bandpass;
  if (name == "bandstop" || name == "stop" || name == "bs" || name == "notch") return FilterType::Bandstop;
  throw InvalidArgument("filter type must be lowpass, highpass, bandpass or bandstop, got '" + name + "'");
}

namespace {

cplx prod_neg(const std::vector<cplx>& v) {
  cplx r{1.0, 0.0};
  for (const auto& x : v) r *= -x;
  return r;
}

// Real parts of a sorted set: scipy's _cplxreal. Returns the complex values with positive imaginary
// part (one per conjugate pair, averaged) followed by the real ones.
std::vector<cplx> complex_then_real(std::vector<cplx> z) {
  if (z.empty()) return z;
  const double tol = 100 * std::numeric_limits<double>::epsilon();
  std::stable_sort(z.begin(), z.end(), [](const cplx& a, const cplx& b) {
    if (a.real() != b.real()) return a.real() < b.real();
    return std::abs(a.imag()) < std::abs(b.imag());
  });
  std::vector<cplx> reals, pos, neg;
  for (const auto& v : z) {
    if (std::abs(v.imag()) <= tol * std::abs(v))
      reals.emplace_back(v.real(), 0.0);
    else if (v.imag() > 0)
      pos.push_back(v);
    else
      neg.push_back(v);
  }
  if (pos.size() != neg.size()) throw InvalidArgument("zpk2sos: a complex value has no matching conjugate");
  std::vector<cplx> out;
  for (std::size_t i = 0; i < pos.size(); ++i) out.push_back((pos[i] + std::conj(neg[i])) / 2.0);
  out.insert(out.end(), reals.begin(), reals.end());
  return out;
}

bool is_real(const cplx& v) {
  return v.imag() == 0.0;
}

// Index of the element of `from` nearest to `to` among the real ones (which=0), complex ones (1) or any (2).
std::size_t nearest(const std::vector<cplx>& from, const cplx& to, int which) {
  std::vector<std::size_t> order(from.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return std::abs(from[a] - to) < std::abs(from[b] - to); });
  for (std::size_t i : order) {
    if (which == 2 || (which == 0 && is_real(from[i])) || (which == 1 && !is_real(from[i]))) return i;
  }
  throw InvalidArgument("zpk2sos: no matching zero or pole to pair");
}

std::size_t worst(const std::vector<cplx>& p) {
  std::size_t best = 0;
  double dist = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double d = std::abs(1.0 - std::abs(p[i]));
    if (d < dist) {
      dist = d;
      best = i;
    }
  }
  return best;
}

// Coefficients of prod (x - r_i), highest power first (numpy.poly), real when the roots pair up.
std::vector<double> poly(const std::vector<cplx>& roots) {
  std::vector<cplx> a{cplx{1.0, 0.0}};
  for (const auto& r : roots) {
    std::vector<cplx> next(a.size() + 1, cplx{0.0, 0.0});
    for (std::size_t i = 0; i < a.size(); ++i) {
      next[i] += a[i];
      next[i + 1] += a[i] * (-r);
    }
    a = std::move(next);
  }
  std::vector<double> out(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) out[i] = a[i].real();
  return out;
}

Section single_section(const std::vector<cplx>& z, const std::vector<cplx>& p) {
  Section s{};
  const auto b = poly(z);
  const auto a = poly(p);
  for (std::size_t i = 0; i < b.size(); ++i) s[3 - b.size() + i] = b[i];
  for (std::size_t i = 0; i < a.size(); ++i) s[6 - a.size() + i] = a[i];
  return s;
}

template <class V>
void erase_at(V& v, std::size_t i) {
  v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
}

}  // namespace

Zpk butter_zpk(int order, std::span<const double> wn, FilterType type) {
  if (order < 1 || order > 64) throw InvalidArgument("butter: order must be 1..64, got " + std::to_string(order));
  const bool band = type == FilterType::Bandpass || type == FilterType::Bandstop;
  if (wn.size() != (band ? 2u : 1u))
    throw InvalidArgument(band ? "butter: band filters need two critical frequencies (low, high)"
                               : "butter: low/high-pass filters need one critical frequency");
  for (double w : wn)
    if (!(w > 0.0 && w < 1.0))
      throw InvalidArgument("butter: critical frequencies must be 0 < Wn < 1 (1 = Nyquist), got " + std::to_string(w));
  if (band && !(wn[0] < wn[1])) throw InvalidArgument("butter: band edges must be increasing");

  // Analog prototype: poles on the left half of the unit circle, the middle one exactly real.
  Zpk f;
  const double pi = std::numbers::pi;
  for (int m = -order + 1; m < order; m += 2) {
    const double theta = pi * m / (2.0 * order);
    f.p.push_back(-std::exp(cplx{0.0, theta}));
  }
  f.k = 1.0;
  const double fs = 2.0;
  std::vector<double> warped;
  for (double w : wn) warped.push_back(2 * fs * std::tan(pi * w / fs));
  const int degree = static_cast<int>(f.p.size() - f.z.size());

  switch (type) {
    case FilterType::Lowpass: {
      for (auto& v : f.z) v *= warped[0];
      for (auto& v : f.p) v *= warped[0];
      f.k *= std::pow(warped[0], degree);
      break;
    }
    case FilterType::Highpass: {
      const double k = f.k * (prod_neg(f.z) / prod_neg(f.p)).real();
      for (auto& v : f.z) v = warped[0] / v;
      for (auto& v : f.p) v = warped[0] / v;
      for (int i = 0; i < degree; ++i) f.z.emplace_back(0.0, 0.0);
      f.k = k;
      break;
    }
    case FilterType::Bandpass:
    case FilterType::Bandstop: {
      const double bw = warped[1] - warped[0];
      const double wo = std::sqrt(warped[0] * warped[1]);
      const bool pass = type == FilterType::Bandpass;
      auto transform = [&](const std::vector<cplx>& in) {
        std::vector<cplx> plus, minus;
        for (const auto& v : in) {
          const cplx s = pass ? v * bw / 2.0 : (bw / 2) / v;
          const cplx r = std::sqrt(s * s - wo * wo);
          plus.push_back(s + r);
          minus.push_back(s - r);
        }
        plus.insert(plus.end(), minus.begin(), minus.end());
        return plus;
      };
      const double k = pass ? f.k * std::pow(bw, degree) : f.k * (prod_neg(f.z) / prod_neg(f.p)).real();
      auto z = transform(f.z);
      f.p = transform(f.p);
      if (pass) {
        for (int i = 0; i < degree; ++i) z.emplace_back(0.0, 0.0);
      } else {
        for (int i = 0; i < degree; ++i) z.emplace_back(0.0, wo);
        for (int i = 0; i < degree; ++i) z.emplace_back(0.0, -wo);
      }
      f.z = std::move(z);
      f.k = k;
      break;
    }
  }

  // Bilinear transform at fs = 2 (the prewarping above used the same fs).
  const double fs2 = 2.0 * fs;
  const int deg = static_cast<int>(f.p.size() - f.z.size());
  cplx num{1.0, 0.0}, den{1.0, 0.0};
  for (const auto& v : f.z) num *= (fs2 - v);
  for (const auto& v : f.p) den *= (fs2 - v);
  for (auto& v : f.z) v = (fs2 + v) / (fs2 - v);
  for (auto& v : f.p) v = (fs2 + v) / (fs2 - v);
  for (int i = 0; i < deg; ++i) f.z.emplace_back(-1.0, 0.0);
  f.k = f.k * (num / den).real();
  return f;
}

std::vector<Section> zpk2sos(const Zpk& zpk) {
  std::vector<cplx> z = zpk.z;
  std::vector<cplx> p = zpk.p;
  if (z.empty() && p.empty()) return {Section{zpk.k, 0, 0, 1, 0, 0}};
  while (p.size() < z.size()) p.emplace_back(0.0, 0.0);
  while (z.size() < p.size()) z.emplace_back(0.0, 0.0);
  const std::size_t n_sections = (p.size() + 1) / 2;
  if (p.size() % 2 == 1) {
    p.emplace_back(0.0, 0.0);
    z.emplace_back(0.0, 0.0);
  }
  z = complex_then_real(z);
  p = complex_then_real(p);
  std::vector<Section> sos(n_sections);
  auto count_real = [](const std::vector<cplx>& v) {
    return static_cast<std::size_t>(std::count_if(v.begin(), v.end(), is_real));
  };
  for (std::size_t si = n_sections; si-- > 0;) {
    const std::size_t p1_idx = worst(p);
    const cplx p1 = p[p1_idx];
    erase_at(p, p1_idx);
    if (is_real(p1) && count_real(p) == 0) {
      const std::size_t z1_idx = nearest(z, p1, 0);
      const cplx z1 = z[z1_idx];
      erase_at(z, z1_idx);
      sos[si] = single_section({z1, 0.0}, {p1, 0.0});
    } else if (p.size() + 1 == z.size() && !is_real(p1) && count_real(p) == 1 && count_real(z) == 1) {
      const std::size_t z1_idx = nearest(z, p1, 1);
      const cplx z1 = z[z1_idx];
      erase_at(z, z1_idx);
      sos[si] = single_section({z1, std::conj(z1)}, {p1, std::conj(p1)});
    } else {
      cplx p2;
      if (is_real(p1)) {
        std::vector<cplx> reals;
        std::vector<std::size_t> idx;
        for (std::size_t i = 0; i < p.size(); ++i)
          if (is_real(p[i])) {
            reals.push_back(p[i]);
            idx.push_back(i);
          }
        const std::size_t p2_idx = idx[worst(reals)];
        p2 = p[p2_idx];
        erase_at(p, p2_idx);
      } else {
        p2 = std::conj(p1);
      }
      if (!z.empty()) {
        const std::size_t z1_idx = nearest(z, p1, 2);
        const cplx z1 = z[z1_idx];
        erase_at(z, z1_idx);
        if (!is_real(z1)) {
          sos[si] = single_section({z1, std::conj(z1)}, {p1, p2});
        } else if (!z.empty()) {
          const std::size_t z2_idx = nearest(z, p1, 0);
          const cplx z2 = z[z2_idx];
          erase_at(z, z2_idx);
          sos[si] = single_section({z1, z2}, {p1, p2});
        } else {
          sos[si] = single_section({z1}, {p1, p2});
        }
      } else {
        sos[si] = single_section({}, {p1, p2});
      }
    }
  }
  for (int i = 0; i < 3; ++i) sos[0][static_cast<std::size_t>(i)] *= zpk.k;
  return sos;
}

void zpk2tf(const Zpk& zpk, std::vector<double>& b, std::vector<double>& a) {
  b = poly(zpk.z);
  for (auto& v : b) v *= zpk.k;
  a = poly(zpk.p);
}

std::vector<Section> butter_sos(int order, std::span<const double> wn, FilterType type) {
  return zpk2sos(butter_zpk(order, wn, type));
}

void butter_ba(int order, std::span<const double> wn, FilterType type, std::vector<double>& b, std::vector<double>& a) {
  zpk2tf(butter_zpk(order, wn, type), b, a);
}

void lfilter(std::span<const double> b_in, std::span<const double> a_in, std::span<const double> x, std::span<double> y,
             std::span<double> zi) {
  if (b_in.empty() || a_in.empty()) throw InvalidArgument("lfilter: b and a must not be empty");
  if (a_in[0] == 0.0) throw InvalidArgument("lfilter: a[0] must be nonzero");
  if (y.size() != x.size()) throw InvalidArgument("lfilter: output length differs from input length");
  const std::size_t n = std::max(a_in.size(), b_in.size());
  std::vector<double> b(n, 0.0), a(n, 0.0);
  for (std::size_t i = 0; i < b_in.size(); ++i) b[i] = b_in[i] / a_in[0];
  for (std::size_t i = 0; i < a_in.size(); ++i) a[i] = a_in[i] / a_in[0];
  std::vector<double> z(n - 1, 0.0);
  if (!zi.empty()) {
    if (zi.size() != n - 1)
      throw InvalidArgument("lfilter: zi must have length max(len(a), len(b)) - 1 = " + std::to_string(n - 1) +
                            ", got " + std::to_string(zi.size()));
    std::copy(zi.begin(), zi.end(), z.begin());
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double xi = x[i];
    const double yi = (n > 1 ? z[0] : 0.0) + b[0] * xi;
    for (std::size_t k = 0; k + 2 < n; ++k) z[k] = z[k + 1] + b[k + 1] * xi - a[k + 1] * yi;
    if (n > 1) z[n - 2] = b[n - 1] * xi - a[n - 1] * yi;
    y[i] = yi;
  }
  if (!zi.empty()) std::copy(z.begin(), z.end(), zi.begin());
}

void sosfilt(std::span<const Section> sos, std::span<const double> x, std::span<double> y, std::span<double> zi) {
  if (y.size() != x.size()) throw InvalidArgument("sosfilt: output length differs from input length");
  if (zi.size() != 2 * sos.size())
    throw InvalidArgument("sosfilt: zi must hold 2 values per section (" + std::to_string(2 * sos.size()) + "), got " +
                          std::to_string(zi.size()));
  for (const auto& s : sos)
    if (s[3] != 1.0) throw InvalidArgument("sosfilt: each section's a0 must be 1");
  std::copy(x.begin(), x.end(), y.begin());
  for (std::size_t si = 0; si < sos.size(); ++si) {
    const auto& s = sos[si];
    double z0 = zi[2 * si], z1 = zi[2 * si + 1];
    for (std::size_t i = 0; i < y.size(); ++i) {
      const double xi = y[i];
      const double yi = s[0] * xi + z0;
      z0 = s[1] * xi - s[4] * yi + z1;
      z1 = s[2] * xi - s[5] * yi;
      y[i] = yi;
    }
    zi[2 * si] = z0;
    zi[2 * si + 1] = z1;
  }
}

std::vector<double> lfilter_zi(std::span<const double> b_in, std::span<const double> a_in) {
  std::vector<double> a(a_in.begin(), a_in.end());
  std::vector<double> b(b_in.begin(), b_in.end());
  while (a.size() > 1 && a[0] == 0.0) a.erase(a.begin());
  if (a.empty() || a[0] == 0.0) throw InvalidArgument("lfilter_zi: there must be at least one nonzero a coefficient");
  if (b.empty()) throw InvalidArgument("lfilter_zi: b must not be empty");
  if (a[0] != 1.0) {
    const double a0 = a[0];
    for (auto& v : b) v /= a0;
    for (auto& v : a) v /= a0;
  }
  const std::size_t n = std::max(a.size(), b.size());
  a.resize(n, 0.0);
  b.resize(n, 0.0);
  const std::size_t m = n - 1;
  if (m == 0) return {};
  // (I - companion(a)^T) zi = b[1:] - a[1:] * b[0], solved by Gaussian elimination with partial pivoting.
  std::vector<double> M(m * m, 0.0), rhs(m);
  for (std::size_t i = 0; i < m; ++i) {
    M[i * m + i] = 1.0;
    M[i * m + 0] += a[i + 1];
    if (i + 1 < m) M[i * m + i + 1] -= 1.0;
    rhs[i] = b[i + 1] - a[i + 1] * b[0];
  }
  for (std::size_t col = 0; col < m; ++col) {
    std::size_t piv = col;
    for (std::size_t r = col + 1; r < m; ++r)
      if (std::abs(M[r * m + col]) > std::abs(M[piv * m + col])) piv = r;
    if (M[piv * m + col] == 0.0) throw InvalidArgument("lfilter_zi: the filter has a pole at z = 1 (singular system)");
    if (piv != col) {
      for (std::size_t c = 0; c < m; ++c) std::swap(M[col * m + c], M[piv * m + c]);
      std::swap(rhs[col], rhs[piv]);
    }
    for (std::size_t r = col + 1; r < m; ++r) {
      const double f = M[r * m + col] / M[col * m + col];
      if (f == 0.0) continue;
      for (std::size_t c = col; c < m; ++c) M[r * m + c] -= f * M[col * m + c];
      rhs[r] -= f * rhs[col];
    }
  }
  std::vector<double> zi(m);
  for (std::size_t i = m; i-- > 0;) {
    double s = rhs[i];
    for (std::size_t c = i + 1; c < m; ++c) s -= M[i * m + c] * zi[c];
    zi[i] = s / M[i * m + i];
  }
  return zi;
}

std::vector<double> sosfilt_zi(std::span<const Section> sos) {
  std::vector<double> zi(2 * sos.size());
  double scale = 1.0;
  for (std::size_t si = 0; si < sos.size(); ++si) {
    const auto& s = sos[si];
    const double b[3] = {s[0], s[1], s[2]};
    const double a[3] = {s[3], s[4], s[5]};
    const auto z = lfilter_zi(b, a);
    zi[2 * si] = scale * z[0];
    zi[2 * si + 1] = scale * z[1];
    scale *= (b[0] + b[1] + b[2]) / (a[0] + a[1] + a[2]);
  }
  return zi;
}

}  // namespace percept::dsp
