// percept/dsp/chain_parser.hpp — the chain syntax of `percept fx --chain` and `percept duplex --chain`.
//
//   chain     := stage ( "|" stage )*
//   stage     := name [ "(" [ arg ( "," arg )* ] ")" ]
//   arg       := key "=" value
//   value     := number | word | "quoted" | "[" number ("," number)* "]"
//
//   "butterworth(order=4,cutoff_hz=2000) | vcs3(feedback=4)"
//   "butterworth(order=2, cutoff_hz=[300, 3000], btype=bandpass) | gain(gain_db=-6)"
//
// Stage names and their keyword arguments (units in the names) are those of the Python classes:
//   onepole(alpha | cutoff_hz)     butterworth(order, cutoff_hz, btype)     gain(gain_db)
//   delay(delay_samples | delay_s) dcblock(cutoff_hz)                       softclip(drive_db)
//   ring(oversampling, k, modulator_hz, modulator_level)                     ringcore(k, modulator_hz, modulator_level)
//   vcs3(control_current, feedback, solver, tolerance, max_iterations, oversampling)
//   denoise(frame_size, hop_size, over_subtraction, spectral_floor, noise_estimator, noise_frames)
//   nlms(taps, step_size)          (channels in primary/reference pairs)
//   cascade(stages, cutoff_hz, resonance)   a fixed, heavy load for benchmarks (percept/dsp/diagnostic.hpp)
//   counter()                      replaces the signal with a frame counter (gaplessness checks)
// The same text runs offline (`percept fx`) and in the real-time engine (`percept duplex --chain`,
// `percept demo-live`, bench_engine_rt): there is one chain syntax.
// Errors (unknown stage or key, bad value, syntax) throw InvalidArgument naming the offending text.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "percept/dsp/chain.hpp"

namespace percept::dsp {

struct StageSpec {
  std::string name;
  /// Values as written; lists as "[a,b]".
  std::map<std::string, std::string> args;
};

[[nodiscard]] std::vector<StageSpec> parse_chain_spec(const std::string& text);
/// Builds one processor for a stream at `sample_rate`.
[[nodiscard]] std::shared_ptr<Processor> make_processor(const StageSpec& stage, double sample_rate);
/// Parses and builds a whole chain (not yet prepared).
[[nodiscard]] std::shared_ptr<Chain> parse_chain(const std::string& text, double sample_rate);
/// The stage names make_processor() knows.
[[nodiscard]] std::vector<std::string> chain_stage_names();
/// "(key=default, ...)  what it is" for a stage name (for `percept fx --list`).
[[nodiscard]] std::string chain_stage_usage(const std::string& name);

}  // namespace percept::dsp
