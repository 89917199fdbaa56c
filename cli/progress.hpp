// A terminal progress bar for long work (convert, batch features). Draws to stderr only when it is a
// terminal, so logs and pipes stay clean; at most ~10 redraws a second.
#pragma once

#include <cstdint>
#include <string>

namespace percept::cli {

class ProgressBar {
 public:
  ProgressBar(std::string label, std::int64_t total, bool enabled = true);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void update(std::int64_t done);
  void finish();

 private:
  void draw(bool force);
  std::string label_;
  std::int64_t total_;
  std::int64_t done_ = 0;
  std::int64_t last_draw_ns_ = 0;
  std::int64_t start_ns_ = 0;
  bool enabled_;
  bool finished_ = false;
};

}  // namespace percept::cli
