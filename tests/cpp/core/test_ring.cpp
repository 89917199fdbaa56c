// AudioRing / AudioFifo: gapless order, exact loss accounting, latest(), timestamps, closing, underruns.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include "percept/core/audio_block.hpp"
#include "percept/core/clock.hpp"
#include "percept/core/error.hpp"
#include "percept/core/ring.hpp"

using percept::AudioBuffer;
using percept::AudioFifo;
using percept::AudioRing;

namespace {

// Frame f of a counter signal: channel c holds f + c * 0.5 (exact in float below 2^23).
float counter_value(std::int64_t f, std::size_t c) {
  return static_cast<float>(f % 4000000) + 0.5f * static_cast<float>(c);
}

void write_counter(AudioRing& ring, std::int64_t first, std::size_t n, std::int64_t time_ns = 0) {
  AudioBuffer<float> b(ring.channels(), n);
  for (std::size_t c = 0; c < ring.channels(); ++c)
    for (std::size_t i = 0; i < n; ++i) b.channel(c)[i] = counter_value(first + static_cast<std::int64_t>(i), c);
  ring.write(b.view(), time_ns);
}

void expect_counter(const AudioBuffer<float>& b, std::int64_t first, std::size_t n) {
  for (std::size_t c = 0; c < b.num_channels(); ++c)
    for (std::size_t i = 0; i < n; ++i)
      ASSERT_EQ(b.channel(c)[i], counter_value(first + static_cast<std::int64_t>(i), c))
          << "frame " << first + static_cast<std::int64_t>(i);
}

}  // namespace

TEST(AudioRing, ReadsBackInOrderWithoutLoss) {
  AudioRing ring(2, 1000, 48000.0);
  write_counter(ring, 0, 300);
  write_counter(ring, 300, 300);
  AudioBuffer<float> out(2, 500);
  const auto r = ring.read(out.view(), 0.0);
  EXPECT_EQ(r.first_frame, 0);
  EXPECT_EQ(r.frames, 500u);
  EXPECT_EQ(r.lost_frames, 0);
  EXPECT_EQ(r.lost_from, -1);
  expect_counter(out, 0, 500);
  EXPECT_EQ(ring.available(), 100u);
  EXPECT_EQ(ring.read_position(), 500);
}

TEST(AudioRing, StallLongerThanRingLosesExactlyTheOverwrittenFrames) {
  AudioRing ring(1, 4096, 48000.0);
  std::int64_t w = 0;
  for (int k = 0; k < 100; ++k, w += 100) write_counter(ring, w, 100);  // 10000 frames, reader stalled
  EXPECT_EQ(ring.pending_loss(), 10000 - 4096);
  AudioBuffer<float> out(1, 256);
  const auto r = ring.read(out.view(), 0.0);
  EXPECT_EQ(r.lost_frames, 10000 - 4096);
  EXPECT_EQ(r.lost_from, 0);
  EXPECT_EQ(r.first_frame, 10000 - 4096);
  expect_counter(out, r.first_frame, 256);
  const auto loss = ring.loss();
  EXPECT_EQ(loss.lost_frames, 10000 - 4096);
  EXPECT_EQ(loss.overrun_events, 1);
  EXPECT_EQ(loss.last_gap_from, 0);
  EXPECT_EQ(loss.last_gap_frames, 10000 - 4096);
  // The rest of the ring is intact and gapless.
  AudioBuffer<float> rest(1, 4096 - 256);
  const auto r2 = ring.read(rest.view(), 0.0);
  EXPECT_EQ(r2.lost_frames, 0);
  EXPECT_EQ(r2.first_frame, 10000 - 4096 + 256);
  expect_counter(rest, r2.first_frame, 4096 - 256);
}

TEST(AudioRing, StallShorterThanRingLosesNothing) {
  AudioRing ring(1, 4096, 48000.0);
  write_counter(ring, 0, 4096);  // exactly full
  AudioBuffer<float> out(1, 4096);
  const auto r = ring.read(out.view(), 0.0);
  EXPECT_EQ(r.lost_frames, 0);
  expect_counter(out, 0, 4096);
  EXPECT_EQ(ring.loss().lost_frames, 0);
}

