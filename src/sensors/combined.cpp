#include "percept/sensors/combined.hpp"

#include <cmath>
#include <limits>

#include "percept/core/clock.hpp"
#include "percept/core/error.hpp"

namespace percept::sensors {

Policy parse_policy(const std::string& name) {
  if (name == "latest") return Policy::Latest;
  if (name == "window") return Policy::Window;
  if (name == "new") return Policy::New;
  throw InvalidArgument("Combined: unknown policy '" + name + "' (use 'latest', 'window' or 'new')");
}

const char* policy_name(Policy p) noexcept {
  switch (p) {
    case Policy::Latest:
      return "latest";
    case Policy::Window:
      return "window";
    case Policy::New:
      return "new";
  }
  return "?";
}

Combined::Combined(CombinedOptions options) : options_(std::move(options)) {
  if (!std::isfinite(options_.seconds) || options_.seconds < 0)
    throw InvalidArgument("Combined: seconds must be a finite number >= 0, got " + std::to_string(options_.seconds));
  if (options_.policy == Policy::Window && options_.seconds <= 0)
    throw InvalidArgument("Combined: the window policy needs seconds > 0");
}

Combined::~Combined() {
  stop();
}

void Combined::add(const std::string& name, std::shared_ptr<Source> source) {
  if (name.empty()) throw InvalidArgument("Combined: a source needs a non-empty name");
  if (!source) throw InvalidArgument("Combined: source '" + name + "' is null");
  std::lock_guard lock(mutex_);
  for (const auto& [n, s] : sources_) {
    if (n == name) throw InvalidArgument("Combined: two sources are named '" + name + "'");
    if (s == source) throw InvalidArgument("Combined: source '" + name + "' was already added as '" + n + "'");
  }
  sources_.emplace_back(name, std::move(source));
}

std::vector<std::string> Combined::names() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [n, s] : sources_) out.push_back(n);
  return out;
}

std::shared_ptr<Source> Combined::get(const std::string& name) const {
  std::lock_guard lock(mutex_);
  for (const auto& [n, s] : sources_)
    if (n == name) return s;
  throw InvalidArgument("Combined: no source named '" + name + "'");
}

void Combined::start() {
  std::lock_guard lock(mutex_);
  if (!options_.reference.empty()) {
    bool found = false;
    for (const auto& [n, s] : sources_) found = found || n == options_.reference;
    if (!found) throw InvalidArgument("Combined: the reference '" + options_.reference + "' is not one of the sources");
  }
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    try {
      sources_[i].second->start();
    } catch (const Error& e) {
      for (std::size_t j = 0; j < i; ++j) sources_[j].second->stop();
      const std::string msg = "Combined: source '" + sources_[i].first + "' could not start: " + e.what();
      switch (e.kind()) {
        case ErrorKind::InvalidArgument:
          throw InvalidArgument(msg);
        case ErrorKind::File:
          throw FileError(msg);
        case ErrorKind::Format:
          throw FormatError(msg);
        case ErrorKind::Device:
          throw DeviceError(msg);
        case ErrorKind::Timeout:
          throw TimeoutError(msg);
        case ErrorKind::Stream:
        case ErrorKind::Generic:
          throw StreamError(msg);
      }
    }
  }
}

void Combined::stop() noexcept {
  std::lock_guard lock(mutex_);
  for (auto& [n, s] : sources_) {
    try {
      s->stop();
    } catch (...) {  // stop() of a ThreadedSource does not throw; other implementations are tolerated
    }
  }
}

std::string Combined::reference() const {
  std::lock_guard lock(mutex_);
  if (!options_.reference.empty()) return options_.reference;
  for (const auto& [n, s] : sources_)
    if (s->format().kind == "video") return n;
  std::string best;
  double best_rate = std::numeric_limits<double>::infinity();
  for (const auto& [n, s] : sources_) {
    const StreamFormat f = s->format();
    if (!f.continuous && f.nominal_rate < best_rate) {
      best_rate = f.nominal_rate;
      best = n;
    }
  }
  return best;
}

CombinedReading Combined::read() {
  return read(options_.policy, options_.seconds);
}

CombinedReading Combined::read(Policy policy, double seconds) {
  if (!std::isfinite(seconds) || seconds < 0)
    throw InvalidArgument("Combined.read: seconds must be a finite number >= 0, got " + std::to_string(seconds));
  if (policy == Policy::Window && seconds <= 0)
    throw InvalidArgument("Combined.read: the window policy needs seconds > 0");
  const std::string ref = policy == Policy::Latest ? reference() : std::string();
  std::lock_guard lock(mutex_);
  CombinedReading r;
  const std::int64_t now = Clock::now_ns();
  switch (policy) {
    case Policy::New:
      r.t_ref_ns = now;
      for (auto& [n, s] : sources_) r.chunks[n] = s->read();
      break;
    case Policy::Window: {
      r.t_ref_ns = now;
      const std::int64_t span = Clock::from_seconds(seconds);
      for (auto& [n, s] : sources_) r.chunks[n] = s->window(now - span, now);
      break;
    }
    case Policy::Latest: {
      r.t_ref_ns = now;
      double ref_rate = 0;
      for (auto& [n, s] : sources_) {
        if (n != ref) continue;
        Chunk c = s->latest_at(now, 1);
        ref_rate = s->format().nominal_rate;
        if (!c.empty()) r.t_ref_ns = c.t_ns.back();
        r.chunks[n] = std::move(c);
      }
      std::int64_t span = Clock::from_seconds(seconds);
      if (span <= 0) span = ref_rate > 0 ? static_cast<std::int64_t>(1e9 / ref_rate) : Clock::from_seconds(0.1);
      for (auto& [n, s] : sources_) {
        if (n == ref) continue;
        if (s->format().continuous)
          r.chunks[n] = s->window(r.t_ref_ns - span + 1, r.t_ref_ns);
        else
          r.chunks[n] = s->latest_at(r.t_ref_ns, 1);
      }
      break;
    }
  }
  for (auto& [n, s] : sources_) {
    if (s->state() == SourceState::Failed) r.failures[n] = s->stats().error;
  }
  return r;
}

std::map<std::string, std::string> Combined::failures() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, std::string> out;
  for (const auto& [n, s] : sources_) {
    const SourceStats st = s->stats();
    if (st.state == SourceState::Failed) out[n] = st.error;
  }
  return out;
}

std::map<std::string, SourceStats> Combined::stats() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, SourceStats> out;
  for (const auto& [n, s] : sources_) out[n] = s->stats();
  return out;
}

}  // namespace percept::sensors
