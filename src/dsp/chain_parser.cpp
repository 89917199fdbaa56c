#include "percept/dsp/chain_parser.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <set>

#include "percept/core/error.hpp"
#include "percept/dsp/denoise.hpp"
#include "percept/dsp/diagnostic.hpp"
#include "percept/dsp/filters.hpp"
#include "percept/dsp/utility.hpp"
#include "percept/dsp/virtual_analog.hpp"

namespace percept::dsp {

namespace {

class Lexer {
 public:
  explicit Lexer(const std::string& s) : s_(s) {}
  void skip_ws() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool done() {
    skip_ws();
    return i_ >= s_.size();
  }
  bool accept(char c) {
    skip_ws();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!accept(c)) fail(std::string("expected '") + c + "'");
  }
  std::string word() {
    skip_ws();
    const std::size_t start = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' || s_[i_] == '-' ||
                              s_[i_] == '.' || s_[i_] == '+'))
      ++i_;
    if (start == i_) fail("expected a name or value");
    return s_.substr(start, i_ - start);
  }
  std::string value() {
    skip_ws();
    if (i_ < s_.size() && (s_[i_] == '"' || s_[i_] == '\'')) {
      const char q = s_[i_++];
      const std::size_t start = i_;
      while (i_ < s_.size() && s_[i_] != q) ++i_;
      if (i_ >= s_.size()) fail("unterminated string");
      return s_.substr(start, i_++ - start);
    }
    if (i_ < s_.size() && (s_[i_] == '[' || s_[i_] == '(')) {
      const char close = s_[i_] == '[' ? ']' : ')';
      ++i_;
      std::string out = "[";
      for (bool first = true;; first = false) {
        if (accept(close)) break;
        if (!first) expect(',');
        out += (first ? "" : ",") + word();
      }
      return out + "]";
    }
    return word();
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw InvalidArgument("chain: " + what + " at position " + std::to_string(i_) + " in \"" + s_ + "\"");
  }

 private:
  const std::string& s_;
  std::size_t i_ = 0;
};

class Args {
 public:
  Args(const StageSpec& st) : st_(st) {}
  bool has(const std::string& k) {
    used_.insert(k);
    return st_.args.count(k) > 0;
  }
  double num(const std::string& k, double def) {
    if (!has(k)) return def;
    return parse_number(k, st_.args.at(k));
  }
  int integer(const std::string& k, int def) {
    const double v = num(k, def);
    if (v != std::floor(v) || std::abs(v) > 1e9) bad(k, "an integer");
    return static_cast<int>(v);
  }
  std::string str(const std::string& k, const std::string& def) { return has(k) ? st_.args.at(k) : def; }
  std::vector<double> list(const std::string& k, std::vector<double> def) {
    if (!has(k)) return def;
    std::string v = st_.args.at(k);
    if (v.empty() || v[0] != '[') return {parse_number(k, v)};
    std::vector<double> out;
    std::size_t start = 1;
    while (start < v.size() - 1) {
      std::size_t end = v.find(',', start);
      if (end == std::string::npos) end = v.size() - 1;
      out.push_back(parse_number(k, v.substr(start, end - start)));
      start = end + 1;
    }
    return out;
  }
  void finish() {
    for (const auto& [k, v] : st_.args)
      if (!used_.count(k)) throw InvalidArgument("chain: " + st_.name + "() has no parameter '" + k + "'");
  }

 private:
  double parse_number(const std::string& k, const std::string& v) {
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    if (v.empty() || end != v.c_str() + v.size() || !std::isfinite(d)) bad(k, "a number");
    return d;
  }
  [[noreturn]] void bad(const std::string& k, const char* what) {
    throw InvalidArgument("chain: " + st_.name + "(" + k + "=" + st_.args.at(k) + "): expected " + what);
  }
  const StageSpec& st_;
  std::set<std::string> used_;
};

}  // namespace

std::vector<StageSpec> parse_chain_spec(const std::string& text) {
  Lexer lx(text);
  std::vector<StageSpec> out;
  if (lx.done()) throw InvalidArgument("chain: empty chain description");
  for (;;) {
    StageSpec st;
    st.name = lx.word();
    for (auto& ch : st.name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lx.accept('(')) {
      for (bool first = true;; first = false) {
        if (lx.accept(')')) break;
        if (!first) lx.expect(',');
        const std::string key = lx.word();
        lx.expect('=');
        if (st.args.count(key)) lx.fail("parameter '" + key + "' given twice");
        st.args[key] = lx.value();
      }
    }
    out.push_back(std::move(st));
    if (lx.done()) break;
    lx.expect('|');
  }
  return out;
}

