// FFTW3 behind percept::analysis::RealFft / ComplexFft: plan cache, thread-safe plan creation,
// new-array execution (thread-safe in FFTW) choosing between SIMD-aligned and unaligned plans.
#include "percept/analysis/fft.hpp"
#include "percept/dsp/fftw_planner.hpp"

#include <fftw3.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

#include "percept/core/error.hpp"

namespace percept::analysis {

namespace detail {

// One length's plans. For each direction: a plan made on FFTW-aligned scratch arrays (used when the
// caller's arrays are aligned the same way) and an FFTW_UNALIGNED plan (used otherwise). Complex
// transforms additionally keep in-place plans, since FFTW's new-array execution must match the
// in-place/out-of-place nature of the plan.
struct FftPlans {
  void* fwd_aligned = nullptr;
  void* fwd_unaligned = nullptr;
  void* inv_aligned = nullptr;
  void* inv_unaligned = nullptr;
  void* fwd_inplace_aligned = nullptr;
  void* fwd_inplace_unaligned = nullptr;
  void* inv_inplace_aligned = nullptr;
  void* inv_inplace_unaligned = nullptr;
  // real inverse transforms allowed to overwrite their input (FFTW's faster default for c2r)
  void* inv_destroy_aligned = nullptr;
  void* inv_destroy_unaligned = nullptr;
  // Real transforms plan each direction when first asked for it (a forward-only STFT never pays for the
  // inverse plans: ~4 ms of FFTW_ESTIMATE planning for n = 2048, most of a fresh process's first log-mel).
  // Written under the planner mutex, published by these flags.
  std::atomic<bool> forward_ready{false};
  std::atomic<bool> inverse_ready{false};
};

}  // namespace detail

namespace {

std::atomic<FftPlanning> g_planning{FftPlanning::Estimate};

// FFTW's planner is not thread-safe: every plan creation (and fftw_malloc'd scratch for it) happens
// under the process-wide planner mutex shared with the DSP layer. Execution of existing plans needs no lock.
std::mutex& planner_mutex() {
  return dsp::fftw_planner_mutex();
}

enum class Kind : int { Real = 0, Complex = 1 };
using Key = std::tuple<int, int, std::size_t, int>;  // precision bytes, kind, n, planning

std::map<Key, std::unique_ptr<detail::FftPlans>>& cache() {
  static auto* c = new std::map<Key, std::unique_ptr<detail::FftPlans>>();  // never destroyed: plans live on
  return *c;
}

unsigned base_flags() {
  return g_planning.load(std::memory_order_relaxed) == FftPlanning::Measure ? FFTW_MEASURE : FFTW_ESTIMATE;
}

template <class T>
struct Fftw;

template <>
struct Fftw<float> {
  using plan = fftwf_plan;
  using cpx = fftwf_complex;
  static void* malloc(std::size_t b) { return fftwf_malloc(b); }
  static void free(void* p) { fftwf_free(p); }
  static int alignment_of(const void* p) { return fftwf_alignment_of(static_cast<float*>(const_cast<void*>(p))); }
  static plan r2c(int n, float* i, cpx* o, unsigned f) { return fftwf_plan_dft_r2c_1d(n, i, o, f); }
  static plan c2r(int n, cpx* i, float* o, unsigned f) { return fftwf_plan_dft_c2r_1d(n, i, o, f); }
  static plan c2c(int n, cpx* i, cpx* o, int sign, unsigned f) { return fftwf_plan_dft_1d(n, i, o, sign, f); }
  static void exec_r2c(void* p, float* i, cpx* o) { fftwf_execute_dft_r2c(static_cast<plan>(p), i, o); }
  static void exec_c2r(void* p, cpx* i, float* o) { fftwf_execute_dft_c2r(static_cast<plan>(p), i, o); }
  static void exec_c2c(void* p, cpx* i, cpx* o) { fftwf_execute_dft(static_cast<plan>(p), i, o); }
};

template <>
struct Fftw<double> {
  using plan = fftw_plan;
  using cpx = fftw_complex;
  static void* malloc(std::size_t b) { return fftw_malloc(b); }
  static void free(void* p) { fftw_free(p); }
  static int alignment_of(const void* p) { return fftw_alignment_of(static_cast<double*>(const_cast<void*>(p))); }
  static plan r2c(int n, double* i, cpx* o, unsigned f) { return fftw_plan_dft_r2c_1d(n, i, o, f); }
  static plan c2r(int n, cpx* i, double* o, unsigned f) { return fftw_plan_dft_c2r_1d(n, i, o, f); }
  static plan c2c(int n, cpx* i, cpx* o, int sign, unsigned f) { return fftw_plan_dft_1d(n, i, o, sign, f); }
  static void exec_r2c(void* p, double* i, cpx* o) { fftw_execute_dft_r2c(static_cast<plan>(p), i, o); }
  static void exec_c2r(void* p, cpx* i, double* o) { fftw_execute_dft_c2r(static_cast<plan>(p), i, o); }
  static void exec_c2c(void* p, cpx* i, cpx* o) { fftw_execute_dft(static_cast<plan>(p), i, o); }
};

void check_length(std::size_t n, const char* what) {
  if (n == 0) throw InvalidArgument(std::string(what) + ": FFT length must be at least 1");
  if (n > static_cast<std::size_t>(INT32_MAX / 4))
    throw InvalidArgument(std::string(what) + ": FFT length " + std::to_string(n) + " is too large");
}

template <class T>
void* checked(typename Fftw<T>::plan p, std::size_t n) {
  if (p == nullptr) throw Error("FFTW could not create a plan of length " + std::to_string(n));
  return static_cast<void*>(p);
}

template <class T>
const detail::FftPlans* get_plans(Kind kind, std::size_t n, FftDirections dirs = FftDirections::Both) {
  using F = Fftw<T>;
  using cpx = typename F::cpx;
  const unsigned flags = base_flags();
  const Key key{static_cast<int>(sizeof(T)), static_cast<int>(kind), n, static_cast<int>(flags)};
  const bool want_fwd = kind == Kind::Complex || (static_cast<unsigned>(dirs) & 1u) != 0;
  const bool want_inv = kind == Kind::Complex || (static_cast<unsigned>(dirs) & 2u) != 0;
  std::lock_guard<std::mutex> lock(planner_mutex());
  auto& c = cache();
  detail::FftPlans* plans_ptr = nullptr;
  if (auto it = c.find(key); it != c.end()) {
    plans_ptr = it->second.get();
  } else {
    plans_ptr = c.emplace(key, std::make_unique<detail::FftPlans>()).first->second.get();
  }
  const bool do_fwd = want_fwd && !plans_ptr->forward_ready.load(std::memory_order_relaxed);
  const bool do_inv = want_inv && !plans_ptr->inverse_ready.load(std::memory_order_relaxed);
  if (!do_fwd && !do_inv) return plans_ptr;
  detail::FftPlans* plans = plans_ptr;

  const int ni = static_cast<int>(n);
  // Scratch arrays for planning (FFTW_MEASURE overwrites them); aligned by fftw_malloc. The unaligned
  // plans are made on arrays offset by one element so that FFTW cannot assume alignment either way.
  const std::size_t cbytes = (n + 2) * sizeof(cpx);
  void* a = F::malloc(cbytes);
  void* b = F::malloc(cbytes);
  if (a == nullptr || b == nullptr) {
    F::free(a);
    F::free(b);
    throw std::bad_alloc();
  }
  auto* ar = static_cast<T*>(a);
  auto* ac = static_cast<cpx*>(a);
  auto* bc = static_cast<cpx*>(b);
  auto* ar1 = ar + 1;
  auto* bc1 = reinterpret_cast<cpx*>(reinterpret_cast<T*>(b) + 1);
  const unsigned ua = flags | FFTW_UNALIGNED;
  try {
    if (kind == Kind::Real) {
      if (do_fwd) {
        plans->fwd_aligned = checked<T>(F::r2c(ni, ar, bc, flags), n);
        plans->fwd_unaligned = checked<T>(F::r2c(ni, ar1, bc1, ua), n);
      }
      if (do_inv) {
        plans->inv_aligned = checked<T>(F::c2r(ni, bc, ar, flags | FFTW_PRESERVE_INPUT), n);
        plans->inv_unaligned = checked<T>(F::c2r(ni, bc1, ar1, ua | FFTW_PRESERVE_INPUT), n);
        plans->inv_destroy_aligned = checked<T>(F::c2r(ni, bc, ar, flags | FFTW_DESTROY_INPUT), n);
        plans->inv_destroy_unaligned = checked<T>(F::c2r(ni, bc1, ar1, ua | FFTW_DESTROY_INPUT), n);
      }
    } else {
      auto* ac1 = reinterpret_cast<cpx*>(ar1);
      plans->fwd_aligned = checked<T>(F::c2c(ni, ac, bc, FFTW_FORWARD, flags), n);
      plans->fwd_unaligned = checked<T>(F::c2c(ni, ac1, bc1, FFTW_FORWARD, ua), n);
      plans->inv_aligned = checked<T>(F::c2c(ni, ac, bc, FFTW_BACKWARD, flags), n);
      plans->inv_unaligned = checked<T>(F::c2c(ni, ac1, bc1, FFTW_BACKWARD, ua), n);
      plans->fwd_inplace_aligned = checked<T>(F::c2c(ni, ac, ac, FFTW_FORWARD, flags), n);
      plans->fwd_inplace_unaligned = checked<T>(F::c2c(ni, ac1, ac1, FFTW_FORWARD, ua), n);
      plans->inv_inplace_aligned = checked<T>(F::c2c(ni, ac, ac, FFTW_BACKWARD, flags), n);
      plans->inv_inplace_unaligned = checked<T>(F::c2c(ni, ac1, ac1, FFTW_BACKWARD, ua), n);
    }
  } catch (...) {
    F::free(a);
    F::free(b);
    throw;
  }
  F::free(a);
  F::free(b);
  if (do_fwd) plans->forward_ready.store(true, std::memory_order_release);
  if (do_inv) plans->inverse_ready.store(true, std::memory_order_release);
  return plans;
}

template <class T>
bool aligned(const void* p, const void* q) noexcept {
  return Fftw<T>::alignment_of(p) == 0 && Fftw<T>::alignment_of(q) == 0;
}

}  // namespace

void set_fft_planning(FftPlanning effort) noexcept {
  g_planning.store(effort, std::memory_order_relaxed);
}
FftPlanning fft_planning() noexcept {
  return g_planning.load(std::memory_order_relaxed);
}

std::size_t fft_plan_cache_size() noexcept {
  std::lock_guard<std::mutex> lock(planner_mutex());
  return cache().size();
}

// ---------------------------------------------------------------------------------------------
template <class T>
RealFft<T>::RealFft(std::size_t n, FftDirections dirs) : n_(n) {
  check_length(n, "RealFft");
  plans_ = get_plans<T>(Kind::Real, n, dirs);
}

template <class T>
void RealFft<T>::ensure(FftDirections dir) const noexcept {
  // a direction not asked for at construction: planned now (once per length, under the planner mutex)
  const bool ready = dir == FftDirections::Forward ? plans_->forward_ready.load(std::memory_order_acquire)
                                                   : plans_->inverse_ready.load(std::memory_order_acquire);
  if (ready) return;
  try {
    get_plans<T>(Kind::Real, n_, dir);
  } catch (const std::exception& e) {
    // only reachable for a direction not requested at construction whose planning then fails (out of
    // memory): there is no plan to run and no way to report it from a noexcept transform
    std::fprintf(stderr, "percept: FFT planning failed in a transform call: %s\n", e.what());
    std::abort();
  }
}

template <class T>
void RealFft<T>::forward(const T* in, std::complex<T>* out) const noexcept {
  using F = Fftw<T>;
  auto* i = const_cast<T*>(in);  // FFTW's r2c does not write its input
  auto* o = reinterpret_cast<typename F::cpx*>(out);
  ensure(FftDirections::Forward);
  F::exec_r2c(aligned<T>(i, o) ? plans_->fwd_aligned : plans_->fwd_unaligned, i, o);
}

template <class T>
void RealFft<T>::inverse(const std::complex<T>* in, T* out) const noexcept {
  using F = Fftw<T>;
  auto* i = reinterpret_cast<typename F::cpx*>(const_cast<std::complex<T>*>(in));  // planned PRESERVE_INPUT
  ensure(FftDirections::Inverse);
  F::exec_c2r(aligned<T>(i, out) ? plans_->inv_aligned : plans_->inv_unaligned, i, out);
}

template <class T>
void RealFft<T>::inverse_destroy(std::complex<T>* in, T* out) const noexcept {
  using F = Fftw<T>;
  auto* i = reinterpret_cast<typename F::cpx*>(in);
  ensure(FftDirections::Inverse);
  F::exec_c2r(aligned<T>(i, out) ? plans_->inv_destroy_aligned : plans_->inv_destroy_unaligned, i, out);
}

template <class T>
bool RealFft<T>::simd_aligned(const void* p) noexcept {
  return Fftw<T>::alignment_of(p) == 0;
}

template <class T>
ComplexFft<T>::ComplexFft(std::size_t n) : n_(n) {
  check_length(n, "ComplexFft");
  plans_ = get_plans<T>(Kind::Complex, n);
}

template <class T>
void ComplexFft<T>::forward(const std::complex<T>* in, std::complex<T>* out) const noexcept {
  using F = Fftw<T>;
  auto* i = reinterpret_cast<typename F::cpx*>(const_cast<std::complex<T>*>(in));
  auto* o = reinterpret_cast<typename F::cpx*>(out);
  const bool al = aligned<T>(i, o);
  void* p = (static_cast<const void*>(in) == static_cast<const void*>(out))
                ? (al ? plans_->fwd_inplace_aligned : plans_->fwd_inplace_unaligned)
                : (al ? plans_->fwd_aligned : plans_->fwd_unaligned);
  F::exec_c2c(p, i, o);
}

template <class T>
void ComplexFft<T>::inverse(const std::complex<T>* in, std::complex<T>* out) const noexcept {
  using F = Fftw<T>;
  auto* i = reinterpret_cast<typename F::cpx*>(const_cast<std::complex<T>*>(in));
  auto* o = reinterpret_cast<typename F::cpx*>(out);
  const bool al = aligned<T>(i, o);
  void* p = (static_cast<const void*>(in) == static_cast<const void*>(out))
                ? (al ? plans_->inv_inplace_aligned : plans_->inv_inplace_unaligned)
                : (al ? plans_->inv_aligned : plans_->inv_unaligned);
  F::exec_c2c(p, i, o);
}

template class RealFft<float>;
template class RealFft<double>;
template class ComplexFft<float>;
template class ComplexFft<double>;

}  // namespace percept::analysis
