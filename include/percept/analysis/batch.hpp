// percept/analysis/batch.hpp — run independent analysis jobs (rows of a (batch, n) array, files) across
// all cores with a small pool of std::threads.
//
//   parallel_for(count, fn, threads)   calls fn(i) for i in [0, count) on up to `threads` workers
//                                      (0: std::thread::hardware_concurrency()); the first exception
//                                      thrown by a job is rethrown on the caller after all workers end.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace percept::analysis {

/// Number of workers parallel_for uses for `threads` (0 = all cores) and `count` jobs.
[[nodiscard]] inline std::size_t worker_count(std::size_t count, std::size_t threads = 0) noexcept {
  std::size_t hw = threads != 0 ? threads : std::max<std::size_t>(1, std::thread::hardware_concurrency());
  return std::max<std::size_t>(1, std::min(hw, count));
}

template <class Fn>
void parallel_for(std::size_t count, Fn&& fn, std::size_t threads = 0) {
  if (count == 0) return;
  const std::size_t workers = worker_count(count, threads);
  if (workers == 1) {
    for (std::size_t i = 0; i < count; ++i) fn(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto body = [&] {
    for (;;) {
      const std::size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= count) return;
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        next.store(count, std::memory_order_relaxed);  // stop handing out work
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(workers - 1);
  for (std::size_t w = 1; w < workers; ++w) pool.emplace_back(body);
  body();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace percept::analysis