namespace {
struct StageHelp {
  const char* name;
  const char* usage;
};
constexpr StageHelp kStages[] = {
    {"onepole", "(alpha=0.1 | cutoff_hz)  one-pole low-pass y = a x + (1 - a) y[-1]"},
    {"butterworth", "(order=4, cutoff_hz=1000 | [lo,hi], btype=lowpass|highpass|bandpass|bandstop)"},
    {"gain", "(gain_db=0)"},
    {"delay", "(delay_samples=0 | delay_s)"},
    {"dcblock", "(cutoff_hz=10)  DC blocker"},
    {"softclip", "(drive_db=0)  tanh soft clipper"},
    {"ring",
     "(oversampling=30, k=0.4, modulator_hz=500, modulator_level=1, input_scale=0.2, output_gain_db=auto)  diode ring "
     "modulator, anti-aliased"},
    {"ringcore", "(k=0.4, modulator_hz=500, modulator_level=1)  diode ring core at the stream rate"},
    {"vcs3",
     "(control_current=30e-6, feedback=5.175, solver=fixed-point|newton, tolerance=1e-3, "
     "max_iterations=100, oversampling=1)  EMS VCS3 filter"},
    {"denoise",
     "(frame_size=512, hop_size=128, over_subtraction=4, spectral_floor=0.03, "
     "noise_estimator=minimum-statistics|leading, noise_frames=10)  spectral subtraction"},
    {"nlms", "(taps=32, step_size=0.01)  adaptive filter; channels in primary/reference pairs"},
    {"cascade", "(stages=8, cutoff_hz=1000, resonance=0.5)  saturating two-pole sections: a fixed benchmark load"},
    {"counter", "()  replaces the signal with frame k -> ((k mod 2^23) + 1) / 2^23 (gaplessness checks)"},
};
}  // namespace

std::vector<std::string> chain_stage_names() {
  std::vector<std::string> out;
  for (const auto& s : kStages) out.emplace_back(s.name);
  return out;
}

std::string chain_stage_usage(const std::string& name) {
  for (const auto& s : kStages)
    if (name == s.name) return s.usage;
  throw InvalidArgument("chain: unknown stage '" + name + "'");
}

std::shared_ptr<Processor> make_processor(const StageSpec& st, double sr) {
  Args a(st);
  std::shared_ptr<Processor> p;
  const std::string& n = st.name;
  if (n == "onepole" || n == "lowpass1") {
    const double alpha =
        a.has("cutoff_hz") ? OnePoleLowpass::alpha_for_cutoff(a.num("cutoff_hz", 1000), sr) : a.num("alpha", 0.1);
    p = std::make_shared<OnePoleLowpass>(alpha);
  } else if (n == "butterworth" || n == "butter") {
    p = std::make_shared<Butterworth>(a.integer("order", 4), a.list("cutoff_hz", {1000.0}),
                                      parse_filter_type(a.str("btype", "lowpass")), sr);
  } else if (n == "gain") {
    p = std::make_shared<Gain>(a.num("gain_db", 0));
  } else if (n == "delay") {
    const double samples = a.has("delay_s") ? std::round(a.num("delay_s", 0) * sr) : a.num("delay_samples", 0);
    if (samples < 0) throw InvalidArgument("chain: delay must be non-negative");
    p = std::make_shared<Delay>(static_cast<std::size_t>(samples));
  } else if (n == "dcblock" || n == "dc_blocker") {
    p = std::make_shared<DcBlocker>(a.num("cutoff_hz", 10));
  } else if (n == "softclip") {
    p = std::make_shared<SoftClip>(a.num("drive_db", 0));
  } else if (n == "ring") {
    p = std::make_shared<DiodeRingModulator>(
        sr, a.integer("oversampling", 30), a.num("k", 0.4), a.num("modulator_hz", 500), a.num("modulator_level", 1.0),
        AntiAliasDesign{a.integer("taps_per_phase", 32), a.num("cutoff", 0.9), 8.0}, a.num("input_scale", 0.0),
        a.has("output_gain_db") ? std::optional<double>(a.num("output_gain_db", 0)) : std::nullopt);
  } else if (n == "ringcore") {
    p = std::make_shared<DiodeRingCore>(sr, a.num("k", 0.4), a.num("modulator_hz", 500), a.num("modulator_level", 1.0));
  } else if (n == "vcs3") {
    p = std::make_shared<Vcs3Filter>(sr, a.num("control_current", 30e-6), a.num("feedback", 5.175),
                                     parse_vcs3_solver(a.str("solver", "fixed-point")), a.num("tolerance", 1e-3),
                                     a.integer("max_iterations", 100), a.integer("oversampling", 1));
  } else if (n == "denoise" || n == "spectral_subtraction") {
    p = std::make_shared<SpectralSubtraction>(static_cast<std::size_t>(a.integer("frame_size", 512)),
                                              static_cast<std::size_t>(a.integer("hop_size", 128)),
                                              a.num("over_subtraction", 4.0), a.num("spectral_floor", 0.03),
                                              parse_noise_estimator(a.str("noise_estimator", "minimum-statistics")),
                                              static_cast<std::size_t>(a.integer("noise_frames", 10)));
  } else if (n == "nlms") {
    p = std::make_shared<Nlms>(static_cast<std::size_t>(a.integer("taps", 32)), a.num("step_size", 0.01));
  } else if (n == "cascade") {
    p = std::make_shared<SaturatingCascade>(a.integer("stages", 8), a.num("cutoff_hz", 1000.0),
                                            a.num("resonance", 0.5));
  } else if (n == "counter") {
    p = std::make_shared<Counter>();
  } else {
    std::string known;
    for (const auto& k : chain_stage_names()) known += (known.empty() ? "" : ", ") + k;
    throw InvalidArgument("chain: unknown stage '" + n + "' (known: " + known + ")");
  }
  a.finish();
  return p;
}

std::shared_ptr<Chain> parse_chain(const std::string& text, double sample_rate) {
  if (!(sample_rate > 0)) throw InvalidArgument("chain: sample_rate must be positive");
  std::vector<std::shared_ptr<Processor>> ps;
  for (const auto& st : parse_chain_spec(text)) ps.push_back(make_processor(st, sample_rate));
  return std::make_shared<Chain>(std::move(ps));
}

}  // namespace percept::dsp
