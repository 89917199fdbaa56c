#include "percept/dsp/chain.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "percept/core/error.hpp"

namespace percept::dsp {

namespace {
double common_rate_hint(const std::vector<std::shared_ptr<Processor>>& ps) {
  for (const auto& p : ps)
    if (p->sample_rate_hint() > 0) return p->sample_rate_hint();
  return 0.0;
}
}  // namespace

Chain::Chain(std::vector<std::shared_ptr<Processor>> processors) : procs_(std::move(processors)) {
  for (std::size_t i = 0; i < procs_.size(); ++i)
    if (!procs_[i]) throw InvalidArgument("chain: processor " + std::to_string(i) + " is None");
  set_sample_rate_hint(common_rate_hint(procs_));
}

void Chain::prepare(const ProcessSpec& spec) {
  if (spec.num_channels == 0 || spec.max_block_size == 0 || !(spec.sample_rate > 0))
    throw InvalidArgument("chain: invalid spec (rate, block size and channels must be positive)");
  for (auto& p : procs_) p->prepare(spec);
  set_spec(spec);
}

void Chain::reset() noexcept {
  for (auto& p : procs_) p->reset();
}

std::size_t Chain::latency() const noexcept {
  std::size_t total = 0;
  for (const auto& p : procs_) total += p->latency();
  return total;
}

std::string Chain::describe() const {
  std::string s;
  for (std::size_t i = 0; i < procs_.size(); ++i) s += (i ? " | " : "") + procs_[i]->name();
  return s;
}

Parallel::Parallel(std::vector<std::shared_ptr<Processor>> branches, std::vector<double> weights)
    : branches_(std::move(branches)), weights_(std::move(weights)) {
  if (branches_.empty()) throw InvalidArgument("parallel: need at least one branch");
  for (std::size_t i = 0; i < branches_.size(); ++i)
    if (!branches_[i]) throw InvalidArgument("parallel: branch " + std::to_string(i) + " is None");
  if (weights_.empty()) weights_.assign(branches_.size(), 1.0);
  if (weights_.size() != branches_.size())
    throw InvalidArgument("parallel: " + std::to_string(weights_.size()) + " weights for " +
                          std::to_string(branches_.size()) + " branches");
  for (double w : weights_)
    if (!std::isfinite(w)) throw InvalidArgument("parallel: weights must be finite");
  set_sample_rate_hint(common_rate_hint(branches_));
}

void Parallel::prepare(const ProcessSpec& spec) {
  if (spec.num_channels == 0 || spec.max_block_size == 0 || !(spec.sample_rate > 0))
    throw InvalidArgument("parallel: invalid spec (rate, block size and channels must be positive)");
  for (auto& b : branches_) b->prepare(spec);
  scratch_f_.resize(2 * spec.num_channels, spec.max_block_size);
  scratch_d_.resize(2 * spec.num_channels, spec.max_block_size);
  set_spec(spec);
}

void Parallel::reset() noexcept {
  for (auto& b : branches_) b->reset();
}

std::size_t Parallel::latency() const noexcept {
  std::size_t m = 0;
  for (const auto& b : branches_) m = std::max(m, b->latency());
  return m;
}

}  // namespace percept::dsp
