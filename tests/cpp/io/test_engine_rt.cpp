// Proof that the audio callback never allocates: this test executable replaces the global operator
// new/delete; every allocation made while percept::rt::in_audio_callback() is true (set by the device
// wrapper around each callback: JACK, ALSA and virtual alike) is counted, and the tests require none.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <new>
#include <thread>

#include "alloc_trap.hpp"
#include "percept/core/realtime.hpp"
#include "percept/dsp/chain_parser.hpp"
#include "percept/dsp/filters.hpp"
#include "percept/dsp/virtual_analog.hpp"
#include "percept/io/engine.hpp"
#include "percept/io/jack_server.hpp"

using percept::testing::g_trapped_allocations;
using percept::testing::g_trapped_frees;

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

std::shared_ptr<dsp::Chain> chain_of(std::vector<std::shared_ptr<dsp::Processor>> ps) {
  return std::make_shared<dsp::Chain>(std::move(ps));
}

// The paper's two virtual-analog processors (issue 4), as real objects: the VCS3 filter (fixed point and
// Newton) and the oversampled diode ring modulator, after a Butterworth.
std::shared_ptr<dsp::Chain> virtual_analog_chain(double sample_rate) {
  return chain_of(
      {std::make_shared<dsp::Butterworth>(2, std::vector<double>{3000.0}, dsp::FilterType::Lowpass, sample_rate),
       std::make_shared<dsp::Vcs3Filter>(sample_rate, 30e-6, 4.0),
       std::make_shared<dsp::DiodeRingModulator>(sample_rate),
       std::make_shared<dsp::Vcs3Filter>(sample_rate, 30e-6, 4.0, dsp::Vcs3Solver::Newton)});
}

// Stereo duplex on the JACK dummy server's loopback, 64-frame periods; the allocation counters zeroed.
EngineOptions jack_loopback_options(const JackDummyServer& server) {
  g_trapped_allocations = 0;
  g_trapped_frees = 0;
  EngineOptions o;
  o.stream.device = "jack:" + server.name();
  o.stream.input_channels = 2;
  o.stream.output_channels = 2;
  o.stream.period = 64;
  o.stream.jack_loopback = true;
  return o;
}

void run_engine(EngineOptions o, std::shared_ptr<dsp::Chain> chain, bool measure) {
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
  g_trapped_allocations = 0;
  EngineOptions o;
  o.stream.device = "virtual";
  o.stream.output_channels = 1;
  o.stream.period = 64;
  run_engine(o, chain_of({std::make_shared<AllocatingProcessor>()}), false);
  EXPECT_GT(g_trapped_allocations.load(), 0);  // the trap works
}

TEST(RealtimeTrap, VirtualDuplexCallbackNeverAllocates) {
  g_trapped_allocations = 0;
  g_trapped_frees = 0;
  EngineOptions o;
  o.stream.device = "virtual";
  o.stream.input_channels = 2;
  o.stream.output_channels = 2;
  o.stream.period = 64;
  run_engine(o, dsp::parse_chain("gain(gain_db=-3) | onepole(cutoff_hz=3000) | cascade(stages=8)", 48000), true);
  o.playback = PlaybackSource::Fifo;
  run_engine(o, dsp::parse_chain("gain(gain_db=-3)", 48000), false);
  EXPECT_EQ(g_trapped_allocations.load(), 0);
  EXPECT_EQ(g_trapped_frees.load(), 0);
}

TEST(RealtimeTrap, JackDuplexCallbackNeverAllocates) {
  JackDummyServer server(48000, 64);
  const EngineOptions o = jack_loopback_options(server);
  run_engine(o, dsp::parse_chain("gain(gain_db=-3) | onepole(cutoff_hz=3000) | cascade(stages=8)", 48000), true);
  EXPECT_EQ(g_trapped_allocations.load(), 0);
  EXPECT_EQ(g_trapped_frees.load(), 0);
}

// Issue 4's processors in the real-time engine: a duplex stream whose chain is a real VCS3 filter and a
// diode ring modulator (with the tone of virtual:tone, or the JACK loop, as input) makes no allocation on
// the audio thread, and the processors do work there (the output is not silent and stays finite).
TEST(RealtimeTrap, VirtualDuplexWithVcs3AndRingModulatorNeverAllocates) {
  g_trapped_allocations = 0;
  g_trapped_frees = 0;
  EngineOptions o;
  o.stream.device = "virtual:tone";
  o.stream.input_channels = 2;
  o.stream.output_channels = 2;
  o.stream.period = 64;
  o.tap = CaptureTap::Output;
  Engine e(o, virtual_analog_chain(48000));
  e.start();
  AudioBuffer<float> block(2, 4800);
  float peak = 0.0f;
  bool finite = true;
  for (int k = 0; k < 10; ++k) {
    e.capture().read(block.view(), 5.0);
    for (std::size_t c = 0; c < 2; ++c)
      for (std::size_t i = 0; i < block.num_frames(); ++i) {
        finite = finite && std::isfinite(block.channel(c)[i]);
        peak = std::max(peak, std::fabs(block.channel(c)[i]));
      }
  }
  const auto s = e.stats();
  e.stop();
  EXPECT_EQ(g_trapped_allocations.load(), 0);
  EXPECT_EQ(g_trapped_frees.load(), 0);
  EXPECT_TRUE(finite);
  EXPECT_GT(peak, 1e-4f);
  EXPECT_GE(s.callbacks, 48000 / 64);
  EXPECT_EQ(s.frames_lost, 0);
}

TEST(RealtimeTrap, JackDuplexWithVcs3AndRingModulatorNeverAllocates) {
  JackDummyServer server(48000, 64);
  const EngineOptions o = jack_loopback_options(server);
  // The ring modulator's internal 500 Hz modulator makes the loop carry a signal from the first cycle on.
  run_engine(o, virtual_analog_chain(48000), true);
  EXPECT_EQ(g_trapped_allocations.load(), 0);
  EXPECT_EQ(g_trapped_frees.load(), 0);
  run_engine(o, dsp::parse_chain("butterworth(order=2,cutoff_hz=3000) | vcs3(feedback=4) | ring", 48000), false);
  EXPECT_EQ(g_trapped_allocations.load(), 0);
  EXPECT_EQ(g_trapped_frees.load(), 0);
}
