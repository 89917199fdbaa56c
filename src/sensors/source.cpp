#include "percept/sensors/source.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>

#include "percept/core/clock.hpp"
#include "percept/core/error.hpp"

namespace percept::sensors {

std::size_t element_size(ElementType type) noexcept {
  switch (type) {
    case ElementType::Float32:
      return 4;
    case ElementType::Float64:
      return 8;
    case ElementType::UInt8:
      return 1;
  }
  return 1;
}

const char* element_type_name(ElementType type) noexcept {
  switch (type) {
    case ElementType::Float32:
      return "float32";
    case ElementType::Float64:
      return "float64";
    case ElementType::UInt8:
      return "uint8";
  }
  return "?";
}

const char* state_name(SourceState s) noexcept {
  switch (s) {
    case SourceState::Idle:
      return "idle";
    case SourceState::Running:
      return "running";
    case SourceState::Stopped:
      return "stopped";
    case SourceState::Ended:
      return "ended";
    case SourceState::Failed:
      return "failed";
  }
  return "?";
}

std::size_t StreamFormat::item_elements() const noexcept {
  std::size_t n = 1;
  for (auto d : item_shape) n *= d;
  return n;
}

// ---------------------------------------------------------------------------------------------------
ThreadedSource::ThreadedSource(StreamFormat format, double history_seconds, std::size_t min_items)
    : format_(std::move(format)), history_seconds_(history_seconds), min_items_(std::max<std::size_t>(1, min_items)) {
  if (!(history_seconds > 0.0) || history_seconds > 24.0 * 3600.0)
    throw InvalidArgument("sensor source: history must be between 0 and 86400 seconds, got " +
                          std::to_string(history_seconds));
}

ThreadedSource::~ThreadedSource() {
  stop_and_join();
}

StreamFormat ThreadedSource::format() const {
  std::lock_guard lock(mutex_);
  return format_;
}

void ThreadedSource::set_format(StreamFormat format) {
  std::lock_guard lock(mutex_);
  format_ = std::move(format);
}

void ThreadedSource::start() {
  std::lock_guard life(lifecycle_mutex_);
  {
    std::lock_guard lock(mutex_);
    if (state_ == SourceState::Running) return;
  }
  if (thread_.joinable()) {  // a previous run that ended or failed by itself: finish it properly
    thread_.join();
    close();
  }
  stop_requested_.store(false, std::memory_order_release);
  open();  // errors reach the caller; the source stays Idle
  {
    std::lock_guard lock(mutex_);
    item_bytes_ = format_.item_bytes();
    if (item_bytes_ == 0) throw InvalidArgument("sensor source: the stream format has an empty item shape");
    const double want = history_seconds_ * std::max(format_.nominal_rate, 0.0);
    capacity_ = std::max<std::size_t>(min_items_, static_cast<std::size_t>(want + 1.0));
    data_.assign(capacity_ * item_bytes_, std::byte{0});
    times_.assign(capacity_, 0);
    written_ = read_cursor_ = items_read_ = dropped_ = 0;
    source_dropped_.store(0, std::memory_order_relaxed);
    error_.clear();
    failed_ns_ = 0;
    started_ns_ = Clock::now_ns();
    state_ = SourceState::Running;
  }
  try {
    on_started();
  } catch (...) {
    std::lock_guard lock(mutex_);
    state_ = SourceState::Idle;
    throw;
  }
  thread_ = std::thread([this] { run(); });
}

void ThreadedSource::run() noexcept {
  std::string error;
  bool ended = false;
  try {
    while (!stopping()) {
      if (!poll()) {
        ended = true;
        break;
      }
    }
  } catch (const std::exception& e) {
    error = e.what();
    if (error.empty()) error = "unknown error";
  } catch (...) {
    error = "unknown non-standard exception";
  }
  {
    std::lock_guard lock(mutex_);
    if (!error.empty()) {
      state_ = SourceState::Failed;
      error_ = error;
      failed_ns_ = Clock::now_ns();
    } else if (ended) {
      state_ = SourceState::Ended;
    }
  }
  cv_.notify_all();
}

void ThreadedSource::stop_and_join() noexcept {
  std::lock_guard life(lifecycle_mutex_);
  stop_requested_.store(true, std::memory_order_release);
  { std::lock_guard lock(sleep_mutex_); }
  sleep_cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    close();
  }
  {
    std::lock_guard lock(mutex_);
    if (state_ == SourceState::Running) state_ = SourceState::Stopped;
  }
  cv_.notify_all();
}

