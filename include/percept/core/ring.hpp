// percept/core/ring.hpp — lock-free single-producer rings of planar float audio.
//
// AudioRing: the capture ring. One producer (an audio callback, a decoder thread) writes blocks; it
// NEVER blocks and never fails: when the ring is full the oldest unread frames are overwritten. One
// consumer reads with read(n, timeout) and gets the next n frames with no gap, or — when it fell so far
// behind that frames were overwritten — it is told exactly how many frames were lost and from which
// absolute frame index. latest(n) copies the newest n frames without consuming (the "momentary state")
// and may be called from any thread.
//
// AudioFifo: the playback ring. One producer (a user thread) writes and may wait for space; one consumer
// (the audio callback) pulls what is there, never waits, and fills an underrun with silence.
//
// Frame indices are absolute 64-bit counters (frame 0 is the first frame ever written): at 384 kHz they
// wrap after 760 000 years. Every block carries the index of its first frame and a time on percept::Clock
// (the monotonic clock video and sensor sources stamp with too).
//
// ---- The overwrite-on-full scheme (a seqlock on frame indices) ----------------------------------------
// Storage is `capacity` frames per channel; frame f lives in slot f % capacity. The producer keeps two
// counters:
//   claimed_   the end of the frames it is about to write (published BEFORE touching the slots),
//   written_   the end of the frames that are completely written (published AFTER).
// A write of frames [w, w + n) reuses the slots of frames [w - capacity, w + n - capacity): once claimed_ is
// w + n, every frame below claimed_ - capacity is gone or going. The producer does
//   claimed_.store(w + n, relaxed); fence(release); store samples (relaxed atomics); written_.store(w + n, release)
// and the consumer does
//   W = written_.load(acquire); copy frames [r, min(r + n, W)); fence(acquire); C = claimed_.load(relaxed)
// Any frame f < C - capacity may have been (partly) overwritten while it was being copied, so the copy is
// valid only for frames >= C - capacity; everything below that is LOST and is accounted as such (the reader
// skips to C - capacity and copies again). Because the producer publishes claimed_ before touching a slot
// and the consumer reads claimed_ after its copy, a torn sample can never be delivered: this is the
// classic seqlock validation, with the write counter itself as the sequence number. Samples are stored and
// loaded as relaxed std::atomic_ref<float> operations (plain moves on x86-64 and AArch64), so there is no
// data race in the C++ memory model either. The producer never reads anything the consumer writes: it
// cannot be delayed by a slow or stalled reader.
//
// Waiting: the producer must not make system calls (it may be an audio callback), so it never wakes a
// reader. read() waits by sleeping for the time the missing frames take to arrive at the stream's sample
// rate (at least 0.2 ms, at most 5 ms at a time), rechecking the counters after each sleep.
//
// Timestamps: each write records (first frame, time) in a small ring of stamps validated the same way; the
// time of any frame is the stamp of the block containing it plus the offset at the nominal rate.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "percept/core/audio_block.hpp"

namespace percept {

/// What a read or latest() delivered.
struct RingRead {
  std::int64_t first_frame = 0;  ///< absolute index of the first frame delivered
  std::size_t frames = 0;        ///< frames delivered (== requested for read(); may be fewer for latest())
  std::int64_t time_ns = 0;      ///< time of the first delivered frame on percept::Clock (0 if unknown)
  std::int64_t lost_frames = 0;  ///< frames skipped immediately before first_frame (0 = gapless)
  std::int64_t lost_from = -1;   ///< absolute index of the first lost frame (-1 when none were lost)
};

/// Cumulative loss accounting of a ring's consumer.
struct RingLoss {
  std::int64_t lost_frames = 0;      ///< all frames the consumer never received
  std::int64_t overrun_events = 0;   ///< number of distinct gaps
  std::int64_t last_gap_from = -1;   ///< first frame of the most recent gap
  std::int64_t last_gap_frames = 0;  ///< length of the most recent gap
};

class AudioRing {
 public:
  /// `capacity_frames` frames of `channels` channels at `sample_rate` (used for timestamps and waits).
  AudioRing(std::size_t channels, std::size_t capacity_frames, double sample_rate);
  AudioRing(const AudioRing&) = delete;
  AudioRing& operator=(const AudioRing&) = delete;

  [[nodiscard]] std::size_t channels() const noexcept { return channels_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] double sample_rate() const noexcept { return sample_rate_; }

  // ---- producer (real-time safe: no allocation, lock or system call) ----
  /// Appends `block` (num_channels() == channels(); more channels are ignored, fewer leave the rest
  /// zero). `time_ns` is the Clock time of its first frame. Never blocks; overwrites the oldest frames.
  void write(AudioView<const float> block, std::int64_t time_ns) noexcept;
  /// Same from interleaved samples (`frames` frames of `channels` values each).
  void write_interleaved(const float* data, std::size_t frames, std::size_t channels, std::int64_t time_ns) noexcept;
  /// Appends `frames` frames of silence (e.g. to mark a device dropout while keeping indices aligned).
  void write_silence(std::size_t frames, std::int64_t time_ns) noexcept;

