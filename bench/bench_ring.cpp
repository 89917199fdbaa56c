// bench_ring — AudioRing (lock-free, overwrite-on-full seqlock) against a peer: the same SPSC hand-over
// through a std::mutex-protected std::deque of blocks, the obvious alternative. Producer and consumer run
// on two threads; the figure is frames per second through the ring. Prints Google Benchmark's table; the
// ratio is the items_per_second of the two.
#include <benchmark/benchmark.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "percept/core/audio_block.hpp"
#include "percept/core/ring.hpp"

namespace {

constexpr std::size_t kBlock = 64;
constexpr std::int64_t kFrames = 1 << 20;

void BM_AudioRing(benchmark::State& state) {
  const auto channels = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    percept::AudioRing ring(channels, 48000, 48000.0);
    std::thread producer([&] {
      percept::AudioBuffer<float> b(channels, kBlock);
      for (std::int64_t w = 0; w < kFrames; w += kBlock) {
        while (ring.write_position() - ring.read_position() > 40000) std::this_thread::yield();  // no loss
        ring.write(b.view(), 0);
      }
    });
    percept::AudioBuffer<float> out(channels, 480);
    std::int64_t got = 0;
    while (got < kFrames) got += static_cast<std::int64_t>(ring.read_available(out.view()).frames);
    producer.join();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kFrames);
}

void BM_MutexDequePeer(benchmark::State& state) {
  const auto channels = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    std::mutex m;
    std::deque<std::vector<float>> q;
    std::thread producer([&] {
      std::vector<float> b(channels * kBlock);
      for (std::int64_t w = 0; w < kFrames; w += kBlock) {
        for (;;) {
          {
            std::lock_guard<std::mutex> lock(m);
            if (q.size() < 600) {
              q.push_back(b);
              break;
            }
          }
          std::this_thread::yield();
        }
      }
    });
    std::int64_t got = 0;
    std::vector<float> out(channels * 480);
    while (got < kFrames) {
      std::lock_guard<std::mutex> lock(m);
      while (!q.empty()) {
        std::copy(q.front().begin(), q.front().end(), out.begin());
        q.pop_front();
        got += kBlock;
      }
    }
    producer.join();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kFrames);
}

}  // namespace

BENCHMARK(BM_AudioRing)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_MutexDequePeer)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
