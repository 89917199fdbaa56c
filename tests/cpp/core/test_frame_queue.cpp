#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "percept/core/error.hpp"
#include "percept/core/frame_queue.hpp"

using namespace percept;
using namespace std::chrono_literals;

TEST(FrameQueue, LatestKeepsOnlyNewestAndCountsSkipped) {
  FrameQueue<int> q(QueueMode::Latest);
  EXPECT_TRUE(q.push(1));
  EXPECT_FALSE(q.push(2));  // 1 was never read
  EXPECT_FALSE(q.push(3));
  int v = 0;
  ASSERT_EQ(q.pop(v, 0ms), PopStatus::Ok);
  EXPECT_EQ(v, 3);
  EXPECT_EQ(q.pop(v, 1ms), PopStatus::Timeout);  // no stale frame handed out twice
  EXPECT_TRUE(q.push(4));
  const auto s = q.stats();
  EXPECT_EQ(s.pushed, 4u);
  EXPECT_EQ(s.dropped, 2u);
  EXPECT_EQ(s.popped, 1u);
  EXPECT_EQ(s.size, 1u);
  ASSERT_TRUE(q.newest().has_value());
  EXPECT_EQ(*q.newest(), 4);
}

TEST(FrameQueue, EveryIsFifoAndDropsIncomingWhenFull) {
  FrameQueue<int> q(QueueMode::Every, 3);
  for (int i = 0; i < 5; ++i) q.push(i);
  const auto s = q.stats();
  EXPECT_EQ(s.dropped, 2u);
  EXPECT_EQ(s.size, 3u);
  EXPECT_EQ(*q.newest(), 4);  // newest pushed, even though it was dropped from the queue
  int v = -1;
  for (int expect = 0; expect < 3; ++expect) {
    ASSERT_EQ(q.pop(v, 0ms), PopStatus::Ok);
    EXPECT_EQ(v, expect);
  }
  EXPECT_FALSE(q.try_pop().has_value());
}

TEST(FrameQueue, PushWaitBlocksUntilReaderMakesRoomAndLosesNothing) {
  FrameQueue<int> q(QueueMode::Every, 2);
  constexpr int kCount = 2000;
  std::thread producer([&] {
    for (int i = 0; i < kCount; ++i) ASSERT_TRUE(q.push_wait(i));
    q.close();
  });
  std::vector<int> got;
  int v = 0;
  while (q.pop(v, 5s) == PopStatus::Ok) got.push_back(v);
  producer.join();
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kCount));
  for (int i = 0; i < kCount; ++i) EXPECT_EQ(got[static_cast<std::size_t>(i)], i);
  EXPECT_EQ(q.stats().dropped, 0u);
}

TEST(FrameQueue, CloseDrainsThenReportsClosedAndWakesWaiters) {
  FrameQueue<std::shared_ptr<int>> q(QueueMode::Every, 1);
  q.push(std::make_shared<int>(7));
  std::atomic<bool> returned{false};
  std::thread blocked([&] {
    EXPECT_FALSE(q.push_wait(std::make_shared<int>(8)));  // full: waits until close()
    returned = true;
  });
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(returned.load());
  q.close();
  blocked.join();
  EXPECT_TRUE(returned.load());
  std::shared_ptr<int> out;
  ASSERT_EQ(q.pop(out, 0ms), PopStatus::Ok);
  EXPECT_EQ(*out, 7);
  EXPECT_EQ(q.pop(out, 1s), PopStatus::Closed);  // returns at once, not after the timeout
  EXPECT_FALSE(q.push(std::make_shared<int>(9)));
}

TEST(FrameQueue, ZeroCapacityIsRejected) {
  EXPECT_THROW(FrameQueue<int>(QueueMode::Every, 0), InvalidArgument);
}