  // ---- consumer (one thread) ----
  /// Waits up to `timeout_s` (< 0: forever) until out.num_frames() frames after the read position exist,
  /// then copies them. If frames were lost, the delivered frames start after the gap and the result says
  /// how many were skipped from which index. Throws TimeoutError (nothing consumed) on timeout and
  /// StreamError when the ring was closed and fewer frames than asked remain.
  RingRead read(AudioView<float> out, double timeout_s);
  /// Copies up to out.num_frames() frames that are available now (never waits). result.frames may be 0.
  RingRead read_available(AudioView<float> out);
  /// Frames that can be read now without waiting (lost frames excluded).
  [[nodiscard]] std::size_t available() const noexcept;
  /// Frames already overwritten that the consumer has not yet been told about.
  [[nodiscard]] std::int64_t pending_loss() const noexcept;
  /// Absolute index of the next frame read() will deliver (before any loss is discovered).
  [[nodiscard]] std::int64_t read_position() const noexcept { return read_pos_.load(std::memory_order_acquire); }
  /// Moves the read position to the newest frame (discarding, without counting as loss, what is unread).
  void skip_to_newest() noexcept;
  [[nodiscard]] RingLoss loss() const;

  // ---- any thread ----
  /// Copies the newest min(out.num_frames(), written, capacity) frames into the END of `out` without
  /// consuming (frames before them are zeroed). Never waits.
  RingRead latest(AudioView<float> out) const noexcept;
  /// Total frames ever written.
  [[nodiscard]] std::int64_t write_position() const noexcept { return written_.load(std::memory_order_acquire); }
  /// Clock time of absolute frame `frame` (extrapolated at the nominal rate from the nearest stamp).
  [[nodiscard]] std::int64_t time_of(std::int64_t frame) const noexcept;

  /// Marks the stream as ended (`reason` is reported by read() once the remaining frames are consumed).
  /// Not real-time safe (it stores a string); call from a control thread.
  void close(const std::string& reason);
  /// Clears the closed state (a stream that is started again).
  void reopen() noexcept { closed_.store(false, std::memory_order_release); }
  [[nodiscard]] bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }
  [[nodiscard]] std::string close_reason() const;

 private:
  struct Stamp {
    std::atomic<std::int64_t> frame{0};
    std::atomic<std::int64_t> time{0};
  };
  static constexpr std::size_t kStamps = 1024;

  void stamp(std::int64_t frame, std::int64_t time_ns) noexcept;
  // Copies frames [from, from + n) into out at offset `at`; returns the lowest frame still valid after.
  std::int64_t copy_out(std::int64_t from, std::size_t n, AudioView<float> out, std::size_t at) const noexcept;
  RingRead read_impl(AudioView<float> out, bool wait, double timeout_s);

  std::size_t channels_;
  std::size_t capacity_;
  double sample_rate_;
  std::vector<float> data_;  // channel c at data_[c * capacity_]
  std::vector<Stamp> stamps_;

  alignas(64) std::atomic<std::int64_t> claimed_{0};
  std::atomic<std::int64_t> written_{0};
  std::atomic<std::int64_t> stamp_count_{0};
  alignas(64) std::atomic<std::int64_t> read_pos_{0};
  std::atomic<std::int64_t> lost_frames_{0};
  std::atomic<std::int64_t> overrun_events_{0};
  std::atomic<std::int64_t> last_gap_from_{-1};
  std::atomic<std::int64_t> last_gap_frames_{0};
  std::atomic<bool> closed_{false};
  mutable std::mutex reason_mutex_;  // only for close()/close_reason(), never on the producer path
  std::string close_reason_;
};

/// Playback FIFO: a user thread writes (waiting for space when asked), the audio callback pulls.
class AudioFifo {
 public:
  AudioFifo(std::size_t channels, std::size_t capacity_frames, double sample_rate);
  AudioFifo(const AudioFifo&) = delete;
  AudioFifo& operator=(const AudioFifo&) = delete;

  [[nodiscard]] std::size_t channels() const noexcept { return channels_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

  /// Producer: writes all of `in`, waiting for space up to `timeout_s` (< 0: forever). Returns the frames
  /// written (fewer than asked only on timeout, when `partial_ok`; otherwise TimeoutError is thrown having
  /// written nothing beyond what fit).
  std::size_t write(AudioView<const float> in, double timeout_s);
  /// Producer: writes what fits now; returns the frames written.
  std::size_t write_available(AudioView<const float> in) noexcept;
  [[nodiscard]] std::size_t free_space() const noexcept;
  [[nodiscard]] std::size_t available() const noexcept;

  /// Consumer (real-time safe): fills `out` with the next frames; missing frames become silence and are
  /// counted as underrun frames. Returns the frames that came from the FIFO.
  std::size_t pull(AudioView<float> out) noexcept;
  /// Consumer: like pull() but counts nothing as underrun (used before pre-roll completes).
  std::size_t pull_no_underrun(AudioView<float> out) noexcept;

  [[nodiscard]] std::int64_t underrun_frames() const noexcept {
    return underrun_frames_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::int64_t underrun_events() const noexcept {
    return underrun_events_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::int64_t frames_written() const noexcept { return write_pos_.load(std::memory_order_acquire); }
  [[nodiscard]] std::int64_t frames_played() const noexcept { return read_pos_.load(std::memory_order_acquire); }

 private:
  std::size_t pull_impl(AudioView<float> out, bool count) noexcept;
  std::size_t channels_;
  std::size_t capacity_;
  double sample_rate_;
  std::vector<float> data_;
  alignas(64) std::atomic<std::int64_t> write_pos_{0};
  alignas(64) std::atomic<std::int64_t> read_pos_{0};
  std::atomic<std::int64_t> underrun_frames_{0};
  std::atomic<std::int64_t> underrun_events_{0};
  bool in_underrun_ = false;  // consumer-only
};

}  // namespace percept
