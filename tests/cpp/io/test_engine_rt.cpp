// Proof that the audio callback never allocates: this test executable replaces the global operator
// new/delete; every allocation made while percept::rt::in_audio_callback() is true (set by the device
// wrapper around each callback: JACK, ALSA and virtual alike) is counted, and the tests require none.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <new>
#include <thread>

#include "percept/core/realtime.hpp"
#include "percept/io/chain.hpp"
#include "percept/io/engine.hpp"
#include "percept/io/jack_server.hpp"

namespace {
std::atomic<long> g_rt_allocations{0};
std::atomic<long> g_rt_frees{0};

void* counted_alloc(std::size_t n, std::size_t align = 0) {
  if (percept::rt::in_audio_callback()) g_rt_allocations.fetch_add(1, std::memory_order_relaxed);
  void* p = nullptr;
  if (align > alignof(std::max_align_t)) {
    if (posix_memalign(&p, align, n ? n : 1) != 0) p = nullptr;
  } else {
    p = std::malloc(n ? n : 1);
  }
  return p;
}
void counted_free(void* p) noexcept {
  if (p && percept::rt::in_audio_callback()) g_rt_frees.fetch_add(1, std::memory_order_relaxed);
  std::free(p);
}
}  // namespace

void* operator new(std::size_t n) {
  if (void* p = counted_alloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = counted_alloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return counted_alloc(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return counted_alloc(n);
}
void* operator new(std::size_t n, std::align_val_t a) {
  if (void* p = counted_alloc(n, static_cast<std::size_t>(a))) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) {
  if (void* p = counted_alloc(n, static_cast<std::size_t>(a))) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  counted_free(p);
}
void operator delete[](void* p) noexcept {
  counted_free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  counted_free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  counted_free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  counted_free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  counted_free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  counted_free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  counted_free(p);
}

using namespace percept;
using namespace percept::io;

namespace {

// A processor that allocates in process(): used to show that the trap does catch a violation.
class AllocatingProcessor final : public dsp::ProcessorBase<AllocatingProcessor> {
 public:
  void prepare(const dsp::ProcessSpec& spec) override { set_spec(spec); }
  void reset() noexcept override {}
  [[nodiscard]] std::string name() const override { return "allocating"; }
  template <class T>
  void process_impl(AudioView<const T>, AudioView<T> out) noexcept {
    auto* p = new (std::nothrow) T[out.num_frames()];
    delete[] p;
  }
};

void run_engine(EngineOptions o, Chain chain, bool measure) {
  Engine e(std::move(o), std::move(chain));
  e.start();
  if (measure) e.measure_round_trip(5.0);
  AudioBuffer<float> block(e.capture().channels(), 960);
  for (int k = 0; k < 20; ++k) e.capture().read(block.view(), 5.0);
  (void)e.stats();
  (void)e.take_peaks();
  e.stop();
}

}  // namespace

TEST(RealtimeTrap, CatchesAnAllocatingProcessor) {
  g_rt_allocations = 0;
  EngineOptions o;
  o.stream.device = "virtual";
  o.stream.output_channels = 1;
  o.stream.period = 64;
  run_engine(o, Chain{std::make_shared<AllocatingProcessor>()}, false);
  EXPECT_GT(g_rt_allocations.load(), 0);  // the trap works
}

TEST(RealtimeTrap, VirtualDuplexCallbackNeverAllocates) {
  g_rt_allocations = 0;
  g_rt_frees = 0;
  EngineOptions o;
  o.stream.device = "virtual";
  o.stream.input_channels = 2;
  o.stream.output_channels = 2;
  o.stream.period = 64;
  run_engine(o, parse_chain("gain:-3,lowpass:3000,cascade:8"), true);
  o.playback = PlaybackSource::Fifo;
  run_engine(o, parse_chain("gain:-3"), false);
  EXPECT_EQ(g_rt_allocations.load(), 0);
  EXPECT_EQ(g_rt_frees.load(), 0);
}

TEST(RealtimeTrap, JackDuplexCallbackNeverAllocates) {
  JackDummyServer server(48000, 64);
  g_rt_allocations = 0;
  g_rt_frees = 0;
  EngineOptions o;
  o.stream.device = "jack:" + server.name();
  o.stream.input_channels = 2;
  o.stream.output_channels = 2;
  o.stream.period = 64;
  o.stream.jack_loopback = true;
  run_engine(o, parse_chain("gain:-3,lowpass:3000,cascade:8"), true);
  EXPECT_EQ(g_rt_allocations.load(), 0);
  EXPECT_EQ(g_rt_frees.load(), 0);
}
