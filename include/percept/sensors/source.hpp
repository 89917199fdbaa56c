// percept/sensors/source.hpp — the Source concept: anything that produces timestamped items on a
// background thread (audio sample frames, video frames, system readings) and hands them out on demand.
//
// Every item carries its capture time on percept::Clock (CLOCK_MONOTONIC), so items of different
// sources can be aligned without conversion. A source keeps a bounded history of its newest items;
// readers never block the producer:
//
//   start() / stop()       begin and end capture (stop() is idempotent; the destructor stops)
//   read()                 everything new since the previous read() (oldest first), consuming
//   read_since(i)          items with stream index >= i, for independent consumers (the Recorder)
//   latest(n)              the newest n items, without consuming
//   window(t0, t1)         the items captured in [t0, t1], without consuming
//   stats()                counts, measured rate, drops, state and the error of a failed source
//
// A source whose producer throws is put in the Failed state: the error is kept and reported by
// stats() (and by Combined), its history stays readable, and other sources are not affected.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace percept::sensors {

enum class ElementType { Float32, Float64, UInt8 };

[[nodiscard]] std::size_t element_size(ElementType type) noexcept;
/// numpy's name: "float32", "float64", "uint8".
[[nodiscard]] const char* element_type_name(ElementType type) noexcept;

/// What one source produces.
struct StreamFormat {
  std::string kind;  ///< "audio", "video", "system", "polling"
  ElementType type = ElementType::Float64;
  std::vector<std::size_t> item_shape;  ///< one item: audio {channels}; video {H, W, 3}; system {fields}
  double nominal_rate = 0.0;            ///< items per second (sample rate, frame rate, reading rate)
  std::vector<std::string> fields;      ///< names of an item's components (system readings)
  /// A uniformly sampled signal (audio): read as windows of samples rather than single readings, and
  /// handed to Python as (channels, n) rather than (n, ...).
  bool continuous = false;

  [[nodiscard]] std::size_t item_elements() const noexcept;
  [[nodiscard]] std::size_t item_bytes() const noexcept { return item_elements() * element_size(type); }
};

/// A run of consecutive items, time-major (item i occupies bytes [i * item_bytes, (i+1) * item_bytes)),
/// each with its capture time in nanoseconds on percept::Clock.
struct Chunk {
  std::vector<std::byte> data;
  std::vector<std::int64_t> t_ns;
  std::int64_t first_index = 0;  ///< stream index of the first item (0 = the first item since start)

  [[nodiscard]] std::size_t size() const noexcept { return t_ns.size(); }
  [[nodiscard]] bool empty() const noexcept { return t_ns.empty(); }
  template <class T>
  [[nodiscard]] const T* as() const noexcept {
    return reinterpret_cast<const T*>(data.data());  // NOLINT: items are stored as raw bytes
  }
};

enum class SourceState { Idle, Running, Stopped, Ended, Failed };
[[nodiscard]] const char* state_name(SourceState s) noexcept;

struct SourceStats {
  SourceState state = SourceState::Idle;
  std::int64_t items = 0;           ///< items captured since start()
  std::int64_t items_read = 0;      ///< items handed out by read()
  std::int64_t dropped = 0;         ///< items read() could not hand out: overwritten in the history first
  std::int64_t source_dropped = 0;  ///< items the device or stream itself lost (xruns, skipped frames)
  double rate = 0.0;                ///< measured items per second since start()
  std::int64_t started_ns = 0;
  std::int64_t last_t_ns = 0;  ///< capture time of the newest item (0: none yet)
  std::string error;           ///< why the source failed (state Failed)
  std::int64_t failed_ns = 0;
};

/// The abstract source. Implementations are thread-safe: any method may be called from any thread.
class Source {
 public:
  virtual ~Source() = default;
  Source() = default;
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;

  [[nodiscard]] virtual StreamFormat format() const = 0;
  virtual void start() = 0;
  virtual void stop() = 0;
  [[nodiscard]] virtual SourceState state() const = 0;
  virtual Chunk read() = 0;
  /// Items with stream index >= `index` still in the history; `lost` receives how many items from
  /// `index` on had already left the history.
  virtual Chunk read_since(std::int64_t index, std::int64_t* lost) const = 0;
  [[nodiscard]] virtual Chunk latest(std::size_t n) const = 0;
  [[nodiscard]] virtual Chunk window(std::int64_t from_ns, std::int64_t to_ns) const = 0;
  /// The newest `n` items captured at or before `t_ns`, without consuming.
  [[nodiscard]] virtual Chunk latest_at(std::int64_t t_ns, std::size_t n) const = 0;
  [[nodiscard]] virtual SourceStats stats() const = 0;
  /// Blocks until an item newer than `after_index` exists, the source stops or fails, or the timeout;
  /// returns whether such an item exists.
  virtual bool wait_for(std::int64_t after_index, std::int64_t timeout_ns) const = 0;
};

