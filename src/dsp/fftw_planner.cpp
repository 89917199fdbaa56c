#include "percept/dsp/fftw_planner.hpp"

namespace percept::dsp {

std::mutex& fftw_planner_mutex() noexcept {
  static std::mutex m;
  return m;
}

}  // namespace percept::dsp
