// Built-in chain parser and processors; see percept/io/chain.hpp.
#include "percept/io/chain.hpp"

#include <cmath>
#include <mutex>
#include <numbers>
#include <sstream>

#include "percept/core/error.hpp"

namespace percept::io {

namespace {

std::mutex g_parser_mutex;
ChainParser g_parser;

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep)) out.push_back(item);
  return out;
}

double number(const std::string& s, const std::string& what) {
  try {
    std::size_t pos = 0;
    const double v = std::stod(s, &pos);
    if (pos != s.size() || !std::isfinite(v)) throw InvalidArgument("");
    return v;
  } catch (const std::exception&) {
    throw InvalidArgument("chain: " + what + " must be a finite number, got '" + s + "'");
  }
}

}  // namespace

GainProcessor::GainProcessor(double db) : gain_(std::pow(10.0, db / 20.0)) {
  if (!std::isfinite(db)) throw InvalidArgument("gain: dB must be finite");
}

OnePoleLowpass::OnePoleLowpass(double cutoff_hz) : cutoff_(cutoff_hz) {
  if (!(cutoff_hz > 0) || !std::isfinite(cutoff_hz))
    throw InvalidArgument("lowpass: cutoff must be a positive frequency");
}
void OnePoleLowpass::prepare(const dsp::ProcessSpec& spec) {
  if (cutoff_ >= spec.sample_rate / 2)
    throw InvalidArgument("lowpass: cutoff " + std::to_string(cutoff_) + " Hz is not below Nyquist");
  a_ = 1.0 - std::exp(-2.0 * std::numbers::pi * cutoff_ / spec.sample_rate);
  state_.assign(spec.num_channels, 0.0);
  set_spec(spec);
}
void OnePoleLowpass::reset() noexcept {
  std::fill(state_.begin(), state_.end(), 0.0);
}

SaturatingCascade::SaturatingCascade(int stages, double cutoff_hz, double resonance)
    : stages_(stages), cutoff_(cutoff_hz), resonance_(resonance) {
  if (stages < 1 || stages > 4096) throw InvalidArgument("cascade: stages must be 1..4096");
  if (!(cutoff_hz > 0) || !std::isfinite(cutoff_hz))
    throw InvalidArgument("cascade: cutoff must be a positive frequency");
}
void SaturatingCascade::prepare(const dsp::ProcessSpec& spec) {
  if (cutoff_ >= spec.sample_rate / 6) throw InvalidArgument("cascade: cutoff must be below sample_rate / 6");
  f_ = 2.0 * std::sin(std::numbers::pi * cutoff_ / spec.sample_rate);
  q_ = 2.0 - 2.0 * std::clamp(resonance_, 0.0, 0.95);
  state_.assign(spec.num_channels * static_cast<std::size_t>(stages_) * 2, 0.0);
  set_spec(spec);
}
void SaturatingCascade::reset() noexcept {
  std::fill(state_.begin(), state_.end(), 0.0);
}

Chain parse_builtin_chain(const std::string& spec) {
  Chain chain;
  if (spec.empty()) return chain;
  for (const auto& item : split(spec, ',')) {
    const auto parts = split(item, ':');
    if (parts.empty() || parts[0].empty()) throw InvalidArgument("chain: empty processor in '" + spec + "'");
    const std::string& name = parts[0];
    auto arg = [&](std::size_t i, const char* what) {
      if (parts.size() <= i)
        throw InvalidArgument(std::string("chain: ")
                                  .append(name)
                                  .append(" needs ")
                                  .append(what)
                                  .append(" (")
                                  .append(name)
                                  .append(":")
                                  .append(what)
                                  .append(")"));
      return number(parts[i], name + " " + what);
    };
    if (name == "gain") {
      chain.push_back(std::make_shared<GainProcessor>(arg(1, "dB")));
    } else if (name == "lowpass") {
      chain.push_back(std::make_shared<OnePoleLowpass>(arg(1, "Hz")));
    } else if (name == "cascade") {
      const double stages = arg(1, "stages");
      const double hz = parts.size() > 2 ? arg(2, "Hz") : 1000.0;
      chain.push_back(std::make_shared<SaturatingCascade>(static_cast<int>(stages), hz));
    } else if (name == "counter") {
      chain.push_back(std::make_shared<CounterSource>());
    } else {
      throw InvalidArgument("chain: unknown processor '" + name +
                            "' (built in: gain:DB, lowpass:HZ, cascade:N[:HZ], counter)");
    }
  }
  return chain;
}

Chain parse_chain(const std::string& spec) {
  ChainParser p;
  {
    std::lock_guard<std::mutex> lock(g_parser_mutex);
    p = g_parser;
  }
  return p ? p(spec) : parse_builtin_chain(spec);
}

void set_chain_parser(ChainParser parser) {
  std::lock_guard<std::mutex> lock(g_parser_mutex);
  g_parser = std::move(parser);
}

}  // namespace percept::io