/// The shared machinery: a history ring of items, a background thread, state and statistics.
/// Subclasses implement open() (called by start() on the caller's thread: errors reach the caller),
/// poll() (called in a loop on the background thread; pushes items with push()) and close().
class ThreadedSource : public Source {
 public:
  ~ThreadedSource() override;

  [[nodiscard]] StreamFormat format() const override;
  void start() override;
  void stop() override;
  [[nodiscard]] SourceState state() const override;
  Chunk read() override;
  Chunk read_since(std::int64_t index, std::int64_t* lost) const override;
  [[nodiscard]] Chunk latest(std::size_t n) const override;
  [[nodiscard]] Chunk window(std::int64_t from_ns, std::int64_t to_ns) const override;
  [[nodiscard]] Chunk latest_at(std::int64_t t_ns, std::size_t n) const override;
  [[nodiscard]] SourceStats stats() const override;
  bool wait_for(std::int64_t after_index, std::int64_t timeout_ns) const override;

  /// Seconds of items the history keeps (set before start()).
  [[nodiscard]] double history_seconds() const noexcept { return history_seconds_; }

 protected:
  /// `history_seconds` sizes the history from the format's nominal rate (at least `min_items`).
  ThreadedSource(StreamFormat format, double history_seconds, std::size_t min_items = 16);

  /// Opens the device or file; may refine the format (set_format) before the history is sized.
  virtual void open() {}
  /// One step of capture; returns false when the source has ended cleanly. Throws to fail.
  /// Must return within a fraction of a second so that stop() is prompt (check stopping()).
  virtual bool poll() = 0;
  virtual void close() noexcept {}
  /// Called by start() once the history is ready and the state is Running, before the thread starts
  /// (producers fed from elsewhere begin here so that no item is lost). Throwing undoes the start.
  virtual void on_started() {}

  void set_format(StreamFormat format);
  /// Appends `n` items (n * item_bytes bytes) with their capture times.
  void push(const void* data, std::size_t n, const std::int64_t* t_ns);
  /// Appends `n` uniformly sampled items: item k captured at t_first_ns + k * period_ns.
  void push_uniform(const void* data, std::size_t n, std::int64_t t_first_ns, double period_ns);
  void add_source_dropped(std::int64_t n) noexcept { source_dropped_.fetch_add(n, std::memory_order_relaxed); }
  [[nodiscard]] bool stopping() const noexcept { return stop_requested_.load(std::memory_order_acquire); }
  /// Sleeps until `deadline_ns` on percept::Clock or until stop() is requested; returns !stopping().
  bool sleep_until(std::int64_t deadline_ns);
  /// Stops the thread (for subclass destructors, which must call it before their members go away).
  void stop_and_join() noexcept;

 private:
  void run() noexcept;
  Chunk copy_range(std::int64_t from, std::int64_t to) const;  // caller holds mutex_
  [[nodiscard]] std::int64_t oldest_index() const noexcept;    // caller holds mutex_
  /// First index in the history whose time is >= t (or > t when `after`); caller holds mutex_.
  [[nodiscard]] std::int64_t search(std::int64_t t, bool after) const noexcept;

  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  StreamFormat format_;
  double history_seconds_;
  std::size_t min_items_;
  std::size_t capacity_ = 0;  // items
  std::size_t item_bytes_ = 0;
  std::vector<std::byte> data_;
  std::vector<std::int64_t> times_;
  std::int64_t written_ = 0;  // items pushed since start (= index of the next item)
  std::int64_t read_cursor_ = 0;
  std::int64_t items_read_ = 0;
  std::int64_t dropped_ = 0;
  std::atomic<std::int64_t> source_dropped_{0};
  SourceState state_ = SourceState::Idle;
  std::string error_;
  std::int64_t started_ns_ = 0;
  std::int64_t failed_ns_ = 0;
  std::atomic<bool> stop_requested_{false};
  std::mutex sleep_mutex_;
  std::condition_variable sleep_cv_;
  std::thread thread_;
  std::mutex lifecycle_mutex_;
};

/// A source polling a function at a fixed rate: each call returns one reading (a vector of the
/// format's item size). Custom sensors (and the Python PollingSource) are built on it. The function
/// runs on the source's thread; when it throws, the source fails with that message.
class PollingSource : public ThreadedSource {
 public:
  using Function = std::function<std::vector<double>()>;
  PollingSource(Function fn, double rate_hz, const std::vector<std::string>& fields, double history_seconds = 60.0);
  ~PollingSource() override;

 protected:
  bool poll() override;
  void open() override;

 private:
  Function fn_;
  double period_ns_;
  std::int64_t next_ns_ = 0;
};

}  // namespace percept::sensors
