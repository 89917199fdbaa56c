// AudioRing / AudioFifo: see percept/core/ring.hpp for the scheme.
#include "percept/core/ring.hpp"

#include <chrono>
#include <cmath>
#include <thread>

#include "percept/core/clock.hpp"
#include "percept/core/error.hpp"

namespace percept {

namespace {

inline void store_sample(float& slot, float v) noexcept {
  std::atomic_ref<float>(slot).store(v, std::memory_order_relaxed);
}
inline float load_sample(const float& slot) noexcept {
  return std::atomic_ref<float>(const_cast<float&>(slot)).load(std::memory_order_relaxed);
}

// Sleeps for the time `frames` frames take at `rate`, clamped to [0.2 ms, 5 ms] and to the deadline.
void nap(std::int64_t frames, double rate, std::int64_t deadline_ns) {
  auto ns = static_cast<std::int64_t>(static_cast<double>(frames) / rate * 1e9);
  ns = std::clamp<std::int64_t>(ns, 200'000, 5'000'000);
  if (deadline_ns > 0) ns = std::min(ns, std::max<std::int64_t>(deadline_ns - Clock::now_ns(), 0));
  std::this_thread::sleep_for(std::chrono::nanoseconds(ns));
}

}  // namespace

// ------------------------------------------------------------------------------------------------------
AudioRing::AudioRing(std::size_t channels, std::size_t capacity_frames, double sample_rate)
    : channels_(channels), capacity_(capacity_frames), sample_rate_(sample_rate), stamps_(kStamps) {
  if (channels == 0) throw InvalidArgument("AudioRing: channels must be at least 1");
  if (capacity_frames == 0) throw InvalidArgument("AudioRing: capacity must be at least 1 frame");
  if (!(sample_rate > 0) || !std::isfinite(sample_rate))
    throw InvalidArgument("AudioRing: sample rate must be positive and finite, got " + std::to_string(sample_rate));
  data_.assign(channels * capacity_frames, 0.0f);
}

void AudioRing::stamp(std::int64_t frame, std::int64_t time_ns) noexcept {
  const std::int64_t k = stamp_count_.load(std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);  // readers seeing the new entry also see count >= k
  Stamp& s = stamps_[static_cast<std::size_t>(k) % kStamps];
  s.frame.store(frame, std::memory_order_relaxed);
  s.time.store(time_ns, std::memory_order_relaxed);
  stamp_count_.store(k + 1, std::memory_order_release);
}

void AudioRing::write(AudioView<const float> block, std::int64_t time_ns) noexcept {
  const std::size_t n = block.num_frames();
  if (n == 0) return;
  const std::int64_t w = written_.load(std::memory_order_relaxed);
  const std::size_t skip = n > capacity_ ? n - capacity_ : 0;
  claimed_.store(w + static_cast<std::int64_t>(n), std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  const std::size_t nc = std::min(channels_, block.num_channels());
  for (std::size_t c = 0; c < channels_; ++c) {
    float* base = data_.data() + c * capacity_;
    const float* src = c < nc ? block.channel(c) : nullptr;
    std::size_t slot =
        static_cast<std::size_t>((w + static_cast<std::int64_t>(skip)) % static_cast<std::int64_t>(capacity_));
    for (std::size_t i = skip; i < n; ++i) {
      store_sample(base[slot], src ? src[i] : 0.0f);
      if (++slot == capacity_) slot = 0;
    }
  }
  stamp(w, time_ns);
  written_.store(w + static_cast<std::int64_t>(n), std::memory_order_release);
}

void AudioRing::write_interleaved(const float* data, std::size_t frames, std::size_t channels,
                                  std::int64_t time_ns) noexcept {
  if (frames == 0) return;
  const std::int64_t w = written_.load(std::memory_order_relaxed);
  const std::size_t skip = frames > capacity_ ? frames - capacity_ : 0;
  claimed_.store(w + static_cast<std::int64_t>(frames), std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  for (std::size_t c = 0; c < channels_; ++c) {
    float* base = data_.data() + c * capacity_;
    std::size_t slot =
        static_cast<std::size_t>((w + static_cast<std::int64_t>(skip)) % static_cast<std::int64_t>(capacity_));
    for (std::size_t i = skip; i < frames; ++i) {
      store_sample(base[slot], c < channels ? data[i * channels + c] : 0.0f);
      if (++slot == capacity_) slot = 0;
    }
  }
  stamp(w, time_ns);
  written_.store(w + static_cast<std::int64_t>(frames), std::memory_order_release);
}

void AudioRing::write_silence(std::size_t frames, std::int64_t time_ns) noexcept {
  if (frames == 0) return;
  const std::int64_t w = written_.load(std::memory_order_relaxed);
  const std::size_t skip = frames > capacity_ ? frames - capacity_ : 0;
  claimed_.store(w + static_cast<std::int64_t>(frames), std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  for (std::size_t c = 0; c < channels_; ++c) {
    float* base = data_.data() + c * capacity_;
    std::size_t slot =
        static_cast<std::size_t>((w + static_cast<std::int64_t>(skip)) % static_cast<std::int64_t>(capacity_));
    for (std::size_t i = skip; i < frames; ++i) {
      store_sample(base[slot], 0.0f);
      if (++slot == capacity_) slot = 0;
    }
  }
  stamp(w, time_ns);
  written_.store(w + static_cast<std::int64_t>(frames), std::memory_order_release);
}

std::int64_t AudioRing::copy_out(std::int64_t from, std::size_t n, AudioView<float> out,
                                 std::size_t at) const noexcept {
  const std::size_t nc = std::min(channels_, out.num_channels());
  for (std::size_t c = 0; c < nc; ++c) {
    const float* base = data_.data() + c * capacity_;
    float* dst = out.channel(c) + at;
    std::size_t slot = static_cast<std::size_t>(from % static_cast<std::int64_t>(capacity_));
    for (std::size_t i = 0; i < n; ++i) {
      dst[i] = load_sample(base[slot]);
      if (++slot == capacity_) slot = 0;
    }
  }
  for (std::size_t c = nc; c < out.num_channels(); ++c)
    for (std::size_t i = 0; i < n; ++i) out.channel(c)[at + i] = 0.0f;
  std::atomic_thread_fence(std::memory_order_acquire);
  const std::int64_t claimed = claimed_.load(std::memory_order_relaxed);
  return std::max<std::int64_t>(0, claimed - static_cast<std::int64_t>(capacity_));
}

RingRead AudioRing::read(AudioView<float> out, double timeout_s) {
  return read_impl(out, true, timeout_s);
}
RingRead AudioRing::read_available(AudioView<float> out) {
  return read_impl(out, false, 0.0);
}

RingRead AudioRing::read_impl(AudioView<float> out, bool wait, double timeout_s) {
  const std::size_t n = out.num_frames();
  if (wait && n > capacity_)
    throw InvalidArgument("AudioRing::read: asked for " + std::to_string(n) + " frames but the ring holds only " +
                          std::to_string(capacity_) + "; make the ring larger");
  const std::int64_t deadline = (wait && timeout_s >= 0) ? Clock::now_ns() + Clock::from_seconds(timeout_s) : 0;
  std::int64_t r = read_pos_.load(std::memory_order_relaxed);
  RingRead result;
  auto note_loss = [&](std::int64_t from, std::int64_t count) {
    if (count <= 0) return;
    if (result.lost_from < 0) result.lost_from = from;
    result.lost_frames += count;
    lost_frames_.fetch_add(count, std::memory_order_relaxed);
    if (last_gap_from_.load(std::memory_order_relaxed) + last_gap_frames_.load(std::memory_order_relaxed) == from &&
        last_gap_from_.load(std::memory_order_relaxed) >= 0) {
      last_gap_frames_.fetch_add(count, std::memory_order_relaxed);  // same gap continues
    } else {
      overrun_events_.fetch_add(1, std::memory_order_relaxed);
      last_gap_from_.store(from, std::memory_order_relaxed);
      last_gap_frames_.store(count, std::memory_order_relaxed);
    }
  };
  for (;;) {
    const std::int64_t w = written_.load(std::memory_order_acquire);
    const std::int64_t oldest =
        std::max<std::int64_t>(0, claimed_.load(std::memory_order_acquire) - static_cast<std::int64_t>(capacity_));
    if (r < oldest) {
      note_loss(r, oldest - r);
      r = oldest;
      read_pos_.store(r, std::memory_order_release);
    }
    const std::int64_t avail = std::max<std::int64_t>(0, w - r);
    if (wait && avail < static_cast<std::int64_t>(n)) {
      if (closed_.load(std::memory_order_acquire) && written_.load(std::memory_order_acquire) == w) {
        throw StreamError("audio stream ended (" + close_reason() + ") with " + std::to_string(avail) +
                          " frames left, fewer than the " + std::to_string(n) + " asked for");
      }
      if (deadline > 0 && Clock::now_ns() >= deadline) {
        throw TimeoutError("audio read timed out after " + std::to_string(timeout_s) + " s: " + std::to_string(avail) +
                           " of " + std::to_string(n) + " frames available");
      }
      nap(static_cast<std::int64_t>(n) - avail, sample_rate_, deadline);
      continue;
    }
    const std::size_t m = wait ? n : std::min<std::size_t>(n, static_cast<std::size_t>(avail));
    if (m == 0) {
      result.first_frame = r;
      return result;
    }
    const std::int64_t valid_from = copy_out(r, m, out, 0);
    if (valid_from > r) {
      // The producer lapped us during the copy: the frames below valid_from are gone.
      continue;
    }
    result.first_frame = r;
    result.frames = m;
    result.time_ns = time_of(r);
    read_pos_.store(r + static_cast<std::int64_t>(m), std::memory_order_release);
    return result;
  }
}

std::size_t AudioRing::available() const noexcept {
  const std::int64_t w = written_.load(std::memory_order_acquire);
  const std::int64_t oldest =
      std::max<std::int64_t>(0, claimed_.load(std::memory_order_acquire) - static_cast<std::int64_t>(capacity_));
  const std::int64_t r = std::max(read_pos_.load(std::memory_order_acquire), oldest);
  return static_cast<std::size_t>(std::max<std::int64_t>(0, w - r));
}

std::int64_t AudioRing::pending_loss() const noexcept {
  const std::int64_t oldest =
      std::max<std::int64_t>(0, claimed_.load(std::memory_order_acquire) - static_cast<std::int64_t>(capacity_));
  return std::max<std::int64_t>(0, oldest - read_pos_.load(std::memory_order_acquire));
}

void AudioRing::skip_to_newest() noexcept {
  read_pos_.store(written_.load(std::memory_order_acquire), std::memory_order_release);
}

RingLoss AudioRing::loss() const {
  RingLoss l;
  l.lost_frames = lost_frames_.load(std::memory_order_relaxed);
  l.overrun_events = overrun_events_.load(std::memory_order_relaxed);
  l.last_gap_from = last_gap_from_.load(std::memory_order_relaxed);
  l.last_gap_frames = last_gap_frames_.load(std::memory_order_relaxed);
  return l;
}

RingRead AudioRing::latest(AudioView<float> out) const noexcept {
  RingRead result;
  const std::size_t want = out.num_frames();
  for (int attempt = 0;; ++attempt) {
    const std::int64_t w = written_.load(std::memory_order_acquire);
    const std::int64_t have = std::min<std::int64_t>(w, static_cast<std::int64_t>(capacity_));
    std::int64_t m = std::min<std::int64_t>(have, static_cast<std::int64_t>(want));
    const std::size_t pad = want - static_cast<std::size_t>(m);
    const std::int64_t from = w - m;
    const std::int64_t valid_from = copy_out(from, static_cast<std::size_t>(m), out, pad);
    if (valid_from > from && attempt < 8) continue;  // lapped during the copy: take a fresh snapshot
    if (valid_from > from) {
      // Still lapped after several tries (a ring barely larger than a block): deliver the valid part.
      const std::int64_t bad = std::min<std::int64_t>(valid_from - from, m);
      for (std::size_t c = 0; c < out.num_channels(); ++c)
        for (std::size_t i = 0; i < pad + static_cast<std::size_t>(bad); ++i) out.channel(c)[i] = 0.0f;
      m -= bad;
    }
    for (std::size_t c = 0; c < out.num_channels(); ++c)
      for (std::size_t i = 0; i < pad; ++i) out.channel(c)[i] = 0.0f;
    result.first_frame = w - m;
    result.frames = static_cast<std::size_t>(m);
    result.time_ns = m > 0 ? time_of(w - m) : 0;
    return result;
  }
}

std::int64_t AudioRing::time_of(std::int64_t frame) const noexcept {
  const double ns_per_frame = 1e9 / sample_rate_;
  for (int attempt = 0; attempt < 4; ++attempt) {
    const std::int64_t count = stamp_count_.load(std::memory_order_acquire);
    if (count == 0) return 0;
    std::int64_t lo = std::max<std::int64_t>(0, count - static_cast<std::int64_t>(kStamps) + 1);
    std::int64_t hi = count - 1;
    auto frame_at = [&](std::int64_t j) {
      return stamps_[static_cast<std::size_t>(j) % kStamps].frame.load(std::memory_order_relaxed);
    };
    // Last stamp whose block starts at or before `frame` (or the oldest one kept).
    std::int64_t best = lo;
    while (lo <= hi) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      if (frame_at(mid) <= frame) {
        best = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    const Stamp& s = stamps_[static_cast<std::size_t>(best) % kStamps];
    const std::int64_t f0 = s.frame.load(std::memory_order_relaxed);
    const std::int64_t t0 = s.time.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (stamp_count_.load(std::memory_order_relaxed) < best + static_cast<std::int64_t>(kStamps)) {
      return t0 + static_cast<std::int64_t>(std::llround(static_cast<double>(frame - f0) * ns_per_frame));
    }
  }
  return 0;
}

void AudioRing::close(const std::string& reason) {
  {
    std::lock_guard<std::mutex> lock(reason_mutex_);
    close_reason_ = reason;
  }
  closed_.store(true, std::memory_order_release);
}

std::string AudioRing::close_reason() const {
  std::lock_guard<std::mutex> lock(reason_mutex_);
  return close_reason_;
}

// ------------------------------------------------------------------------------------------------------
AudioFifo::AudioFifo(std::size_t channels, std::size_t capacity_frames, double sample_rate)
    : channels_(channels), capacity_(capacity_frames), sample_rate_(sample_rate) {
  if (channels == 0) throw InvalidArgument("AudioFifo: channels must be at least 1");
  if (capacity_frames == 0) throw InvalidArgument("AudioFifo: capacity must be at least 1 frame");
  if (!(sample_rate > 0) || !std::isfinite(sample_rate))
    throw InvalidArgument("AudioFifo: sample rate must be positive");
  data_.assign(channels * capacity_frames, 0.0f);
}

std::size_t AudioFifo::free_space() const noexcept {
  return capacity_ - static_cast<std::size_t>(write_pos_.load(std::memory_order_relaxed) -
                                              read_pos_.load(std::memory_order_acquire));
}

std::size_t AudioFifo::available() const noexcept {
  return static_cast<std::size_t>(write_pos_.load(std::memory_order_acquire) -
                                  read_pos_.load(std::memory_order_acquire));
}

std::size_t AudioFifo::write_available(AudioView<const float> in) noexcept {
  if (in.num_channels() == 0) return 0;
  const std::int64_t w = write_pos_.load(std::memory_order_relaxed);
  const std::size_t n = std::min(in.num_frames(), free_space());
  const std::size_t nc = std::min(channels_, in.num_channels());
  for (std::size_t c = 0; c < channels_; ++c) {
    float* base = data_.data() + c * capacity_;
    std::size_t slot = static_cast<std::size_t>(w % static_cast<std::int64_t>(capacity_));
    for (std::size_t i = 0; i < n; ++i) {
      base[slot] = c < nc ? in.channel(c)[i] : (nc == 1 ? in.channel(0)[i] : 0.0f);
      if (++slot == capacity_) slot = 0;
    }
  }
  write_pos_.store(w + static_cast<std::int64_t>(n), std::memory_order_release);
  return n;
}

std::size_t AudioFifo::write(AudioView<const float> in, double timeout_s) {
  const std::int64_t deadline = timeout_s >= 0 ? Clock::now_ns() + Clock::from_seconds(timeout_s) : 0;
  std::size_t done = 0;
  while (done < in.num_frames()) {
    done += write_available(in.frames(done, in.num_frames() - done));
    if (done == in.num_frames()) break;
    if (deadline > 0 && Clock::now_ns() >= deadline)
      throw TimeoutError("audio write timed out after " + std::to_string(timeout_s) + " s: wrote " +
                         std::to_string(done) + " of " + std::to_string(in.num_frames()) + " frames");
    nap(static_cast<std::int64_t>(std::min(in.num_frames() - done, capacity_ / 2 + 1)), sample_rate_, deadline);
  }
  return done;
}

std::size_t AudioFifo::pull_impl(AudioView<float> out, bool count) noexcept {
  const std::int64_t r = read_pos_.load(std::memory_order_relaxed);
  const std::int64_t w = write_pos_.load(std::memory_order_acquire);
  const std::size_t n = std::min(out.num_frames(), static_cast<std::size_t>(w - r));
  const std::size_t nc = std::min(channels_, out.num_channels());
  for (std::size_t c = 0; c < out.num_channels(); ++c) {
    float* dst = out.channel(c);
    if (c < nc) {
      const float* base = data_.data() + c * capacity_;
      std::size_t slot = static_cast<std::size_t>(r % static_cast<std::int64_t>(capacity_));
      for (std::size_t i = 0; i < n; ++i) {
        dst[i] = base[slot];
        if (++slot == capacity_) slot = 0;
      }
    } else {
      for (std::size_t i = 0; i < n; ++i) dst[i] = 0.0f;
    }
    for (std::size_t i = n; i < out.num_frames(); ++i) dst[i] = 0.0f;
  }
  read_pos_.store(r + static_cast<std::int64_t>(n), std::memory_order_release);
  if (count) {
    const std::size_t missing = out.num_frames() - n;
    if (missing > 0) {
      underrun_frames_.fetch_add(static_cast<std::int64_t>(missing), std::memory_order_relaxed);
      if (!in_underrun_) underrun_events_.fetch_add(1, std::memory_order_relaxed);
      in_underrun_ = true;
    } else {
      in_underrun_ = false;
    }
  }
  return n;
}

std::size_t AudioFifo::pull(AudioView<float> out) noexcept {
  return pull_impl(out, true);
}
std::size_t AudioFifo::pull_no_underrun(AudioView<float> out) noexcept {
  return pull_impl(out, false);
}

}  // namespace percept