void ThreadedSource::stop() {
  stop_and_join();
}

SourceState ThreadedSource::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

bool ThreadedSource::sleep_until(std::int64_t deadline_ns) {
  std::unique_lock lock(sleep_mutex_);
  const Clock::time_point deadline{std::chrono::nanoseconds(deadline_ns)};
  sleep_cv_.wait_until(lock, deadline, [this] { return stopping(); });
  return !stopping();
}

void ThreadedSource::push(const void* data, std::size_t n, const std::int64_t* t_ns) {
  if (n == 0) return;
  {
    std::lock_guard lock(mutex_);
    if (state_ != SourceState::Running || capacity_ == 0) return;  // not started: nothing is kept
    const auto* src = static_cast<const std::byte*>(data);
    if (n > capacity_) {  // only the newest capacity_ items can be kept
      const std::size_t skip = n - capacity_;
      written_ += static_cast<std::int64_t>(skip);
      src += skip * item_bytes_;
      t_ns += skip;
      n = capacity_;
    }
    std::size_t slot = static_cast<std::size_t>(written_ % static_cast<std::int64_t>(capacity_));
    std::size_t done = 0;
    while (done < n) {
      const std::size_t run = std::min(n - done, capacity_ - slot);
      std::memcpy(data_.data() + slot * item_bytes_, src + done * item_bytes_, run * item_bytes_);
      std::memcpy(times_.data() + slot, t_ns + done, run * sizeof(std::int64_t));
      done += run;
      slot = 0;
    }
    written_ += static_cast<std::int64_t>(n);
  }
  cv_.notify_all();
}

void ThreadedSource::push_uniform(const void* data, std::size_t n, std::int64_t t_first_ns, double period_ns) {
  if (n == 0) return;
  thread_local std::vector<std::int64_t> times;
  times.resize(n);
  for (std::size_t k = 0; k < n; ++k)
    times[k] = t_first_ns + static_cast<std::int64_t>(std::llround(static_cast<double>(k) * period_ns));
  push(data, n, times.data());
}

std::int64_t ThreadedSource::oldest_index() const noexcept {
  return std::max<std::int64_t>(0, written_ - static_cast<std::int64_t>(capacity_));
}

Chunk ThreadedSource::copy_range(std::int64_t from, std::int64_t to) const {
  Chunk c;
  c.first_index = from;
  if (to <= from || capacity_ == 0) return c;
  const auto n = static_cast<std::size_t>(to - from);
  c.data.resize(n * item_bytes_);
  c.t_ns.resize(n);
  std::size_t slot = static_cast<std::size_t>(from % static_cast<std::int64_t>(capacity_));
  std::size_t done = 0;
  while (done < n) {
    const std::size_t run = std::min(n - done, capacity_ - slot);
    std::memcpy(c.data.data() + done * item_bytes_, data_.data() + slot * item_bytes_, run * item_bytes_);
    std::memcpy(c.t_ns.data() + done, times_.data() + slot, run * sizeof(std::int64_t));
    done += run;
    slot = 0;
  }
  return c;
}

Chunk ThreadedSource::read() {
  std::lock_guard lock(mutex_);
  const std::int64_t from = std::max(read_cursor_, oldest_index());
  dropped_ += from - read_cursor_;
  Chunk c = copy_range(from, written_);
  read_cursor_ = written_;
  items_read_ += static_cast<std::int64_t>(c.size());
  return c;
}

Chunk ThreadedSource::read_since(std::int64_t index, std::int64_t* lost) const {
  std::lock_guard lock(mutex_);
  index = std::max<std::int64_t>(index, 0);
  const std::int64_t from = std::max(index, oldest_index());
  if (lost) *lost = std::max<std::int64_t>(0, std::min(from, written_) - index);
  return copy_range(std::min(from, written_), written_);
}

Chunk ThreadedSource::latest(std::size_t n) const {
  std::lock_guard lock(mutex_);
  const std::int64_t from = std::max(oldest_index(), written_ - static_cast<std::int64_t>(n));
  return copy_range(from, written_);
}