TEST(AudioRing, ConcurrentProducerWithStallingReaderAccountsForEveryFrame) {
  // A producer writes 64-frame blocks as fast as it can; the reader reads in odd sizes and sometimes
  // stalls. Every delivered frame must be the right value (never torn), and delivered + lost == written.
  AudioRing ring(2, 2048, 48000.0);
  constexpr std::int64_t kTotal = 2'000'000;
  std::atomic<bool> done{false};
  std::thread producer([&] {
    AudioBuffer<float> b(2, 64);
    for (std::int64_t w = 0; w < kTotal; w += 64) {
      for (std::size_t c = 0; c < 2; ++c)
        for (std::size_t i = 0; i < 64; ++i) b.channel(c)[i] = counter_value(w + static_cast<std::int64_t>(i), c);
      ring.write(b.view(), w);
      if ((w / 64) % 64 == 0) std::this_thread::yield();
    }
    done = true;
  });
  std::mt19937 rng(3);
  std::int64_t next = 0, delivered = 0, lost = 0;
  AudioBuffer<float> out(2, 700);
  while (next < kTotal) {
    const std::size_t n = std::min<std::size_t>(1 + rng() % 700, static_cast<std::size_t>(kTotal - next));
    auto view = out.view().frames(0, n);
    percept::RingRead r;
    try {
      r = ring.read(view, 5.0);
    } catch (const percept::TimeoutError&) {
      FAIL() << "producer stopped early at " << ring.write_position();
    }
    if (r.lost_frames > 0) {
      ASSERT_EQ(r.lost_from, next);
      lost += r.lost_frames;
    }
    ASSERT_EQ(r.first_frame, next + r.lost_frames);
    for (std::size_t c = 0; c < 2; ++c)
      for (std::size_t i = 0; i < n; ++i)
        ASSERT_EQ(view.channel(c)[i], counter_value(r.first_frame + static_cast<std::int64_t>(i), c));
    delivered += static_cast<std::int64_t>(n);
    next = r.first_frame + static_cast<std::int64_t>(n);
    if (rng() % 50 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  producer.join();
  EXPECT_EQ(delivered + lost, kTotal);
  EXPECT_EQ(ring.loss().lost_frames, lost);
}

TEST(AudioRing, LatestCopiesNewestWithoutConsuming) {
  AudioRing ring(1, 100, 48000.0);
  write_counter(ring, 0, 30);
  AudioBuffer<float> out(1, 50);
  auto r = ring.latest(out.view());
  EXPECT_EQ(r.frames, 30u);
  EXPECT_EQ(r.first_frame, 0);
  for (std::size_t i = 0; i < 20; ++i) EXPECT_EQ(out.channel(0)[i], 0.0f);
  for (std::size_t i = 0; i < 30; ++i)
    EXPECT_EQ(out.channel(0)[20 + i], counter_value(static_cast<std::int64_t>(i), 0));
  write_counter(ring, 30, 200);  // wraps
  r = ring.latest(out.view());
  EXPECT_EQ(r.frames, 50u);
  EXPECT_EQ(r.first_frame, 180);
  expect_counter(out, 180, 50);
  EXPECT_EQ(ring.read_position(), 0);  // nothing consumed
}

TEST(AudioRing, TimestampsFollowTheBlocks) {
  AudioRing ring(1, 48000, 48000.0);
  write_counter(ring, 0, 480, 1'000'000'000);
  write_counter(ring, 480, 480, 1'010'500'000);  // this block arrived 0.5 ms late
  EXPECT_EQ(ring.time_of(0), 1'000'000'000);
  EXPECT_EQ(ring.time_of(240), 1'005'000'000);
  EXPECT_EQ(ring.time_of(480), 1'010'500'000);
  EXPECT_EQ(ring.time_of(720), 1'015'500'000);
  AudioBuffer<float> out(1, 100);
  ring.read(out.view(), 0.0);
  const auto r = ring.read(out.view(), 0.0);
  EXPECT_EQ(r.first_frame, 100);
  EXPECT_EQ(r.time_ns, 1'002'083'333);
}

TEST(AudioRing, TimeoutAndClose) {
  AudioRing ring(1, 1000, 48000.0);
  write_counter(ring, 0, 10);
  AudioBuffer<float> out(1, 20);
  EXPECT_THROW(ring.read(out.view(), 0.01), percept::TimeoutError);
  EXPECT_EQ(ring.read_position(), 0);  // nothing consumed by a timed-out read
  AudioBuffer<float> small(1, 10);
  ring.close("server shut down");
  const auto r = ring.read(small.view(), 1.0);  // what is left is still delivered
  EXPECT_EQ(r.frames, 10u);
  try {
    ring.read(small.view(), 1.0);
    FAIL() << "expected StreamError";
  } catch (const percept::StreamError& e) {
    EXPECT_NE(std::string(e.what()).find("server shut down"), std::string::npos);
  }
  EXPECT_THROW(AudioRing(1, 0, 48000.0), percept::InvalidArgument);
  EXPECT_THROW(ring.read(AudioBuffer<float>(1, 2000).view(), 0.0), percept::InvalidArgument);
}

TEST(AudioRing, ReadAvailableNeverWaits) {
  AudioRing ring(1, 64, 48000.0);
  AudioBuffer<float> out(1, 32);
  EXPECT_EQ(ring.read_available(out.view()).frames, 0u);
  write_counter(ring, 0, 20);
  const auto r = ring.read_available(out.view());
  EXPECT_EQ(r.frames, 20u);
  expect_counter(out, 0, 20);
}

TEST(AudioFifo, PlaysInOrderAndCountsUnderruns) {
  AudioFifo fifo(2, 256, 48000.0);
  AudioBuffer<float> in(1, 100);  // mono is copied to both channels
  for (std::size_t i = 0; i < 100; ++i) in.channel(0)[i] = static_cast<float>(i);
  EXPECT_EQ(fifo.write(in.view(), 0.0), 100u);
  AudioBuffer<float> out(2, 64);
  EXPECT_EQ(fifo.pull(out.view()), 64u);
  for (std::size_t i = 0; i < 64; ++i) EXPECT_EQ(out.channel(1)[i], static_cast<float>(i));
  EXPECT_EQ(fifo.pull(out.view()), 36u);
  for (std::size_t i = 36; i < 64; ++i) EXPECT_EQ(out.channel(0)[i], 0.0f);
  EXPECT_EQ(fifo.underrun_frames(), 28);
  EXPECT_EQ(fifo.underrun_events(), 1);
  fifo.pull(out.view());
  EXPECT_EQ(fifo.underrun_frames(), 92);
  EXPECT_EQ(fifo.underrun_events(), 1);  // one continuous underrun
  AudioBuffer<float> big(2, 300);
  EXPECT_THROW(fifo.write(big.view(), 0.01), percept::TimeoutError);
  EXPECT_EQ(fifo.available(), 256u);
}
