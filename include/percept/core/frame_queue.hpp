// percept/core/frame_queue.hpp — a bounded hand-over queue between a producer thread (a grabber) and a
// reader, with the two policies live capture needs and every loss counted.
//
//   QueueMode::Latest  only the newest item is kept. A push that replaces an item nobody popped counts
//                      that item as skipped (stats().dropped). A reader never sees a stale item: pop()
//                      returns the newest one, and waits for a newer one after that.
//   QueueMode::Every   a FIFO of at most `capacity` items. push() on a full queue drops the incoming item
//                      (counted) so that a live producer never blocks; push_wait() blocks instead, for
//                      producers that can wait (a file being decoded).
//
// Independently of the mode, newest() returns the last item ever pushed (also after it was popped), so a
// reader can always look at the most recent frame without consuming anything.
//
// close() ends the hand-over: pushes are refused, pop() drains what is left and then reports Closed.
// Standard library only; items are moved, so a std::shared_ptr to a frame costs no copy of the pixels.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

#include "percept/core/error.hpp"

namespace percept {

enum class QueueMode { Latest, Every };

enum class PopStatus { Ok, Timeout, Closed };

struct FrameQueueStats {
  std::uint64_t pushed = 0;   ///< items offered by the producer (accepted or not)
  std::uint64_t popped = 0;   ///< items handed to the reader
  std::uint64_t dropped = 0;  ///< Latest: replaced before being read; Every: refused because the queue was full
  std::size_t size = 0;       ///< items waiting now
};

template <class T>
class FrameQueue {
 public:
  explicit FrameQueue(QueueMode mode = QueueMode::Latest, std::size_t capacity = 8)
      : mode_(mode), capacity_(mode == QueueMode::Latest ? 1 : capacity) {
    if (capacity == 0) throw InvalidArgument("FrameQueue: capacity must be at least 1");
  }
  FrameQueue(const FrameQueue&) = delete;
  FrameQueue& operator=(const FrameQueue&) = delete;

  [[nodiscard]] QueueMode mode() const noexcept { return mode_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

  /// Offers an item without blocking. Returns false when something was lost: in Latest mode an unread
  /// item was replaced, in Every mode the queue was full and `item` was dropped, or the queue is closed.
  bool push(T item) {
    bool lost = false;
    {
      std::lock_guard lock(mutex_);
      if (closed_) return false;
      ++stats_.pushed;
      newest_ = item;
      if (mode_ == QueueMode::Latest) {
        if (!items_.empty()) {
          items_.clear();
          ++stats_.dropped;
          lost = true;
        }
        items_.push_back(std::move(item));
      } else if (items_.size() >= capacity_) {
        ++stats_.dropped;
        lost = true;
      } else {
        items_.push_back(std::move(item));
      }
    }
    readable_.notify_one();
    return !lost;
  }

  /// Offers an item, waiting for room in Every mode (Latest never waits). Returns false if the queue
  /// was closed before the item could be queued.
  bool push_wait(T item) {
    if (mode_ == QueueMode::Latest) return push(std::move(item)) || !closed();
    {
      std::unique_lock lock(mutex_);
      writable_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
      if (closed_) return false;
      ++stats_.pushed;
      newest_ = item;
      items_.push_back(std::move(item));
    }
    readable_.notify_one();
    return true;
  }

  /// Takes the next item (the newest one in Latest mode), waiting at most `timeout`. After close() the
  /// items still queued are returned first; then Closed.
  template <class Rep, class Period>
  PopStatus pop(T& out, std::chrono::duration<Rep, Period> timeout) {
    {
      std::unique_lock lock(mutex_);
      if (!readable_.wait_for(lock, timeout, [&] { return closed_ || !items_.empty(); })) return PopStatus::Timeout;
      if (items_.empty()) return PopStatus::Closed;
      out = std::move(items_.front());
      items_.pop_front();
      ++stats_.popped;
    }
    writable_.notify_one();
    return PopStatus::Ok;
  }

  /// Takes the next item if one is waiting.
  std::optional<T> try_pop() {
    std::optional<T> out;
    {
      std::lock_guard lock(mutex_);
      if (items_.empty()) return out;
      out.emplace(std::move(items_.front()));
      items_.pop_front();
      ++stats_.popped;
    }
    writable_.notify_one();
    return out;
  }

  /// The last item ever pushed (whether or not it was popped or dropped); empty before the first push.
  [[nodiscard]] std::optional<T> newest() const {
    std::lock_guard lock(mutex_);
    return newest_;
  }

  /// Refuses further pushes and wakes every waiter. Items already queued can still be popped.
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    readable_.notify_all();
    writable_.notify_all();
  }

  /// Drops everything queued (not counted as dropped: the reader asked for it) and the newest item.
  void clear() {
    {
      std::lock_guard lock(mutex_);
      items_.clear();
      newest_.reset();
    }
    writable_.notify_all();
  }

  [[nodiscard]] bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }

  [[nodiscard]] FrameQueueStats stats() const {
    std::lock_guard lock(mutex_);
    FrameQueueStats s = stats_;
    s.size = items_.size();
    return s;
  }

 private:
  const QueueMode mode_;
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable readable_;
  std::condition_variable writable_;
  std::deque<T> items_;
  std::optional<T> newest_;
  FrameQueueStats stats_;
  bool closed_ = false;
};

}  // namespace percept