std::int64_t ThreadedSource::search(std::int64_t t, bool after) const noexcept {
  // Capture times are non-decreasing along the stream: binary search.
  const auto cap = static_cast<std::int64_t>(capacity_);
  std::int64_t lo = oldest_index(), hi = written_;
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    const std::int64_t tm = times_[static_cast<std::size_t>(mid % cap)];
    if (after ? tm <= t : tm < t)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

Chunk ThreadedSource::window(std::int64_t from_ns, std::int64_t to_ns) const {
  std::lock_guard lock(mutex_);
  if (capacity_ == 0 || to_ns < from_ns) return copy_range(written_, written_);
  const std::int64_t from = search(from_ns, false);
  const std::int64_t to = search(to_ns, true);
  return copy_range(from, std::max(from, to));
}

Chunk ThreadedSource::latest_at(std::int64_t t_ns, std::size_t n) const {
  std::lock_guard lock(mutex_);
  if (capacity_ == 0) return copy_range(written_, written_);
  const std::int64_t to = search(t_ns, true);
  const std::int64_t from = std::max(oldest_index(), to - static_cast<std::int64_t>(n));
  return copy_range(from, std::max(from, to));
}

SourceStats ThreadedSource::stats() const {
  std::lock_guard lock(mutex_);
  SourceStats s;
  s.state = state_;
  s.items = written_;
  s.items_read = items_read_;
  s.dropped = dropped_ + std::max<std::int64_t>(0, oldest_index() - read_cursor_);
  s.source_dropped = source_dropped_.load(std::memory_order_relaxed);
  s.started_ns = started_ns_;
  if (written_ > 0 && capacity_ > 0)
    s.last_t_ns = times_[static_cast<std::size_t>((written_ - 1) % static_cast<std::int64_t>(capacity_))];
  const std::int64_t end_ns = state_ == SourceState::Running ? Clock::now_ns() : std::max(s.last_t_ns, started_ns_);
  if (end_ns > started_ns_ && started_ns_ > 0)
    s.rate = static_cast<double>(written_) / Clock::to_seconds(end_ns - started_ns_);
  s.error = error_;
  s.failed_ns = failed_ns_;
  return s;
}

bool ThreadedSource::wait_for(std::int64_t after_index, std::int64_t timeout_ns) const {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, std::chrono::nanoseconds(std::max<std::int64_t>(timeout_ns, 0)),
               [&] { return written_ - 1 > after_index || state_ != SourceState::Running; });
  return written_ - 1 > after_index;
}

// ---------------------------------------------------------------------------------------------------
namespace {
StreamFormat polling_format(double rate_hz, const std::vector<std::string>& fields) {
  if (!(rate_hz > 0.0) || rate_hz > 100000.0)
    throw InvalidArgument("PollingSource: rate must be between 0 and 100000 Hz, got " + std::to_string(rate_hz));
  if (fields.empty()) throw InvalidArgument("PollingSource: at least one field name is needed");
  StreamFormat f;
  f.kind = "polling";
  f.type = ElementType::Float64;
  f.item_shape = {fields.size()};
  f.nominal_rate = rate_hz;
  f.fields = fields;
  return f;
}
}  // namespace

PollingSource::PollingSource(Function fn, double rate_hz, const std::vector<std::string>& fields,
                             double history_seconds)
    : ThreadedSource(polling_format(rate_hz, fields), history_seconds), fn_(std::move(fn)), period_ns_(1e9 / rate_hz) {
  if (!fn_) throw InvalidArgument("PollingSource: no function given");
}

PollingSource::~PollingSource() {
  stop_and_join();
}

void PollingSource::open() {
  next_ns_ = Clock::now_ns();
}

bool PollingSource::poll() {
  if (!sleep_until(next_ns_)) return true;
  const std::vector<double> values = fn_();
  const std::size_t want = format().item_shape[0];
  if (values.size() != want)
    throw StreamError("PollingSource: the function returned " + std::to_string(values.size()) + " values, expected " +
                      std::to_string(want));
  const std::int64_t t = Clock::now_ns();
  push(values.data(), 1, &t);
  next_ns_ += static_cast<std::int64_t>(period_ns_);
  if (next_ns_ < t - static_cast<std::int64_t>(period_ns_)) {  // fell more than a period behind: skip ticks
    const auto missed = static_cast<std::int64_t>(static_cast<double>(t - next_ns_) / period_ns_);
    add_source_dropped(missed);
    next_ns_ += static_cast<std::int64_t>(static_cast<double>(missed) * period_ns_);
  }
  return true;
}

}  // namespace percept::sensors
