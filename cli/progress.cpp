#include "progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "percept/core/clock.hpp"

namespace percept::cli {

ProgressBar::ProgressBar(std::string label, std::int64_t total, bool enabled)
    : label_(std::move(label)),
      total_(total),
      start_ns_(Clock::now_ns()),
      enabled_(enabled && total > 0 && ::isatty(STDERR_FILENO) != 0) {}

ProgressBar::~ProgressBar() {
  finish();
}

void ProgressBar::update(std::int64_t done) {
  done_ = done;
  draw(false);
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  if (!enabled_) return;
  done_ = total_;
  draw(true);
  std::fputc('\n', stderr);
}

void ProgressBar::draw(bool force) {
  if (!enabled_) return;
  const std::int64_t now = Clock::now_ns();
  if (!force && now - last_draw_ns_ < 100'000'000) return;
  last_draw_ns_ = now;
  const double frac = std::clamp(static_cast<double>(done_) / static_cast<double>(total_), 0.0, 1.0);
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(frac * kWidth);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kWidth - filled), '.');
  const double elapsed = static_cast<double>(now - start_ns_) * 1e-9;
  const double eta = frac > 0 ? elapsed * (1.0 - frac) / frac : 0.0;
  std::fprintf(stderr, "\r%s [%s] %5.1f%%  %.1fs elapsed, %.1fs left ", label_.c_str(), bar.c_str(), frac * 100.0,
               elapsed, eta);
  std::fflush(stderr);
}

}  // namespace percept::cli
