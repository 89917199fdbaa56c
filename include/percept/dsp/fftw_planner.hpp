// percept/dsp/fftw_planner.hpp — the one lock around FFTW's planner.
//
// FFTW executes existing plans from any thread, but creating or destroying a plan touches global
// planner state and must be serialised process-wide. Every layer that plans FFTW transforms (the
// analysis FFT cache, the spectral-subtraction denoiser) takes this same mutex; never the audio thread
// (plans are made in prepare() or on first use off the real-time path).
#pragma once

#include <mutex>

namespace percept::dsp {

[[nodiscard]] std::mutex& fftw_planner_mutex() noexcept;

}  // namespace percept::dsp
