// percept/analysis/fft.hpp — the one FFT interface of percept (FFTW3 underneath, float and double).
//
//   RealFft<T>(n)       real <-> half-complex transforms of length n (n/2 + 1 bins)
//   ComplexFft<T>(n)    complex <-> complex transforms of length n
//   AlignedVector<T>    std::vector with 64-byte aligned storage (the fast path of the transforms)
//
// Conventions (numpy.fft's): forward is X[k] = sum_t x[t] exp(-2 pi i k t / n); inverse is
// UNNORMALISED (x[t] = sum_k X[k] exp(+2 pi i k t / n), i.e. n times numpy's ifft) — scale by 1/n yourself.
//
// Plans are created once per (precision, kind, length) and cached for the life of the process; the
// constructors look them up under a mutex, so any thread may construct transforms at any time. A
// transform object is a small handle (copyable) and its forward()/inverse() are noexcept, allocate
// nothing, take no lock and may run concurrently from many threads on different data: that is what a
// real-time process() calls. Inputs are never modified (inverse real transforms preserve their input).
// Any pointer alignment works; 64-byte aligned arrays (AlignedVector, fftw_malloc) take the faster
// SIMD plans.
//
// Planning effort: Estimate by default (plans in microseconds, so a fresh process reaches its first
// spectrogram quickly); set_fft_planning(FftPlanning::Measure) before constructing transforms makes
// FFTW time candidate algorithms (tens of milliseconds per length) for long batch jobs.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

namespace percept::analysis {

/// Allocator for 64-byte aligned storage (SIMD- and cache-line aligned).
template <class T>
struct AlignedAllocator {
  using value_type = T;
  static constexpr std::size_t kAlignment = 64;
  AlignedAllocator() noexcept = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)
  T* allocate(std::size_t n) {
    const std::size_t bytes = ((n * sizeof(T) + kAlignment - 1) / kAlignment) * kAlignment;
    void* p = std::aligned_alloc(kAlignment, bytes == 0 ? kAlignment : bytes);
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) noexcept { std::free(p); }
  template <class U>
  bool operator==(const AlignedAllocator<U>&) const noexcept {
    return true;
  }
};

template <class T>
using AlignedVector = std::vector<T, AlignedAllocator<T>>;

enum class FftPlanning { Estimate, Measure };

/// Planning effort for transforms whose plans are created from now on (already cached plans stay).
void set_fft_planning(FftPlanning effort) noexcept;
[[nodiscard]] FftPlanning fft_planning() noexcept;

/// Which directions of a real transform to plan up front (RealFft's constructor).
enum class FftDirections : unsigned { Forward = 1, Inverse = 2, Both = 3 };

namespace detail {
struct FftPlans;  // opaque: the cached FFTW plans of one (precision, kind, length)
}

/// Real-input FFT of length n (n >= 1). T is float or double.
template <class T>
class RealFft {
 public:
  RealFft() = default;
  /// Throws InvalidArgument for n == 0. `dirs`: the directions planned now; a direction left out is
  /// planned on its first use (a lock and FFTW planning on that call: real-time code asks for what it
  /// uses). Forward-only analysis (STFT) skips the inverse plans' planning time.
  explicit RealFft(std::size_t n, FftDirections dirs = FftDirections::Both);

  [[nodiscard]] std::size_t size() const noexcept { return n_; }
  /// n / 2 + 1
  [[nodiscard]] std::size_t num_bins() const noexcept { return n_ / 2 + 1; }
  [[nodiscard]] bool valid() const noexcept { return plans_ != nullptr; }

  /// out[0 .. n/2] = DFT of in[0 .. n-1]. in and out must not overlap.
  void forward(const T* in, std::complex<T>* out) const noexcept;
  /// out[0 .. n-1] = unnormalised inverse DFT of the Hermitian spectrum in[0 .. n/2] (imaginary parts
  /// of in[0] and, for even n, in[n/2] are ignored). `in` is not modified.
  void inverse(const std::complex<T>* in, T* out) const noexcept;
  /// The same transform, allowed to overwrite `in` (FFTW uses it as scratch: ~20 % faster than
  /// inverse() for lengths like 2048). For callers whose spectrum is a temporary.
  void inverse_destroy(std::complex<T>* in, T* out) const noexcept;

  /// Whether `p` has FFTW's SIMD alignment (the transforms of such arrays take the aligned plans).
  [[nodiscard]] static bool simd_aligned(const void* p) noexcept;

 private:
  void ensure(FftDirections dir) const noexcept;

  std::size_t n_ = 0;
  const detail::FftPlans* plans_ = nullptr;
};

/// Complex FFT of length n (n >= 1). T is float or double. In-place (in == out) is allowed.
template <class T>
class ComplexFft {
 public:
  ComplexFft() = default;
  explicit ComplexFft(std::size_t n);

  [[nodiscard]] std::size_t size() const noexcept { return n_; }
  [[nodiscard]] bool valid() const noexcept { return plans_ != nullptr; }

  void forward(const std::complex<T>* in, std::complex<T>* out) const noexcept;
  /// Unnormalised inverse.
  void inverse(const std::complex<T>* in, std::complex<T>* out) const noexcept;

 private:
  std::size_t n_ = 0;
  const detail::FftPlans* plans_ = nullptr;
};

extern template class RealFft<float>;
extern template class RealFft<double>;
extern template class ComplexFft<float>;
extern template class ComplexFft<double>;

/// Number of distinct plan sets created so far (for tests of the cache).
[[nodiscard]] std::size_t fft_plan_cache_size() noexcept;

}  // namespace percept::analysis
