// The allocation trap shared by the test executables that prove "no allocation on the real-time path".
//
// Include this header in exactly ONE source file of a test executable: it replaces the global
// operator new/delete of that executable. Every allocation or free made by a thread while it is inside
// a ForbidAllocations scope, or inside an audio callback (percept::rt::in_audio_callback(), set by the
// device wrappers around every JACK, ALSA and virtual callback), is counted.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

#include "percept/core/realtime.hpp"

namespace percept::testing {

inline thread_local bool t_forbid = false;
inline std::atomic<long> g_trapped_allocations{0};
inline std::atomic<long> g_trapped_frees{0};

[[nodiscard]] inline bool trap_active() noexcept {
  return t_forbid || percept::rt::in_audio_callback();
}

/// Resets the counters and counts every allocation and free this thread makes until the scope ends.
struct ForbidAllocations {
  ForbidAllocations() noexcept {
    g_trapped_allocations = 0;
    g_trapped_frees = 0;
    t_forbid = true;
  }
  ~ForbidAllocations() { t_forbid = false; }
  ForbidAllocations(const ForbidAllocations&) = delete;
  ForbidAllocations& operator=(const ForbidAllocations&) = delete;
  /// Allocations plus frees seen so far in this scope.
  [[nodiscard]] static long events() noexcept { return g_trapped_allocations.load() + g_trapped_frees.load(); }
};

// Not inlined, so that the compiler cannot pair the malloc here with an operator delete elsewhere.
[[gnu::noinline]] inline void* trapped_alloc(std::size_t n, std::size_t align) noexcept {
  if (trap_active()) g_trapped_allocations.fetch_add(1, std::memory_order_relaxed);
  if (n == 0) n = 1;
  if (align > alignof(std::max_align_t)) return std::aligned_alloc(align, (n + align - 1) / align * align);
  return std::malloc(n);
}
[[gnu::noinline]] inline void trapped_free(void* p) noexcept {
  if (p && trap_active()) g_trapped_frees.fetch_add(1, std::memory_order_relaxed);
  std::free(p);
}

}  // namespace percept::testing

// ---- the replaced global allocation functions (one definition per executable) ----------------------
void* operator new(std::size_t n) {
  if (void* p = percept::testing::trapped_alloc(n, 0)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = percept::testing::trapped_alloc(n, 0)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a) {
  if (void* p = percept::testing::trapped_alloc(n, static_cast<std::size_t>(a))) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) {
  if (void* p = percept::testing::trapped_alloc(n, static_cast<std::size_t>(a))) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return percept::testing::trapped_alloc(n, 0);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return percept::testing::trapped_alloc(n, 0);
}
void operator delete(void* p) noexcept {
  percept::testing::trapped_free(p);
}
void operator delete[](void* p) noexcept {
  percept::testing::trapped_free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  percept::testing::trapped_free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  percept::testing::trapped_free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  percept::testing::trapped_free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  percept::testing::trapped_free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  percept::testing::trapped_free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  percept::testing::trapped_free(p);
}
